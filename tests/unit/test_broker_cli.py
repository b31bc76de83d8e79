"""`awsguard mfa` asks STS where the installed real CLI would (its major and exact
version), as the shim does for the same sessions; credential-process and exec/export,
whose sessions go to SDKs, keep the newest CLI's endpoint rules (what the SDKs read)."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
from pathlib import Path

import pytest

from awsguard import handout, realcli, sessions, vault
from awsguard.awsconfig import load_files
from awsguard.commands import credential_process, mfa
from awsguard.errors import AwsguardError

CONFIG = """\
[profile dev]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/dev
"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # The official installer's folder names the version: nothing needs to run.
    dist = tmp_path / "aws-cli" / "v2" / "2.9.19" / "dist"
    dist.mkdir(parents=True)
    (dist / "aws").write_text("#!/bin/sh\nexit 99\n")
    os.chmod(dist / "aws", 0o755)
    (tmp_path / "config").write_text(CONFIG)
    environ = {
        "HOME": str(tmp_path),
        "PATH": str(tmp_path / "no-bin"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWSGUARD_REAL_AWS": str(dist / "aws"),
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    def no_process(*_args, **_kwargs):
        raise AssertionError("no process may be started to learn the CLI's version")

    monkeypatch.setattr(subprocess, "run", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    realcli._memo.clear()
    return environ


@pytest.fixture
def brokers_ask(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str | None]]:
    """The `cli` of each Broker at the moment it would call STS (which it does not)."""
    seen: list[tuple[int, str | None]] = []

    def stop(self, *_args, **_kwargs):
        seen.append(self.cli)
        raise AwsguardError("stopped before STS")

    monkeypatch.setattr(sessions.Broker, "refresh_mfa", stop)
    monkeypatch.setattr(sessions.Broker, "credentials", stop)
    monkeypatch.setattr(vault, "check_usable", lambda *a, **k: None)
    return seen


def test_installed_cli_is_read_from_its_files(world) -> None:
    assert sessions.installed_cli(world) == (2, "2.9.19")


def test_without_a_real_cli_the_broker_default_stays(world) -> None:
    environ = {k: v for k, v in world.items() if k != "AWSGUARD_REAL_AWS"}
    assert sessions.installed_cli(environ) == sessions.Broker.cli == (2, None)


def test_awsguard_mfa_asks_sts_as_the_installed_cli(world, brokers_ask) -> None:
    args = argparse.Namespace(profile="dev", code="123456", duration=None)
    with pytest.raises(AwsguardError, match="stopped before STS"):
        mfa.run(args)
    assert brokers_ask == [(2, "2.9.19")]


def test_credential_process_keeps_the_sdks_endpoint_rules(world, brokers_ask, monkeypatch):
    # An SDK runs it (boto3, Terraform): the session must be valid where the SDK sends
    # its calls, e.g. AWS_ENDPOINT_URL, which the installed AWS CLI 2.9 would ignore.
    monkeypatch.setattr("sys.stdout", io.StringIO())  # a pipe, not a terminal
    with pytest.raises(AwsguardError, match="stopped before STS"):
        credential_process.run(argparse.Namespace(profile="dev"))
    assert brokers_ask == [sessions.Broker.cli]


def test_exec_and_export_keep_the_sdks_endpoint_rules(world, brokers_ask) -> None:
    source = handout.ProfileCredentials("dev", load_files(world), world, False)
    with pytest.raises(AwsguardError, match="stopped before STS"):
        source.current()
    assert brokers_ask == [sessions.Broker.cli]


def test_cli_29_sends_sts_past_aws_endpoint_url(world) -> None:
    # Why it matters: AWS CLI 2.9 predates AWS_ENDPOINT_URL; the newest v2 reads it.
    files = load_files(world)
    environ = {**world, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    newest = sessions.sts_endpoint(files, "dev", environ, *sessions.Broker.cli)
    installed = sessions.sts_endpoint(files, "dev", environ, *sessions.installed_cli(environ))
    assert newest == "http://127.0.0.1:9" and installed != newest
