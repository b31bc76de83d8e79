"""Client Side Monitoring from the real AWS CLI v1 against moto.

botocore emits CSM datagrams when AWS_CSM_ENABLED=true (botocore/session.py
_create_csm_monitor, botocore/monitoring.py); these tests check that the CLI the shim
runs really does, that the monitor keeps what a diagnosis needs and nothing secret,
and that a user's own listener gets every datagram untouched.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsguard.explain import diagnose
from awsguard.monitor import Monitor, auth_failures, parse_event

REAL_AWS = Path(sys.executable).parent / "aws"
FAKE_TOKEN = "IQoJb3JpZ2luX2VjEFAKESESSIONTOKENFORTESTS"

pytestmark = pytest.mark.skipif(not REAL_AWS.exists(), reason="AWS CLI v1 not in the venv")


def _env(tmp_path: Path, url: str, key: str, secret: str, token: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        AWS_ACCESS_KEY_ID=key,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=url,
    )
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return env


def _run_monitored(argv: list[str], env: dict, forward_to=None):
    monitor = Monitor(forward_to=forward_to).start()
    proc = subprocess.run(
        [str(REAL_AWS), *argv], env=monitor.child_env(env), capture_output=True, text=True
    )
    return proc, monitor.stop()


def test_cli_v1_sends_csm_events_for_each_call(moto_server, tmp_path):
    env = _env(tmp_path, moto_server.url, "AKIAIOSFODNN7EXAMPLE", "secret", FAKE_TOKEN)
    proc, events = _run_monitored(["sts", "get-caller-identity"], env)
    assert proc.returncode == 0, proc.stderr
    kinds = [(e.kind, e.service, e.api, e.http_status) for e in events]
    assert ("ApiCallAttempt", "STS", "GetCallerIdentity", 200) in kinds
    assert ("ApiCall", "STS", "GetCallerIdentity", 200) in kinds
    attempt = next(e for e in events if e.kind == "ApiCallAttempt")
    assert attempt.access_key == "AKIA…MPLE"
    assert attempt.region == "us-east-1"
    assert FAKE_TOKEN not in repr(events)
    assert auth_failures(events) == []


def test_cli_v1_reports_the_error_code_and_message_of_a_failed_call(moto_server, tmp_path):
    env = _env(tmp_path, moto_server.url, "AKIAIOSFODNN7EXAMPLE", "secret")
    proc, events = _run_monitored(["s3api", "list-objects-v2", "--bucket", "no-such-bkt"], env)
    assert proc.returncode != 0
    call = next(e for e in events if e.kind == "ApiCall")
    assert (call.api, call.http_status, call.aws_exception) == (
        "ListObjectsV2",
        404,
        "NoSuchBucket",
    )
    assert call.aws_exception_message == "The specified bucket does not exist"
    assert auth_failures(events) == []


@pytest.fixture
def users_listener() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    yield sock
    sock.close()


def test_users_own_listener_gets_every_datagram_unchanged(moto_server, tmp_path, users_listener):
    env = _env(tmp_path, moto_server.url, "AKIAIOSFODNN7EXAMPLE", "secret", FAKE_TOKEN)
    proc, events = _run_monitored(
        ["sts", "get-caller-identity"], env, forward_to=users_listener.getsockname()
    )
    assert proc.returncode == 0, proc.stderr
    forwarded = [users_listener.recv(65535) for _ in events]
    users_listener.settimeout(0.05)
    with pytest.raises(socket.timeout):
        users_listener.recv(65535)
    assert [parse_event(raw) for raw in forwarded] == events
    # Unchanged: the forwarded bytes still carry what the monitor itself drops.
    first = json.loads(forwarded[0])
    assert first["SessionToken"] == FAKE_TOKEN
    assert first["AccessKey"] == "AKIAIOSFODNN7EXAMPLE"
    assert first["UserAgent"].startswith("aws-cli/1.")
    assert first["ClientId"] == "awsguard"


# --- IAM enforcement -----------------------------------------------------------------------

SETUP_CALLS = 6


@pytest.fixture(scope="module")
def enforcing_moto() -> Iterator[tuple[str, dict[str, tuple[str, str]]]]:
    """A private moto with IAM enforcement after exactly our setup calls.

    Not the shared `moto_iam_server`: reaching enforcement means spending its whole
    allowance of unauthenticated calls, which would leave none for other tests.
    """
    import boto3
    from fixtures.moto import start_moto

    server = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS)})
    try:
        admin = {
            "endpoint_url": server.url,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        iam = boto3.client("iam", **admin)
        keys = {}
        for name in ("reader", "nopolicy"):  # 4 calls
            iam.create_user(UserName=name)
            key = iam.create_access_key(UserName=name)["AccessKey"]
            keys[name] = (key["AccessKeyId"], key["SecretAccessKey"])
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
        }
        iam.put_user_policy(  # 5
            UserName="reader", PolicyName="whoami", PolicyDocument=json.dumps(policy)
        )
        boto3.client("s3", **admin).create_bucket(Bucket="guarded-bucket")  # 6
        yield server.url, keys
    finally:
        server.stop()


def test_call_denied_for_lack_of_permission_arrives_with_awss_message(enforcing_moto, tmp_path):
    url, keys = enforcing_moto
    env = _env(tmp_path, url, *keys["nopolicy"])
    proc, events = _run_monitored(["iam", "list-users"], env)
    assert proc.returncode != 0
    (failure,) = auth_failures(events)
    assert (failure.service, failure.api, failure.aws_exception) == (
        "IAM",
        "ListUsers",
        "AccessDenied",
    )
    diagnosis = diagnose(
        failure.aws_exception, failure.aws_exception_message, failure.api, failure.service
    )
    assert diagnosis.category == "implicit-deny"
    assert diagnosis.action == "iam:ListUsers"
    assert diagnosis.principal == "arn:aws:iam::123456789012:user/nopolicy"


def test_s3_listing_denied_names_the_bucket_from_argv(enforcing_moto, tmp_path):
    from awsguard.explain import DiagnosisContext

    url, keys = enforcing_moto
    env = _env(tmp_path, url, *keys["reader"])
    argv = ["s3", "ls", "s3://guarded-bucket/logs/"]
    proc, events = _run_monitored(argv, env)
    assert proc.returncode != 0
    (failure,) = auth_failures(events)
    assert failure.api == "ListObjectsV2"
    diagnosis = diagnose(
        failure.aws_exception,
        failure.aws_exception_message,
        failure.api,
        failure.service,
        DiagnosisContext(argv=tuple(argv)),
    )
    assert (diagnosis.category, diagnosis.action, diagnosis.resource) == (
        "implicit-deny",
        "s3:ListBucket",
        "arn:aws:s3:::guarded-bucket",
    )


def test_unknown_access_key_is_an_invalid_credentials_failure(enforcing_moto, tmp_path):
    url, _ = enforcing_moto
    env = _env(tmp_path, url, "AKIAUNKNOWNKEY000000", "whatever")
    proc, events = _run_monitored(["sts", "get-caller-identity"], env)
    assert proc.returncode != 0
    (failure,) = auth_failures(events)
    assert failure.aws_exception == "InvalidClientTokenId"
    diagnosis = diagnose(failure.aws_exception, failure.aws_exception_message, failure.api)
    assert diagnosis.category == "invalid-credentials"


def test_allowed_call_under_enforcement_has_no_failures(enforcing_moto, tmp_path):
    url, keys = enforcing_moto
    env = _env(tmp_path, url, *keys["reader"])
    proc, events = _run_monitored(["sts", "get-caller-identity"], env)
    assert proc.returncode == 0, proc.stderr
    assert events and auth_failures(events) == []
