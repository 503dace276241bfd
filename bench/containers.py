#!/usr/bin/env python3
"""Compressed inputs and binary outputs (the Parquet/Arrow/npz issue's
performance targets), side by side in one run: gzip and zstd CSV against
the plain CSV and against `gzip -dc`/`zstd -dc` alone; `-r none` written as
.npy against CSV and against polars + torch writing CSV.

    python3 bench/containers.py [--python PY] [--runs N]

Uses bench.py's data (target/bench-data/, generated if missing) and
release binary; writes the compressed copies next to the data (gzip -6 and
zstd -3, the tools' defaults). Needs GNU time, gzip and zstd.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def compressed(path, tool, suffix):
    out = path + suffix
    if not os.path.exists(out):
        print(f"compressing {os.path.basename(out)} ...", file=sys.stderr)
        with open(out + ".tmp", "wb") as f:
            subprocess.run([tool, "-c", path], stdout=f, check=True)
        os.replace(out + ".tmp", out)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default="python3")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default=os.path.join(bench.ROOT, "target", "bench-data"))
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlloss", "--example", "bench_data"],
                   cwd=bench.ROOT, check=True)
    f = bench.generate(args.data, skip_4m=True)
    x, y = f["logits-1m.csv"], f["targets-1m.csv"]
    xg, yg = compressed(x, "gzip", ".gz"), compressed(y, "gzip", ".gz")
    xz, yz = compressed(x, "zstd", ".zst"), compressed(y, "zstd", ".zst")
    M = bench.MLLOSS
    out_dir = os.path.join(args.data, "out")
    os.makedirs(out_dir, exist_ok=True)
    rows, t = [], {}

    def run(key, name, argv, inputs, runs=args.runs):
        seconds, rss = bench.measure(argv, runs)
        t[key] = seconds
        rows.append((name, seconds, rss, bench.mb(inputs)))
        print(f"  {name:<52} {seconds:8.3f} s  {rss / 1024:8.1f} MiB", file=sys.stderr)

    run("plain", "mlloss loss -r mean (plain CSV)", [M, "loss", x, y], [x, y])
    run("gzip-dc", "gzip -dc logits.gz (the larger file)", ["gzip", "-dc", xg], [xg])
    run("gzip-dc-both", "gzip -dc logits.gz targets.gz", ["gzip", "-dc", xg, yg], [xg, yg])
    run("gzip", "mlloss loss -r mean (gzip CSV)", [M, "loss", xg, yg], [xg, yg])
    run("zstd-dc", "zstd -dc logits.zst (the larger file)", ["zstd", "-dc", xz], [xz])
    run("zstd-dc-both", "zstd -dc logits.zst targets.zst", ["zstd", "-dc", xz, yz], [xz, yz])
    run("zstd", "mlloss loss -r mean (zstd CSV)", [M, "loss", xz, yz], [xz, yz])
    npy, csv = os.path.join(out_dir, "none.npy"), os.path.join(out_dir, "none.csv")
    run("none-csv", "mlloss loss -r none (CSV to stdout)", [M, "loss", "-r", "none", x, y], [x, y])
    run("none-csv-o", "mlloss loss -r none -o none.csv", [M, "loss", "-r", "none", x, y, "-o", csv], [x, y])
    run("none-npy-o", "mlloss loss -r none -o none.npy", [M, "loss", "-r", "none", x, y, "-o", npy], [x, y])
    run("none-npy", "mlloss loss -r none --output-format npy (stdout)",
        [M, "loss", "-r", "none", "--output-format", "npy", x, y], [x, y])
    check = subprocess.run([args.python, bench.PIPELINES, "--check"], capture_output=True, text=True)
    if check.returncode == 0:
        run("polars", "python polars-torch-none (CSV to stdout)",
            [args.python, bench.PIPELINES, "polars-torch-none", x, y], [x, y], runs=min(args.runs, 3))
    else:
        print("python pipelines: SKIPPED (" + check.stderr.strip() + ")", file=sys.stderr)

    print("| command | median wall | input MB/s | peak RSS |")
    print("|---|---:|---:|---:|")
    for name, seconds, rss, size in rows:
        print(f"| {name} | {seconds:.3f} s | {size / seconds:,.1f} | {rss / 1024:.1f} MiB |")
    print()
    met = []

    def target(what, ok, detail):
        met.append(ok)
        print(f"- [{'met' if ok else 'NOT met'}] {what}: {detail}")

    print("Targets:")
    for kind in ["gzip", "zstd"]:
        floor = max(t["plain"], t[f"{kind}-dc"])
        r = t[kind] / floor
        target(f"{kind} CSV wall <= 1.2 x max(plain CSV, {kind} -dc of the larger file)", r <= 1.2,
               f"{r:.2f}x ({t[kind]:.3f} s against {floor:.3f} s)")
    r = t["none-csv-o"] / t["none-npy-o"]
    target("-r none -o x.npy >= 3x faster than -r none -o x.csv", r >= 3, f"{r:.1f}x")
    r = t["none-csv"] / t["none-npy"]
    target("-r none to stdout as npy >= 3x faster than as CSV", r >= 3, f"{r:.1f}x")
    if "polars" in t:
        r = t["polars"] / t["none-npy-o"]
        target("-r none -o x.npy >= 10x faster than polars + torch writing CSV", r >= 10, f"{r:.1f}x")
    print()
    print(f"{sum(met)} of {len(met)} targets met")


if __name__ == "__main__":
    main()
