"""Summarises libFuzzer logs (fuzz/logs/<target>.log): executions, final
coverage, and when the coverage last grew, to show the plateau.

    python3 fuzz/plateau.py fuzz/logs/*.log
"""
import re
import sys

# "#123\tNEW    cov: …" in one process, "#123: cov: …" with -fork.
LINE = re.compile(r"^#(\d+):?\s+(?:\w+\s+)?cov: (\d+) ft: (\d+)")

print("| target | executions | edges (cov) at 50% / 100% of the run | features (ft) at 50% / 100% | cov last grew at |")
print("|---|---:|---:|---:|---:|")
for path in sys.argv[1:]:
    points = []
    for line in open(path, errors="replace"):
        m = LINE.match(line)
        if m:
            points.append(tuple(int(g) for g in m.groups()))
    if not points:
        continue
    total, cov, ft = points[-1]
    last_growth = next(n for n, c, _ in points if c == cov)
    half = max((p for p in points if p[0] <= total / 2), default=points[0])
    name = path.rsplit("/", 1)[-1].removesuffix(".log")
    print(
        f"| {name} | {total:,} | {half[1]:,} / {cov:,} | {half[2]:,} / {ft:,} "
        f"| #{last_growth:,} ({last_growth / total:.0%}) |"
    )
