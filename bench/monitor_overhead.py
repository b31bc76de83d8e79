"""What the CSM monitor costs: its import, and the wall time it adds to a real CLI call.

    .venv/bin/python bench/monitor_overhead.py [--runs 20]

Import cost: `-X importtime` in fresh interpreters, standalone and after what the shim
has already imported (awsguard.shim). Wall time: `aws sts get-caller-identity` (AWS
CLI v1) against a moto server, monitor on vs off, runs interleaved, medians reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def import_cost_us(prelude: str, cache: str, repeats: int = 15) -> float:
    """Median cumulative import time of awsguard.monitor (µs) after `prelude`.

    Bytecode is cached under `cache` (an installed package has its .pyc files; this
    environment sets PYTHONDONTWRITEBYTECODE, which would time the compiler instead).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = f"{prelude}; import awsguard.monitor"
    command = [sys.executable, "-X", f"pycache_prefix={cache}", "-X", "importtime", "-c", code]
    subprocess.run(command, capture_output=True, cwd=ROOT, env=env)  # write the cache
    samples = []
    for _ in range(repeats):
        proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
        for line in proc.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == "awsguard.monitor":
                samples.append(int(parts[1]))
    return statistics.median(samples)


def start_stop_us(repeats: int = 200) -> float:
    from awsguard.monitor import Monitor, auth_failures

    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        monitor = Monitor().start()
        monitor.child_env(os.environ)
        auth_failures(monitor.stop())
        samples.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from fixtures.moto import start_moto

    from awsguard.monitor import Monitor, auth_failures

    aws = Path(sys.executable).parent / "aws"
    with tempfile.TemporaryDirectory() as cache:
        alone = import_cost_us("pass", cache)
        after_shim = import_cost_us("import awsguard.shim", cache)
    print(f"import awsguard.monitor, fresh interpreter: {alone:.0f} µs")
    print(f"import awsguard.monitor after awsguard.shim: {after_shim:.0f} µs")
    print(f"Monitor start + child_env + stop + auth_failures: {start_stop_us():.0f} µs")

    server = start_moto()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ENDPOINT_URL=server.url,
            AWS_CONFIG_FILE="/dev/null",
            AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        )
        argv = [str(aws), "sts", "get-caller-identity"]
        subprocess.run(argv, env=env, capture_output=True, check=True)  # warm caches
        off, on, events_seen = [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            off.append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            monitor = Monitor().start()
            subprocess.run(argv, env=monitor.child_env(env), capture_output=True, check=True)
            events = monitor.stop()
            auth_failures(events)
            on.append(time.perf_counter() - t0)
            events_seen.append(len(events))
    finally:
        server.stop()
    off_ms = statistics.median(off) * 1000
    on_ms = statistics.median(on) * 1000
    print(f"aws sts get-caller-identity, median of {args.runs}:")
    print(f"  monitor off: {off_ms:.1f} ms")
    seen = f"{min(events_seen)}-{max(events_seen)}"
    print(f"  monitor on:  {on_ms:.1f} ms  (events per call: {seen})")
    print(f"  added:       {on_ms - off_ms:+.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
