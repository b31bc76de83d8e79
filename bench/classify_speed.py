#!/usr/bin/env python3
"""How much classifying a read adds to the shim.

Each sample is a fresh Python process that has already imported awsguard.invocation
and parsed the argv (the shim does that anyway); the sample times importing
awsguard.risk (and so awsguard.catalog), loading the service's table and classifying.
Prints the median and the 90th percentile of wall time over the samples, and the
thread CPU time (less sensitive to a busy machine), for a few commands.

Usage: bench/classify_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

CHILD = r"""
import sys, time
from awsguard.invocation import parse
inv = parse(sys.argv[1:])
c0, t0 = time.thread_time(), time.perf_counter()
from awsguard.risk import classify
result = classify(inv)
t1, c1 = time.perf_counter(), time.thread_time()
print(f"{(t1 - t0) * 1000:.4f} {(c1 - c0) * 1000:.4f} {result.risk.value}")
"""

COMMANDS = [
    ["s3api", "list-objects-v2", "--bucket", "b"],
    ["ec2", "describe-instances"],  # the largest table
    ["sts", "get-caller-identity"],
    ["s3", "ls", "s3://bucket/"],
]


# Installed packages have .pyc files; let the children write them like an install would.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def sample(argv: list[str]) -> tuple[float, float, str]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *argv], check=True, capture_output=True, text=True, env=ENV
    ).stdout.split()
    return float(out[0]), float(out[1]), out[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    for argv in COMMANDS:
        sample(argv)  # warm the OS file cache and the .pyc files
        wall, cpu = [], []
        risk = ""
        for _ in range(args.runs):
            ms, cpu_ms, risk = sample(argv)
            wall.append(ms)
            cpu.append(cpu_ms)
        wall.sort()
        p90 = wall[int(len(wall) * 0.9) - 1]
        print(
            f"aws {' '.join(argv):40} {risk:5} wall median {statistics.median(wall):5.2f} ms"
            f" p90 {p90:5.2f} ms | cpu median {statistics.median(cpu):5.2f} ms"
            f" min {min(cpu):5.2f} ms ({args.runs} processes)"
        )

    # In one process, a classification once the table is cached.
    import time

    from awsguard.invocation import parse
    from awsguard.risk import classify

    inv = parse(["ec2", "describe-instances"])
    classify(inv)
    n = 20000
    t0 = time.perf_counter()
    for _ in range(n):
        classify(inv)
    per = (time.perf_counter() - t0) / n * 1e6
    print(f"cached table, in process: {per:.1f} µs per classification")
    return 0


if __name__ == "__main__":
    sys.exit(main())
