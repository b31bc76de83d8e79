"""What awsguard's tables cannot show: CLI plugins and extra service models (issue 12).

The AWS CLI loads plugins named in the `[plugins]` section of the AWS config file
(awscli/plugin.py: v1 imports every entry; v2 2.9 only when `cli_legacy_plugin_path`
is set there), and botocore's loader reads service models from AWS_DATA_PATH, a
`data_path` setting and ~/.aws/models before its own. Either can add commands or change
what one does, so awsguard marks the invocation (`unseen`), reads stay reads, and
everything else is confirmed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from awsguard import cliargs
from awsguard.invocation import parse
from awsguard.risk import Risk, classify

V = {1: cliargs.load(1, "_global").version, 2: cliargs.load(2, "_global").version}


def world(tmp_path: Path, config: str) -> dict[str, str]:
    (tmp_path / ".aws").mkdir(exist_ok=True)
    (tmp_path / ".aws" / "config").write_text(config)
    return {"HOME": str(tmp_path)}


def p(line: str, major: int, environ: dict[str, str]):
    return parse(line.split(), major=major, version=V[major], environ=environ)


PLUGINS_V1 = "[default]\nregion = us-east-1\n[plugins]\nextra = extra_commands\n"
PLUGINS_V2 = "[plugins]\ncli_legacy_plugin_path = /opt/plugins\nextra = extra_commands\n"


@pytest.mark.parametrize(("major", "config"), [(1, PLUGINS_V1), (2, PLUGINS_V2), (1, PLUGINS_V2)])
def test_plugins_the_cli_loads_make_writes_destructive(tmp_path: Path, major: int, config: str):
    env = world(tmp_path, config)
    inv = p("ec2 create-vpc --cidr-block 10.0.0.0/16", major, env)
    assert inv.unseen and "plugins" in inv.unseen
    result = classify(inv)
    assert result.risk is Risk.DESTRUCTIVE
    assert "plugins" in result.reason and "cannot see" in result.reason
    # reads stay reads, and other confirmed kinds keep their name
    assert classify(p("ec2 describe-instances", major, env)).risk is Risk.READ
    assert classify(p("iam create-user --user-name u", major, env)).risk is Risk.PERMISSIONS


def test_v2_loads_no_plugins_without_cli_legacy_plugin_path(tmp_path: Path):
    env = world(tmp_path, PLUGINS_V1)
    inv = p("ec2 create-vpc --cidr-block 10.0.0.0/16", 2, env)
    assert inv.unseen is None and classify(inv).risk is Risk.WRITE


def test_a_command_a_plugin_may_add_is_unsure_not_a_certain_usage_error(tmp_path: Path):
    env = world(tmp_path, PLUGINS_V1)
    inv = p("s3 zap s3://b/", 1, env)
    assert inv.cli_error and inv.problem and "plugins" in inv.problem
    assert classify(inv).risk is Risk.DESTRUCTIVE
    # without plugins the installed CLI rejects it for certain
    plain = p("s3 zap s3://b/", 1, world(tmp_path, "[default]\n"))
    assert plain.cli_error and plain.problem is None


@pytest.mark.parametrize("major", [1, 2])
def test_extra_service_models_make_writes_destructive(tmp_path: Path, major: int):
    env = world(tmp_path, "[default]\nregion = us-east-1\n")
    assert p("ec2 create-vpc --cidr-block 10.0.0.0/16", major, env).unseen is None
    inv = p(
        "ec2 create-vpc --cidr-block 10.0.0.0/16", major, {**env, "AWS_DATA_PATH": "/opt/models"}
    )
    assert "AWS_DATA_PATH" in inv.unseen and classify(inv).risk is Risk.DESTRUCTIVE
    (tmp_path / ".aws" / "models" / "ec2").mkdir(parents=True)
    inv = p("ec2 create-vpc --cidr-block 10.0.0.0/16", major, env)
    assert "models" in inv.unseen and classify(inv).risk is Risk.DESTRUCTIVE


def test_data_path_setting_in_the_config_file(tmp_path: Path):
    env = world(tmp_path, "[profile dev]\nDATA_PATH = ~/models\n")
    inv = p("ec2 create-vpc --cidr-block 10.0.0.0/16", 2, env)
    assert "data_path" in inv.unseen and classify(inv).risk is Risk.DESTRUCTIVE


def test_config_file_from_aws_config_file(tmp_path: Path):
    (tmp_path / "elsewhere").write_text(PLUGINS_V1)
    env = {"HOME": str(tmp_path / "nohome"), "AWS_CONFIG_FILE": str(tmp_path / "elsewhere")}
    assert p("ec2 create-vpc --cidr-block 10.0.0.0/16", 1, env).unseen


def test_words_like_plugins_elsewhere_are_not_plugins(tmp_path: Path):
    env = world(tmp_path, "[profile plugins]\nregion = us-east-1\n[default]\nx = plugins\n")
    assert p("ec2 create-vpc --cidr-block 10.0.0.0/16", 1, env).unseen is None


def test_classify_confirms_a_read_whose_service_model_comes_from_outside(tmp_path, monkeypatch):
    # The shim confirms any command whose model the CLI loads from ~/.aws/models or a
    # profile's data_path (guard._foreign_models): `awsguard classify` must say the same.
    from awsguard.commands.classify import _classify_as_the_shim_would

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWSGUARD_REAL_AWS", "/nonexistent/aws")
    assert _classify_as_the_shim_would(["s3api", "list-buckets"]).risk is Risk.READ
    model = tmp_path / ".aws" / "models" / "s3" / "2006-03-01"
    model.mkdir(parents=True)
    (model / "service-2.json").write_text("{}")
    found = _classify_as_the_shim_would(["s3api", "list-buckets"])
    assert found.risk is Risk.DESTRUCTIVE
    assert str(tmp_path / ".aws" / "models" / "s3") in found.reason

    elsewhere = tmp_path / "models"
    (elsewhere / "ec2").mkdir(parents=True)
    (tmp_path / ".aws" / "config").write_text(f"[profile m]\ndata_path = {elsewhere}\n")
    assert _classify_as_the_shim_would(["ec2", "describe-instances"]).risk is Risk.READ
    found = _classify_as_the_shim_would(["--profile", "m", "ec2", "describe-instances"])
    assert found.risk is Risk.DESTRUCTIVE


def test_a_plugins_own_top_level_command_is_confirmed(tmp_path: Path):
    env = world(tmp_path, PLUGINS_V1)
    found = classify(p("nuke", 1, env))
    assert found.risk is Risk.DESTRUCTIVE and "plugin" in found.reason
    # Without plugins the same word is the CLI's usage error: nothing to guard.
    (tmp_path / "plain").mkdir()
    plain = world(tmp_path / "plain", "[default]\nregion = us-east-1\n")
    assert classify(p("nuke", 1, plain)).risk is Risk.READ
    # A known service without an operation only prints its usage, plugins or not.
    assert classify(p("s3api", 1, env)).risk is Risk.READ
