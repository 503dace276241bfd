#!/usr/bin/env bash
# The checks to run before every commit: the same as CI, quicker to type.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked -q 2>&1 | grep -E "^test result|FAILED|panicked" || true
cargo test --locked -q >/dev/null 2>&1
