"""Security review: secrets stay out of the audit log, messages, reprs and loose directories."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from awsguard import audit
from awsguard.confirm import Outcome
from awsguard.invocation import parse

SSE_C_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
TOTP_SEED = "JBSWY3DPEHPK3PXP"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture(autouse=True)
def _no_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))


# --- the audit log and the confirmation panel (audit.redact_argv) -----------------------------


@pytest.mark.parametrize(
    ("argv", "hidden"),
    [
        (["s3api", "put-object", "--bucket", "b", "--key", "k", "--sse-customer-key", SSE_C_KEY],
         SSE_C_KEY),
        (["s3api", "copy-object", "--copy-source-sse-customer-key", SSE_C_KEY], SSE_C_KEY),
        (["s3", "mv", "a", "s3://b/a", "--sse-c", "AES256", "--sse-c-key", SSE_C_KEY], SSE_C_KEY),
        (["s3", "sync", ".", "s3://b", "--delete", f"--sse-c-key={SSE_C_KEY}"], SSE_C_KEY),
        (["s3", "cp", "s3://a/x", "s3://b/x", "--sse-c-copy-source-key", SSE_C_KEY], SSE_C_KEY),
        (["kms", "encrypt", "--key-id", "alias/k", "--plaintext", "hunter2"], "hunter2"),
        (["ssm", "put-parameter", "--name", "/db/pw", "--type", "SecureString",
          "--value", "hunter2", "--overwrite"], "hunter2"),
        (["configure", "set", "default.aws_secret_access_key", "hunter2"], "hunter2"),
        (["configure", "set", "profile.dev.aws_session_token", "hunter2"], "hunter2"),
    ],
)
def test_secret_carrying_option_values_are_redacted(argv: list[str], hidden: str) -> None:
    redacted = audit.redact_argv(argv)
    assert hidden not in " ".join(redacted)
    assert audit.REDACTED in " ".join(redacted)


def test_sse_algorithm_and_object_key_are_not_redacted() -> None:
    argv = ["s3", "cp", "a", "s3://b/a", "--sse-c", "AES256", "--sse-c-copy-source", "AES256"]
    assert audit.redact_argv(argv) == argv
    argv = ["s3api", "get-object", "--bucket", "b", "--key", "k", "out"]
    assert audit.redact_argv(argv) == argv
    argv = ["ssm", "get-parameter", "--name", "/db/pw", "--with-decryption"]
    assert audit.redact_argv(argv) == argv


def test_audit_log_line_holds_no_sse_c_key(tmp_path: Path) -> None:
    argv = ["s3", "mv", "x", "s3://b/x", "--sse-c", "AES256", "--sse-c-key", SSE_C_KEY]
    outcome = Outcome(decision="approved", level="confirm", risk="destructive",
                      operation="s3 mv", action="s3:DeleteObject", because="test",
                      identity={})
    audit.record(outcome, parse(argv), 0, os.environ)
    text = audit.log_path(os.environ).read_text()
    assert json.loads(text)["decision"] == "approved"
    assert SSE_C_KEY not in text


# --- mfa_process: its command line may carry a TOTP seed -------------------------------------


@pytest.mark.parametrize(
    "script", ["print('not a code')", "import sys; sys.exit(3)"], ids=["no-code", "fails"]
)
def test_mfa_process_errors_do_not_echo_its_arguments(script: str) -> None:
    from awsguard import sessions
    from awsguard.errors import AwsguardError

    settings = sessions.SessionSettings(
        mfa_process=[sys.executable, "-c", script, "--secret", TOTP_SEED]
    )
    with pytest.raises(AwsguardError) as caught:
        sessions.run_mfa_process(settings, "dev", "arn:aws:iam::1:mfa/me", {})
    assert TOTP_SEED not in str(caught.value)
    assert "mfa_process" in str(caught.value)


# --- reprs ------------------------------------------------------------------------------------


def test_import_candidate_repr_hides_the_secret() -> None:
    from awsguard.commands.import_ import Candidate

    text = repr(Candidate("dev", KEY_ID, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    assert "wJalrXUtnFEMI" not in text


# --- STS messages reach the user with key ids masked ----------------------------------------


def _client_error(message: str):  # noqa: ANN202
    from botocore.exceptions import ClientError

    return ClientError(
        {"Error": {"Code": "InvalidClientTokenId", "Message": message}}, "GetCallerIdentity"
    )


def test_identity_failure_masks_key_ids_in_sts_message() -> None:
    from awsguard import identity

    err = identity._client_failure(
        _client_error(f"The security token {KEY_ID} included in the request is invalid."), None
    )
    assert KEY_ID not in str(err)
    assert "AKIA…MPLE" in str(err)


def test_session_sts_failure_masks_key_ids_in_sts_message() -> None:
    from awsguard import sessions
    from awsguard.errors import AwsguardError

    def call() -> None:
        raise _client_error(f"The access key {KEY_ID} is not valid.")

    with pytest.raises(AwsguardError) as caught:
        sessions._call_sts("GetSessionToken", "dev", call)
    assert KEY_ID not in str(caught.value)


# --- directories awsguard creates are 0700 ---------------------------------------------------


def test_prompt_stamp_creates_the_awsguard_cache_folder_private(tmp_path: Path) -> None:
    from awsguard.commands import prompt

    cache = tmp_path / "fresh-cache"
    old = os.umask(0o022)
    try:
        prompt.prepare_stamp(str(cache / "awsguard" / "prompt" / "stamp.1"))
    finally:
        os.umask(old)
    for folder in (cache / "awsguard", cache / "awsguard" / "prompt"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((cache / "awsguard" / "prompt" / "stamp.1").stat().st_mode) == 0o600
