"""What confirmation costs: the rules for a read, and the time until a prompt appears.

1. classify + plan for a read (`aws s3 ls`), measured in a fresh interpreter each run
   (the imports a shim pays for: awsguard.risk, awsguard.rules, the config file read)
   and warm, in-process (the per-call cost);
2. time-to-prompt: from spawning the installed shim for `aws s3 rb` on a pseudo-
   terminal until its confirmation question is on the screen, with the identity
   already cached (the second destructive command of a session). Baseline: the same
   shim in front of /bin/true for a read (the shim's fixed cost).

    .venv/bin/python bench/confirm_speed.py [--runs 20] [--prefix DIR]
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
sys.path.insert(0, str(REPO))

from fixtures.install import base_env, bench_install  # noqa: E402
from fixtures.moto import start_moto  # noqa: E402

CONFIG = """
[accounts."123456789012"]
name = "moto"

[[rules]]
profile = "*prod*"
confirm = "type"

[[rules]]
command = "s3 rb"
account = "moto"
confirm = "confirm"
"""

COLD = """
import time
from awsguard import invocation, paths, realcli  # what the shim has loaded already
start = time.perf_counter()
from awsguard.risk import classify
inv = invocation.parse(["s3", "ls"])
classification = classify(inv)
middle = time.perf_counter()
from awsguard import confirm, rules
config = rules.load_config()
outcome = confirm.check(inv, classification, None, config, {}, "aws")
assert outcome.decision == "pass", outcome
end = time.perf_counter()
print((end - start) * 1000, (end - middle) * 1000)
"""


def cold_plan_ms(python: str, env: dict[str, str]) -> tuple[float, float]:
    """(classify + rules + check, rules + check) in a fresh interpreter, in ms."""
    out = subprocess.run([python, "-c", COLD], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    total, rules_part = out.stdout.split()
    return float(total), float(rules_part)


def warm_plan_ms(env: dict[str, str], runs: int) -> float:
    import os

    from awsguard.invocation import parse
    from awsguard.risk import classify
    from awsguard.rules import load_config

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            inv = parse(["s3", "ls"])
            load_config(env).plan(classify(inv), None, None, inv)
            times.append(time.perf_counter() - start)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return statistics.median(times) * 1000


def time_to_prompt_ms(shim: str, env: dict[str, str], until: bytes = rb"\[y/N\]") -> float:
    """Until `until` shows: the identity panel comes first, the question once
    prompt_toolkit (imported while the panel is read) is ready."""
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(shim, ["s3", "rb", "s3://bench-bucket"], env=env, timeout=30)
    child.expect(until)
    elapsed = time.perf_counter() - start
    if until != rb"\[y/N\]":
        child.expect(rb"\[y/N\]")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    if child.exitstatus != 77:
        raise SystemExit(f"expected a refusal (77), got {child.exitstatus}")
    return elapsed * 1000


def timed_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--prefix", type=Path, help="an existing install.sh prefix")
    args = parser.parse_args()

    home, real_bin, prefix = bench_install(args.prefix, "confirm-bench")
    env = base_env(home, f"{prefix / 'bin'}:{real_bin}:/usr/bin:/bin")
    config = Path(env["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG)
    moto = start_moto()
    try:
        env.update(
            {
                "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "benchmark-secret",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": moto.url,
            }
        )
        shim = str(prefix / "bin" / "aws")

        python = str(prefix / "venv" / "bin" / "python")
        cold = [cold_plan_ms(python, env) for _ in range(args.runs)]
        total = [c[0] for c in cold]
        rules_part = [c[1] for c in cold]
        bare = [timed_ms([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]
        print(f"{'measure':54} {'median':>8} {'max':>8}  runs")
        print(
            f"{'read, fresh process: classify + config + check':54} "
            f"{statistics.median(total):7.1f}ms {max(total):7.1f}ms  {args.runs}"
        )
        print(
            f"{'read, fresh process: config + check alone':54} "
            f"{statistics.median(rules_part):7.1f}ms {max(rules_part):7.1f}ms  {args.runs}"
        )
        warm = warm_plan_ms(env, args.runs * 10)
        print(
            f"{'read: classify + plan, warm (per call)':54} {warm:7.2f}ms {'':>8}  {args.runs * 10}"
        )

        # The first destructive command fills the identity cache (one STS call) ...
        first = time_to_prompt_ms(shim, env)
        prompts = [time_to_prompt_ms(shim, env) for _ in range(args.runs)]
        panels = [
            time_to_prompt_ms(shim, env, rb"needs a confirmation[^\n]*\n(?:.*\n)*?.*region")
            for _ in range(args.runs)
        ]
        own = [
            timed_ms([shim, "s3", "ls"], {**env, "AWSGUARD_REAL_AWS": "/bin/true"})
            for _ in range(args.runs)
        ]
        print(f"{'time to prompt, identity not cached (STS call)':54} {first:7.1f}ms {'':>8}  1")
        print(
            f"{'identity panel shown, identity cached (from start)':54} "
            f"{statistics.median(panels):7.1f}ms {max(panels):7.1f}ms  {args.runs}"
        )
        print(
            f"{'question ready (prompt_toolkit), identity cached':54} "
            f"{statistics.median(prompts):7.1f}ms {max(prompts):7.1f}ms  {args.runs}"
        )
        print(
            f"{'shim in front of /bin/true, read (whole process)':54} "
            f"{statistics.median(own):7.1f}ms {max(own):7.1f}ms  {args.runs}"
        )
        print(
            f"{'python -c pass (interpreter start, for scale)':54} "
            f"{statistics.median(bare):7.1f}ms {max(bare):7.1f}ms  {args.runs}"
        )
    finally:
        moto.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
