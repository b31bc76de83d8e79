"""The audit log (audit.py), `awsguard log` and `awsguard config`."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from awsguard import audit
from awsguard.confirm import Outcome
from awsguard.invocation import parse


@pytest.mark.parametrize(
    ("argv", "hidden"),
    [
        (
            ["secretsmanager", "create-secret", "--name", "n", "--secret-string", "hunter2"],
            "hunter2",
        ),
        (["secretsmanager", "put-secret-value", "--secret-string=hunter2"], "hunter2"),
        (["rds", "create-db-instance", "--master-user-password", "hunter2"], "hunter2"),
        (["iam", "create-login-profile", "--password", "hunter2"], "hunter2"),
        (["configure", "set", "aws_secret_access_key", "hunter2"], "hunter2"),
        (["ssm", "put-parameter", "--cli-input-json", '{"Value": "hunter2"}'], "hunter2"),
        (["sts", "get-session-token", "--token-code", "123456"], "123456"),
    ],
)
def test_secret_values_are_redacted(argv: list[str], hidden: str) -> None:
    redacted = audit.redact_argv(argv)
    assert hidden not in " ".join(redacted)
    assert audit.REDACTED in " ".join(redacted)


def test_ordinary_values_and_pagination_tokens_stay() -> None:
    argv = ["s3api", "list-objects-v2", "--bucket", "b", "--starting-token", "abc"]
    assert audit.redact_argv(argv) == argv
    argv = ["secretsmanager", "delete-secret", "--secret-id", "prod/db"]
    assert audit.redact_argv(argv) == argv
    argv = ["ssm", "put-parameter", "--cli-input-json", "file://in.json"]
    assert audit.redact_argv(argv) == argv


def outcome(decision: str = "approved") -> Outcome:
    return Outcome(
        decision=decision,
        level="confirm",
        risk="destructive",
        operation="s3 rb",
        action="s3:DeleteBucket",
        because="built-in default for destructive commands",
        identity={
            "account": "123456789012",
            "arn": "arn:aws:iam::123456789012:user/alice",
            "alias": None,
            "name": "prod",
            "region": "eu-west-1",
            "profile": "default",
        },
    )


def test_record_appends_one_private_json_line_per_decision(tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path), "HOME": str(tmp_path)}
    audit.record(outcome(), parse(["s3", "rb", "s3://b"]), 0, env)
    audit.record(outcome("refused"), parse(["s3", "rb", "s3://c"]), None, env)
    audit.record(Outcome(decision="pass"), parse(["s3", "ls"]), 0, env)
    path = audit.log_path(env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    first, second = map(json.loads, lines)
    assert first["decision"] == "approved" and first["exit_status"] == 0
    assert first["argv"] == ["s3", "rb", "s3://b"]
    assert first["account"] == "123456789012" and first["account_name"] == "prod"
    assert first["arn"].endswith("user/alice") and first["region"] == "eu-west-1"
    assert first["time"]
    assert second["decision"] == "refused" and second["exit_status"] is None


def run_awsguard(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "awsguard", *args], env=env, capture_output=True, text=True
    )


def clean_env(tmp_path: Path) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }


def test_log_command_shows_recent_entries(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    for bucket in ("one", "two", "three"):
        audit.record(outcome(), parse(["s3", "rb", f"s3://{bucket}"]), 0, env)
    shown = run_awsguard(env, "log", "-n", "2")
    assert shown.returncode == 0, shown.stderr
    assert "s3://one" not in shown.stdout
    assert "s3://two" in shown.stdout and "s3://three" in shown.stdout
    assert "123456789012 (prod)" in shown.stdout and "approved" in shown.stdout
    as_json = json.loads(run_awsguard(env, "log", "--json").stdout)
    assert [e["argv"][-1] for e in as_json] == ["s3://one", "s3://two", "s3://three"]


def test_config_command_shows_rules_and_their_origin(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    path = tmp_path / "config" / "awsguard" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(
        '[accounts."123456789012"]\nname = "prod"\nprotected = true\n'
        '[[rules]]\ncommand = "s3 rb"\nconfirm = "deny"\n'
    )
    shown = run_awsguard(env, "config")
    assert shown.returncode == 0, shown.stderr
    assert str(path) in shown.stdout
    assert "built-in default" in shown.stdout and "[[rules]] #1" in shown.stdout
    assert '[accounts."123456789012"]' in shown.stdout
    report = json.loads(run_awsguard(env, "config", "--json").stdout)
    assert report["risk"]["destructive"] == {"confirm": "confirm", "from": "built-in default"}
    decided = json.loads(run_awsguard(env, "config", "--json", "--", "s3", "rb", "s3://b").stdout)
    assert decided["confirm"] == "deny" and "[[rules]] #1" in decided["because"]


def test_config_command_reports_broken_toml_with_the_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    path = tmp_path / "config" / "awsguard" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[risk]\ndestructive = "type"\nnot toml here\n')
    shown = run_awsguard(env, "config")
    assert shown.returncode == 1
    assert "line 3" in shown.stderr and "not toml here" in shown.stderr
    assert "Traceback" not in shown.stderr
