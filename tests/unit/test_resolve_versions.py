"""Settings apply only from the CLI version that reads them; SSO as the CLI sees it;
the auto-prompt switches as AWS CLI v2 decides them."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from awsguard import guard
from awsguard.awsconfig import load_files
from awsguard.invocation import parse
from awsguard.resolve import cli_honours, resolve, sso_role_cache_path

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def _env(root: Path, **more: str) -> dict[str, str]:
    return {
        "HOME": str(root),
        "AWS_CONFIG_FILE": str(root / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "credentials"),
        **more,
    }


def _resolve(root: Path, argv: list[str], major: int, version: str | None, **env: str):
    environ = _env(root, **env)
    return resolve(parse(argv), environ, load_files(environ), major, now=NOW, cli_version=version)


def test_the_table_gives_the_cited_first_versions():
    assert not cli_honours("configured-endpoints", 2, "2.9.19")
    assert cli_honours("configured-endpoints", 2, "2.13.0")
    assert not cli_honours("configured-endpoints", 1, "1.28.9")
    assert cli_honours("configured-endpoints", 1, "1.29.0")
    assert cli_honours("sso-session", 2, "2.9.0") and not cli_honours("sso-session", 2, "2.8.13")
    assert cli_honours("login", 1, "1.43.0") and not cli_honours("login", 2, "2.31.39")
    assert not cli_honours("AWS_REGION", 1, "1.46.3") and cli_honours("AWS_REGION", 2, "2.0.0")
    assert cli_honours("configured-endpoints", 2, None)  # unknown: the newest


def test_cli_2_9_ignores_endpoint_url_and_awsguard_does_too(tmp_path):
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9\n")
    old = _resolve(tmp_path, ["s3", "ls"], 2, "2.9.19", AWS_ENDPOINT_URL="http://127.0.0.1:8")
    assert old.endpoint_url is None and old.sts_endpoint_url is None
    codes = {c.code for c in old.conflicts}
    assert "ignored-by-cli-version" in codes and "endpoint-override" not in codes
    assert any("AWS_ENDPOINT_URL" in s for s in old.ignored_settings)
    new = _resolve(tmp_path, ["s3", "ls"], 2, "2.13.0", AWS_ENDPOINT_URL="http://127.0.0.1:8")
    assert (new.endpoint_url, new.endpoint_url_from) == ("http://127.0.0.1:8", "AWS_ENDPOINT_URL")
    assert new.sts_endpoint_url == "http://127.0.0.1:8"


def test_endpoint_url_option_works_with_every_version(tmp_path):
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    res = _resolve(tmp_path, ["--endpoint-url", "http://h:1", "s3", "ls"], 2, "2.9.19")
    assert (res.endpoint_url, res.sts_endpoint_url) == ("http://h:1", "http://h:1")


def test_sts_endpoint_follows_botocore_order(tmp_path):
    (tmp_path / "config").write_text(
        "[default]\nregion = us-east-1\nservices = local\nendpoint_url = http://p:1\n"
        "[services local]\nsts =\n  endpoint_url = http://svc:2\n"
    )
    res = _resolve(tmp_path, ["s3", "ls"], 2, "2.15.0", AWS_ENDPOINT_URL="http://env:3")
    # Both AWS_ENDPOINT_URL and [services] are set: the variable comes first.
    assert (res.sts_endpoint_url, res.sts_endpoint_url_from) == ("http://env:3", "AWS_ENDPOINT_URL")
    res = _resolve(tmp_path, ["s3", "ls"], 2, "2.15.0")
    assert res.sts_endpoint_url == "http://svc:2"


SSO_CONFIG = (
    "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
    "sso_role_name = Admin\nregion = eu-west-1\n"
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
)


def _token(root: Path, expires: datetime, **extra: str) -> None:
    digest = hashlib.sha1(b"corp").hexdigest()
    folder = root / ".aws" / "sso" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    body = {"expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), **extra}
    (folder / f"{digest}.json").write_text(json.dumps(body))


def test_sso_session_before_2_9_is_ignored_and_reported(tmp_path):
    (tmp_path / "config").write_text(SSO_CONFIG)
    res = _resolve(tmp_path, ["--profile", "dev", "s3", "ls"], 2, "2.8.13")
    assert "missing required configuration" in (res.error or "")
    assert any("sso_session" in s for s in res.ignored_settings)
    assert _resolve(tmp_path, ["--profile", "dev", "s3", "ls"], 2, "2.9.19").error is None


def test_valid_cached_role_credentials_count_however_old_the_token(tmp_path):
    (tmp_path / "config").write_text(SSO_CONFIG)
    _token(tmp_path, NOW - timedelta(hours=2))
    cache = sso_role_cache_path(str(tmp_path), "111122223333", "Admin", None, "corp")
    cache.parent.mkdir(parents=True)
    expiry = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cache.write_text(json.dumps({"Credentials": {
        "AccessKeyId": "ASIASSOROLE000000001", "Expiration": expiry}}))
    res = _resolve(tmp_path, ["--profile", "dev", "s3", "ls"], 2, "2.9.19")
    assert res.expires_from.startswith("CLI credential cache")
    assert res.access_key_id and "sso-token-expired" not in {c.code for c in res.conflicts}


def test_a_refreshable_sso_session_is_left_to_the_cli(tmp_path):
    (tmp_path / "config").write_text(SSO_CONFIG)
    _token(tmp_path, NOW - timedelta(minutes=5), refreshToken="r", clientId="c",
           registrationExpiresAt=(NOW + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    res = _resolve(tmp_path, ["--profile", "dev", "s3", "ls"], 2, "2.9.19")
    assert res.sso_refreshable and res.expires_at is None
    assert "sso-token-expired" not in {c.code for c in res.conflicts}


def test_expired_token_without_refresh_warns_but_not_for_sso_login(tmp_path):
    (tmp_path / "config").write_text(SSO_CONFIG)
    _token(tmp_path, NOW - timedelta(minutes=5))
    res = _resolve(tmp_path, ["--profile", "dev", "s3", "ls"], 2, None)
    codes = {c.code for c in res.conflicts}
    assert "sso-token-expired" in codes
    for argv in (["sso", "login"], ["sso", "logout"], ["configure", "sso"]):
        res = _resolve(tmp_path, ["--profile", "dev", *argv], 2, None)
        assert "sso-token-expired" not in {c.code for c in res.conflicts}, argv


def _switch(argv: list[str], env: dict[str, str], real: str = "/usr/bin/aws") -> str | None:
    from awsguard import realcli

    realcli._memo.clear()
    return guard.auto_prompt_switch(parse(argv), env, real)


def test_auto_prompt_switches_as_the_cli_v2_reads_them(tmp_path, monkeypatch):
    from awsguard import realcli

    cli = realcli.RealCli("/x/aws", "/x/aws", "2.9.19", 2)
    monkeypatch.setattr(realcli, "identify", lambda *a, **k: cli)
    env = _env(tmp_path)
    (tmp_path / "config").write_text("[profile p]\ncli_auto_prompt = on-partial\n")
    assert _switch(["--cli-auto-prompt"], env) == "--cli-auto-prompt"
    assert _switch(["s3", "ls", "--cli-auto-prompt", "--no-cli-auto-prompt"], env) is None
    assert _switch(["s3", "ls", "help", "--cli-auto-prompt"], env) is None
    assert _switch(["s3", "ls"], {**env, "AWS_CLI_AUTO_PROMPT": "ON"}) == "AWS_CLI_AUTO_PROMPT=on"
    assert _switch(["s3", "ls"], {**env, "AWS_CLI_AUTO_PROMPT": "off", "AWS_PROFILE": "p"}) is None
    assert "profile p" in _switch(["s3", "ls"], {**env, "AWS_PROFILE": "p"})
    assert _switch(["--profile", "p", "configure", "list"], env)
    assert _switch(["s3", "ls"], env) is None


def test_auto_prompt_is_v2_only(tmp_path, monkeypatch):
    from awsguard import realcli

    cli = realcli.RealCli("/x/aws", "/x/aws", "1.46.3", 1)
    monkeypatch.setattr(realcli, "identify", lambda *a, **k: cli)
    assert _switch(["--cli-auto-prompt"], _env(tmp_path, AWS_CLI_AUTO_PROMPT="on")) is None
