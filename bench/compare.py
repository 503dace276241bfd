#!/usr/bin/env python3
"""Compares two mlloss binaries side by side: wall time with the runs
interleaved (A B B A A B …, so that drift in the machine's speed hits both
alike) on the 1M × 50 benchmark inputs, and instruction counts under
callgrind (one thread, 100k rows), which do not depend on the machine's
load. Standard library only; callgrind needs valgrind (Debian package).

    python3 bench/compare.py OLD_BINARY [NEW_BINARY] [--runs N] [--no-callgrind]

NEW_BINARY defaults to target/release/mlloss (built first). The inputs are
generated into target/bench-data/ as bench/bench.py generates them.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "target", "bench-data")
GENERATOR = os.path.join(ROOT, "target", "release", "examples", "bench_data")

WALL = [
    "loss -r mean logits-1m.csv targets-1m.csv",
    "loss -r none -o /dev/null logits-1m.csv targets-1m.csv",
    "loss -r class logits-1m.csv targets-1m.csv",
    "binarize -o /dev/null labels-1m.csv",
]
CALLGRIND = [
    "loss -j 1 -r mean logits-100k.csv targets-100k.csv",
    "loss -j 1 -r none logits-100k.csv targets-100k.csv",
    "loss -j 1 -r class logits-100k.csv targets-100k.csv",
    "loss -j 1 -k mlsm -r none logits-100k.csv targets-100k.csv",
    "binarize labels-100k.csv",
]


def generate():
    os.makedirs(DATA, exist_ok=True)
    for name, args in [("logits-1m.csv", ["logits", "1000000", "50", "1"]),
                       ("targets-1m.csv", ["targets", "1000000", "50", "2"]),
                       ("labels-1m.csv", ["labels", "1000000", "1000", "3"])]:
        path = os.path.join(DATA, name)
        if not os.path.exists(path):
            with open(path + ".tmp", "wb") as out:
                subprocess.run([GENERATOR] + args, stdout=out, check=True)
            os.replace(path + ".tmp", path)
        small = path.replace("-1m", "-100k")
        if not os.path.exists(small):
            with open(path, "rb") as src, open(small, "wb") as dst:
                for _, line in zip(range(100_000), src):
                    dst.write(line)


def timed(argv):
    """Runs argv; returns (wall seconds, CPU seconds: user + system)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=DATA, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return seconds, usage.ru_utime + usage.ru_stime


def wall(old, new, runs):
    print("| command | old wall median (min) | new wall median (min) | wall median | old CPU | new CPU | CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for cmd in WALL:
        times = {old: [], new: []}
        for i in range(runs + 1):  # run 0 warms the page cache
            for exe in (old, new) if i % 2 else (new, old):
                result = timed([exe] + cmd.split())
                if i:
                    times[exe].append(result)
        (mo, lo, co), (mn, ln, cn) = [
            (statistics.median(w for w, _ in times[e]), min(w for w, _ in times[e]),
             statistics.median(c for _, c in times[e])) for e in (old, new)]
        print(f"| `{cmd}` | {mo:.3f} s ({lo:.3f}) | {mn:.3f} s ({ln:.3f}) | {100 * (mn / mo - 1):+.1f}% "
              f"| {co:.3f} s | {cn:.3f} s | {100 * (cn / co - 1):+.1f}% |")


def instructions(exe, cmd):
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", exe] + cmd.split(),
                         cwd=DATA, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return int(re.search(r"refs:\s*([\d,]+)", run.stderr).group(1).replace(",", ""))


def callgrind(old, new):
    print("| command | old instructions | new instructions | change |")
    print("|---|---:|---:|---:|")
    for cmd in CALLGRIND:
        a, b = instructions(old, cmd), instructions(new, cmd)
        print(f"| `{cmd}` | {a / 1e6:,.1f}M | {b / 1e6:,.1f}M | {100 * (b / a - 1):+.2f}% |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default=os.path.join(ROOT, "target", "release", "mlloss"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-callgrind", action="store_true")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlloss", "--example", "bench_data"],
                   cwd=ROOT, check=True)
    generate()
    old, new = os.path.abspath(args.old), os.path.abspath(args.new)
    wall(old, new, args.runs)
    if args.no_callgrind:
        return
    if not shutil.which("valgrind"):
        print("\ncallgrind: SKIPPED (no valgrind; apt-get install valgrind)")
        return
    print()
    callgrind(old, new)


if __name__ == "__main__":
    sys.exit(main())
