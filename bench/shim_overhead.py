"""How much time the shim adds to an `aws` call.

Installs awsguard with install.sh into a temporary prefix (or uses --prefix of
an existing install), starts a moto server, then runs each command through the
shim and directly against the real CLI, alternating, and prints the medians and
the difference.

    .venv/bin/python bench/shim_overhead.py [--runs 30] [--prefix DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fixtures.install import bench_install, user_env  # noqa: E402
from fixtures.moto import start_moto  # noqa: E402

COMMANDS = {
    "aws --version": ["--version"],
    "aws sts get-caller-identity": ["sts", "get-caller-identity"],
    "aws s3 ls (read)": ["s3", "ls"],
}


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed: {proc.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--prefix", type=Path, help="an existing install.sh prefix")
    parser.add_argument("--only", choices=list(COMMANDS), action="append")
    args = parser.parse_args()

    home, real_bin, prefix = bench_install(args.prefix, "bench")
    moto = start_moto()
    try:
        env = user_env(home, prefix / "bin", real_bin, moto.url)
        shim = str(prefix / "bin" / "aws")
        real = str(real_bin / "aws")
        print(f"{'command':32} {'real (ms)':>10} {'shim (ms)':>10} {'added (ms)':>11}  runs")
        for name, argv in COMMANDS.items():
            if args.only and name not in args.only:
                continue
            for _ in range(3):  # warm caches: page cache, the realcli cache, identity cache
                timed([shim, *argv], env)
                timed([real, *argv], env)
            shim_times, real_times = [], []
            for i in range(args.runs):
                order = [(shim, shim_times), (real, real_times)]
                if i % 2:
                    order.reverse()
                for exe, bucket in order:
                    bucket.append(timed([exe, *argv], env))
            r = statistics.median(real_times) * 1000
            s = statistics.median(shim_times) * 1000
            print(f"{name:32} {r:10.1f} {s:10.1f} {s - r:+11.1f}  {args.runs}")
        # The shim's own cost, without the real CLI: point it at `true`. "repeat" is the
        # usual case (the invocation was seen before with nothing to say: plancache);
        # "full pipeline" turns that cache off, as on the first call after a change.
        cases = {
            "shim before /bin/true, exec": (["--version"], {}),
            "… read, repeat": (["sts", "get-caller-identity"], {}),
            "… read, full pipeline": (["sts", "get-caller-identity"], {"AWSGUARD_PLAN_CACHE": "0"}),
        }
        for name, (argv, extra) in cases.items():
            env_true = {**env, "AWSGUARD_REAL_AWS": "/bin/true", **extra}
            own, base = [], []
            timed([shim, *argv], env_true)
            for i in range(args.runs):
                pair = [(shim, own), ("/bin/true", base)]
                if i % 2:
                    pair.reverse()
                for exe, bucket in pair:
                    bucket.append(timed([exe, *argv], env_true))
            print(
                f"{name:32} {statistics.median(base) * 1000:10.1f} "
                f"{statistics.median(own) * 1000:10.1f} "
                f"{(statistics.median(own) - statistics.median(base)) * 1000:+11.1f}  {args.runs}"
            )
        # What any Python program pays to start on this machine, for comparison.
        py = [sys.executable, "-IS", "-c", "pass"]
        starts = [timed(py, env) for _ in range(args.runs)]
        print(f"{'python -IS -c pass':32} {'':10} {statistics.median(starts) * 1000:10.1f}")
    finally:
        moto.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
