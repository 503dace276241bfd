#!/usr/bin/env python3
"""`mlloss metrics` against polars `read_csv` + scikit-learn on the arrays
(the metrics issue's performance targets), side by side in one run:

- the streaming metrics: the thresholded ones (hamming_loss,
  subset_accuracy, f1 macro) and the per-sample ranking ones
  (label_ranking_loss, coverage_error, lrap, ndcg), on 1M x 50 CSV;
- exact roc_auc and average_precision (macro), on 1M x 50 CSV;
- peak RSS of the streaming metrics on 1M and 4M rows, and of exact
  roc_auc,average_precision on 4M x 50 against the memory limit.

    python3 bench/metrics.py [--python PY] [--runs N] [--skip-4m]

Uses bench.py's data (target/bench-data/, generated if missing) and release
binary; PY needs polars, numpy and scikit-learn. Needs GNU time.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

THRESHOLDED = "hamming_loss,subset_accuracy,f1"
RANKING = "label_ranking_loss,coverage_error,lrap,ndcg"
CURVES = "roc_auc,average_precision"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default="python3")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default=os.path.join(bench.ROOT, "target", "bench-data"))
    parser.add_argument("--skip-4m", action="store_true")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlloss", "--example", "bench_data"],
                   cwd=bench.ROOT, check=True)
    f = bench.generate(args.data, skip_4m=args.skip_4m)
    x, y = f["logits-1m.csv"], f["targets-1m.csv"]
    M = bench.MLLOSS
    rows, t, rss = [], {}, {}

    def run(key, name, argv, inputs, runs=args.runs):
        seconds, peak = bench.measure(argv, runs)
        t[key], rss[key] = seconds, peak
        rows.append((name, seconds, peak, bench.mb(inputs), runs))
        print(f"  {name:<64} {seconds:8.3f} s  {peak / 1024:8.1f} MiB", file=sys.stderr)

    def metrics(*extra):
        return [M, "metrics", "-q", "--metric"] + list(extra)

    run("thr", f"mlloss metrics {THRESHOLDED}", metrics(THRESHOLDED, x, y), [x, y])
    run("rank", f"mlloss metrics {RANKING}", metrics(RANKING, x, y), [x, y])
    run("curves", f"mlloss metrics {CURVES} (exact, 256M limit)", metrics(CURVES, x, y), [x, y])
    run("curves-micro", f"mlloss metrics {CURVES} --average micro (exact)",
        metrics(CURVES, "--average", "micro", x, y), [x, y])
    run("curves-bins", f"mlloss metrics {CURVES} --bins 1000",
        metrics(CURVES, "--bins", "1000", x, y), [x, y])
    check = subprocess.run([args.python, bench.PIPELINES, "--check"], capture_output=True, text=True)
    if check.returncode == 0:
        peer_runs = min(args.runs, 3)
        for key, name in [("thr", "thresholded"), ("curves", "curves")]:
            run(f"py-{key}", f"python polars-sklearn-{name}",
                [args.python, bench.PIPELINES, f"polars-sklearn-{name}", x, y], [x, y], runs=peer_runs)
        # scikit-learn's ranking metrics loop in Python over the rows: one run.
        run("py-rank", "python polars-sklearn-ranking",
            [args.python, bench.PIPELINES, "polars-sklearn-ranking", x, y], [x, y], runs=1)
    else:
        print("python pipelines: SKIPPED (" + check.stderr.strip() + ")", file=sys.stderr)
    if not args.skip_4m:
        x4, y4 = f["logits-4m.csv"], f["targets-4m.csv"]
        run("thr-4m", f"mlloss metrics {THRESHOLDED} (4M rows)", metrics(THRESHOLDED, x4, y4), [x4, y4], runs=1)
        run("rank-4m", f"mlloss metrics {RANKING} (4M rows)", metrics(RANKING, x4, y4), [x4, y4], runs=1)
        run("curves-4m", f"mlloss metrics {CURVES} (4M rows, exact, 256M limit)",
            metrics(CURVES, x4, y4), [x4, y4], runs=1)
        run("curves-4m-64m", f"mlloss metrics {CURVES} (4M rows, exact, --memory-limit 64M)",
            metrics(CURVES, "--memory-limit", "64M", x4, y4), [x4, y4], runs=1)

    print("| command | median wall | input MB/s | peak RSS | runs |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, peak, size, runs in rows:
        print(f"| {name} | {seconds:.3f} s | {size / seconds:,.1f} | {peak / 1024:.1f} MiB | {runs} |")
    print()

    def target(what, ok, detail):
        print(f"- [{'met' if ok else 'NOT met'}] {what}: {detail}")

    print("Targets:")
    for key, what in [("thr", "thresholded"), ("rank", "per-sample ranking")]:
        if f"py-{key}" in t:
            r = t[f"py-{key}"] / t[key]
            target(f"streaming {what} metrics >= 10x faster than polars + scikit-learn", r >= 10, f"{r:.1f}x")
    if "py-curves" in t:
        r = t["py-curves"] / t["curves"]
        target("exact roc_auc,average_precision >= 3x faster than polars + scikit-learn", r >= 3, f"{r:.1f}x")
    for key in ["thr", "rank", "thr-4m", "rank-4m"]:
        if key in rss:
            target(f"streaming metrics peak RSS <= 64 MiB ({key})", rss[key] <= 64 * 1024,
                   f"{rss[key] / 1024:.1f} MiB")
    for key, limit in [("curves-4m", 256), ("curves-4m-64m", 64)]:
        if key in rss:
            target(f"exact roc_auc on 4M x 50 peak RSS <= limit + 64 MiB ({limit}M)",
                   rss[key] <= (limit + 64) * 1024, f"{rss[key] / 1024:.1f} MiB")
    print()


if __name__ == "__main__":
    main()
