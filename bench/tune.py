#!/usr/bin/env python3
"""`mlloss tune --objective f1` against its peers (issue 28's targets), side
by side in one run, on 1M x 50 probabilities:

- `mlloss metrics --metric roc_auc` (exact, the same one sort and walk per
  class): tune must be within 1.5x of it;
- polars `read_csv` + a per-class scikit-learn `precision_recall_curve` and
  argmax of F1 loop (`--peer`, run by this script in a child process): tune
  must be >= 10x faster, with the same objective values (checked, to 1e-12).

    python3 bench/tune.py [--python PY] [--runs N] [--data DIR]

The data (seeded: probabilities sigma(N(0, 3^2) + 1.5 y), 7 decimals, and
0/1 targets with P(1) = 0.2) are written by polars to DIR (default
/tmp/mlloss-tune-bench) if missing. PY needs numpy, polars and scikit-learn.
Needs GNU time (bench.py's measure).
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ROWS, CLASSES = 1_000_000, 50


def generate(data):
    import numpy as np
    import polars as pl

    os.makedirs(data, exist_ok=True)
    x, y = os.path.join(data, "probs-1m.csv"), os.path.join(data, "targets-1m.csv")
    if os.path.exists(x) and os.path.exists(y):
        return x, y
    rng = np.random.default_rng(28)
    targets = (rng.random((ROWS, CLASSES)) < 0.2).astype(np.int8)
    probs = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 3.0, (ROWS, CLASSES)) + 1.5 * targets)))
    names = [f"c{j}" for j in range(CLASSES)]
    pl.DataFrame(probs, schema=names).write_csv(x + ".part", float_precision=7)
    pl.DataFrame(targets, schema=names).write_csv(y + ".part")
    os.replace(x + ".part", x)
    os.replace(y + ".part", y)
    return x, y


def peer(x, y, out):
    """The Python loop people write: one precision_recall_curve per class."""
    import numpy as np
    import polars as pl
    from sklearn.metrics import precision_recall_curve

    scores = pl.read_csv(x).to_numpy()
    targets = pl.read_csv(y).to_numpy()
    best = []
    for j in range(scores.shape[1]):
        precision, recall, thresholds = precision_recall_curve(targets[:, j], scores[:, j])
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = 2 * precision[:-1] * recall[:-1] / (precision[:-1] + recall[:-1])
        i = int(np.nanargmax(f1))
        best.append((float(thresholds[i]), float(f1[i])))
    with open(out, "w") as f:
        for threshold, value in best:
            f.write(f"{threshold!r},{value!r}\n")


def compare(ours, theirs):
    """Same objective values to 1e-12 (the Python loop's F1 is 2pr/(p+r))."""
    with open(ours) as f:
        header = f.readline().strip().split(",")
        rows = [dict(zip(header, line.strip().split(","))) for line in f]
    with open(theirs) as f:
        peer_rows = [line.strip().split(",") for line in f]
    worst, same_threshold = 0.0, 0
    for row, (threshold, value) in zip(rows, peer_rows, strict=True):
        a, b = float(row["f1"]), float(value)
        worst = max(worst, abs(a - b) / abs(b))
        same_threshold += float(row["threshold"]) == float(threshold)
    return worst, same_threshold


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default="/tmp/mlloss-tune-bench")
    parser.add_argument("--peer", nargs=3, metavar=("X", "Y", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        return peer(*args.peer)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlloss"], cwd=bench.ROOT, check=True)
    x, y = generate(args.data)
    M, rows, t = bench.MLLOSS, [], {}
    ours, theirs = os.path.join(args.data, "tuned.csv"), os.path.join(args.data, "peer.csv")

    def run(key, name, argv, runs=args.runs):
        seconds, peak = bench.measure(argv, runs)
        t[key] = seconds
        rows.append((name, seconds, peak, bench.mb([x, y]), runs))
        print(f"  {name:<60} {seconds:8.3f} s  {peak / 1024:8.1f} MiB", file=sys.stderr)

    run("auc", "mlloss metrics --metric roc_auc (exact)",
        [M, "metrics", "-q", "--scores", "probs", "--metric", "roc_auc", x, y])
    run("tune", "mlloss tune --objective f1",
        [M, "tune", "-q", "--scores", "probs", "--objective", "f1", "-o", ours, x, y])
    run("tune-1g", "mlloss tune --objective f1 --memory-limit 1G (no spill)",
        [M, "tune", "-q", "--scores", "probs", "--objective", "f1", "--memory-limit", "1G", "-o", ours, x, y])
    run("peer", "python polars + precision_recall_curve loop",
        [args.python, os.path.abspath(__file__), "--peer", x, y, theirs], runs=min(args.runs, 3))
    worst, same = compare(ours, theirs)

    print(f"load: {os.getloadavg()[0]:.1f} (1-min average, {os.cpu_count()} cores) at the end")
    print("| command | median wall | input MB/s | peak RSS | runs |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, peak, size, runs in rows:
        print(f"| {name} | {seconds:.3f} s | {size / seconds:,.1f} | {peak / 1024:.1f} MiB | {runs} |")
    print()
    r_auc, r_peer = t["tune"] / t["auc"], t["peer"] / t["tune"]
    print(f"- [{'met' if r_auc <= 1.5 else 'NOT met'}] tune within 1.5x of exact roc_auc: {r_auc:.2f}x")
    print(f"- [{'met' if r_peer >= 10 else 'NOT met'}] tune >= 10x faster than the scikit-learn loop: {r_peer:.1f}x")
    print(f"- [{'met' if worst <= 1e-12 else 'NOT met'}] same F1 values as the loop: worst relative gap {worst:.1e}, "
          f"the same threshold for {same} of {CLASSES} classes")


if __name__ == "__main__":
    main()
