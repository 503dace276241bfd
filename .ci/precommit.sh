#!/usr/bin/env bash
# The checks to run before every commit: what CI runs, with short output.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt
cargo clippy --all-targets --locked -q -- -D warnings
cargo test --locked -q 2>&1 | grep -E "^test result|FAILED|panicked|^error"
