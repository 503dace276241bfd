#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 300) each, JOBS at a time
# (default 1), starting from fuzz/seeds/<target> and growing
# fuzz/corpus/<target>. Needs cargo-fuzz, and a nightly toolchain or the
# stable one (run with RUSTC_BOOTSTRAP=1):
#   cargo install cargo-fuzz
#   bash fuzz/run.sh [SECONDS] [JOBS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
jobs=${2:-1}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
# A nightly toolchain if there is one; else the stable one, allowed the
# nightly-only flags cargo-fuzz passes (RUSTC_BOOTSTRAP=1).
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz() { cargo +nightly fuzz "$@"; }
else
    fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }
fi
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(fuzz list)
fi
fuzz build -O
mkdir -p logs
run_one() {
    local target=$1
    mkdir -p "corpus/$target"
    # -close_fd_mask=2: binarize's warnings would flood the log.
    # The binaries built above, run directly, so that editing the sources
    # meanwhile changes nothing. Crashes are written to artifacts/<target>/.
    mkdir -p "artifacts/$target"
    "target/x86_64-unknown-linux-gnu/release/$target" "corpus/$target" "seeds/$target" \
        -max_total_time="$seconds" -close_fd_mask=2 -print_final_stats=1 \
        -artifact_prefix="artifacts/$target/" \
        > "logs/$target.log" 2>&1 || echo "$target: FAILED (see fuzz/logs/$target.log)"
    grep -E '^#[0-9]+' "logs/$target.log" | tail -1 | sed "s/^/$target: /"
}
export -f run_one
export seconds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
