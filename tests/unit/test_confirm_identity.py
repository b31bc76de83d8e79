"""identity.identify: STS through botocore with the child's environment, cached per key."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from awsguard import identity
from awsguard.invocation import parse

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Res:
    profile = "default"
    source = "env"
    raw_access_key_id = KEY
    region = "us-east-1"
    expires_at = None
    expires_from = None
    cli_major = 1


@pytest.fixture
def environ(tmp_path: Path, moto_server) -> dict[str, str]:
    (tmp_path / ".aws").mkdir()
    return {
        "HOME": str(tmp_path),
        "PATH": os.environ.get("PATH", ""),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "AWS_CONFIG_FILE": str(tmp_path / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_server.url,
    }


def counting(calls: list[int]):
    def fetch(*args):
        calls.append(1)
        return identity.fetch_with_botocore(*args)

    return fetch


def test_sts_answer_is_cached_and_the_second_call_asks_nothing(environ) -> None:
    calls: list[int] = []
    first = identity.identify(parse(["s3", "rb", "s3://b"]), Res(), environ, counting(calls))
    assert first.account == "123456789012" and first.arn.startswith("arn:aws:")
    assert not first.cached and calls == [1]
    second = identity.identify(parse(["s3", "rb", "s3://c"]), Res(), environ, counting(calls))
    assert second.cached and second.arn == first.arn and calls == [1]


def test_cache_file_is_private_keyed_by_hash_and_holds_no_secret(environ) -> None:
    identity.identify(parse(["s3", "rb", "s3://b"]), Res(), environ)
    path = identity.cache_path(KEY, environ)
    assert path.name != KEY and KEY not in str(path) and len(path.stem) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert SECRET not in text and KEY not in text
    data = json.loads(text)
    assert {"account", "arn", "user_id", "alias", "fetched_at"} <= set(data)


def test_the_alias_comes_from_iam_when_permitted(environ) -> None:
    import boto3

    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=environ["AWS_ENDPOINT_URL"],
        aws_access_key_id="AKIAALIASTEST0000001",
        aws_secret_access_key="x",
    )
    iam.create_account_alias(AccountAlias="acme-test")
    try:
        found = identity.identify(parse(["s3", "rb", "s3://b"]), Res(), environ)
        assert found.alias == "acme-test"
    finally:
        iam.delete_account_alias(AccountAlias="acme-test")


def test_the_child_environment_is_used_not_the_process_one(environ, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    before = dict(os.environ)
    found = identity.identify(parse(["s3", "rb", "s3://b"]), Res(), environ)
    assert found.account == "123456789012"
    assert dict(os.environ) == before


def test_stale_or_other_endpoint_cache_is_not_trusted(environ) -> None:
    old = identity.Identity(
        "999999999999",
        "arn:aws:iam::999999999999:user/old",
        "AIDA",
        None,
        (identity._now() - identity.MAX_AGE - timedelta(minutes=1)).isoformat(),
        endpoint_url=environ["AWS_ENDPOINT_URL"],
    )
    identity.write_cached(KEY, old, environ)
    assert identity.identify(parse(["s3", "rb", "s3://b"]), Res(), environ).account == (
        "123456789012"
    )
    elsewhere = identity.Identity(
        "999999999999", "arn:x", "AIDA", None, identity._now().isoformat(), "http://other"
    )
    identity.write_cached(KEY, elsewhere, environ)
    assert identity.read_cached(KEY, environ, environ["AWS_ENDPOINT_URL"]) is None


def test_no_network_is_identity_unknown_with_what_to_do(environ) -> None:
    from fixtures.moto import free_port

    environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(identity.IdentityUnknown) as err:
        identity.identify(parse(["s3", "rb", "s3://b"]), Res(), environ)
    assert "Check the network" in str(err.value)
    assert SECRET not in str(err.value)


def test_expired_credentials_are_refused_before_any_call(environ) -> None:
    class Expired(Res):
        source = "sso"
        profile = "prod"
        expires_at = "2020-01-01T00:00:00Z"
        expires_from = "SSO token cache"

    with pytest.raises(identity.IdentityUnknown) as err:
        identity.identify(parse(["s3", "rb", "s3://b"]), Expired(), {**environ}, fetch=None)
    assert "expired" in str(err.value) and "aws sso login --profile prod" in str(err.value)
    assert err.value.exit_code == 77


def test_no_credentials_at_all(environ) -> None:
    bare = {k: v for k, v in environ.items() if not k.startswith("AWS_ACCESS_KEY_ID")}
    bare.pop("AWS_SECRET_ACCESS_KEY")

    class Nothing(Res):
        source = None
        raw_access_key_id = None

    with pytest.raises(identity.IdentityUnknown) as err:
        identity.identify(parse(["s3", "rb", "s3://b"]), Nothing(), bare)
    assert "no AWS credentials" in str(err.value) and "awsguard whoami" in str(err.value)


def test_profile_option_is_used_like_the_cli(environ, tmp_path) -> None:
    (tmp_path / ".aws" / "credentials").write_text(
        "[other]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = s\n"
    )
    calls: list[int] = []
    invocation = parse(["--profile", "other", "s3", "rb", "s3://b"])

    class ProfileRes(Res):
        profile = "other"
        source = "shared-credentials-file"
        raw_access_key_id = None

    identity.identify(invocation, ProfileRes(), environ, counting(calls))
    # botocore signed with the profile's key, not the environment's: cached under it.
    assert identity.cache_path("AKIAPROFILEKEY000001", environ).exists()
    assert not identity.cache_path(KEY, environ).exists()
    again = identity.identify(invocation, ProfileRes(), environ, counting(calls))
    # The key is only known once botocore loads the profile; then the cache answers.
    assert calls == [1, 1] and again.cached


def test_a_role_needing_mfa_is_refused_with_the_command_to_run_not_a_prompt(environ) -> None:
    # Without an awsguard MFA session, botocore would stop to read a code from the
    # terminal in the middle of the command; awsguard says what to run instead.
    Path(environ["AWS_CONFIG_FILE"]).write_text(
        "[profile base]\nregion = us-east-1\n"
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"
        "source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n"
    )
    Path(environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[base]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
    )
    env = {
        k: v for k, v in environ.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }

    class RoleRes(Res):
        profile = "admin"
        source = "assume-role"
        raw_access_key_id = None

    with pytest.raises(identity.IdentityUnknown) as caught:
        identity.fetch_with_botocore(
            parse(["--profile", "admin", "s3", "rb", "s3://b"]), RoleRes(), env
        )
    assert "awsguard mfa admin" in str(caught.value)
