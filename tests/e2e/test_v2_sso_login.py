"""SSO lifecycle through the installed shim: a missing or expired SSO token is named with
its exact login command (no terminal) or signed in first (terminal), one login per
start URL at a time.

The real CLI is a stand-in script that says it is AWS CLI v2 and, for `aws sso login`,
writes the token cache as the real login does (~/.aws/sso/cache/<sha1>.json); every
call is logged, so the tests count logins and runs. The token caches are written by
the tests, in both formats (legacy `sso_start_url`, and `sso-session`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pexpect
import pytest
from fixtures.install import base_env

FAKE_V2 = r"""#!/bin/bash
# A stand-in for AWS CLI v2: `sso login` writes the token cache, the rest is logged.
case "$1" in
  --version) echo "aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off" ;;
  sso)
    echo "login ${*:2}" >> "$FAKE_LOG"
    sleep "${FAKE_LOGIN_DELAY:-0}"
    mkdir -p "$(dirname "$FAKE_TOKEN_PATH")"
    printf '%s' "$FAKE_TOKEN_JSON" > "$FAKE_TOKEN_PATH"
    echo "Successfully logged into Start URL" ;;
  *) echo "ran $*" >> "$FAKE_LOG"; echo "ran $*" ;;
esac
"""

CONFIG = """\
[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1

[profile corp]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1

[profile onsso]
role_arn = arn:aws:iam::123456789012:role/chained
source_profile = legacy
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
"""

START_URLS = {"legacy": "https://legacy.awsapps.com/start", "corp": "corp", "onsso": None}


def _stamp(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def token_path(home: Path, basis: str) -> Path:
    digest = hashlib.sha1(basis.encode("utf-8")).hexdigest()
    return home / ".aws" / "sso" / "cache" / f"{digest}.json"


def write_token(home: Path, basis: str, delta: timedelta, **extra: str) -> None:
    path = token_path(home, basis)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"accessToken": "t", "expiresAt": _stamp(delta),
                                "region": "us-east-1", **extra}))


@pytest.fixture
def world(installed, home: Path, tmp_path: Path):
    fake = tmp_path / "fake-v2"
    fake.mkdir()
    (fake / "aws").write_text(FAKE_V2)
    (fake / "aws").chmod(0o755)
    (home / ".aws" / "config").write_text(CONFIG)
    log = tmp_path / "calls.log"
    log.write_text("")
    env = base_env(home, f"{installed.bin_dir}:{fake}:/usr/bin:/bin")
    env.update({"FAKE_LOG": str(log), "AWS_DEFAULT_REGION": "us-east-1"})
    return env, log


def for_profile(env, home: Path, profile: str) -> dict[str, str]:
    basis = "corp" if profile == "corp" else START_URLS["legacy"]
    token = {"accessToken": "new", "expiresAt": _stamp(timedelta(hours=8)), "region": "us-east-1"}
    return {
        **env,
        "AWS_PROFILE": profile,
        "FAKE_TOKEN_PATH": str(token_path(home, basis)),
        "FAKE_TOKEN_JSON": json.dumps(token),
    }


def run_detached(env, *args, timeout=60):
    """`aws ARGS` with no controlling terminal (a new session), as in cron or CI."""
    aws = shutil.which("aws", path=env["PATH"])
    return subprocess.run([aws, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, start_new_session=True, stdin=subprocess.DEVNULL)


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines()


@pytest.mark.parametrize(
    ("profile", "token", "command"),
    [
        ("legacy", None, "aws sso login --profile legacy"),
        ("legacy", timedelta(hours=-1), "aws sso login --profile legacy"),
        ("corp", timedelta(minutes=-5), "aws sso login --sso-session corp"),
        ("onsso", None, "aws sso login --profile legacy"),  # the role's SSO source profile
    ],
    ids=["legacy-missing", "legacy-expired", "session-expired", "role-on-sso-missing"],
)
def test_without_a_terminal_one_line_names_the_login(world, home, profile, token, command):
    env, log = world
    if token is not None:
        write_token(home, "corp" if profile == "corp" else START_URLS["legacy"], token)
    out = run_detached(for_profile(env, home, profile), "sts", "get-caller-identity")
    assert out.returncode == 77, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert f"run `{command}`" in lines[0]
    assert ("expired at" in lines[0]) == (token is not None)
    assert calls(log) == []  # neither a login nor the command


def test_a_valid_token_runs_without_a_word(world, home):
    env, log = world
    write_token(home, "corp", timedelta(hours=2))
    out = run_detached(for_profile(env, home, "corp"), "sts", "get-caller-identity")
    assert (out.returncode, out.stderr) == (0, "")
    assert calls(log) == ["ran sts get-caller-identity"]


def test_a_refreshable_sso_session_is_left_to_the_cli(world, home):
    env, log = world
    write_token(home, "corp", timedelta(minutes=-5), refreshToken="r", clientId="c",
                clientSecret="s", registrationExpiresAt=_stamp(timedelta(days=30)))
    out = run_detached(for_profile(env, home, "corp"), "sts", "get-caller-identity")
    assert out.returncode == 0, out.stderr
    assert calls(log) == ["ran sts get-caller-identity"]


def spawn(env, *args) -> pexpect.spawn:
    aws = shutil.which("aws", path=env["PATH"])
    return pexpect.spawn(aws, list(args), env=env, timeout=60, dimensions=(24, 200))


def test_on_a_terminal_it_offers_the_login_then_runs_the_command(world, home):
    env, log = world
    write_token(home, "corp", timedelta(hours=-3))
    child = spawn(for_profile(env, home, "corp"), "sts", "get-caller-identity")
    child.expect(r"sso-session corp \(https://corp\.awsapps\.com/start\) is expired at")
    child.expect(r"Run `aws sso login --sso-session corp` now\? \[Y/n\]")
    child.sendline("y")
    child.expect("Successfully logged into Start URL")
    child.expect("ran sts get-caller-identity")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert calls(log) == ["login login --sso-session corp", "ran sts get-caller-identity"]


def test_declining_the_login_refuses(world, home):
    env, log = world
    child = spawn(for_profile(env, home, "legacy"), "s3", "ls")
    child.expect(r"https://legacy\.awsapps\.com/start is missing")
    child.expect(r"now\? \[Y/n\]")
    child.sendline("n")
    child.expect(r"run `aws sso login --profile legacy` when you are ready")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 77
    assert calls(log) == []


def test_parallel_commands_share_one_login(world, home):
    env, log = world
    env = {**for_profile(env, home, "corp"), "FAKE_LOGIN_DELAY": "2"}
    first = spawn(env, "sts", "get-caller-identity")
    first.expect(r"now\? \[Y/n\]")
    second = spawn(env, "s3", "ls")  # a second terminal, while the first one asks
    second.expect("waiting for the SSO login to sso-session corp")
    # And a job without a terminal: it waits for the login in progress, then runs.
    aws = shutil.which("aws", path=env["PATH"])
    third = subprocess.Popen([aws, "ec2", "describe-regions"], env=env, start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    first.sendline("y")
    for child, ran in ((first, "ran sts get-caller-identity"), (second, "ran s3 ls")):
        child.expect(ran)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, err
    assert "now?" not in second.before.decode()
    logged = calls(log)
    assert logged.count("login login --sso-session corp") == 1, logged
    assert sorted(logged[1:]) == sorted(
        ["ran sts get-caller-identity", "ran s3 ls", "ran ec2 describe-regions"]
    )
