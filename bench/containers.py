#!/usr/bin/env python3
"""Typed, compressed inputs and binary outputs (the Parquet/Arrow/npz
issue's performance targets), side by side in one run: Parquet inputs
against polars' `read_parquet` + numpy; gzip and zstd CSV against the plain
CSV and against `gzip -dc`/`zstd -dc` alone; `-r none` written as .npy and
as Parquet against CSV and against polars + torch writing CSV or Parquet.

    python3 bench/containers.py [--python PY] [--runs N]

Uses bench.py's data (target/bench-data/, generated if missing) and
release binary; writes the compressed copies next to the data (gzip -6 and
zstd -3, the tools' defaults) and Parquet copies with PY's pyarrow at its
defaults (snappy, dictionary pages, one row group of up to 1Mi rows): logits
float64, targets int8. Needs GNU time, gzip and zstd; PY needs pyarrow,
polars (and torch for the pipelines).
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


PARQUET_COPY = """
import sys, pyarrow as pa, pyarrow.csv as pc, pyarrow.parquet as pq
src, dst, kind = sys.argv[1:]
names = [f"c{j}" for j in range(50)]
t = pc.read_csv(src, read_options=pc.ReadOptions(column_names=names))
if kind == "int8":
    t = t.cast(pa.schema([(n, pa.int8()) for n in names]))
pq.write_table(t, dst + ".tmp")
"""


def parquet_copy(python, path, kind):
    out = path.replace(".csv", ".parquet")
    if not os.path.exists(out):
        print(f"writing {os.path.basename(out)} ...", file=sys.stderr)
        subprocess.run([python, "-c", PARQUET_COPY, path, out, kind], check=True)
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
    xp, yp = parquet_copy(args.python, x, "float64"), parquet_copy(args.python, y, "int8")
    run("parquet", "mlloss loss -r mean (Parquet)", [M, "loss", xp, yp], [xp, yp])
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
    pq_out = os.path.join(out_dir, "none.parquet")
    run("none-parquet-o", "mlloss loss -r none -o none.parquet", [M, "loss", "-r", "none", x, y, "-o", pq_out], [x, y])
    check = subprocess.run([args.python, bench.PIPELINES, "--check"], capture_output=True, text=True)
    if check.returncode == 0:
        run("polars", "python polars-torch-none (CSV to stdout)",
            [args.python, bench.PIPELINES, "polars-torch-none", x, y], [x, y], runs=min(args.runs, 3))
        run("polars-parquet-out", "python polars-torch-none-parquet (writes Parquet)",
            [args.python, bench.PIPELINES, "polars-torch-none-parquet", x, y], [x, y], runs=min(args.runs, 3))
        run("polars-parquet-in", "python polars-parquet-numpy-mean (reads Parquet)",
            [args.python, bench.PIPELINES, "polars-parquet-numpy-mean", xp, yp], [xp, yp], runs=min(args.runs, 3))
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
    if "polars-parquet-in" in t:
        r = t["polars-parquet-in"] / t["parquet"]
        target("Parquet loss -r mean >= 3x faster than polars.read_parquet + numpy", r >= 3, f"{r:.1f}x")
    rss = {name: kib for name, _, kib, _ in rows}
    kib = rss["mlloss loss -r mean (Parquet)"]
    target("Parquet loss -r mean peak RSS <= 64 MiB", kib <= 64 * 1024, f"{kib / 1024:.1f} MiB")
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
    if "polars-parquet-out" in t:
        r = t["polars-parquet-out"] / t["none-parquet-o"]
        target("-r none -o x.parquet >= 5x faster than polars + torch writing Parquet", r >= 5, f"{r:.1f}x")
    print()
    print(f"{sum(met)} of {len(met)} targets met")


if __name__ == "__main__":
    main()
