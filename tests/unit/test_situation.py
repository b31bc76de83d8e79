"""The Situation and the small one-way-to-do-it modules around it: timefmt, envfacts,
the light store readers (vaultindex, identitycache) and config.toml's error sentence."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from awsguard import envfacts, identitycache, rules, timefmt, vaultindex
from awsguard.situation import Situation

KEY = "AKIAIOSFODNN7EXAMPLE"


def world(tmp_path: Path, config: str = "", toml: str = "", **env: str) -> dict[str, str]:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "config").write_text(config)
    if toml:
        path = home / ".config" / "awsguard" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(toml)
    return {"HOME": str(home), "PATH": str(tmp_path / "no-cli"), **env}


# --- Situation -----------------------------------------------------------------------------


def test_each_part_is_loaded_once_and_only_when_asked(tmp_path, monkeypatch) -> None:
    import awsguard.awsconfig

    calls = []
    real_load = awsguard.awsconfig.load_files
    monkeypatch.setattr(awsguard.awsconfig, "load_files",
                        lambda env: calls.append(1) or real_load(env))
    situation = Situation(world(tmp_path, "[profile dev]\nregion = eu-west-1\n",
                                AWS_PROFILE="dev"), real_cli=None)
    assert calls == []
    assert situation.resolution.region == "eu-west-1"
    assert situation.files is situation.files and calls == [1]


def test_without_a_real_cli_botocores_v1_order_is_assumed(tmp_path) -> None:
    env = world(tmp_path, AWS_PROFILE="a", AWS_DEFAULT_PROFILE="b")
    situation = Situation(env)  # PATH holds no aws
    assert situation.real_cli is None and "aws" in (situation.real_cli_error or "")
    assert situation.cli_major == 1 and situation.resolution.profile == "b"


def test_conflicts_turned_off_in_config_toml_are_left_out_and_listed(tmp_path) -> None:
    env = world(tmp_path, "[default]\nregion = eu-west-1\n",
                '[conflicts]\n"endpoint-override" = "off"\n',
                AWS_ENDPOINT_URL="http://127.0.0.1:4566", AWS_ACCESS_KEY_ID=KEY,
                AWS_SECRET_ACCESS_KEY="s")
    situation = Situation(env, real_cli=None)
    assert "endpoint-override" in [c.code for c in situation.resolution.conflicts]
    assert "endpoint-override" not in [c["code"] for c in situation.conflict_dicts()]
    assert situation.silenced == ["endpoint-override"]


def test_a_broken_config_silences_nothing(tmp_path) -> None:
    env = world(tmp_path, "[default]\nregion = eu-west-1\n",
                '[conflicts]\n"endpoint-override" = "off"\n[risk]\nread = "maybe"\n',
                AWS_ENDPOINT_URL="http://127.0.0.1:4566")
    situation = Situation(env, real_cli=None)
    assert situation.config_error is not None
    assert situation.conflict_action("endpoint-override") == "warn"


def test_an_imported_profile_finds_its_identity_through_the_vault_index(tmp_path) -> None:
    env = world(
        tmp_path,
        "[profile ops]\ncredential_process = awsguard credential-process --profile ops\n",
        AWS_PROFILE="ops",
    )
    situation = Situation(env, real_cli=None)
    assert situation.resolution.source == "custom-process" and situation.imported
    assert situation.identity_hint() is None  # nothing known yet
    state = Path(vaultindex.path(env)).parent
    state.mkdir(parents=True, mode=0o700)
    Path(vaultindex.path(env)).write_text(json.dumps(
        {"keys": {"ops": {"access_key_id": "AKIA…MPLE",
                          "identity_cache": identitycache.digest(KEY)}}, "sessions": {}}))
    os.chmod(vaultindex.path(env), 0o600)
    folder = Path(identitycache.folder(env))
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder.parent, 0o700)
    entry = folder / f"{identitycache.digest(KEY)}.json"
    entry.write_text(json.dumps({"account": "123456789012", "arn": "arn:aws:iam::1:user/o"}))
    os.chmod(entry, 0o600)
    assert Situation(env, real_cli=None).identity_hint()["account"] == "123456789012"


# --- the light store readers -----------------------------------------------------------------


def test_vault_index_reader_tolerates_absent_and_malformed_files(tmp_path) -> None:
    env = {"HOME": str(tmp_path)}
    assert vaultindex.read(env) == {"version": 1, "keys": {}, "sessions": {}}
    path = Path(vaultindex.path(env))
    path.parent.mkdir(parents=True, mode=0o700)
    os.chmod(path.parent.parent, 0o700)
    path.write_text('{"keys": [], "sessions": {"x": {}}}')
    os.chmod(path, 0o600)
    assert vaultindex.read(env) == {"version": 1, "keys": {}, "sessions": {"x": {}}}
    assert vaultindex.has_entries(env) and not vaultindex.key_indexed("dev", env)


def test_identity_cache_reader_refuses_names_that_are_not_digests(tmp_path) -> None:
    env = {"HOME": str(tmp_path)}
    assert identitycache.read_digest("../../etc/passwd", env) is None
    assert identitycache.read(None, env) is None


# --- config.toml: one sentence with file, line and column ------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[risk]\ndestructive = "maybe"\n', "line 2, column 1: [risk] destructive: 'maybe'"),
        ('[[rules]]\nprofile = "a"\nconfirm = "never"\n\n[[rules]]\nprofile = "b"\n'
         '  confirm = "sometimes"\n', "line 7, column 3: [[rules]] #2 confirm"),
        ('[ accounts . "111122223333" ]\nname = ""\n',
         'line 2, column 1: [accounts."111122223333"]'),
        ('[conflicts]\n"endpoint-override" = "quiet"\n', "line 2, column 1: [conflicts] endpoint"),
        ("[risk\n", "line 1, column 6: not valid TOML"),
        ('[sessions]\nx = 1\n[risk]\nwrite = 3\n', "line 4, column 1: [risk] write: 3"),
    ],
)
def test_a_config_error_names_file_line_and_column(tmp_path, text, where) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    error = rules.load_config({"AWSGUARD_CONFIG": str(path), "HOME": str(tmp_path)}).error
    assert error is not None
    assert error.sentence.startswith(f"{path}, {where}"), error.sentence
    assert str(error) == f"{error.sentence} {error.REMEDY}"
    assert "\n" not in str(error) and ".." not in str(error)


# --- time and CI -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2026-03-01T12:00:00Z", "2026-03-01T12:00:00+00:00", "2026-03-01 12:00:00 UTC",
             "2026-03-01T12:00:00", "2026-03-01T13:00:00+01:00"],
)
def test_every_aws_timestamp_shape_reads_as_the_same_moment(text) -> None:
    moment = timefmt.parse_time(text)
    assert moment == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    assert timefmt.format_time(moment) == "2026-03-01T12:00:00Z"


def test_unreadable_timestamps() -> None:
    assert timefmt.parse_time("soon") is None
    with pytest.raises(ValueError):
        timefmt.require_time("soon")


@pytest.mark.parametrize(
    ("seconds", "left", "compact"),
    [(250, "4m10s left", "5m"), (3 * 3600 + 300, "3h05m left", "3h05m"),
     (50 * 3600, "2d02h left", "2d"), (-7200, "expired 2h00m ago", "expired")],
)
def test_durations(seconds, left, compact) -> None:
    assert timefmt.time_left(seconds) == left
    assert timefmt.compact_left(seconds) == compact
    assert timefmt.remaining(seconds) == ("expired" if seconds <= 0 else left[:-5])
    assert timefmt.duration(timedelta(seconds=seconds).total_seconds()) in left


@pytest.mark.parametrize(
    ("value", "ci"),
    [("", False), ("0", False), ("false", False), ("False", False), ("NO", False),
     (" off ", False), ("1", True), ("true", True), ("yes", True)],
)
def test_one_in_ci(value, ci) -> None:
    assert envfacts.in_ci({"CI": value}) is ci
    assert envfacts.in_ci({}) is False
