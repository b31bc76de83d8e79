"""Benchmark: one evaluation over 10 policies x 20 statements, and `awsguard simulate` end to end.

    .venv/bin/python bench/policy_eval.py

Targets (issue 7): under 1 ms per evaluation; under 300 ms for `awsguard simulate --input`.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from awsguard.policy.evaluate import EvaluationInput, Request, evaluate
from awsguard.policy.model import parse_policy

SERVICES = ["s3", "ec2", "sqs", "sns", "dynamodb", "lambda", "kms", "iam", "logs", "ssm"]


def statement(p: int, s: int) -> dict:
    service = SERVICES[(p + s) % len(SERVICES)]
    entry: dict = {
        "Sid": f"P{p}S{s}",
        "Effect": "Deny" if s % 7 == 6 else "Allow",
        "Action": [f"{service}:Get*", f"{service}:List*", f"{service}:Describe{s}*"],
        "Resource": [f"arn:aws:{service}:*:111122223333:thing-{p}-{s}/*",
                     f"arn:aws:s3:::bucket-{p}-{s}/${{aws:username}}/*"],
    }
    if s % 3 == 0:
        entry["Condition"] = {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
                              "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}
    if s % 5 == 0:
        entry["Condition"] = {"ForAnyValue:StringLike": {"aws:TagKeys": ["team-*", "env"]},
                              "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
    return entry


def policies() -> list:
    return [parse_policy({"Version": "2012-10-17",
                          "Statement": [statement(p, s) for s in range(20)]}, f"policy-{p}")
            for p in range(10)]


def bench_engine(rounds: int = 3000) -> tuple[float, float]:
    given = EvaluationInput(
        request=Request(principal="arn:aws:iam::111122223333:user/alice", action="s3:GetObject",
                        resource="arn:aws:s3:::bucket-3-7/alice/report.csv",
                        context={"aws:SourceIp": "203.0.113.9", "aws:RequestedRegion": "us-east-1",
                                 "aws:TagKeys": ["env", "owner"]}),
        identity_policies=policies(),
    )
    for _ in range(200):
        evaluate(given)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        evaluate(given)
    return ((time.perf_counter() - start) / rounds, (time.process_time() - cpu) / rounds)


def bench_cli(runs: int = 7) -> tuple[float, float]:
    document = {
        "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject",
                    "resource": "arn:aws:s3:::bucket-3-7/alice/report.csv",
                    "context": {"aws:SourceIp": "203.0.113.9"}},
        "identity_policies": [{"name": p.name, "document": p.document} for p in policies()],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.json"
        path.write_text(json.dumps(document))
        awsguard = Path(sys.executable).with_name("awsguard")
        command = [str(awsguard)] if awsguard.exists() else [sys.executable, "-m", "awsguard"]
        command += ["simulate", "--input", str(path), "--json"]
        times, cpu_times = [], []
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu_times)


def main() -> None:
    # CPU time is printed beside wall time: on a busy machine wall time measures the neighbours.
    per, per_cpu = bench_engine()
    print(f"engine: 10 policies x 20 statements: {per * 1000:.3f} ms per evaluation wall "
          f"({per_cpu * 1000:.3f} ms CPU), {1 / per:,.0f} evaluations/s (target < 1 ms)")
    wall, cpu = bench_cli()
    print(f"cli: awsguard simulate --input (with lint), median of 7: {wall * 1000:.0f} ms wall "
          f"({cpu * 1000:.0f} ms CPU) (target < 300 ms)")


if __name__ == "__main__":
    main()
