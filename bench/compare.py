#!/usr/bin/env python3
"""Compares two mlloss binaries side by side: wall time with the runs
interleaved (A B B A A B …, so that drift in the machine's speed hits both
alike) on the 1M × 50 benchmark inputs, and instruction counts under
callgrind (one thread, 100k rows), which do not depend on the machine's
load. Standard library only; callgrind needs valgrind (Debian package).

    python3 bench/compare.py OLD_BINARY [NEW_BINARY] [--runs N] [--no-callgrind]
    python3 bench/compare.py --pairing [NEW_BINARY] [--runs N]

NEW_BINARY defaults to target/release/mlloss (built first). The inputs are
generated into target/bench-data/ as bench/bench.py generates them.

`--pairing` times NEW_BINARY alone on the same 1M × 50 data with names and
keys (columns matched by name, in LOGITS' order and reversed; rows paired by
an `id` key in the same order and shuffled), each against the positional run
in the same interleaved loop, with peak RSS.
"""
import argparse
import multiprocessing
import os
import random
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


def generate_named():
    """The 1M-row inputs again with names: a header `c0,…,c49` (targets also
    with the columns reversed), and with an `id` key (targets also shuffled
    by a seeded permutation)."""
    jobs = {"nlogits-1m.csv": ("logits-1m.csv", "names"), "ntargets-1m.csv": ("targets-1m.csv", "names"),
            "rtargets-1m.csv": ("targets-1m.csv", "reversed"), "klogits-1m.csv": ("logits-1m.csv", "key"),
            "ktargets-1m.csv": ("targets-1m.csv", "key"), "stargets-1m.csv": ("targets-1m.csv", "shuffled")}
    for name, (source, how) in jobs.items():
        path = os.path.join(DATA, name)
        if os.path.exists(path):
            continue
        with open(os.path.join(DATA, source)) as src:
            rows = src.read().splitlines()
        width = rows[0].count(",") + 1
        names = [f"c{j}" for j in range(width)]
        if how == "names":
            out = [",".join(names)] + rows
        elif how == "reversed":
            out = [",".join(reversed(names))] + [",".join(reversed(r.split(","))) for r in rows]
        else:
            keyed = [f"{i},{r}" for i, r in enumerate(rows)]
            if how == "shuffled":
                random.Random(4).shuffle(keyed)
            out = ["id," + ",".join(names)] + keyed
        with open(path + ".tmp", "w") as dst:
            dst.write("\n".join(out) + "\n")
        os.replace(path + ".tmp", path)


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


PAIRING = [
    ("positional", "loss -r mean logits-1m.csv targets-1m.csv"),
    ("names, same order", "loss -r mean nlogits-1m.csv ntargets-1m.csv"),
    ("names, targets reversed", "loss -r mean nlogits-1m.csv rtargets-1m.csv"),
    ("--key id, same order", "loss -r mean --key id klogits-1m.csv ktargets-1m.csv"),
    ("--key id, targets shuffled", "loss -r mean --key id klogits-1m.csv stargets-1m.csv"),
    ("positional, none", "loss -r none -o /dev/null logits-1m.csv targets-1m.csv"),
    ("--key id, same order, none", "loss -r none -o /dev/null --key id klogits-1m.csv ktargets-1m.csv"),
]


def pairing(exe, runs):
    """Each pairing mode against the positional run of the same reduction,
    interleaved in one loop so that drift hits all alike."""
    times = {label: [] for label, _ in PAIRING}
    for i in range(runs + 1):
        order = PAIRING if i % 2 else PAIRING[::-1]
        for label, cmd in order:
            result = timed([exe] + cmd.split())
            if i:
                times[label].append(result)
    print("| pairing | command | wall median (min) | speed vs positional | peak RSS |")
    print("|---|---|---:|---:|---:|")
    for label, cmd in PAIRING:
        base = "positional, none" if cmd.startswith("loss -r none") else "positional"
        median = statistics.median(w for w, _ in times[label])
        base_median = statistics.median(w for w, _ in times[base])
        print(f"| {label} | `{cmd}` | {median:.3f} s ({min(w for w, _ in times[label]):.3f}) "
              f"| {100 * base_median / median:.1f}% | {peak_rss(exe, cmd)} |")


def peak_rss(exe, cmd):
    """Peak RSS by GNU time: the rusage Python gets back also counts the
    forked interpreter before exec."""
    if not os.path.exists("/usr/bin/time"):
        return "n/a (no GNU time)"
    run = subprocess.run(["/usr/bin/time", "-f", "%M", exe] + cmd.split(), cwd=DATA,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return f"{int(run.stderr.split()[-1]) / 1024:.1f} MiB"


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
    parser.add_argument("old", nargs="?", help="the build to compare with (not needed with --pairing)")
    parser.add_argument("new", nargs="?")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-callgrind", action="store_true")
    parser.add_argument("--pairing", action="store_true", help="time NEW alone on named and keyed inputs")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mlloss", "--example", "bench_data"],
                   cwd=ROOT, check=True)
    generate()
    if args.pairing and args.old and not args.new:
        args.old, args.new = None, args.old
    if not args.pairing and not args.old:
        parser.error("OLD_BINARY is needed unless --pairing")
    new = os.path.abspath(args.new or os.path.join(ROOT, "target", "release", "mlloss"))
    if args.pairing:
        # In a child process: the parent would otherwise keep the gigabytes of
        # rows it read, and every forked run would report them as its peak RSS.
        child = multiprocessing.get_context("fork").Process(target=generate_named)
        child.start()
        child.join()
        pairing(new, args.runs)
        return
    old = os.path.abspath(args.old)
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
