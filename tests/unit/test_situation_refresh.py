"""Situation.forget_resolution: after `aws sso login` wrote a new token, the next
question resolves afresh (guard's SSO login stage asks it, not a private field)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from awsguard.situation import Situation

START = "https://example.awsapps.com/start"
CONFIG = f"""\
[profile sso]
sso_account_id = 999999999999
sso_role_name = Admin
sso_start_url = {START}
sso_region = us-east-1
region = eu-west-1
"""
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def token(home: Path, expires: datetime) -> None:
    path = home / ".aws" / "sso" / "cache" / f"{hashlib.sha1(START.encode()).hexdigest()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "accessToken": "t", "region": "us-east-1",
                                "startUrl": START}))


def test_forget_resolution_reads_the_new_sso_token(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(CONFIG)
    environ = {"HOME": str(home), "PATH": str(tmp_path / "no-cli"), "AWS_PROFILE": "sso"}
    token(home, NOW - timedelta(hours=1))
    situation = Situation(environ, real_cli=None, now=NOW)
    before = situation.resolution
    assert before.source == "sso" and before.expires_at

    token(home, NOW + timedelta(hours=8))  # what `aws sso login` leaves behind
    assert situation.resolution is before  # loaded once per invocation...
    situation.forget_resolution()
    after = situation.resolution  # ...until told that what it read changed
    assert after is not before
    assert after.expires_at != before.expires_at


def test_the_guard_asks_the_situation_not_its_private_field() -> None:
    import awsguard.guard

    source = Path(awsguard.guard.__file__).read_text(encoding="utf-8")
    assert "situation._" not in source
