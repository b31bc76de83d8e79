"""Differential test: our offline resolver against botocore's own credential chain.

Hundreds of generated scenarios (environment keys, profile variables, --profile,
--region, one world of config/credentials files with every kind of profile) are
resolved twice: by `awsguard.resolve.resolve` and by a botocore Session built
from the same environment (instance metadata disabled). The credential source
must be botocore's `Credentials.method`, the access key id must match wherever
botocore knows it without calling STS, errors must be predicted as errors, and
the region must agree. Assume-role, web identity and SSO credentials are
deferred by botocore (no STS call until used), so comparing them needs no
endpoint; credential_process runs a small script, and container credentials
come from a local HTTP server.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import botocore.session
import pytest

from awsguard.awsconfig import load_files
from awsguard.invocation import parse
from awsguard.resolve import resolve
from fixtures.resolver_world import (
    ROLE,
    SHARED_CONFIG,
    SHARED_CREDENTIALS,
    write_process_script,
    write_token,
)

# The shared world plus what only this test resolves: a role sourcing the instance
# metadata, an MFA role chain, web identity in and sourcing a profile.
CONFIG = SHARED_CONFIG + """
[profile rolecsec2]
role_arn = {role}
credential_source = Ec2InstanceMetadata

[profile chain]
role_arn = {role}-chain
source_profile = role
mfa_serial = arn:aws:iam::123456789012:mfa/me

[profile webidnorole]
web_identity_token_file = {token}

[profile rolewebid]
role_arn = {role}
source_profile = webid

[profile proc]
credential_process = {process}
"""

CREDENTIALS = SHARED_CREDENTIALS + """
[webidnorole]
aws_access_key_id = AKIAWEBIDNOROLE00001
aws_secret_access_key = secret
"""

DEFAULT_CREDENTIALS = """\
[default]
aws_access_key_id = AKIADEFAULT000000001
aws_secret_access_key = secret
"""

PROFILES = [
    "default", "static", "cfgstatic", "both", "partialcfg", "credonly", "partialcred",
    "role", "rolecs", "rolecsecs", "rolecsec2", "rolebad", "roleboth", "rolenone",
    "rolemissing", "chain", "loop1", "selfref", "rolestatic", "roleempty", "webid",
    "webidnorole", "rolewebid", "sso", "ssolegacy", "ssobad", "ssonosession", "rolesso",
    "proc", "procsource", "procstatic", "empty", "missing",
]
ENV_KEYS = {
    "none": {},
    "full": {"AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT00001", "AWS_SECRET_ACCESS_KEY": "secret"},
    "temporary": {
        "AWS_ACCESS_KEY_ID": "ASIAENVIRONMENT00001",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
    },
    "key-only": {"AWS_ACCESS_KEY_ID": "AKIAENVKEYONLY000001"},
    "secret-only": {"AWS_SECRET_ACCESS_KEY": "secret"},
    "empty-key": {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "secret"},
}
EXTRAS = ["none", "web-identity-env", "web-identity-token-only", "container", "region-env"]
KEYED = ("env", "shared-credentials-file", "config-file")


class _ContainerHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {
                "AccessKeyId": "ASIACONTAINER0000001",
                "SecretAccessKey": "secret",
                "Token": "token",
                "Expiration": "2999-01-01T00:00:00Z",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def container_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _ContainerHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/creds"
    server.shutdown()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("world")
    token = write_token(root)
    process = write_process_script(root)
    (root / "config").write_text(CONFIG.format(role=ROLE, token=token, process=process))
    (root / "credentials").write_text(CREDENTIALS)
    (root / "credentials-with-default").write_text(DEFAULT_CREDENTIALS + CREDENTIALS)
    return root


def scenarios() -> list[tuple]:
    rng = random.Random(20240603)
    picked: list[tuple] = []
    for index in range(600):
        env_keys = rng.choice(list(ENV_KEYS) + ["full", "temporary"])
        flag = rng.choice([None] * len(PROFILES) + PROFILES)
        aws_profile = rng.choice([None] * 8 + PROFILES)
        aws_default_profile = rng.choice([None] * 6 + PROFILES)
        extra = rng.choice(EXTRAS)
        region_flag = rng.choice([None] * 5 + ["me-south-1"])
        with_default = rng.random() < 0.5
        major = rng.choice([1, 2])
        picked.append(
            (index, env_keys, flag, aws_profile, aws_default_profile, extra, region_flag,
             with_default, major)
        )
    return picked


def _environment(world: Path, container_url: str, env_keys: str, aws_profile: str | None,
                 aws_default_profile: str | None, extra: str, with_default: bool) -> dict:
    env = {
        "HOME": str(world),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(world / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(
            world / ("credentials-with-default" if with_default else "credentials")
        ),
    }
    env.update(ENV_KEYS[env_keys])
    if aws_profile:
        env["AWS_PROFILE"] = aws_profile
    if aws_default_profile:
        env["AWS_DEFAULT_PROFILE"] = aws_default_profile
    if extra == "web-identity-env":
        env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(world / "token")
        env["AWS_ROLE_ARN"] = ROLE + "-env"
    elif extra == "web-identity-token-only":
        env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(world / "token")
    elif extra == "container":
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container_url
    elif extra == "region-env":
        env["AWS_REGION"] = "eu-north-1"
        env["AWS_DEFAULT_REGION"] = "eu-south-1"
    return env


def _botocore_answer(env: dict, flag: str | None, region_flag: str | None, major: int):
    session_vars = None
    if major == 2:
        # The CLI v2 reads AWS_PROFILE before AWS_DEFAULT_PROFILE and knows AWS_REGION.
        session_vars = {
            "profile": (None, ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"], None, None),
            "region": ("region", ["AWS_REGION", "AWS_DEFAULT_REGION"], None, None),
        }
    session = botocore.session.Session(session_vars=session_vars)
    if flag is not None:
        session.set_config_variable("profile", flag)  # what the CLI does with --profile
    if region_flag is not None:
        session.set_config_variable("region", region_flag)
    try:
        creds = session.get_credentials()
    except Exception as err:
        return None, None, type(err).__name__, None
    method = creds.method if creds else None
    key = creds.access_key if method in KEYED or method == "container-role" else None
    region = session.get_config_variable("region")
    return method, key, None, region


@pytest.mark.parametrize(
    "scenario", scenarios(), ids=lambda s: f"s{s[0]}-{s[1]}-{s[2]}-{s[3]}-{s[4]}-{s[5]}-v{s[8]}"
)
def test_resolver_agrees_with_botocore(
    scenario: tuple, world: Path, container_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (_, env_keys, flag, aws_profile, aws_default_profile, extra, region_flag,
     with_default, major) = scenario
    env = _environment(
        world, container_url, env_keys, aws_profile, aws_default_profile, extra, with_default
    )
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    argv = ["sts", "get-caller-identity"]
    if flag is not None:
        argv += ["--profile", flag]
    if region_flag is not None:
        argv += ["--region", region_flag]

    ours = resolve(parse(argv), env, load_files(env), cli_major=major)
    method, key, error, region = _botocore_answer(env, flag, region_flag, major)

    context = f"ours={ours.source}/{ours.error!r} botocore={method}/{error}"
    if error is not None:
        assert ours.error is not None, context
        return
    assert ours.error is None, context
    assert ours.source == method, context
    if method in KEYED:
        assert ours.raw_access_key_id == key, context
    assert (ours.region or None) == (region or None), f"{ours.region_from}: {context}"
