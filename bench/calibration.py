#!/usr/bin/env python3
"""`mlloss metrics --metric ece` against `--metric f1` on the same input and
against torchmetrics' per-class `BinaryCalibrationError` loop (issue 28's
targets: within 1.2x of f1, >= 5x faster than the loop), side by side in
one run, on 1M x 50 probabilities (CSV, six decimals):

    python3 bench/calibration.py --python /work/venv/bin/python [--runs N] [--data DIR]

The data are written once to DIR (default /tmp/mlloss-calibration-bench,
never the repository). PY needs numpy, polars, torch and torchmetrics. The
peer reads the CSV with polars and loops over the classes with
BinaryCalibrationError(n_bins=15, norm="l1") in float64; its per-class
values are checked against mlloss's (1e-9 relative). Needs GNU time.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ROWS, CLASSES = 1_000_000, 50


def generate(data, python):
    """probs.csv and targets.csv (y ~ Bernoulli(p), so calibrated-ish)."""
    os.makedirs(data, exist_ok=True)
    x, y = os.path.join(data, "probs-1m.csv"), os.path.join(data, "targets-1m.csv")
    if not (os.path.exists(x) and os.path.exists(y)):
        print("generating 1M x 50 probabilities ...", file=sys.stderr)
        code = f"""
import numpy as np
rng = np.random.default_rng(28)
p = rng.beta(2.0, 5.0, size=({ROWS}, {CLASSES}))
y = (rng.uniform(size=p.shape) < np.clip(p * 1.2, 0, 1)).astype(np.int8)
micro = np.rint(p * 1e6).astype(np.int64)
np.savetxt({x!r} + ".tmp", micro, fmt="0.%06d", delimiter=",")
np.savetxt({y!r} + ".tmp", y, fmt="%d", delimiter=",")
"""
        subprocess.run([python, "-c", code], check=True)
        for path in (x, y):
            os.replace(path + ".tmp", path)
    return x, y


def peer(x, y):
    """The torchmetrics loop (run under GNU time by the parent): per-class
    ECE as JSON on stdout, the load and loop times on stderr."""
    import polars as pl
    import torch
    from torchmetrics.classification import BinaryCalibrationError

    start = time.perf_counter()
    p = pl.read_csv(x, has_header=False).to_numpy().astype("float64")
    t = pl.read_csv(y, has_header=False).to_numpy().astype("int64")
    loaded = time.perf_counter()
    values = []
    for j in range(p.shape[1]):
        metric = BinaryCalibrationError(n_bins=15, norm="l1")
        metric.update(torch.from_numpy(p[:, j].copy()), torch.from_numpy(t[:, j].copy()))
        values.append(float(metric.compute()))
    looped = time.perf_counter()
    print(f"load {loaded - start:.3f} s, loop {looped - loaded:.3f} s", file=sys.stderr)
    print(json.dumps(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default="python3")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default="/tmp/mlloss-calibration-bench")
    parser.add_argument("--peer", nargs=2, metavar=("X", "Y"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        return peer(*args.peer)
    x, y = generate(args.data, args.python)
    M = bench.MLLOSS
    rows, t = [], {}

    def run(key, name, argv):
        seconds, peak = bench.measure(argv, args.runs)
        t[key] = seconds
        rows.append((name, seconds, peak))
        print(f"  {name:<60} {seconds:8.3f} s  {peak / 1024:8.1f} MiB", file=sys.stderr)

    def metrics(metric, *extra):
        return [M, "metrics", "-q", "--scores", "probs", "--metric", metric, *extra, x, y]

    # Interleaved, so that the machine's load falls on both alike.
    run("f1", "mlloss metrics --metric f1", metrics("f1"))
    run("ece", "mlloss metrics --metric ece", metrics("ece"))
    run("f1-again", "mlloss metrics --metric f1 (again)", metrics("f1"))
    run("all", "mlloss metrics --metric ece,mce,brier", metrics("ece,mce,brier"))
    run("quantile", "mlloss metrics --metric ece --calibration-binning quantile",
        metrics("ece", "--calibration-binning", "quantile"))
    peer_argv = [args.python, os.path.abspath(__file__), "--peer", x, y]
    run("tm", "python polars + torchmetrics BinaryCalibrationError loop", peer_argv)

    ours = json.loads(subprocess.run(metrics("ece", "--average", "none", "--output-format", "json"),
                                     capture_output=True, check=True, text=True).stdout)["ece"]
    child = subprocess.run(peer_argv, capture_output=True, check=True, text=True)
    theirs = json.loads(child.stdout)
    worst = max(abs(a - b) / abs(b) for a, b in zip(ours, theirs))
    print(f"  torchmetrics ({child.stderr.strip()}); per-class ECE agree to {worst:.1e} relative",
          file=sys.stderr)

    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"({os.cpu_count()} cores)")
    print("| command | median wall | peak RSS | runs |")
    print("|---|---|---|---|")
    for name, seconds, peak in rows:
        print(f"| {name} | {seconds:.3f} s | {peak / 1024:.1f} MiB | {args.runs} |")
    f1 = min(t["f1"], t["f1-again"])
    print(f"\n- ece / f1: {t['ece'] / f1:.2f}x (target <= 1.2x)")
    print(f"- torchmetrics loop / ece: {t['tm'] / t['ece']:.1f}x (target >= 5x)")
    print(f"- per-class ECE, mlloss vs torchmetrics: {worst:.1e} relative")


if __name__ == "__main__":
    main()
