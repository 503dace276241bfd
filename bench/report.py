"""`mlloss report` against `mlloss metrics --metric f1` on the same input
(issue 28: report within 1.2x of metrics --metric f1 on 1M x 50).

    python3 bench/report.py [--rows 1000000] [--classes 50] [--runs 5] [--binary target/release/mlloss]

Writes probabilities and 0/1 targets as .npy into a temporary directory
(never the repository), then runs each command --runs times, interleaved,
and prints the median wall time of each and their ratio. Needs numpy.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", default="target/release/mlloss")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(28)
        x = os.path.join(tmp, "p.npy")
        y = os.path.join(tmp, "y.npy")
        np.save(x, rng.random((args.rows, args.classes)))
        np.save(y, (rng.random((args.rows, args.classes)) < 0.3).astype(np.float64))
        commands = {
            "metrics --metric f1": [args.binary, "metrics", "--metric", "f1", "--scores", "probs", x, y],
            "report": [args.binary, "report", "--scores", "probs", x, y],
        }
        times = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - start)
        medians = {name: statistics.median(t) for name, t in times.items()}
        print(f"{args.rows} x {args.classes} probabilities (.npy), {args.runs} runs each, interleaved")
        for name, command in commands.items():
            shown = " ".join(os.path.basename(c) if c in (x, y) else c for c in command[1:])
            print(f"  mlloss {shown}: median {medians[name]:.3f} s")
        print(f"  report / metrics --metric f1: {medians['report'] / medians['metrics --metric f1']:.3f}")
        print(f"  load average: {os.getloadavg()[0]:.2f}")


main()
