"""The prompt segment inside a shell `awsguard exec` started: the exec'd profile and
account, not `env`, while the credentials are still the ones exec handed out."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from awsguard import handout
from awsguard import prompt as seg
from awsguard.awsconfig import load_files
from awsguard.invocation import parse
from awsguard.redact import mask_key
from awsguard.resolve import resolve

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
KEY = "ASIAI44QH8DHBEXAMPLE"
ACCOUNT = "210987654321"


def segment(tmp_path: Path, **env: str) -> seg.Segment:
    environ = {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": str(tmp_path / "no-cli"),
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        **env,
    }
    res = resolve(parse([]), environ, load_files(environ), 2, now=NOW)
    return seg.compute(res, environ, seg.PromptSettings(), NOW)


def exec_env(**extra: str) -> dict[str, str]:
    return {
        "AWSGUARD_EXEC_PROFILE": "admin",
        "AWSGUARD_EXEC_ACCOUNT": ACCOUNT,
        "AWSGUARD_EXEC_ARN": f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s",
        **extra,
    }


def test_exec_keys_in_the_environment_show_the_execd_profile_and_account(tmp_path):
    shown = segment(tmp_path, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY="s",
                    AWS_SESSION_TOKEN="t", **exec_env(AWSGUARD_EXEC_KEY_ID=mask_key(KEY)))
    assert shown.source == "env"
    assert shown.profile == "admin"
    assert shown.account == ACCOUNT and shown.account_from == "awsguard exec"
    assert shown.text == f"admin@{ACCOUNT} eu-west-1"


def test_the_execd_credentials_server_shows_the_execd_profile(tmp_path):
    shown = segment(
        tmp_path,
        AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:40123/credentials",
        AWS_CONTAINER_AUTHORIZATION_TOKEN="token",
        **exec_env(),
    )
    assert shown.source == "container-role"
    assert shown.profile == "admin" and shown.account == ACCOUNT


def test_keys_exported_by_hand_inside_the_exec_shell_are_env_again(tmp_path):
    other = "AKIAIOSFODNN7EXAMPLE"
    shown = segment(tmp_path, AWS_ACCESS_KEY_ID=other, AWS_SECRET_ACCESS_KEY="s",
                    **exec_env(AWSGUARD_EXEC_KEY_ID=mask_key(KEY)))
    assert shown.profile == "env" and shown.account is None


def test_outside_exec_env_keys_are_env(tmp_path):
    shown = segment(tmp_path, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY="s")
    assert shown.profile == "env" and shown.account is None


def test_the_prompt_reads_the_variables_exec_sets():
    assert seg.EXEC_PROFILE_VAR == handout.EXEC_PROFILE_VAR
    assert seg.EXEC_ACCOUNT_VAR == handout.EXEC_ACCOUNT_VAR
    assert seg.EXEC_KEY_VAR == handout.EXEC_KEY_VAR
