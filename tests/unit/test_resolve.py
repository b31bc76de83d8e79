"""The offline resolver and its conflict detectors, one behaviour per test."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from awsguard.awsconfig import load_files
from awsguard.invocation import parse
from awsguard.resolve import (
    CHAIN,
    CONFLICT_CODES,
    DETECTORS,
    PROFILE_CHAIN,
    Conflict,
    Resolution,
    Setting,
    format_conflict_line,
    mask_key,
    profile_vars,
    region_vars,
    resolve,
    session_vars,
)

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)
KEY = "AKIAIOSFODNN7EXAMPLE"
TEMP_KEY = "ASIAIOSFODNN7EXAMPLE"


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env: dict[str, str] = {
            "HOME": str(root),
            "AWS_CONFIG_FILE": str(root / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(root / "credentials"),
        }

    def config(self, text: str) -> World:
        (self.root / "config").write_text(text)
        return self

    def credentials(self, text: str) -> World:
        (self.root / "credentials").write_text(text)
        return self

    def resolve(self, *argv: str, major: int = 2, **env: str) -> Resolution:
        environ = {**self.env, **env}
        return resolve(
            parse([*argv, "sts", "get-caller-identity"]), environ, load_files(environ),
            cli_major=major, now=NOW,
        )


@pytest.fixture
def world(tmp_path: Path) -> World:
    config = (
        "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n"
        "[profile prod]\nregion = us-west-2\n"
    )
    return World(tmp_path).config(config).credentials(
        "[dev]\naws_access_key_id = AKIADEVDEVDEVDEV1234\naws_secret_access_key = s\n"
        "[prod]\naws_access_key_id = AKIAPRODPRODPROD5678\naws_secret_access_key = s\n"
    )


def codes(res: Resolution) -> list[str]:
    return [c.code for c in res.conflicts]


ENV_KEYS = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": "secret"}


# --- the chain -----------------------------------------------------------------


def test_env_keys_win_over_aws_profile(world: World) -> None:
    res = world.resolve(AWS_PROFILE="dev", **ENV_KEYS)
    assert res.source == "env"
    assert res.access_key_id == "AKIA…MPLE"
    assert res.source_reason == "environment keys win over AWS_PROFILE=dev"
    assert res.region == "eu-west-1" and res.region_from == "profile"


def test_explicit_profile_flag_takes_env_keys_out_of_the_chain(world: World) -> None:
    res = world.resolve("--profile", "dev", **ENV_KEYS)
    assert res.source == "shared-credentials-file"
    assert res.raw_access_key_id == "AKIADEVDEVDEVDEV1234"
    assert res.profile_from == "--profile"
    assert "env-overrides-profile" not in codes(res)


def test_cli_v1_reads_aws_default_profile_first_and_v2_aws_profile(world: World) -> None:
    v1 = world.resolve(major=1, AWS_PROFILE="dev", AWS_DEFAULT_PROFILE="prod")
    v2 = world.resolve(major=2, AWS_PROFILE="dev", AWS_DEFAULT_PROFILE="prod")
    assert (v1.profile, v1.profile_from) == ("prod", "AWS_DEFAULT_PROFILE")
    assert (v2.profile, v2.profile_from) == ("dev", "AWS_PROFILE")


def test_cli_v1_ignores_aws_region_and_v2_prefers_it(world: World) -> None:
    v1 = world.resolve(major=1, AWS_REGION="eu-north-1")
    v2 = world.resolve(major=2, AWS_REGION="eu-north-1", AWS_DEFAULT_REGION="eu-south-1")
    assert (v1.region, v1.region_from) == ("us-east-1", "profile")
    assert (v2.region, v2.region_from) == ("eu-north-1", "AWS_REGION")
    assert world.resolve("--region", "ap-east-1").region_from == "--region"


def test_role_arn_wins_over_static_keys_in_the_same_profile(world: World) -> None:
    world.config(
        "[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = dev\n"
        f"aws_access_key_id = {KEY}\naws_secret_access_key = s\n"
        "mfa_serial = arn:aws:iam::1:mfa/me\nduration_seconds = 900\n"
    )
    res = world.resolve("--profile", "ops")
    assert res.source == "assume-role"
    assert (res.role_arn, res.source_profile, res.base_source) == (
        "arn:aws:iam::1:role/ops", "dev", "shared-credentials-file"
    )
    assert res.mfa_serial == "arn:aws:iam::1:mfa/me" and res.duration_seconds == 900
    assert "keys-shadowed" in codes(res)


def test_mfa_serial_is_found_through_the_source_profile_chain(world: World) -> None:
    world.config(
        "[profile inner]\nrole_arn = arn:aws:iam::1:role/inner\nsource_profile = dev\n"
        "mfa_serial = arn:aws:iam::1:mfa/me\n"
        "[profile outer]\nrole_arn = arn:aws:iam::2:role/outer\nsource_profile = inner\n"
    )
    res = world.resolve("--profile", "outer")
    assert res.role_chain == ["outer", "inner"]
    assert res.mfa_serial == "arn:aws:iam::1:mfa/me"
    assert res.role_arn == "arn:aws:iam::2:role/outer"


def test_cached_assume_role_credentials_give_key_id_and_expiry(world: World) -> None:
    world.config("[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = dev\n")
    digest = hashlib.sha1(json.dumps({"RoleArn": "arn:aws:iam::1:role/ops"}).encode()).hexdigest()
    cache = world.root / ".aws" / "cli" / "cache"
    cache.mkdir(parents=True)
    expiry = (NOW + timedelta(hours=1)).isoformat()
    (cache / f"{digest}.json").write_text(
        json.dumps({"Credentials": {"AccessKeyId": TEMP_KEY, "Expiration": expiry}})
    )
    res = world.resolve("--profile", "ops")
    assert res.raw_access_key_id == TEMP_KEY
    assert res.expires_at == "2025-01-01T13:00:00Z"


def test_credential_source_environment_uses_env_keys_even_with_profile_flag(world: World) -> None:
    world.config(
        "[profile ci]\nrole_arn = arn:aws:iam::1:role/ci\ncredential_source = Environment\n"
    )
    res = world.resolve("--profile", "ci", **ENV_KEYS)
    assert (res.source, res.base_source, res.error) == ("assume-role", "env", None)
    assert world.resolve("--profile", "ci").error is not None


def test_web_identity_from_environment(world: World, tmp_path: Path) -> None:
    res = world.resolve(AWS_WEB_IDENTITY_TOKEN_FILE=str(tmp_path / "t"),
                        AWS_ROLE_ARN="arn:aws:iam::1:role/web")
    assert res.source == "assume-role-with-web-identity"
    assert res.role_arn == "arn:aws:iam::1:role/web"


def test_sso_session_profile_and_token_expiry(world: World) -> None:
    world.config(
        "[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n"
    )
    cache = world.root / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    (cache / (hashlib.sha1(b"corp").hexdigest() + ".json")).write_text(
        json.dumps({"expiresAt": "2025-01-01T20:00:00Z"})
    )
    res = world.resolve("--profile", "sso")
    assert (res.source, res.sso_session, res.sso_start_url) == (
        "sso", "corp", "https://corp.awsapps.com/start"
    )
    assert res.expires_at == "2025-01-01T20:00:00Z"
    assert "sso-token-expired" not in codes(res)


def test_credentials_file_wins_over_config_file_for_the_same_profile(world: World) -> None:
    world.config(f"[profile dev]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n")
    res = world.resolve("--profile", "dev")
    assert res.source == "shared-credentials-file"
    assert res.raw_access_key_id == "AKIADEVDEVDEVDEV1234"


def test_credential_process_and_container(world: World) -> None:
    world.config("[profile tool]\ncredential_process = /bin/tool --json\n")
    assert world.resolve("--profile", "tool").source == "custom-process"
    empty = World(world.root / "x")
    (world.root / "x").mkdir()
    res = empty.resolve(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/creds")
    assert res.source == "container-role"


def test_nothing_configured_is_null_with_a_reason(tmp_path: Path) -> None:
    res = World(tmp_path).resolve(AWS_EC2_METADATA_DISABLED="true")
    assert res.source is None and "no credentials" in res.source_reason


def test_endpoint_url_precedence(world: World) -> None:
    world.config(
        "[default]\nregion = us-east-1\nservices = local\nendpoint_url = http://profile\n"
        "[services local]\nsts =\n  endpoint_url = http://services-sts\n"
    )
    assert world.resolve().endpoint_url == "http://services-sts"
    assert world.resolve(AWS_ENDPOINT_URL="http://env").endpoint_url == "http://env"
    res = world.resolve(AWS_ENDPOINT_URL="http://env", AWS_ENDPOINT_URL_STS="http://env-sts")
    assert (res.endpoint_url, res.endpoint_url_from) == ("http://env-sts", "AWS_ENDPOINT_URL_STS")
    assert world.resolve("--endpoint-url", "http://flag").endpoint_url_from == "--endpoint-url"
    assert world.resolve(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true").endpoint_url is None


def test_as_dict_has_the_documented_keys_and_never_the_raw_key(world: World) -> None:
    res = world.resolve(**ENV_KEYS)
    out = res.as_dict()
    for key in ("cli_major", "profile", "profile_from", "source", "access_key_id", "region",
                "region_from", "expires_at", "conflicts"):
        assert key in out
    assert KEY not in json.dumps(out) and KEY not in repr(res)


def test_mask_key_shows_first_and_last_four() -> None:
    assert mask_key("AKIAABCDEFGHIJKLWXYZ") == "AKIA…WXYZ"
    assert mask_key("testing") == "te…ng"
    assert mask_key(None) is None


def test_format_conflict_line() -> None:
    line = format_conflict_line(Conflict("no-region", "no region", "set one"))
    assert line == "awsguard: warning [no-region]: no region — fix: set one"


# --- the detectors, one each --------------------------------------------------


def test_env_overrides_profile(world: World) -> None:
    res = world.resolve(AWS_PROFILE="prod", **ENV_KEYS)
    conflict = next(c for c in res.conflicts if c.code == "env-overrides-profile")
    assert "AWS_PROFILE=prod" in conflict.message and "unset" in conflict.fix
    assert "env-overrides-profile" not in codes(world.resolve(**ENV_KEYS))


def test_partial_env_keys(world: World) -> None:
    res = world.resolve(AWS_ACCESS_KEY_ID=KEY)
    assert "partial-env-keys" in codes(res) and res.error
    assert "partial-env-keys" in codes(world.resolve(AWS_SECRET_ACCESS_KEY="s"))
    assert "partial-env-keys" not in codes(world.resolve(**ENV_KEYS))


def test_session_token_with_long_term_key(world: World) -> None:
    res = world.resolve(AWS_SESSION_TOKEN="tok", **ENV_KEYS)
    assert "session-token-with-long-term-key" in codes(res)


def test_temporary_key_without_token(world: World) -> None:
    res = world.resolve(AWS_ACCESS_KEY_ID=TEMP_KEY, AWS_SECRET_ACCESS_KEY="s")
    assert "temporary-key-without-token" in codes(res)
    ok = world.resolve(AWS_ACCESS_KEY_ID=TEMP_KEY, AWS_SECRET_ACCESS_KEY="s", AWS_SESSION_TOKEN="t")
    assert "temporary-key-without-token" not in codes(ok)


def test_profile_vars_disagree_names_the_winner_for_the_cli_version(world: World) -> None:
    for major, winner in ((1, "AWS_DEFAULT_PROFILE=prod"), (2, "AWS_PROFILE=dev")):
        res = world.resolve(major=major, AWS_PROFILE="dev", AWS_DEFAULT_PROFILE="prod")
        conflict = next(c for c in res.conflicts if c.code == "profile-vars-disagree")
        assert f"v{major} uses {winner}" in conflict.message


def test_region_vars_disagree(world: World) -> None:
    res = world.resolve(major=2, AWS_REGION="eu-north-1", AWS_DEFAULT_REGION="eu-south-1")
    assert "region-vars-disagree" in codes(res)
    ignored = world.resolve(major=1, AWS_REGION="eu-north-1")
    assert "ignored by AWS CLI v1" in next(
        c.message for c in ignored.conflicts if c.code == "region-vars-disagree"
    )


def test_no_region(tmp_path: Path) -> None:
    world = World(tmp_path).credentials(f"[default]\naws_access_key_id = {KEY}\n"
                                        "aws_secret_access_key = s\n")
    assert "no-region" in codes(world.resolve())
    assert "no-region" not in codes(world.resolve("--region", "us-east-1"))


def test_profile_not_found(world: World) -> None:
    res = world.resolve(AWS_PROFILE="typo", **ENV_KEYS)
    assert "profile-not-found" in codes(res)
    assert res.error == "The config profile (typo) could not be found"
    assert res.source is None


def test_keys_shadowed_when_a_profile_is_in_both_files(world: World) -> None:
    world.config(f"[profile dev]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n")
    res = world.resolve("--profile", "dev")
    assert "keys-shadowed" in codes(res)


def test_expired_env_credentials(world: World) -> None:
    res = world.resolve(AWS_CREDENTIAL_EXPIRATION="2024-12-31T00:00:00Z", AWS_SESSION_TOKEN="t",
                        AWS_ACCESS_KEY_ID=TEMP_KEY, AWS_SECRET_ACCESS_KEY="s")
    assert "expired-env-credentials" in codes(res)
    assert res.expires_at == "2024-12-31T00:00:00Z"
    fresh = world.resolve(AWS_CREDENTIAL_EXPIRATION="2025-12-31T00:00:00Z", AWS_SESSION_TOKEN="t",
                          AWS_ACCESS_KEY_ID=TEMP_KEY, AWS_SECRET_ACCESS_KEY="s")
    assert "expired-env-credentials" not in codes(fresh)


def test_legacy_security_token(world: World) -> None:
    res = world.resolve(AWS_SECURITY_TOKEN="old", AWS_SESSION_TOKEN="new",
                        AWS_ACCESS_KEY_ID=TEMP_KEY, AWS_SECRET_ACCESS_KEY="s")
    assert "legacy-security-token" in codes(res)
    same = world.resolve(AWS_SECURITY_TOKEN="t", AWS_SESSION_TOKEN="t",
                         AWS_ACCESS_KEY_ID=TEMP_KEY, AWS_SECRET_ACCESS_KEY="s")
    assert "legacy-security-token" not in codes(same)


def test_endpoint_override(world: World) -> None:
    assert "endpoint-override" in codes(world.resolve(AWS_ENDPOINT_URL="http://127.0.0.1:5000"))
    assert "endpoint-override" not in codes(world.resolve("--endpoint-url", "http://x"))


def test_sso_token_expired(world: World) -> None:
    world.config(
        "[profile sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1"
        "\nsso_account_id = 1\nsso_role_name = Admin\nregion = us-east-1\n"
    )
    res = world.resolve("--profile", "sso")
    assert "sso-token-expired" in codes(res)  # never logged in
    cache = world.root / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    name = hashlib.sha1(b"https://x.awsapps.com/start").hexdigest() + ".json"
    (cache / name).write_text(json.dumps({"expiresAt": "2025-01-01T11:00:00Z"}))
    res = world.resolve("--profile", "sso")
    assert "expired at 2025-01-01T11:00:00Z" in next(
        c.message for c in res.conflicts if c.code == "sso-token-expired"
    )


def test_plaintext_long_term_keys_is_not_for_the_shim(world: World) -> None:
    res = world.resolve("--profile", "dev")
    conflict = next(c for c in res.conflicts if c.code == "plaintext-long-term-keys")
    assert conflict.applies_to_shim is False
    assert "plaintext-long-term-keys" not in codes(world.resolve(**ENV_KEYS))


def test_malformed_file_becomes_a_conflict_with_file_and_line(world: World) -> None:
    world.config("[default]\nregion = us-east-1\njunk\n")
    res = world.resolve()
    conflict = next(c for c in res.conflicts if c.code == "config-file-problem")
    assert f"{world.root / 'config'}:3" in conflict.message
    assert res.region == "us-east-1"


def test_every_code_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "README.md").read_text()
    for code in CONFLICT_CODES:
        assert f"`{code}`" in docs, code


# --- the shape: values that say where they came from, one order, named detectors -------


def test_each_value_carries_its_kind_and_location(world: World) -> None:
    res = world.resolve("--profile", "dev", AWS_ENDPOINT_URL_STS="http://sts.local")
    assert res.profile_setting == Setting("dev", "option", "--profile")
    assert res.region_setting == Setting("eu-west-1", "config-file", str(world.root / "config"))
    assert res.credentials == Setting(
        "AKIA…1234", "shared-credentials-file", str(world.root / "credentials")
    )
    assert res.sts_endpoint_setting == Setting("http://sts.local", "env", "AWS_ENDPOINT_URL_STS")
    # The old flat names are read from those values, never stored twice.
    assert (res.profile, res.profile_from) == ("dev", "--profile")
    assert (res.region, res.region_from, res.region_location) == (
        "eu-west-1", "profile", str(world.root / "config")
    )
    assert (res.source, res.access_key_id) == ("shared-credentials-file", "AKIA…1234")
    assert (res.sts_endpoint_url, res.sts_endpoint_url_from) == (
        "http://sts.local", "AWS_ENDPOINT_URL_STS"
    )


def test_a_present_but_empty_region_keeps_where_it_came_from(world: World) -> None:
    res = world.resolve(AWS_DEFAULT_REGION="", major=1)
    assert res.region_setting == Setting(None, "env", "AWS_DEFAULT_REGION")
    assert "AWS_DEFAULT_REGION is set but empty" in next(
        c.message for c in res.conflicts if c.code == "no-region"
    )


def test_expiry_from_the_environment_says_so(world: World) -> None:
    res = world.resolve(AWS_CREDENTIAL_EXPIRATION="2030-01-01T00:00:00Z", **ENV_KEYS)
    assert res.expiry == Setting("2030-01-01T00:00:00Z", "env", "AWS_CREDENTIAL_EXPIRATION")
    assert res.expires_from == "AWS_CREDENTIAL_EXPIRATION"


def test_json_keeps_its_keys_and_order(world: World) -> None:
    data = world.resolve("--profile", "dev").as_dict()
    assert list(data)[:8] == [
        "cli_major", "profile", "profile_from", "cli_version", "source", "source_reason",
        "source_location", "access_key_id",
    ]
    assert list(data)[-2:] == ["file_problems", "conflicts"]
    assert not any(key.endswith("_setting") or key in ("credentials", "expiry") for key in data)
    assert "raw_access_key_id" not in data and "AKIADEVDEVDEVDEV1234" not in json.dumps(data)


def test_resolving_twice_gives_the_same_answer(world: World) -> None:
    # Providers return what they found; nothing is left behind between resolutions.
    world.config(
        "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\nmfa_serial = m1\n"
        "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = dev\nmfa_serial = m2\n"
        "[profile dev]\nregion = eu-west-1\n"
    )
    first = world.resolve("--profile", "a")
    second = world.resolve("--profile", "a")
    assert first == second
    assert first.role_chain == ["a", "b"] and first.mfa_serial == "m1"
    assert (first.role_arn, first.source_profile) == ("arn:aws:iam::1:role/a", "b")
    assert (first.base_source, first.base_profile) == ("shared-credentials-file", "dev")


def test_the_chain_is_botocores_order() -> None:
    assert [step[0] for step in CHAIN] == [
        "env", "assume-role", "assume-role-with-web-identity", "sso",
        "shared-credentials-file", "login", "custom-process", "config-file", "container-role",
    ]
    # A source profile is read with the profile's own providers only.
    assert [step[0] for step in PROFILE_CHAIN] == [
        "assume-role-with-web-identity", "sso", "shared-credentials-file", "login",
        "custom-process", "config-file",
    ]


def test_profile_and_region_variables_follow_the_cli_major_version() -> None:
    assert profile_vars(1) == ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
    assert profile_vars(2) == ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
    assert region_vars(1) == ("AWS_DEFAULT_REGION",)
    assert region_vars(2) == ("AWS_REGION", "AWS_DEFAULT_REGION")
    assert session_vars(1)["region"] == ("region", ["AWS_DEFAULT_REGION"], None, None)


def test_every_code_has_one_named_detector() -> None:
    detected = [code for code, _ in DETECTORS]
    assert sorted(detected) == sorted(CONFLICT_CODES) and len(set(detected)) == len(detected)
    # Each detector is named after its code: one small function per conflict.
    assert all(fn.__name__ == "_" + code.replace("-", "_") for code, fn in DETECTORS)


def test_a_detector_reports_nothing_on_a_clean_setup(world: World) -> None:
    world.credentials("")
    world.config("[default]\nregion = us-east-1\ncredential_process = /bin/true\n")
    assert world.resolve().conflicts == []


def test_the_ignore_variable_wins_over_the_profile_in_resolve_and_doctor(world: World) -> None:
    from awsguard.doctor.network import endpoint_settings

    world.config(
        "[default]\nregion = us-east-1\nendpoint_url = http://profile.local\n"
        "ignore_configured_endpoint_urls = true\n"
    )
    honoured = world.resolve(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="false")
    assert honoured.endpoint_setting == Setting(
        "http://profile.local", "config-file", str(world.root / "config")
    )
    files = load_files(world.env)
    _, ignored = endpoint_settings(
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"}, files.profile("default"), {}
    )
    assert ignored is False
    assert world.resolve().endpoint_url is None
    assert endpoint_settings({}, files.profile("default"), {})[1] is True
