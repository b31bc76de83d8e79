"""The prompt segment from plain data, and `awsguard prompt` reading its files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from awsguard import identitycache, paths, rules, timefmt
from awsguard import prompt as seg
from awsguard.awsconfig import load_files
from awsguard.commands import prompt as cmd
from awsguard.invocation import parse
from awsguard.resolve import resolve

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
CONFIG = """\
[profile dev]
region = eu-west-1
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = base

[profile base]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile prod-admin]
sso_account_id = 999999999999
sso_role_name = Admin
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
region = us-east-1
"""
KEY = "AKIAI44QH8DHBEXAMPLE"
SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(CONFIG)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # No real CLI on PATH: botocore's (v1) precedence, as whoami assumes; a test that
    # depends on the CLI's version says which.
    (tmp_path / "no-cli").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-cli"))
    return home


def environ(home: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(home), "LANG": "C.UTF-8", **extra}


def segment(home: Path, settings: seg.PromptSettings | None = None, **kwargs) -> seg.Segment:
    env = environ(home, **kwargs.pop("env", {}))
    res = resolve(parse([]), env, load_files(env), 2, now=NOW)
    return seg.compute(res, env, settings or seg.PromptSettings(), NOW, **kwargs)


def sso_token(home: Path, expires: datetime) -> None:
    digest = hashlib.sha1(b"https://example.awsapps.com/start").hexdigest()
    path = home / ".aws" / "sso" / "cache" / f"{digest}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}))


# --- the format language ------------------------------------------------------------------------


def test_optional_group_drops_when_its_placeholder_is_empty():
    parts = seg.parse_format("{profile}[@{account}][ {region}]")
    assert seg.render_top(parts, {"profile": "dev", "region": "eu-west-1"}) == "dev eu-west-1"
    assert seg.render_top(parts, {"profile": "dev", "account": "1"}) == "dev@1"


def test_doubled_brackets_and_braces_are_literal():
    parts = seg.parse_format("[[{profile}]] {{x}}")
    assert seg.render_top(parts, {"profile": "dev"}) == "[dev] {x}"


@pytest.mark.parametrize("bad", ["{nope}", "[{profile}", "{profile}]", "{profile"])
def test_a_broken_format_is_refused_with_a_reason(bad):
    with pytest.raises(seg.FormatError):
        seg.parse_format(bad)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (-5, "expired"), (0, "expired"), (1, "1m"), (60, "1m"), (61, "2m"),
     (3600, "1h00m"), (3601, "1h01m"), (11100, "3h05m"), (3 * 86400, "3d")],
)
def test_time_left_reads_in_minutes_rounded_up(seconds, text):
    assert timefmt.compact_left(seconds) == text


def test_countdown_says_when_its_text_next_changes():
    now = 1_000_000
    expires = now + 150  # "3m" until 120 s are left
    until = seg._next_change(expires, now)
    assert until == expires - 120
    assert timefmt.compact_left(expires - until) == "2m"
    assert timefmt.compact_left(expires - (until - 1)) == "3m"


# --- computing the segment ----------------------------------------------------------------------


def test_nothing_in_play_prints_nothing(home):
    assert segment(home).shown is False
    assert segment(home).text == ""


def test_role_profile_shows_the_role_account_and_region(home):
    s = segment(home, env={"AWS_PROFILE": "dev"})
    assert (s.text, s.account_from) == ("dev@123456789012 eu-west-1", "role_arn")


def test_env_keys_over_a_profile_show_env_and_the_conflict_mark(home):
    s = segment(
        home, env={"AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET}
    )
    assert s.profile == "env"
    assert s.conflicts[0] == "env-overrides-profile"
    assert s.text.startswith("⚠env-overrides-profile env")
    assert s.color == seg.DEFAULT_CONFLICT_COLOR


def test_ascii_mark_outside_a_utf8_locale(home):
    env = {"AWS_PROFILE": "nope"}
    res = resolve(parse([]), environ(home, **env), load_files(environ(home)), 2, now=NOW)
    s = seg.compute(res, environ(home, **env), seg.PromptSettings(), NOW, unicode=False)
    assert s.text.startswith("!profile-not-found")


def test_identity_cache_names_the_account_of_env_keys_before_aws_account_id(home):
    env = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_ACCOUNT_ID": "1" * 12}
    cached = seg.IdentityHint(account="222222222222", alias="sandbox", origin="identity cache")
    s = segment(home, env=env, identity=cached)
    assert (s.account, s.account_name) == ("222222222222", "sandbox")
    assert segment(home, env=env).account == "111111111111"


def test_sso_profile_shows_its_account_and_time_left(home):
    sso_token(home, NOW + timedelta(hours=1, minutes=4, seconds=30))
    s = segment(home, env={"AWS_PROFILE": "prod-admin"})
    assert s.text == "prod-admin@999999999999 us-east-1 1h05m"
    # 3870 s left show as 65 minutes until 64 are left, 30 s from now.
    assert s.valid_until == int((NOW + timedelta(seconds=30)).timestamp())


def test_an_expired_session_shows_as_expired(home):
    sso_token(home, NOW - timedelta(minutes=1))
    s = segment(home, env={"AWS_PROFILE": "prod-admin"})
    assert s.expired and "expired" in s.text.split()
    assert "sso-token-expired" in s.conflicts


def test_expired_environment_credentials_show_as_expired(home):
    env = {
        "AWS_ACCESS_KEY_ID": "ASIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": "token",
        "AWS_CREDENTIAL_EXPIRATION": "2026-03-01T11:00:00Z",
    }
    s = segment(home, env=env)
    assert s.text == "⚠expired-env-credentials+1 env expired"  # and no-region


def test_awsguard_session_gives_expiry_and_account_for_its_profile(home):
    session = seg.SessionHint(
        kind="role",
        profile="dev",
        expiration="2026-03-01T12:30:00Z",
        arn="arn:aws:sts::123456789012:assumed-role/dev/me",
        role_arn="arn:aws:iam::123456789012:role/dev",
    )
    other = seg.SessionHint(kind="role", profile="ops", expiration="2026-03-01T18:00:00Z")
    s = segment(home, env={"AWS_PROFILE": "dev"}, sessions=[other, session])
    assert timefmt.compact_left(s.seconds_left) == "30m"
    assert s.expires_from == "awsguard role session"


def test_account_names_and_protected_accounts_come_from_the_config(home):
    settings = seg.parse_settings(
        {"accounts": {"123456789012": {"name": "prod", "protected": True}}}
    )
    s = segment(home, settings, env={"AWS_PROFILE": "dev"})
    assert (s.text, s.protected, s.color) == ("dev@prod eu-west-1", True, "red")


def test_first_matching_colour_rule_wins(home):
    settings = seg.parse_settings(
        {
            "prompt": {
                "color": [
                    {"profile": "*prod*", "color": "bold red"},
                    {"account": "1234*", "color": "cyan"},
                    {"profile": "*", "color": "green"},
                ]
            }
        }
    )
    assert settings.error is None
    assert segment(home, settings, env={"AWS_PROFILE": "dev"}).color == "cyan"
    sso_token(home, NOW + timedelta(hours=1))
    assert segment(home, settings, env={"AWS_PROFILE": "prod-admin"}).color == "bold red"


def test_ignored_conflicts_leave_no_mark(home):
    ignore = ["profile-not-found", "credentials-error", "no-region"]
    settings = seg.parse_settings({"prompt": {"ignore_conflicts": ignore}})
    assert segment(home, settings, env={"AWS_PROFILE": "nope"}).text == "nope"


def test_a_broken_setting_marks_the_segment_and_keeps_the_rest(home):
    settings = seg.parse_settings(
        {"prompt": {"format": "{nope}", "color": [{"profile": "dev", "color": "plaid"}]}}
    )
    assert "prompt.format" in settings.error and "plaid" in settings.error
    s = segment(home, settings, env={"AWS_PROFILE": "dev"})
    assert s.text == "⚠awsguard-config dev@123456789012 eu-west-1"


@pytest.mark.parametrize(
    ("color", "params"),
    [("red", "31"), ("bold bright_cyan", "1;96"), ("208", "38;5;208"),
     ("#ff8800", "38;2;255;136;0"), ("plaid", None), ("#zzzzzz", None)],
)
def test_colour_names(color, params):
    assert seg.sgr(color) == params


def test_styles_are_marked_invisible_for_each_shell():
    assert seg.styled("a%b", "red", "bash") == "\001\033[31m\002a%b\001\033[0m\002"
    assert seg.styled("a%b", "red", "zsh") == "%{\033[31m%}a%%b%{\033[0m%}"
    assert seg.styled("a", "red", "fish") == "\033[31ma\033[0m"
    assert seg.styled("a", "", "bash") == "a"


# --- `awsguard prompt`: reading files, output ---------------------------------------------------


def test_xdg_folders_match_awsguard_paths(tmp_path):
    for env in (
        {"HOME": str(tmp_path)},
        {"HOME": str(tmp_path), "XDG_CACHE_HOME": "/x/c", "XDG_STATE_HOME": "/x/s",
         "XDG_CONFIG_HOME": "/x/f"},
        {"HOME": str(tmp_path), "XDG_CACHE_HOME": "relative", "AWSGUARD_CONFIG": "~/g.toml"},
    ):
        assert cmd.cache_dir(env) == str(paths.cache_dir(env))
        assert cmd.state_dir(env) == str(paths.state_dir(env))
        assert cmd.config_file(env) == str(paths.config_file(env))


def test_identity_cache_entry_is_found_by_the_sha256_of_the_key(tmp_path):
    env = {"HOME": str(tmp_path)}
    folder = Path(cmd.identity_dir(env))
    folder.mkdir(parents=True)
    digest = hashlib.sha256(KEY.encode()).hexdigest()
    (folder / f"{digest}.json").write_text(
        json.dumps({"account": "222222222222", "arn": "arn:aws:iam::222222222222:user/me",
                    "alias": "sandbox"})
    )
    (folder / "other.json").write_text("{}")
    hint = cmd.identity_hint(identitycache.read(KEY, env))
    assert (hint.account, hint.alias) == ("222222222222", "sandbox")
    assert identitycache.read("AKIAOTHEROTHEROTHER1", env) is None


def _settings(path: Path):
    return cmd.load_settings(rules.load_config({"AWSGUARD_CONFIG": str(path),
                                                "HOME": str(path.parent)}))


def test_broken_toml_gives_a_mark_not_a_traceback(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[prompt\n")
    settings = _settings(path)
    assert "not valid TOML" in settings.error
    assert settings.format == seg.DEFAULT_FORMAT
    assert _settings(tmp_path / "missing.toml").error is None


def test_a_bad_value_in_any_table_gives_the_mark_too(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[risk]\ndestructive = "maybe"\n')
    assert "maybe" in _settings(path).error


def test_the_segment_marks_a_broken_config_with_its_line(home, capsys, monkeypatch):
    config = home / ".config" / "awsguard" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[risk]\ndestructive = "maybe"\n')
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert cmd.fast_main([]) == 0
    assert capsys.readouterr().out == "⚠awsguard-config dev@123456789012 eu-west-1\n"
    assert cmd.fast_main(["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["marked"] == ["awsguard-config"]
    assert f"{config}, line 2, column 1: [risk] destructive" in data["config_error"]


def test_missing_files_are_watched_through_their_nearest_folder(home):
    env = environ(home)
    files = load_files(env)
    res = resolve(parse([]), env, files, 2, now=NOW)
    watched = cmd.watched_paths(env, files, res)
    assert str(home / ".aws" / "config") in watched
    assert str(home / ".aws") in watched  # stands in for the missing credentials file
    assert all(os.path.exists(p) for p in watched)


def test_prompt_command_prints_the_segment(home, capsys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert cmd.fast_main([]) == 0
    assert capsys.readouterr().out == "dev@123456789012 eu-west-1\n"
    assert cmd.fast_main(["--format", "{region}|{profile}"]) == 0
    assert capsys.readouterr().out == "eu-west-1|dev\n"


def test_prompt_json_has_every_field(home, capsys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert cmd.fast_main(["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["segment"] == "dev@123456789012 eu-west-1"
    assert data["account"] == "123456789012" and data["source"] == "assume-role"
    assert set(data) >= {"profile", "region", "expires_at", "expires_in", "conflicts", "color"}


def test_no_color_wins_over_color(home, capsys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "nope")
    cmd.fast_main(["--color"])
    assert "\033[33m" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    cmd.fast_main(["--color"])
    assert "\033" not in capsys.readouterr().out


def test_shell_output_dates_the_stamp_before_reading(home, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_PROFILE", "dev")
    stamp = tmp_path / "stamps" / "stamp.1"
    before = datetime.now().timestamp()
    assert cmd.fast_main(["--shell", "bash", "--stamp", str(stamp)]) == 0
    after = datetime.now().timestamp()
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:3] == ["dev@123456789012 eu-west-1", "dev@123456789012 eu-west-1"]
    assert before < int(lines[0]) <= before + seg.RECHECK_SECONDS + 1
    assert str(home / ".aws" / "config") in lines[3:]
    assert before - 1 < stamp.stat().st_mtime < after - cmd.stamp_slack("bash") + 0.001
    assert stamp.stat().st_mode & 0o777 == 0o600


def test_bad_arguments_exit_2(home, capsys):
    assert cmd.fast_main(["--format", "{nope}"]) == 2
    assert cmd.fast_main(["--shell", "tcsh"]) == 2
    assert cmd.fast_main(["--what"]) == 2
    assert "usage" in capsys.readouterr().err


def test_a_cached_prompt_imports_nothing_heavy(home):
    heavy = ("argparse", "subprocess", "tempfile", "botocore", "boto3", "keyring",
             "prompt_toolkit", "awsguard.realcli", "pathlib", "awsguard.resolve")
    code = (
        "import sys; before = set(sys.modules); from awsguard.cli import main; main(['prompt']);"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules and m not in before))"
    )
    env = {**os.environ, "AWS_PROFILE": "dev"}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "'awsguard.resolve'" in first.stdout.splitlines()[-1], first.stderr  # computed
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    # cli.py itself imports argparse at the top (the lead's file); the rest must not load.
    assert out.stdout.splitlines()[-1] in ("[]", "['argparse']"), out.stderr


def test_second_run_prints_the_cached_segment_without_resolving(home, capsys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert cmd.fast_main([]) == 0
    first = capsys.readouterr().out

    def no_resolver(*args, **kwargs):
        raise AssertionError("resolved again")

    monkeypatch.setattr("awsguard.resolve.resolve", no_resolver)
    assert cmd.fast_main([]) == 0
    assert capsys.readouterr().out == first == "dev@123456789012 eu-west-1\n"


def test_a_changed_file_or_variable_misses_the_cache(home, capsys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "dev")
    cmd.fast_main([])
    capsys.readouterr()
    config = home / ".aws" / "config"
    config.write_text(CONFIG.replace("eu-west-1", "eu-north-1"))
    cmd.fast_main([])
    assert capsys.readouterr().out == "dev@123456789012 eu-north-1\n"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-east-1")
    cmd.fast_main([])
    assert capsys.readouterr().out == "dev@123456789012 ap-east-1\n"


def test_the_cache_holds_no_secret(home, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLETOKEN")
    cmd.fast_main(["--shell", "bash"])
    folder = Path(cmd.cache_dir(os.environ)) / "prompt"
    stored = [p for p in folder.iterdir() if p.name.startswith("segment-")]
    assert stored
    for path in stored:
        text = path.read_text()
        assert SECRET not in text and "EXAMPLETOKEN" not in text and KEY not in text
        assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("env", "unicode"),
    [({"LANG": "en_US.UTF-8"}, True), ({"LC_ALL": "C"}, False), ({}, False),
     ({"LC_CTYPE": "C.UTF-8"}, False),  # Python's own PEP 538 coercion of a C locale
     ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, True)],
)
def test_the_mark_is_ascii_unless_the_locale_is_utf8(env, unicode):
    assert cmd._unicode_locale(env) is unicode


def test_settings_come_from_the_prompt_and_accounts_tables_only(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[rules]]\nprofile = "x"\nconfirm = "never"\n')
    assert _settings(path).error is None
    path.write_text('[prompt]\nformat = "{profile}!"\n[accounts."123456789012"]\nname = "p"\n')
    settings = _settings(path)
    assert (settings.format, settings.accounts["123456789012"]["name"]) == ("{profile}!", "p")
