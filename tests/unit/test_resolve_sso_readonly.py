"""awsguard reads the CLI's caches and never writes them (issue 19, item 4): role
credentials the CLI cached count (SSO ones only for AWS CLI v2, which keeps them),
an expired sso-session token is the CLI's to refresh, and doctor names the SSO step
that failed. Real botocore sessions over temp files; no network is reached."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from awsguard import clisession
from awsguard.awsconfig import load_files
from awsguard.invocation import parse
from awsguard.resolve import resolve, sso_role_cache_path, sso_token_path

START_URL = "https://example.awsapps.com/start"
ACCOUNT = "123456789012"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def world(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    home = clean_env
    config = home / ".aws" / "config"
    config.write_text(
        "[profile legacy]\n"
        f"sso_start_url = {START_URL}\nsso_region = us-east-1\n"
        f"sso_account_id = {ACCOUNT}\nsso_role_name = Admin\nregion = us-east-1\n\n"
        "[profile fresh]\nsso_session = corp\n"
        f"sso_account_id = {ACCOUNT}\nsso_role_name = Admin\nregion = us-east-1\n\n"
        f"[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    now = datetime.now(timezone.utc)
    return {"home": home, "now": now}


def expired_token(home: Path, now: datetime, session: str | None, refreshable: bool) -> Path:
    path = sso_token_path(str(home), START_URL, session)
    path.parent.mkdir(parents=True, exist_ok=True)
    token = {
        "startUrl": START_URL, "region": "us-east-1", "accessToken": "old",
        "expiresAt": stamp(now - timedelta(hours=1)),
    }
    if refreshable:
        token.update(
            refreshToken="refresh", clientId="client", clientSecret="secret",
            registrationExpiresAt=stamp(now + timedelta(days=30)),
        )
    path.write_text(json.dumps(token))
    return path


def cached_role(home: Path, now: datetime, session: str | None) -> Path:
    path = sso_role_cache_path(str(home), ACCOUNT, "Admin", START_URL, session)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "ProviderType": "sso",
        "Credentials": {
            "AccessKeyId": "ASIACACHEDROLE000001", "SecretAccessKey": "s", "SessionToken": "t",
            "Expiration": stamp(now + timedelta(hours=1)),
        },
    }))
    return path


def test_the_read_only_cache_reads_json_and_never_writes(tmp_path: Path) -> None:
    (tmp_path / "k.json").write_text('{"a": 1}')
    cache = clisession.ReadOnlyCache(str(tmp_path))
    assert cache["k"] == {"a": 1} and "k" in cache
    assert "missing" not in cache
    cache["new"] = {"b": 2}
    del cache["k"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.json"]


def test_a_fifo_in_the_cli_cache_is_a_miss_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "k.json")
    assert "k" not in clisession.ReadOnlyCache(str(tmp_path))


@pytest.mark.parametrize("profile,session", [("legacy", None), ("fresh", "corp")])
def test_sso_role_credentials_the_cli_cached_are_used_with_an_expired_token(
    world: dict, profile: str, session: str | None
) -> None:
    home, now = world["home"], world["now"]
    expired_token(home, now, session, refreshable=session is not None)
    cached_role(home, now, session)
    before = snapshot(home / ".aws")
    botocore_session = clisession.cli_session(profile, None, 2)
    clisession.use_cli_cache(botocore_session, read_only=True)
    creds = botocore_session.get_credentials().get_frozen_credentials()
    assert creds.access_key == "ASIACACHEDROLE000001"
    assert snapshot(home / ".aws") == before


def test_an_expired_sso_session_token_is_left_to_the_cli(world: dict) -> None:
    home, now = world["home"], world["now"]
    expired_token(home, now, "corp", refreshable=True)
    before = snapshot(home / ".aws")
    botocore_session = clisession.cli_session("fresh", None, 2)
    clisession.use_cli_cache(botocore_session, read_only=True)
    with pytest.raises(clisession.SsoTokenNeedsRefresh, match="sso-session corp"):
        botocore_session.get_credentials().get_frozen_credentials()
    assert snapshot(home / ".aws") == before


@pytest.mark.parametrize("major,version,counts", [(2, "2.9.19", True), (1, "1.46.3", False)])
def test_only_v2_keeps_sso_role_credentials_on_disk(
    world: dict, major: int, version: str, counts: bool
) -> None:
    home, now = world["home"], world["now"]
    expired_token(home, now, None, refreshable=False)
    cached_role(home, now, None)
    environ = dict(os.environ)
    argv = ["--profile", "legacy", "sts", "get-caller-identity"]
    res = resolve(parse(argv, major=major), environ, load_files(environ), major,
                  cli_version=version)
    assert (res.expires_from or "").startswith("CLI credential cache") is counts
    codes = [c.code for c in res.conflicts]
    assert ("sso-token-expired" in codes) is not counts


@pytest.mark.parametrize(
    "url,named",
    [
        ("https://oidc.us-east-1.amazonaws.com/token", "SSO OIDC service to refresh"),
        ("https://portal.sso.us-east-1.amazonaws.com/federation/credentials", "SSO portal"),
        ("https://sts.us-east-1.amazonaws.com/", "STS in us-east-1"),
    ],
)
def test_doctor_names_the_step_that_could_not_be_reached(url: str, named: str) -> None:
    from types import SimpleNamespace

    from awsguard.doctor.credentials import StsProbe, check_credentials_alive

    probe = StsProbe(kind="connection", region="us-east-1")
    probe.message = f'Could not connect to the endpoint URL: "{url}"'
    check = check_credentials_alive(probe, SimpleNamespace(profile="p", source="sso"))
    assert named in check.summary
    if named != "STS in us-east-1":
        assert "STS" not in check.summary.split(":")[0]
