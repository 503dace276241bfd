#!/usr/bin/env bash
# `pip install .` into a fresh virtual environment gives a working mlloss:
# the wheel holds just the binary (maturin's "bin" bindings, maturin pinned
# in pyproject.toml and fetched from the package registry by pip's build
# isolation). Checks the installed command's number on the seed fixtures,
# then runs the engine recipes with it.
#
#   bash scripts/wheel.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check .
mlloss="$venv/bin/mlloss"
"$mlloss" --version
got=$("$mlloss" loss --kind bce --reduction mean fixtures/seed/logits.csv fixtures/seed/targets.csv)
want=$(cat fixtures/seed/bce-mean.expected.csv)
# PyTorch's float64 answer, to the README's 1e-12 relative.
if ! python3 -c "import sys; g, w = map(float, sys.argv[1:]); sys.exit(abs(g - w) > 1e-12 * abs(w))" "$got" "$want"; then
    echo "scripts/wheel.sh: FAILED: the installed mlloss printed $got, PyTorch's answer is $want" >&2
    exit 1
fi
echo "scripts/wheel.sh: pip install . gave a working mlloss: $got (PyTorch: $want)"
bash scripts/engines/parallel.sh "$mlloss"
