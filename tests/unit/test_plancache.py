"""plancache: what a remembered quiet pass depends on, and what it keeps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from awsguard import plancache
from awsguard.invocation import parse

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    return {
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": SECRET,
    }


def key(environ, *argv):
    return plancache.key(parse(list(argv)), environ, "/bin/true")


def test_the_key_holds_no_secret_and_no_key_id(environ):
    entry = key(environ, "s3", "ls")
    assert entry and SECRET not in entry and "AKIA" not in entry
    assert len(entry) == 32


def test_every_word_and_value_of_the_command_line_is_in_the_key(environ):
    assert key(environ, "s3", "ls", "s3://a") != key(environ, "s3", "ls", "s3://b")
    # The direction of a sync decides read or write.
    assert key(environ, "s3", "sync", "s3://b/up/", "./dl") != key(
        environ, "s3", "sync", "./dl", "s3://b/up/"
    )
    assert key(environ, "s3", "sync", "a", "s3://b") != key(
        environ, "s3", "sync", "a", "s3://b", "--delete"
    )
    attr = ["ec2", "modify-image-attribute", "--image-id", "ami-1", "--launch-permission"]
    assert key(environ, *attr, "Add=[{Group=all}]") != key(environ, *attr, "Remove=[{Group=all}]")


def test_a_changed_file_or_variable_changes_the_key(environ, tmp_path):
    before = key(environ, "s3", "ls")
    config = tmp_path / ".aws" / "config"
    config.write_text("[default]\nregion = eu-west-1\n")
    os.utime(config, ns=(1, 1))
    assert key(environ, "s3", "ls") != before
    assert key({**environ, "AWS_PROFILE": "x"}, "s3", "ls") != key(environ, "s3", "ls")
    assert key({**environ, "AWS_SECRET_ACCESS_KEY": "other"}, "s3", "ls") != key(
        environ, "s3", "ls"
    )


def test_credentials_with_an_expiry_and_an_opt_out_are_never_remembered(environ):
    assert key({**environ, "AWS_CREDENTIAL_EXPIRATION": "2030-01-01T00:00:00Z"}, "s3", "ls") is None
    assert key({**environ, "AWSGUARD_PLAN_CACHE": "0"}, "s3", "ls") is None


def test_warnings_are_kept_with_the_entry_and_the_file_is_private(environ, tmp_path):
    entry = key(environ, "s3", "ls")
    assert plancache.known(entry + ":monitor", environ) is None
    lines = ["awsguard: warning [no-region]: no region — fix: set one", "second\tline"]
    plancache.remember(entry + ":monitor", environ, lines)
    assert plancache.known(entry + ":monitor", environ) == [lines[0], "second\\tline"]
    plancache.remember(entry + ":exec", environ)
    assert plancache.known(entry + ":exec", environ) == []
    path = tmp_path / "cache" / "awsguard" / plancache.FILE_NAME
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


# --- reads served from the keyring (SessionPass) -------------------------------------------------


def _pass(**changes) -> plancache.SessionPass:
    fields = dict(kind="role", item="role:arn:aws:iam::1:role/r\t|x|dev", profile="pröd\tx",
                  threshold=300, key_id=plancache.key_id_digest("ASIAEXAMPLE"), removed=(0, 1))
    fields.update(changes)
    return plancache.SessionPass(**fields)


def test_a_session_pass_is_one_field_with_no_key_id_and_reads_back_the_same():
    session = _pass()
    text = session.encode()
    assert all(c in "0123456789abcdef" for c in text)  # no tab, no newline, whatever names hold
    assert "ASIAEXAMPLE" not in bytes.fromhex(text).decode()
    assert plancache.SessionPass.decode(text) == session
    for broken in ("", "zz", text[:-2], _pass(kind="sso").encode(), _pass(key_id="x").encode(),
                   _pass(item="").encode(), "00".join([text, text])):
        assert plancache.SessionPass.decode(broken) is None


def test_lookup_reads_every_mode_and_the_newest_session_pass(environ):
    entry = key(environ, "s3", "ls")
    assert plancache.lookup(entry, environ) is None
    plancache.remember(f"{entry}:session-exec", environ, ["warned"], _pass(threshold=1))
    plancache.remember(f"{entry}:session-exec", environ, ["warned"], _pass(threshold=2))
    mode, lines, session = plancache.lookup(entry, environ)
    assert (mode, lines, session.threshold) == ("session-exec", ["warned"], 2)
    plancache.remember(f"{entry}:monitor", environ)
    assert plancache.lookup(entry, environ) == ("monitor", [], None)


def test_a_session_line_that_does_not_decode_is_not_replayed(environ, tmp_path):
    entry = key(environ, "s3", "ls")
    plancache.remember(f"{entry}:exec", environ)  # makes the folder and file, privately
    path = tmp_path / "cache" / "awsguard" / plancache.FILE_NAME
    with open(path, "a") as handle:
        handle.write(f"{entry}:session-monitor\tnot-hex\n{entry}:session-exec\n")
    assert plancache.lookup(entry, environ) == ("exec", [], None)


def test_expiry_times_are_read_exactly_as_datetime_reads_format_time():
    import random
    from datetime import datetime, timezone

    rng = random.Random(14)
    for _ in range(3000):
        moment = rng.randint(-62135596800, 253402300799)
        text = datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if len(text) == 20:
            assert plancache._epoch(text) == moment, text
    for other in ("2026-02-29T00:00:00Z", "2026-03-01 12:00:00Z", "2026-03-01T12:00:00+00:00",
                  "2026-03-01T24:00:00Z", "0000-01-01T00:00:00Z", "2026-03-01T12:00:00",
                  "\u0662026-03-01T12:00:00Z"):
        assert plancache._epoch(other) is None, other


def test_the_positions_the_child_does_not_get_rebuild_its_argv():
    from awsguard.guard import _removed_positions

    cases = [
        (["--profile", "dev", "s3", "ls"], ["s3", "ls"]),
        (["s3", "--profile", "s3", "ls", "s3"], ["s3", "ls", "s3"]),
        (["--prof=x", "sts", "get-caller-identity"], ["sts", "get-caller-identity"]),
        (["s3", "ls"], ["s3", "ls"]),
    ]
    for argv, child in cases:
        removed = set(_removed_positions(argv, child))
        assert [w for i, w in enumerate(argv) if i not in removed] == child


def test_an_entry_is_found_only_as_a_whole_line(environ, tmp_path):
    entry = key(environ, "s3", "ls")
    plancache.remember(f"{entry}:exec", environ)
    path = tmp_path / "cache" / "awsguard" / plancache.FILE_NAME
    with open(path, "a") as handle:  # the entry inside other lines, never at their start
        handle.write(f"x{entry}:monitor\n{entry}:monitorx\t\nother\t{entry}:monitor\n")
    assert plancache.known(f"{entry}:monitor", environ) is None
    assert plancache.lookup(entry, environ) == ("exec", [], None)
    plancache.remember(f"{entry}:exec", environ, ["second"])
    assert plancache.known(f"{entry}:exec", environ) == ["second"]  # the newest line
