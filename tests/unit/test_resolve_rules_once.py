"""The profile, region and endpoint rules live in resolve.py; the modules that call AWS
"as the CLI would" (identity, sessions, clisession, guard, doctor) ask it and agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsguard import guard, identity, sessions
from awsguard.awsconfig import load_files
from awsguard.invocation import parse
from awsguard.resolve import Setting, resolve


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config").write_text(
        "[default]\nregion = us-east-1\n"
        "[profile dev]\nregion = eu-west-1\nservices = local\n"
        "[services local]\niam =\n  endpoint_url = http://iam.services\n"
        "sts =\n  endpoint_url = http://sts.services\n"
    )
    (tmp_path / "credentials").write_text(
        "[dev]\naws_access_key_id = AKIADEVDEVDEVDEV1234\naws_secret_access_key = s\n"
    )
    return {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }


def resolved(environ: dict[str, str], *argv: str, major: int = 2):
    invocation = parse([*argv, "sts", "get-caller-identity"])
    return invocation, resolve(invocation, environ, load_files(environ), cli_major=major)


def test_iam_gets_its_own_configured_endpoint(environ: dict[str, str]) -> None:
    invocation, res = resolved(environ, "--profile", "dev")
    assert res.iam_endpoint_setting == Setting(
        "http://iam.services", "config-file", "[services local] iam"
    )
    assert identity._iam_endpoint(invocation, res, environ) == "http://iam.services"
    assert identity.endpoint_for(invocation, environ, res) == "http://sts.services"


def test_a_service_variable_for_iam_wins_over_the_global_one(environ: dict[str, str]) -> None:
    env = {**environ, "AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_IAM": "http://iam"}
    invocation, res = resolved(env)
    assert (res.iam_endpoint_url, res.sts_endpoint_url) == ("http://iam", "http://all")


def test_endpoint_url_option_sends_sts_and_iam_there(environ: dict[str, str]) -> None:
    invocation, res = resolved(environ, "--endpoint-url", "http://moto", "--profile", "dev")
    assert identity._iam_endpoint(invocation, res, environ) == "http://moto"
    assert res.sts_endpoint_setting == Setting("http://moto", "option", "--endpoint-url")


def test_a_stand_in_resolution_gets_the_same_rule_from_the_environment() -> None:
    class StandIn:
        cli_major = 1

    env = {"AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_STS": "http://sts"}
    invocation = parse(["sts", "get-caller-identity"])
    assert identity.endpoint_for(invocation, env, StandIn()) == "http://sts"
    assert identity._iam_endpoint(invocation, StandIn(), env) == "http://all"
    ignored = {**env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}
    assert identity.endpoint_for(invocation, ignored, StandIn()) is None


def test_sessions_ask_sts_in_the_region_the_cli_version_reads(environ: dict[str, str]) -> None:
    files = load_files(environ)
    env = {**environ, "AWS_REGION": "ap-south-1"}
    assert sessions.sts_region(files, "dev", "dev", env, 2) == "ap-south-1"
    # AWS CLI v1 never reads AWS_REGION: the profile's region, as `whoami` says.
    assert sessions.sts_region(files, "dev", "dev", env, 1) == "eu-west-1"
    both = {**env, "AWS_DEFAULT_REGION": "sa-east-1"}
    assert sessions.sts_region(files, "dev", "dev", both, 1) == "sa-east-1"


def test_botocore_sessions_read_the_variables_of_the_cli_major_version(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsguard.clisession import cli_session

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "sa-east-1")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "default")
    v1, v2 = cli_session(cli_major=1), cli_session(cli_major=2)
    assert (v1.get_config_variable("region"), v1.profile) == ("sa-east-1", "default")
    assert (v2.get_config_variable("region"), v2.profile) == ("ap-south-1", "dev")
    for major, session in ((1, v1), (2, v2)):
        _, res = resolved({**environ, **{
            "AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "sa-east-1",
            "AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "default",
        }}, major=major)
        assert (res.region, res.profile) == (session.get_config_variable("region"), session.profile)


def test_auto_prompt_reads_the_profile_v2_would(environ: dict[str, str]) -> None:
    with open(environ["AWS_CONFIG_FILE"], "a") as handle:
        handle.write("[profile prompting]\ncli_auto_prompt = on\n")
    env = {**environ, "AWS_PROFILE": "prompting", "AWS_DEFAULT_PROFILE": "dev"}
    assert guard._profile_auto_prompt(parse(["s3", "ls"]), env) is not None
    env = {**environ, "AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "prompting"}
    assert guard._profile_auto_prompt(parse(["s3", "ls"]), env) is None
