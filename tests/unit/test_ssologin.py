"""ssologin over plain data: which login a resolution needs, the time left on a token,
and the decisions of ensure_logged_in with stand-ins for the terminal and the CLI."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from awsguard import ssologin
from awsguard.awsconfig import load_files
from awsguard.errors import EXIT_REFUSED
from awsguard.invocation import parse
from awsguard.resolve import resolve

CONFIG = """\
[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin

[profile corp]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin

[profile onsso]
role_arn = arn:aws:iam::123456789012:role/chained
source_profile = legacy

[profile keys]
aws_access_key_id = AKIAKEYS000000000001
aws_secret_access_key = s

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
"""
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def env(clean_env: Path) -> dict[str, str]:
    (clean_env / ".aws" / "config").write_text(CONFIG)
    return {"HOME": str(clean_env), "XDG_CACHE_HOME": str(clean_env / ".cache")}


def token(env, basis: str, expires: datetime, **extra: str) -> None:
    digest = hashlib.sha1(basis.encode()).hexdigest()
    path = Path(env["HOME"]) / ".aws" / "sso" / "cache" / f"{digest}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"accessToken": "t", "region": "us-east-1",
                                "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), **extra}))


def resolved(env, profile: str, *argv: str):
    environ = {**env, "AWS_PROFILE": profile}
    inv = parse([*argv] or ["sts", "get-caller-identity"], major=2)
    return resolve(inv, environ, load_files(environ), 2, now=NOW, cli_version="2.9.19")


def test_a_missing_legacy_token_needs_a_login_for_the_profile(env):
    login = ssologin.login_needed(resolved(env, "legacy"), env)
    assert login is not None
    assert login.command == "aws sso login --profile legacy"
    assert (login.state, login.what, login.lock_key) == (
        "missing", "https://legacy.awsapps.com/start", "https://legacy.awsapps.com/start"
    )


def test_an_expired_session_token_needs_a_login_for_the_session(env):
    token(env, "corp", NOW - timedelta(minutes=5))
    login = ssologin.login_needed(resolved(env, "corp"), env)
    assert login is not None
    assert login.command == "aws sso login --sso-session corp"
    assert login.state == "expired at 2026-06-01T11:55:00Z"
    assert login.lock_key == "https://corp.awsapps.com/start"


def test_a_role_on_sso_logs_in_with_its_source_profile(env):
    login = ssologin.login_needed(resolved(env, "onsso"), env)
    assert login is not None and login.command == "aws sso login --profile legacy"


def test_no_login_for_a_valid_token_a_refreshable_session_or_keys(env):
    token(env, "https://legacy.awsapps.com/start", NOW + timedelta(hours=1))
    assert ssologin.login_needed(resolved(env, "legacy"), env) is None
    token(env, "corp", NOW - timedelta(minutes=5), refreshToken="r", clientId="c",
          clientSecret="s")
    assert ssologin.login_needed(resolved(env, "corp"), env) is None
    assert ssologin.login_needed(resolved(env, "keys"), env) is None


def test_no_login_offered_for_sso_commands_themselves(env):
    res = resolved(env, "legacy", "sso", "login")
    assert ssologin.login_needed(res, env) is None


def test_time_left_reads_the_token_cache(env):
    res = resolved(env, "corp")
    assert ssologin.time_left(res, env, NOW) is None
    token(env, "corp", NOW + timedelta(hours=3, minutes=12))
    res = resolved(env, "corp")
    left = ssologin.time_left(res, env, NOW)
    assert left == timedelta(hours=3, minutes=12)
    assert ssologin.describe_time_left(left) == "3h12m left"
    assert ssologin.describe_time_left(timedelta(minutes=-5)) == "expired 5m ago"
    assert ssologin.describe_time_left(timedelta(minutes=42)) == "42m left"
    assert ssologin.describe_time_left(None) == "no token"
    assert ssologin.time_left(resolved(env, "keys"), env, NOW) is None


LOGIN = ssologin.SsoLogin("https://x/start", "https://x/start", "missing",
                          ["sso", "login", "--profile", "p"])


def test_without_a_terminal_the_command_is_named_and_refused(env, capsys):
    ran: list[list[str]] = []
    status = ssologin.ensure_logged_in(LOGIN, env, False, lambda: LOGIN, ran.append)
    assert status == EXIT_REFUSED and ran == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run `aws sso login --profile p`" in err


def test_on_a_terminal_yes_logs_in_then_goes_on(env):
    ran: list[list[str]] = []
    answers = iter([LOGIN, None])  # before asking: still needed; after the login: fine

    def login(argv):
        ran.append(argv)
        return 0

    status = ssologin.ensure_logged_in(LOGIN, env, True, lambda: next(answers), login,
                                       ask=lambda question: "now?" in question)
    assert status is None and ran == [LOGIN.argv]


def test_on_a_terminal_no_or_a_failed_login_refuses(env, capsys):
    assert ssologin.ensure_logged_in(LOGIN, env, True, lambda: LOGIN, lambda a: 0,
                                     ask=lambda q: False) == EXIT_REFUSED
    assert "when you are ready" in capsys.readouterr().err
    assert ssologin.ensure_logged_in(LOGIN, env, True, lambda: LOGIN, lambda a: 1,
                                     ask=lambda q: True) == EXIT_REFUSED
    assert "failed (exit status 1)" in capsys.readouterr().err
    # The login ran but left no valid token.
    assert ssologin.ensure_logged_in(LOGIN, env, True, lambda: LOGIN, lambda a: 0,
                                     ask=lambda q: True) == EXIT_REFUSED
    assert "is still missing" in capsys.readouterr().err


def test_someone_elses_login_that_succeeded_means_no_question(env):
    asked: list[str] = []
    status = ssologin.ensure_logged_in(LOGIN, env, True, lambda: None, lambda a: 1,
                                       ask=lambda q: asked.append(q) or True)
    assert status is None and asked == []


def _hold(path: str, seconds: float, ready) -> None:
    lock = ssologin._Lock(path)
    lock.try_take()
    ready.set()
    time.sleep(seconds)
    lock.close()


def test_a_command_without_a_terminal_waits_for_a_login_in_progress(env):
    path = ssologin.lock_path(LOGIN.lock_key, env)
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(path, 1.0, ready))
    holder.start()
    assert ready.wait(10)
    started = time.monotonic()
    status = ssologin.ensure_logged_in(LOGIN, env, False, lambda: None, lambda a: 1)
    holder.join()
    assert status is None
    assert time.monotonic() - started >= 0.5  # it waited for the holder
    assert Path(path).stat().st_mode & 0o777 == 0o600
    assert Path(path).parent.stat().st_mode & 0o777 == 0o700


def test_the_lock_never_follows_a_symlink(env, tmp_path):
    path = Path(ssologin.lock_path(LOGIN.lock_key, env))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = tmp_path / "elsewhere"
    path.symlink_to(target)
    with pytest.raises(OSError):
        ssologin._Lock(str(path))
    assert not target.exists()


def test_doctor_names_the_source_profile_for_a_role_on_sso(env):
    from awsguard.doctor.common import FAIL
    from awsguard.doctor.sso import check_sso

    check = check_sso([], resolved(env, "onsso"), None, NOW)
    assert check.status == FAIL
    assert check.fix == "`aws sso login --profile legacy`"


def test_the_warning_names_the_source_profile_for_a_role_on_sso(env):
    res = resolved(env, "onsso")
    conflict = next(c for c in res.conflicts if c.code == "sso-token-expired")
    assert conflict.fix == "run `aws sso login --profile legacy`"
