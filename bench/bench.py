#!/usr/bin/env python3
"""mlloss benchmark: generates the data, builds the release binary, times
mlloss against `cat` and the equivalent Python pipelines, and checks the
targets of the performance issue. Standard library only.

    python3 bench/bench.py [--python PY] [--runs N] [--data DIR] [--skip-4m]

--python PY   interpreter for the Python pipelines (default: python3); they
              run only if it can import numpy, pandas, polars, torch, sklearn.
              Install them into a virtual environment from PyPI:
                  python3 -m venv /work/venv
                  /work/venv/bin/pip install numpy pandas polars torch scikit-learn
              then pass --python /work/venv/bin/python.
--runs N      timed runs per mlloss command (median reported; default 5).
--data DIR    where the generated inputs go (default target/bench-data).

Wall time is the median over the runs. Peak RSS is GNU time's %M
(/usr/bin/time, Debian package `time`): measuring it from Python itself would
count the interpreter's own pages in the forked child before it execs.
"""
import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLLOSS = os.path.join(ROOT, "target", "release", "mlloss")
GENERATOR = os.path.join(ROOT, "target", "release", "examples", "bench_data")
PIPELINES = os.path.join(ROOT, "bench", "python_pipelines.py")


GNU_TIME = "/usr/bin/time"


def run_once(argv):
    """Runs argv with stdout to /dev/null; returns (seconds, peak RSS in KiB)."""
    report = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mlloss-bench-rss-{os.getpid()}")
    start = time.perf_counter()
    child = subprocess.run([GNU_TIME, "-f", "%M", "-o", report] + argv,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        sys.exit(f"failed ({child.returncode}): {' '.join(argv)}\n{child.stderr.decode(errors='replace')}")
    with open(report) as f:
        rss = int(f.read().split()[-1])
    os.remove(report)
    return seconds, rss


def measure(argv, runs):
    times, rss = [], 0
    for _ in range(runs):
        seconds, peak = run_once(argv)
        times.append(seconds)
        rss = max(rss, peak)
    return statistics.median(times), rss


def digest(argv):
    """SHA-256 of a command's stdout, streamed."""
    child = subprocess.Popen(argv, stdout=subprocess.PIPE)
    h = hashlib.sha256()
    for block in iter(lambda: child.stdout.read(1 << 20), b""):
        h.update(block)
    if child.wait() != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return h.hexdigest()


def generate(data, skip_4m):
    os.makedirs(data, exist_ok=True)
    files = {
        "logits-1m.csv": ["logits", "1000000", "50", "1"],
        "targets-1m.csv": ["targets", "1000000", "50", "2"],
        "labels-1m.csv": ["labels", "1000000", "1000", "3"],
    }
    if not skip_4m:
        files["logits-4m.csv"] = ["logits", "4000000", "50", "4"]
        files["targets-4m.csv"] = ["targets", "4000000", "50", "5"]
        files["labels-4m.csv"] = ["labels", "4000000", "1000", "6"]
    for name, args in files.items():
        path = os.path.join(data, name)
        if not os.path.exists(path):
            print(f"generating {name} ...", file=sys.stderr)
            with open(path + ".tmp", "wb") as out:
                subprocess.run([GENERATOR] + args, stdout=out, check=True)
            os.replace(path + ".tmp", path)
    return {name: os.path.join(data, name) for name in files}


def mb(paths):
    return sum(os.path.getsize(p) for p in paths) / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default="python3")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default=os.path.join(ROOT, "target", "bench-data"))
    parser.add_argument("--skip-4m", action="store_true")
    args = parser.parse_args()

    if not os.access(GNU_TIME, os.X_OK):
        sys.exit("bench needs GNU time for peak memory: apt-get install time")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlloss", "--example", "bench_data"],
                   cwd=ROOT, check=True)
    f = generate(args.data, args.skip_4m)
    x1, y1, labels = f["logits-1m.csv"], f["targets-1m.csv"], f["labels-1m.csv"]
    rows = []  # (name, seconds, rss KiB, input MB)

    def bench(name, argv, inputs, runs=args.runs):
        seconds, rss = measure(argv, runs)
        rows.append((name, seconds, rss, mb(inputs)))
        print(f"  {name:<44} {seconds:8.3f} s  {mb(inputs) / seconds:8.1f} MB/s  {rss / 1024:8.1f} MiB",
              file=sys.stderr)
        return seconds, rss

    print(f"mlloss {subprocess.run([MLLOSS, '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"{os.cpu_count()} cores", file=sys.stderr)
    t = {}
    t["cat"], _ = bench("cat logits targets (I/O floor)", ["cat", x1, y1], [x1, y1])
    t["mean"], rss_mean = bench("mlloss loss --reduction mean", [MLLOSS, "loss", "-r", "mean", x1, y1], [x1, y1])
    t["none"], _ = bench("mlloss loss --reduction none", [MLLOSS, "loss", "-r", "none", x1, y1], [x1, y1])
    t["mlsm"], _ = bench("mlloss loss --kind mlsm --reduction none",
                         [MLLOSS, "loss", "-k", "mlsm", "-r", "none", x1, y1], [x1, y1])
    t["class"], _ = bench("mlloss loss --reduction class", [MLLOSS, "loss", "-r", "class", x1, y1], [x1, y1])
    t["cat-labels"], _ = bench("cat labels (I/O floor)", ["cat", labels], [labels])
    t["binarize"], rss_binarize = bench("mlloss binarize", [MLLOSS, "binarize", labels], [labels])

    memory = {}
    sets = [("1M", x1, y1)] + ([] if args.skip_4m else [("4M", f["logits-4m.csv"], f["targets-4m.csv"])])
    for label, x, y in sets:
        for reduction in ["mean", "sum", "row", "class", "none"]:
            _, rss = bench(f"mlloss loss -r {reduction} ({label} rows)", [MLLOSS, "loss", "-r", reduction, x, y],
                           [x, y], runs=1)
            memory[(label, reduction)] = rss

    binarize_memory = {}
    for label, path in [("1M", labels)] + ([] if args.skip_4m else [("4M", f["labels-4m.csv"])]):
        _, binarize_memory[label] = bench(f"mlloss binarize ({label} rows)", [MLLOSS, "binarize", path], [path], runs=1)

    identical = {}
    for reduction in ["mean", "class", "none"]:
        hashes = {j: digest([MLLOSS, "loss", "-r", reduction, "-j", str(j), x1, y1]) for j in (1, 2, 3)}
        identical[reduction] = len(set(hashes.values())) == 1

    python = {}
    check = subprocess.run([args.python, PIPELINES, "--check"], capture_output=True, text=True)
    if check.returncode == 0:
        version = subprocess.run([args.python, "-c", "import numpy, pandas, polars, torch, sklearn; print("
                                  "'numpy', numpy.__version__, 'pandas', pandas.__version__, 'polars', "
                                  "polars.__version__, 'torch', torch.__version__, 'scikit-learn', "
                                  "sklearn.__version__)"], capture_output=True, text=True).stdout.strip()
        print(f"python pipelines: {version}", file=sys.stderr)
        slow = {"pandas-torch-none", "pandas-mlb"}
        for name in ["pandas-torch-mean", "pandas-numpy-mean", "polars-numpy-mean", "polars-torch-mean",
                     "polars-torch-class", "polars-torch-none", "polars-torch-mlsm-none", "pandas-torch-none",
                     "pandas-mlb"]:
            inputs = [labels] if name.endswith("mlb") else [x1, y1]
            python[name], _ = bench(f"python {name}", [args.python, PIPELINES, name] + inputs, inputs,
                                    runs=1 if name in slow else min(args.runs, 3))
    else:
        print("python pipelines: SKIPPED (" + check.stderr.strip() + ").\n"
              "  Install them from PyPI into a virtual environment and pass --python:\n"
              "    python3 -m venv /work/venv && /work/venv/bin/pip install numpy pandas polars torch scikit-learn\n"
              "    python3 bench/bench.py --python /work/venv/bin/python", file=sys.stderr)

    # ---- report ----
    print("| command | median wall | input MB/s | peak RSS |")
    print("|---|---:|---:|---:|")
    for name, seconds, rss, size in rows:
        print(f"| {name} | {seconds:.3f} s | {size / seconds:,.1f} | {rss / 1024:.1f} MiB |")
    print()
    targets = []

    def target(what, ok, detail):
        targets.append(ok)
        print(f"- [{'met' if ok else 'NOT met'}] {what}: {detail}")

    print("Targets:")
    if python:
        fastest = min((v, k) for k, v in python.items() if k.endswith("-mean"))
        r = fastest[0] / t["mean"]
        target("mean >= 5x faster than the fastest Python pipeline", r >= 5, f"{r:.1f}x ({fastest[1]})")
        r = python["pandas-torch-mean"] / t["mean"]
        target("mean >= 7x faster than pandas + torch", r >= 7, f"{r:.1f}x")
        r = python["polars-torch-none"] / t["none"]
        target("none >= 10x faster than polars + torch writing CSV", r >= 10, f"{r:.1f}x")
        r = python["pandas-mlb"] / t["binarize"]
        target("binarize >= 10x faster than pandas + MultiLabelBinarizer", r >= 10, f"{r:.1f}x")
    r = t["mean"] / t["cat"]
    target("mean within 8x of cat", r <= 8, f"{r:.1f}x cat")
    for label, _, _ in sets:
        for reduction in ["mean", "sum", "row", "class"]:
            rss = memory[(label, reduction)] / 1024
            target(f"peak RSS <= 32 MiB, {reduction}, {label} rows", rss <= 32, f"{rss:.1f} MiB")
    if len(sets) == 2:
        a, b = memory[("1M", "none")] / 1024, memory[("4M", "none")] / 1024
        target("none bounded (4M rows within 1.5x of 1M rows)", b <= 1.5 * a, f"{a:.1f} -> {b:.1f} MiB")
    if len(binarize_memory) == 2:
        a, b = binarize_memory["1M"] / 1024, binarize_memory["4M"] / 1024
        target("binarize bounded apart from the classes (4M rows within 1.5x of 1M)", b <= 1.5 * a,
               f"{a:.1f} -> {b:.1f} MiB")
    for reduction, same in identical.items():
        target(f"{reduction}: output identical with 1, 2, 3 threads", same, "sha256 of stdout")
    print()
    print(f"{sum(targets)} of {len(targets)} targets met" + ("" if python else " (Python pipelines skipped)"))


if __name__ == "__main__":
    main()
