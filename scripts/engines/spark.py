#!/usr/bin/env python3
"""The Spark recipe of the README ("Sharded runs on an engine"): each
partition of a text file piped through `mlloss loss --partial` (RDD.pipe),
the states merged on the driver with `mlloss merge -`, compared to the last
bit with the unsharded run on a generated 200,000-row one-file table.

    python3 scripts/engines/spark.py [MLLOSS]     (default: target/release/mlloss)

Needs pyspark (pip install pyspark) and a Java runtime (apt-get install
default-jre-headless); local mode, two cores. Not run by .ci/run: pyspark
is a 300 MB download. Run by hand.
"""
import itertools
import os
import random
import subprocess
import sys
import tempfile


def main():
    mlloss = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/mlloss")
    try:
        from pyspark import SparkContext
    except ImportError:
        sys.exit("scripts/engines/spark.py: SKIPPED (no pyspark: pip install pyspark)")
    work = tempfile.mkdtemp()
    table = os.path.join(work, "table.csv")
    rng = random.Random(20261204)
    with open(table, "w") as f:
        f.write(",".join(["id"] + [f"p_{j}" for j in range(10)] + [f"y_{j}" for j in range(10)]) + "\n")
        for i in range(200_000):
            x = [round(rng.uniform(-6, 6), 6) for _ in range(10)]
            y = [int(rng.random() < 1 / (1 + 2.718281828459045 ** -v)) for v in x]
            f.write(",".join([f"r{i}"] + [repr(v) for v in x] + [str(v) for v in y]) + "\n")
    with open(table) as f:
        header = f.readline().rstrip("\n")
    sc = SparkContext("local[2]", "mlloss-recipe")
    sc.setLogLevel("ERROR")
    try:
        lines = sc.textFile(table, minPartitions=8)
        # Each partition gets the header line (Spark splits the file by bytes:
        # only the first partition has it), then its rows.
        with_header = lines.mapPartitions(
            lambda rows: itertools.chain([header], (r for r in rows if r != header)))
        checked = 0
        for reduction in ["mean", "sum", "class"]:
            command = f"{mlloss} loss --partial --logits-columns 'p_*' --targets-columns 'y_*' -"
            states = with_header.pipe(command).collect()
            merged = subprocess.run([mlloss, "merge", "-r", reduction, "-"], input="\n".join(states) + "\n",
                                    capture_output=True, text=True, check=True).stdout
            whole = subprocess.run([mlloss, "loss", "-r", reduction, "--logits-columns", "p_*",
                                    "--targets-columns", "y_*", table],
                                   capture_output=True, text=True, check=True).stdout
            if merged != whole:
                sys.exit(f"spark -r {reduction}: {merged!r}, unsharded {whole!r}")
            checked += 1
        print(f"scripts/engines/spark.py: {checked} reductions over {lines.getNumPartitions()} "
              f"partitions equal to the unsharded run, bit for bit")
    finally:
        sc.stop()


if __name__ == "__main__":
    main()
