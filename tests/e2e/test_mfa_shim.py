"""How the installed shim hands a session to the CLI: --profile moves into AWS_PROFILE, the
rest of argv is untouched, the credentials arrive in the child's environment; and when the
shim leaves a profile alone (env keys in effect, no MFA, CI)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.install import Install
from fixtures.keyring import (
    AWS_CONFIG,
    MFA_SERIAL,
    ROLE_ARN,
    count_lines,
    make_aws_world,
    write_mfa_process,
)
from fixtures.worlds import write_guard_config

from awsguard import vault

pytestmark = pytest.mark.e2e

SYSTEM_PATH = "/usr/bin:/bin"
ADMIN_ARN = ":assumed-role/awsguard-test-admin/admin-session"
# The request's signature names the key and the region it was signed for.
SIGNED_WITH = re.compile(r"Credential=([A-Z0-9]{16,128})/\d{8}/([a-z0-9-]+)/sts/")

# admin prints text by default: visible proof that the CLI read profile admin's settings.
CONFIG = AWS_CONFIG.replace(
    "role_session_name = admin-session\n", "role_session_name = admin-session\noutput = text\n"
)

# A stand-in for the real CLI (its header names awscli, so it passes for v1 without being
# asked) that writes its argv and environment, NUL-separated, beside itself.
FAKE_AWS = """#!/bin/bash
# stand-in for awscli v1
here=$(dirname "$0")
printf '%s\\0' "$@" > "$here/argv"
env -0 > "$here/env"
"""


def write_config(env: dict, **sessions: str | int) -> None:
    lines = ["[conflicts]", '"endpoint-override" = "off"', ""]
    if sessions:
        lines.append("[sessions]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in sessions.items()]
    write_guard_config(env, "\n".join(lines) + "\n")


@pytest.fixture
def world(tmp_path: Path, installed: Install, moto_server, keyring_env) -> dict:
    env = make_aws_world(tmp_path, moto_server.url, keyring_env, config=CONFIG)
    env["PATH"] = os.pathsep.join([str(installed.bin_dir), str(installed.real_bin), SYSTEM_PATH])
    env["TERM"] = "xterm"
    env.pop("CI", None)
    write_config(env)
    return env


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=120, start_new_session=True
    )


def aws(env: dict, *args: str) -> subprocess.CompletedProcess:
    shim = shutil.which("aws", path=env["PATH"])
    assert shim is not None
    return run([shim, *args], env)


def awsguard(env: dict, *args: str) -> subprocess.CompletedProcess:
    program = shutil.which("awsguard", path=env["PATH"])
    assert program is not None
    return run([program, *args], env)


def start_session(env: dict) -> None:
    done = awsguard(env, "mfa", "dev", "--code", "123456")
    assert done.returncode == 0, done.stderr


def role_key(profile_role_arn: str = ROLE_ARN, session_name: str = "admin-session") -> str:
    stored = vault.load_session(vault.role_item(profile_role_arn, session_name, "dev"))
    assert stored is not None
    return stored.access_key_id


@pytest.mark.parametrize("form", [["--profile", "admin"], ["--profile=admin"]])
def test_the_profile_flag_moves_into_aws_profile_and_the_cli_uses_the_role_session(
    world: dict, form: list[str]
) -> None:
    start_session(world)
    done = aws(world, *form, "sts", "get-caller-identity", "--query", "Arn", "--debug")
    assert done.returncode == 0, done.stderr[-2000:]
    # --query survived; text output is profile admin's own setting, read through AWS_PROFILE.
    assert done.stdout.strip().endswith(ADMIN_ARN)
    assert not done.stdout.startswith('"')
    # Signed with the cached role session's key, which the CLI only uses when --profile is
    # gone (an explicit profile makes it ignore environment keys), in admin's region.
    assert set(SIGNED_WITH.findall(done.stderr)) == {(role_key(), "eu-central-1")}
    assert "awsguard:" not in done.stderr


def test_the_child_gets_the_same_argv_without_the_profile_and_the_session_in_its_env(
    world: dict, installed: Install, tmp_path: Path
) -> None:
    start_session(world)
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "aws").write_text(FAKE_AWS)
    (fake / "aws").chmod(0o755)
    env = {
        **world,
        "PATH": os.pathsep.join([str(installed.bin_dir), str(fake), SYSTEM_PATH]),
        "AWS_PROFILE": "reader",
        "AWS_DEFAULT_PROFILE": "reader",
    }
    args = ["--region", "eu-west-3", "sts", "--profile", "admin", "get-caller-identity",
            "--query", "Arn", "--output", "text"]  # fmt: skip
    done = aws(env, *args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    argv = (fake / "argv").read_bytes().split(b"\0")[:-1]
    assert [a.decode() for a in argv] == [
        "--region", "eu-west-3", "sts", "get-caller-identity", "--query", "Arn", "--output",
        "text",
    ]  # fmt: skip
    child = dict(
        entry.split("=", 1) for entry in (fake / "env").read_text().split("\0") if "=" in entry
    )
    assert child["AWS_PROFILE"] == "admin"  # the flag wins over the user's AWS_PROFILE
    assert "AWS_DEFAULT_PROFILE" not in child
    assert child["AWS_ACCESS_KEY_ID"] == role_key()
    assert child["AWS_SESSION_TOKEN"] and child["AWS_SECRET_ACCESS_KEY"]
    stored = vault.load_session(vault.role_item(ROLE_ARN, "admin-session", "dev"))
    assert stored is not None
    assert child["AWS_CREDENTIAL_EXPIRATION"] == vault.format_time(stored.expiration)


def test_aws_profile_in_the_env_reaches_sts_when_a_refresh_is_needed(
    world: dict, tmp_path: Path
) -> None:
    """botocore reads AWS_PROFILE itself: awsguard's own STS calls must not trip over it."""
    calls = write_mfa_process(tmp_path, world)
    write_config(world, mfa_process=f"{sys.executable} {tmp_path / 'mfa_process.py'}")
    done = aws({**world, "AWS_PROFILE": "dev"}, "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert count_lines(calls) == 1
    assert vault.load_session(vault.mfa_item("dev", MFA_SERIAL)) is not None


def test_awsguard_mfa_takes_the_profile_from_aws_profile(world: dict) -> None:
    done = awsguard({**world, "AWS_PROFILE": "dev"}, "mfa", "--code", "123456")
    assert done.returncode == 0, done.stderr
    assert vault.load_session(vault.mfa_item("dev", MFA_SERIAL)) is not None


def test_env_keys_in_effect_leave_the_profile_to_the_cli(world: dict) -> None:
    env = {
        **world,
        "AWS_PROFILE": "admin",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
    done = aws(env, "sts", "get-caller-identity", "--output", "json")
    # No code asked (there is no terminal: asking would be 77): the env keys are used.
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"].endswith(":user/moto")
    assert "env-overrides-profile" in done.stderr and "MFA" not in done.stderr
    assert json.loads(awsguard(world, "sessions", "--json").stdout) == []


def test_an_explicit_profile_wins_over_env_keys_and_gets_its_session(world: dict) -> None:
    start_session(world)
    env = {
        **world,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
    # The CLI ignores environment keys under --profile, so awsguard must not: admin's session.
    done = aws(env, "--profile", "admin", "sts", "get-caller-identity", "--query", "Arn")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(ADMIN_ARN)


def test_a_profile_without_mfa_is_left_to_the_cli(world: dict) -> None:
    done = aws(world, "--profile", "plain", "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout)["Account"] == "123456789012"
    assert json.loads(awsguard(world, "sessions", "--json").stdout) == []


def test_in_ci_the_shim_never_prompts_even_on_a_terminal(world: dict) -> None:
    pexpect = pytest.importorskip("pexpect")
    shim = shutil.which("aws", path=world["PATH"])
    child = pexpect.spawn(
        shim,
        ["--profile", "admin", "sts", "get-caller-identity"],
        env={**world, "CI": "true"},
        encoding="utf-8",
        timeout=30,
    )
    child.expect(pexpect.EOF)
    child.close()
    output = child.before or ""
    assert child.exitstatus == 77, output
    assert "awsguard mfa admin" in output
    assert "MFA code for" not in output and "Account" not in output
