"""A command that needs a confirmation does not wait out botocore's timeouts on an STS
that never answers: it is refused (77) once the identity lookup's deadline passes."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import boto3
import pytest

REFUSED = 77


@pytest.fixture
def black_hole() -> Iterator[str]:
    """An endpoint on loopback that accepts connections in the kernel and never answers."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        yield f"http://127.0.0.1:{hole.getsockname()[1]}"


def bucket(env: dict[str, str]) -> tuple[str, object]:
    s3 = boto3.client(
        "s3", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    name = f"prod-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    return name, s3


def aws(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """`aws ARGS` without a terminal; returns the run and how long it took."""
    exe = shutil.which("aws", path=env["PATH"])
    assert exe
    started = time.monotonic()
    run = subprocess.run(
        [exe, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=90, start_new_session=True,
    )
    return run, time.monotonic() - started


def test_a_destructive_command_is_refused_after_the_default_deadline(aws_env, black_hole):
    env = {**aws_env, "AWS_ENDPOINT_URL_STS": black_hole}
    name, s3 = bucket(env)
    run, elapsed = aws(env, "s3", "rb", f"s3://{name}")
    assert run.returncode == REFUSED, run.stderr
    assert 9 < elapsed < 20, elapsed  # was ~30 s: connect + read timeouts and retries
    assert "could not be confirmed in time" in run.stderr
    assert "within 10 s" in run.stderr
    assert name in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_the_deadline_of_guarded_commands_is_configurable(aws_env, black_hole):
    env = {**aws_env, "AWS_ENDPOINT_URL_STS": black_hole,
           "AWSGUARD_GUARDED_IDENTITY_TIMEOUT": "1.5"}
    name, s3 = bucket(env)
    run, elapsed = aws(env, "s3", "rb", f"s3://{name}")
    assert run.returncode == REFUSED, run.stderr
    assert elapsed < 8, elapsed
    assert "within 1.5 s" in run.stderr and "AWSGUARD_GUARDED_IDENTITY_TIMEOUT" in run.stderr
    assert "Traceback" not in run.stderr
    assert name in {b["Name"] for b in s3.list_buckets()["Buckets"]}
