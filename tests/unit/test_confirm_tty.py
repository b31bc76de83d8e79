"""The confirmation prompt on a real pseudo-terminal (pexpect), through confirm.check."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

REPO = Path(__file__).resolve().parents[2]
DRIVER = """
import sys
from pathlib import Path
from awsguard import confirm, identity
from awsguard.invocation import parse
from awsguard.risk import classify
from awsguard.rules import parse_config

class Res:
    profile = "default"; source = "env"; access_key_id = "AKIA…MPLE"
    raw_access_key_id = "AKIAIOSFODNN7EXAMPLE"; region = "eu-west-1"; expires_at = None
    cli_major = 1

env = {"XDG_CACHE_HOME": sys.argv[1], "HOME": sys.argv[1],
       "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}
identity.write_cached("AKIAIOSFODNN7EXAMPLE", identity.Identity(
    "123456789012", "arn:aws:iam::123456789012:user/alice", "AIDA", None,
    identity._now().isoformat()), env)
config = parse_config(Path(sys.argv[2]).read_text(), Path(sys.argv[2]))
inv = parse(sys.argv[3:])
out = confirm.check(inv, classify(inv), Res(), config, env, "aws")
print("DECISION", out.decision, out.level)
"""


@pytest.fixture
def spawn(tmp_path: Path):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    config = tmp_path / "config.toml"
    config.write_text("")

    def start(*argv: str, config_text: str = "", stdin_null: bool = False):
        config.write_text(config_text)
        command = [sys.executable, str(driver), str(tmp_path), str(config), *argv]
        env = {**os.environ, "PYTHONPATH": str(REPO), "TERM": "xterm"}
        env.pop("CI", None)
        if stdin_null:
            out = tmp_path / "stdout.txt"
            line = " ".join(f"'{c}'" for c in command) + f" < /dev/null > '{out}'"
            return pexpect.spawn("bash", ["-c", line], env=env, timeout=20, encoding="utf-8")
        return pexpect.spawn(command[0], command[1:], env=env, timeout=20, encoding="utf-8")

    return start


def test_yes_approves_after_showing_who(spawn) -> None:
    child = spawn("s3", "rb", "s3://bucket-1")
    child.expect("arn:aws:iam::123456789012:user/alice")
    child.expect(r"Run it\? \[y/N\]")
    child.sendline("y")
    child.expect("DECISION approved confirm")


def test_no_refuses(spawn) -> None:
    child = spawn("ec2", "terminate-instances", "--instance-ids", "i-1")
    child.expect(r"\[y/N\]")
    child.sendline("no")
    child.expect("DECISION refused confirm")


def test_ctrl_c_aborts(spawn) -> None:
    child = spawn("iam", "delete-user", "--user-name", "bob")
    child.expect(r"\[y/N\]")
    child.sendintr()
    child.expect("DECISION aborted")


def test_ctrl_d_aborts(spawn) -> None:
    child = spawn("iam", "delete-user", "--user-name", "bob")
    child.expect(r"\[y/N\]")
    child.sendeof()
    child.expect("DECISION aborted")


def test_type_rejects_a_wrong_name_then_accepts_the_right_one(spawn) -> None:
    child = spawn(
        "s3",
        "rb",
        "s3://b",
        config_text='[accounts."123456789012"]\nname = "prod"\nprotected = true\n',
    )
    child.expect("Type the account name prod")
    child.sendline("staging")
    child.expect("that is not prod")
    child.sendline("prod")
    child.expect("DECISION approved type")


def test_prompt_uses_the_terminal_when_stdin_and_stdout_are_redirected(
    spawn, tmp_path: Path
) -> None:
    child = spawn("s3", "rb", "s3://b", stdin_null=True)
    child.expect(r"\[y/N\]")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    stdout = (tmp_path / "stdout.txt").read_text()
    assert stdout == "DECISION approved confirm\n"  # the prompt never touched stdout
