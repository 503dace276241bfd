#!/usr/bin/env python3
"""`mlloss curves --curve roc` against a per-class scikit-learn `roc_curve`
loop (issue 28's target: >= 5x faster), side by side in one run, on the
1M x 50 logits and targets of bench.py's generator (written to /tmp, not
the repository):

- mlloss curves -q --curve roc X Y (every class's points written as CSV to
  stdout, which goes to /dev/null: about 890 MB, 20M points, on these
  scores);
- python: polars read_csv of both files, then `roc_curve(y[:, j], x[:, j])`
  for each of the 50 classes (arrays only, nothing written);
- the same loop alone, the files already in memory (printed, for where the
  time goes);
- mlloss metrics --metric roc_auc --average none X Y: the same read, sort
  and walk of every score without the points (the floor `curves` shares).

Before timing, the points of classes 0 and 49 are checked equal (1e-12
relative) between the two.

    python3 bench/curves.py --python /work/venv/bin/python [--runs N] [--data DIR]

PY needs polars, numpy and scikit-learn. Needs GNU time (peak RSS).
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def sklearn_loop(x_path, y_path, check_out=None):
    """The Python side: read, then roc_curve per class."""
    import numpy as np
    import polars as pl
    from sklearn.metrics import roc_curve

    start = time.perf_counter()
    x = pl.read_csv(x_path, has_header=False).to_numpy()
    y = pl.read_csv(y_path, has_header=False).to_numpy()
    read = time.perf_counter() - start
    start = time.perf_counter()
    curves = [roc_curve(y[:, j], x[:, j]) for j in range(x.shape[1])]
    loop = time.perf_counter() - start
    print(f"read {read:.3f} s, loop {loop:.3f} s", file=sys.stderr)
    if check_out:
        got = pl.read_csv(check_out, schema_overrides={"class": pl.Utf8})
        for j in (0, x.shape[1] - 1):
            fpr, tpr, thr = curves[j]
            mine = got.filter(pl.col("class") == str(j)).select(
                pl.lit(0.0), "threshold", "fpr", "tpr").to_numpy()
            assert len(mine) == len(fpr), (j, len(mine), len(fpr))
            for want, col in ((thr, 1), (fpr, 2), (tpr, 3)):
                finite = np.isfinite(want)
                assert (mine[~finite, col] == want[~finite]).all()
                assert np.allclose(mine[finite, col], want[finite], rtol=1e-12, atol=0), j
        print("points of classes 0 and 49: equal to scikit-learn's (1e-12)", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default="python3")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default="/tmp/mlloss-bench-data")
    parser.add_argument("--loop", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--check", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loop:
        return sklearn_loop(*args.loop, check_out=args.check)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlloss", "--example", "bench_data"],
                   cwd=bench.ROOT, check=True)
    f = bench.generate(args.data, skip_4m=True)
    x, y = f["logits-1m.csv"], f["targets-1m.csv"]
    points = os.path.join(args.data, "roc-points.csv")
    mlloss = [bench.MLLOSS, "curves", "-q", "--curve", "roc", x, y]
    subprocess.run(mlloss + ["-o", points], check=True)
    python = [args.python, os.path.abspath(__file__), "--loop", x, y]
    subprocess.run(python + ["--check", points], check=True)
    rows = []
    start_load = os.getloadavg()
    floor = [bench.MLLOSS, "metrics", "-q", "--metric", "roc_auc", "--average", "none", x, y]
    for name, argv in (("mlloss curves --curve roc (exact, 256M limit)", mlloss),
                       ("python polars + roc_curve per class", python),
                       ("mlloss metrics --metric roc_auc --average none (exact)", floor)):
        seconds, peak = bench.measure(argv, args.runs)
        rows.append((name, seconds, peak))
        print(f"  {name:<48} {seconds:8.3f} s  {peak / 1024:8.1f} MiB", file=sys.stderr)
    load = os.getloadavg()
    print(f"\nload average at the start: {start_load[0]:.2f} {start_load[1]:.2f} {start_load[2]:.2f}")
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print("| command | median wall | peak RSS | runs |")
    print("|---|---:|---:|---:|")
    for name, seconds, peak in rows:
        print(f"| {name} | {seconds:.3f} s | {peak / 1024:.1f} MiB | {args.runs} |")
    ratio = rows[1][1] / rows[0][1]
    verdict = "met" if ratio >= 5 else "NOT met"
    print(f"\ncurves --curve roc is {ratio:.1f}x faster than the roc_curve loop (target >= 5x: {verdict})")


if __name__ == "__main__":
    main()
