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
