"""`awsguard whoami`: the report, --json, and --online against moto."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from awsguard.cli import main

KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": str(Path(sys.executable).parent),  # the dev venv's awscli v1 `aws`
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    (tmp_path / "config").write_text("[profile dev]\nregion = eu-west-1\n")
    (tmp_path / "credentials").write_text(
        f"[dev]\naws_access_key_id = {KEY}\naws_secret_access_key = secret\n"
    )
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_whoami_table_says_where_each_value_comes_from(env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVENVENVENV9999")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert main(["whoami"]) == 0
    out = capsys.readouterr().out
    assert "environment keys win over AWS_PROFILE=dev" in out
    assert "AKIA…9999" in out and "AKIAENVENVENVENV9999" not in out
    assert "[env-overrides-profile]" in out
    assert "eu-west-1" in out and env["AWS_CONFIG_FILE"] in out


def test_whoami_json_has_the_documented_keys(env, capsys) -> None:
    assert main(["whoami", "--profile", "dev", "--region", "ap-south-1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cli_major"] == 1
    assert (out["profile"], out["profile_from"]) == ("dev", "--profile")
    assert out["source"] == "shared-credentials-file"
    assert out["access_key_id"] == "AKIA…MPLE"
    assert (out["region"], out["region_from"]) == ("ap-south-1", "--region")
    assert out["expires_at"] is None
    assert {"code", "message", "fix"} <= set(out["conflicts"][0])
    assert "secret" not in json.dumps(out) and KEY not in json.dumps(out)


def test_whoami_assumes_v1_without_a_real_cli(env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["whoami", "--profile", "dev"]) == 0
    captured = capsys.readouterr()
    assert "assuming AWS CLI v1" in captured.err
    assert "(not found)" in captured.out


def test_whoami_online_asks_sts_with_the_cli_credentials(env, capsys, monkeypatch,
                                                          moto_server) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    assert main(["whoami", "--profile", "dev", "--online", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["identity"]) == {"account", "arn", "user_id"}
    assert out["identity"]["account"].isdigit()
    assert out["endpoint_url"] == moto_server.url
    assert "endpoint-override" in [c["code"] for c in out["conflicts"]]


def test_whoami_online_failure_is_one_paragraph(env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nothing-here")
    assert main(["whoami", "--online"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("awsguard: STS GetCallerIdentity failed")
    assert "Traceback" not in err


ESCAPES = "dev\x1b]0;owned\x07\u202e\x85"


def test_whoami_escapes_outside_text_in_the_table(env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", ESCAPES)
    assert main(["whoami"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x85" not in out and "\x07" not in out
    assert "dev\\x1b]0;owned\\x07\\u202e\\x85" in out


def test_whoami_json_escapes_controls_and_bidi_but_parses_to_the_same(
    env, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", ESCAPES)
    assert main(["whoami", "--json"]) == 0
    text = capsys.readouterr().out
    assert not any(ch in text for ch in "\x1b\x07\u202e\x85")
    assert "\\u202e" in text and "\\u0085" in text
    out = json.loads(text)
    assert out["profile"] == ESCAPES
    assert "profile-not-found" in [c["code"] for c in out["conflicts"]]
