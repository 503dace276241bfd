#!/bin/sh
# Issue 27: every research kind against bce on the same inputs.
#
#   bench/research_kinds.sh                 # wall time: hyperfine, 1M x 50, -r mean,
#                                           # default threads, median of RUNS (5) runs
#   bench/research_kinds.sh --instructions  # callgrind instruction counts, 200k x 50,
#                                           # -r mean -j 1 (independent of the load)
#
# Inputs are generated once into $DATA (default /tmp/mlloss-research-kinds,
# never the repository) by numpy ($PYTHON, default /work/venv/bin/python):
# %.7g logits ~ N(0, 2), 0/1 targets with P(1) = 0.1, CSV with a header,
# seed 27. Class counts 100, 107, ..., 443 and N = 5000 for the two
# balanced kinds. The binary is $MLLOSS (default target/release/mlloss):
# build it first with `cargo build --release`.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${MLLOSS:-$root/target/release/mlloss}
python=${PYTHON:-/work/venv/bin/python}
data=${DATA:-/tmp/mlloss-research-kinds}
runs=${RUNS:-5}
mode=wall
rows=1000000
if [ "${1:-}" = "--instructions" ]; then
    mode=instructions
    rows=200000
fi
mkdir -p "$data"
x=$data/x-$rows.csv
y=$data/y-$rows.csv
if [ ! -s "$x" ] || [ ! -s "$y" ]; then
    "$python" - "$rows" 50 "$x" "$y" <<'PY'
import sys
import numpy as np
rows, classes = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(27)
x = rng.normal(0, 2, size=(rows, classes))
y = (rng.random((rows, classes)) < 0.1).astype(np.int8)
header = ",".join(f"c{j}" for j in range(classes))
np.savetxt(sys.argv[3], x, fmt="%.7g", delimiter=",", header=header, comments="")
np.savetxt(sys.argv[4], y, fmt="%d", delimiter=",", header=header, comments="")
PY
fi
counts=$(seq -s, 100 7 443)
# name|options
kinds="bce|--kind bce
zlpr|--kind zlpr
two-way|--kind two-way
hill|--kind hill
splc|--kind splc --epoch 1
poly1|--kind poly1
apl|--kind apl
class-balanced|--kind class-balanced --class-counts $counts
distribution-balanced|--kind distribution-balanced --class-counts $counts --train-samples 5000"

echo "load before: $(cat /proc/loadavg)"
if [ "$mode" = instructions ]; then
    echo "$kinds" | while IFS='|' read -r name options; do
        # shellcheck disable=SC2086
        count=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            "$bin" loss $options -r mean -j 1 "$x" "$y" 2>&1 >/dev/null |
            sed -n 's/.*Collected : *//p')
        echo "$name $count"
    done
else
    set --
    while IFS='|' read -r name options; do
        set -- "$@" -n "$name" "$bin loss $options -r mean $x $y"
    done <<KINDS
$kinds
KINDS
    hyperfine -N -w 1 -r "$runs" --export-json "$data/research_kinds.json" "$@"
    # Medians, and each against bce's.
    "$python" - "$data/research_kinds.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
bce = results[0]["median"]
print("| kind | median wall (s) | min wall (s) | mean user (s) | × bce (median wall) |")
print("|---|---:|---:|---:|---:|")
for r in results:
    print(f"| {r['command']} | {r['median']:.3f} | {r['min']:.3f} | {r['user']:.3f} "
          f"| {r['median'] / bce:.2f} |")
PY
fi
echo "load after: $(cat /proc/loadavg)"
