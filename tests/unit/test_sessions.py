"""awsguard.sessions: which profiles need a session, settings, and the session logic
against moto's STS and a real Secret Service."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fixtures.keyring import (
    MFA_SERIAL,
    ROLE_ARN,
    count_lines,
    make_aws_world,
    write_mfa_process,
)

from awsguard import awsconfig, sessions, timefmt, vault
from awsguard.errors import EXIT_REFUSED, AwsguardError


@pytest.fixture
def world(tmp_path: Path, moto_server, keyring_env, monkeypatch: pytest.MonkeyPatch) -> dict:
    env = make_aws_world(tmp_path, moto_server.url, keyring_env)
    # The vault's index and locks follow os.environ's XDG dirs, like the shim's.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def files_of(env: dict) -> awsconfig.AwsFiles:
    return awsconfig.load_files(env)


# --- plan_chain: pure, from files -------------------------------------------------------------


def _files(tmp_path: Path, config: str, credentials: str = "") -> tuple[awsconfig.AwsFiles, dict]:
    (tmp_path / "config").write_text(config)
    (tmp_path / "credentials").write_text(credentials)
    env = {
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOME": str(tmp_path),
    }
    return awsconfig.load_files(env), env


def test_a_profile_with_plain_keys_and_no_mfa_needs_nothing(tmp_path: Path) -> None:
    credentials = "[p]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n"
    files, env = _files(tmp_path, "[profile p]\nregion = eu-west-1\n", credentials)
    assert sessions.plan_chain("p", files, env) is None


def test_an_unknown_profile_is_left_to_the_cli(tmp_path: Path) -> None:
    files, env = _files(tmp_path, "")
    assert sessions.plan_chain("nope", files, env) is None


def test_mfa_serial_on_the_profile_itself_makes_it_its_own_root(tmp_path: Path) -> None:
    files, env = _files(tmp_path, f"[profile dev]\nmfa_serial = {MFA_SERIAL}\n")
    chain = sessions.plan_chain("dev", files, env)
    assert chain is not None
    assert (chain.root, chain.mfa_serial, chain.roles) == ("dev", MFA_SERIAL, ())


def test_a_role_inherits_the_mfa_device_of_its_source_profile(tmp_path: Path) -> None:
    config = (
        f"[profile dev]\nmfa_serial = {MFA_SERIAL}\n"
        f"[profile admin]\nrole_arn = {ROLE_ARN}\nsource_profile = dev\nduration_seconds = 900\n"
    )
    files, env = _files(tmp_path, config)
    chain = sessions.plan_chain("admin", files, env)
    assert chain is not None
    assert chain.root == "dev" and chain.mfa_serial == MFA_SERIAL
    assert [(r.profile, r.role_arn, r.duration_seconds) for r in chain.roles] == [
        ("admin", ROLE_ARN, 900)
    ]


def test_a_role_with_its_own_mfa_serial_uses_that_device(tmp_path: Path) -> None:
    config = (
        "[profile dev]\n"
        f"[profile admin]\nrole_arn = {ROLE_ARN}\nsource_profile = dev\nmfa_serial = arn:x:mfa/r\n"
    )
    files, env = _files(tmp_path, config)
    chain = sessions.plan_chain("admin", files, env)
    assert chain is not None and chain.mfa_serial == "arn:x:mfa/r"


def test_chained_roles_are_listed_from_the_root_outwards(tmp_path: Path) -> None:
    config = (
        f"[profile dev]\nmfa_serial = {MFA_SERIAL}\n"
        "[profile hop]\nrole_arn = arn:aws:iam::1:role/hop\nsource_profile = dev\n"
        "[profile far]\nrole_arn = arn:aws:iam::2:role/far\nsource_profile = hop\n"
    )
    files, env = _files(tmp_path, config)
    chain = sessions.plan_chain("far", files, env)
    assert chain is not None
    assert [r.profile for r in chain.roles] == ["hop", "far"]


def test_a_role_without_mfa_from_plain_keys_is_left_to_the_cli(tmp_path: Path) -> None:
    config = "[profile dev]\n[profile admin]\nrole_arn = arn:r\nsource_profile = dev\n"
    files, env = _files(tmp_path, config)
    assert sessions.plan_chain("admin", files, env) is None


@pytest.mark.parametrize(
    "extra",
    [
        "sso_session = corp",
        "credential_process = /bin/other-tool",
        "credential_source = Ec2InstanceMetadata",
    ],
)
def test_other_credential_sources_are_left_to_the_cli(tmp_path: Path, extra: str) -> None:
    files, env = _files(tmp_path, f"[profile dev]\nmfa_serial = {MFA_SERIAL}\n{extra}\n")
    assert sessions.plan_chain("dev", files, env) is None


def test_a_role_loop_is_left_to_the_cli(tmp_path: Path) -> None:
    config = (
        "[profile a]\nrole_arn = arn:a\nsource_profile = b\nmfa_serial = m\n"
        "[profile b]\nrole_arn = arn:b\nsource_profile = a\n"
    )
    files, env = _files(tmp_path, config)
    assert sessions.plan_chain("a", files, env) is None


def test_awsguards_own_credential_process_means_the_key_is_in_the_keyring(tmp_path: Path) -> None:
    files, env = _files(
        tmp_path, "", "[p]\ncredential_process = awsguard credential-process p\n"
    )
    chain = sessions.plan_chain("p", files, env)
    assert chain is not None and chain.key_in_keyring and not chain.mfa_serial


# --- settings ----------------------------------------------------------------------------------


def test_settings_default_without_a_config_file(tmp_path: Path) -> None:
    settings = sessions.load_settings({"XDG_CONFIG_HOME": str(tmp_path)})
    assert (settings.refresh_threshold, settings.duration_seconds) == (600, 43200)
    assert settings.mfa_process == []


def test_settings_read_the_sessions_table(tmp_path: Path) -> None:
    (tmp_path / "awsguard").mkdir()
    (tmp_path / "awsguard" / "config.toml").write_text(
        '[sessions]\nmfa_process = "ykman oath accounts code --single \'aws dev\'"\n'
        "refresh_threshold = 120\nduration_seconds = 3600\n"
    )
    settings = sessions.load_settings({"XDG_CONFIG_HOME": str(tmp_path)})
    assert settings.mfa_process == ["ykman", "oath", "accounts", "code", "--single", "aws dev"]
    assert (settings.refresh_threshold, settings.duration_seconds) == (120, 3600)


def test_broken_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    (tmp_path / "awsguard").mkdir()
    path = tmp_path / "awsguard" / "config.toml"
    path.write_text("[sessions]\nrefresh_threshold = 120\nduration_seconds = = 3\n")
    with pytest.raises(AwsguardError) as caught:
        sessions.load_settings({"XDG_CONFIG_HOME": str(tmp_path)})
    assert str(path) in str(caught.value) and "line 3" in str(caught.value)


def test_an_out_of_range_duration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "awsguard").mkdir()
    (tmp_path / "awsguard" / "config.toml").write_text("[sessions]\nduration_seconds = 60\n")
    with pytest.raises(AwsguardError, match="duration_seconds"):
        sessions.load_settings({"XDG_CONFIG_HOME": str(tmp_path)})


# --- endpoint and region -----------------------------------------------------------------------


def test_sts_endpoint_follows_botocores_precedence(tmp_path: Path) -> None:
    config = (
        "[profile p]\nendpoint_url = http://profile\nservices = local\n"
        "[services local]\nsts =\n  endpoint_url = http://services-sts\n"
        "[profile q]\nendpoint_url = http://profile-q\n"
    )
    files, _ = _files(tmp_path, config)
    assert sessions.sts_endpoint(files, "p", {}) == "http://services-sts"
    assert sessions.sts_endpoint(files, "q", {}) == "http://profile-q"
    assert sessions.sts_endpoint(files, "q", {"AWS_ENDPOINT_URL": "http://env"}) == "http://env"
    both = {"AWS_ENDPOINT_URL": "http://env", "AWS_ENDPOINT_URL_STS": "http://env-sts"}
    assert sessions.sts_endpoint(files, "p", both) == "http://env-sts"
    ignore = {**both, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}
    assert sessions.sts_endpoint(files, "p", ignore) is None


# --- credentials_for against moto --------------------------------------------------------------


def test_no_terminal_and_no_session_exits_77_naming_awsguard_mfa(world: dict) -> None:
    with pytest.raises(AwsguardError) as caught:
        sessions.credentials_for("admin", files_of(world), world, interactive=False)
    assert caught.value.exit_code == EXIT_REFUSED
    assert "awsguard mfa admin" in str(caught.value)


def test_a_plain_profile_gets_nothing_from_awsguard(world: dict) -> None:
    assert sessions.credentials_for("plain", files_of(world), world, interactive=False) is None


def test_mfa_process_supplies_the_code_once_and_the_session_is_reused(
    world: dict, tmp_path: Path
) -> None:
    calls = write_mfa_process(tmp_path, world)
    first = sessions.credentials_for("dev", files_of(world), world, interactive=False)
    second = sessions.credentials_for("dev", files_of(world), world, interactive=False)
    assert first is not None and second is not None
    assert first.source == "mfa-session"
    assert first.expiration == second.expiration
    assert first.session_token and first.expiration is not None
    assert count_lines(calls) == 1
    env = first.env()
    assert set(env) == {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
    }
    assert env["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")


def test_one_code_serves_every_role_sharing_the_device(world: dict, tmp_path: Path) -> None:
    calls = write_mfa_process(tmp_path, world)
    admin = sessions.credentials_for("admin", files_of(world), world, interactive=False)
    reader = sessions.credentials_for("reader", files_of(world), world, interactive=False)
    assert admin is not None and reader is not None
    assert admin.source == reader.source == "assume-role"
    assert admin.arn.endswith(":assumed-role/awsguard-test-admin/admin-session")
    assert ":assumed-role/awsguard-test-reader/awsguard-" in reader.arn
    assert count_lines(calls) == 1


def test_role_credentials_are_cached_until_shortly_before_expiry(world: dict) -> None:
    files = files_of(world)
    chain = sessions.plan_chain("admin", files, world)
    assert chain is not None
    asked: list[str] = []

    def ask(profile: str, serial: str) -> str:
        asked.append(profile)
        return "654321"

    def broker(now: datetime | None = None) -> sessions.Broker:
        settings = sessions.load_settings(world)
        return sessions.Broker(chain, files, world, settings, True, now, ask_code=ask)

    first = broker().credentials()
    assert broker().credentials().access_key_id == first.access_key_id
    # Four minutes before the role session ends, a new one is assumed without a code.
    assert first.expiration is not None
    late = first.expiration - timedelta(minutes=4)
    renewed = broker(late).credentials()
    assert renewed.access_key_id != first.access_key_id
    assert asked == ["admin"]


def test_an_expiring_session_is_refreshed_with_one_prompt(world: dict) -> None:
    files = files_of(world)
    chain = sessions.plan_chain("dev", files, world)
    assert chain is not None
    asked: list[str] = []

    def ask(profile: str, serial: str) -> str:
        asked.append(serial)
        return "111111"

    settings = sessions.load_settings(world)
    short = sessions.Broker(chain, files, world, settings, True, ask_code=ask)
    first = short.refresh_mfa(code="222222", duration=900)
    # Fifteen minutes left is inside a 20-minute threshold: ask again, once.
    settings = sessions.SessionSettings(refresh_threshold=1200)
    refreshed = sessions.Broker(chain, files, world, settings, True, None, ask).credentials()
    again = sessions.Broker(chain, files, world, settings, True, None, ask).credentials()
    assert first.seconds_left(datetime.now(timezone.utc)) <= 900
    assert refreshed.expiration is not None and refreshed.expiration > first.expiration
    assert again.expiration == refreshed.expiration
    assert asked == [MFA_SERIAL]


def test_without_a_terminal_an_expiring_but_valid_session_is_still_used(world: dict) -> None:
    files = files_of(world)
    chain = sessions.plan_chain("dev", files, world)
    assert chain is not None
    settings = sessions.load_settings(world)
    first = sessions.Broker(chain, files, world, settings, True, ask_code=lambda p, s: "1" * 6)
    session = first.credentials()
    assert session.expiration is not None
    soon = session.expiration - timedelta(minutes=9)
    later = sessions.Broker(chain, files, world, settings, False, soon).credentials()
    assert later.expiration == session.expiration
    expired = session.expiration + timedelta(seconds=1)
    with pytest.raises(AwsguardError) as caught:
        sessions.Broker(chain, files, world, settings, False, expired).credentials()
    assert caught.value.exit_code == EXIT_REFUSED


def test_a_key_stored_in_the_keyring_is_used_for_the_sts_call(world: dict, tmp_path: Path) -> None:
    config = f"[profile vaulted]\nmfa_serial = {MFA_SERIAL}\n"
    env = make_aws_world(tmp_path / "other", world["AWS_ENDPOINT_URL"], {}, config, "")
    env.update({k: world[k] for k in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")})
    files = files_of(env)
    with pytest.raises(AwsguardError, match="awsguard add vaulted"):
        sessions.credentials_for("vaulted", files, env, interactive=True)
    vault.store_key("vaulted", vault.LongTermKey("AKIAEXAMPLEVAULT0001", "vault-secret"))
    calls = write_mfa_process(tmp_path, env)
    creds = sessions.credentials_for("vaulted", files_of(env), env, interactive=False)
    assert creds is not None and creds.source == "mfa-session"
    assert count_lines(calls) == 1


def test_a_keyring_key_without_mfa_goes_to_the_child_as_is(world: dict, tmp_path: Path) -> None:
    env = make_aws_world(tmp_path / "o", world["AWS_ENDPOINT_URL"], {}, "[profile k]\n", "")
    env.update({k: world[k] for k in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")})
    vault.store_key("k", vault.LongTermKey("AKIAEXAMPLEKEYRING01", "keyring-secret"))
    creds = sessions.credentials_for("k", files_of(env), env, interactive=False)
    assert creds is not None and creds.source == "keyring"
    assert creds.env() == {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYRING01",
        "AWS_SECRET_ACCESS_KEY": "keyring-secret",
    }
    child = creds.apply({"AWS_SESSION_TOKEN": "stale", "AWS_PROFILE": "k"})
    assert "AWS_SESSION_TOKEN" not in child and child["AWS_PROFILE"] == "k"


def test_an_unreachable_sts_is_one_paragraph_not_a_traceback(world: dict, tmp_path: Path) -> None:
    write_mfa_process(tmp_path, world)
    broken = {**world, "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"}
    with pytest.raises(AwsguardError, match="STS GetSessionToken for profile 'dev' failed"):
        sessions.credentials_for("dev", files_of(broken), broken, interactive=False)


def test_mfa_process_must_print_six_digits(world: dict, tmp_path: Path) -> None:
    write_mfa_process(tmp_path, world, code="not-a-code")
    with pytest.raises(AwsguardError, match="6-digit code"):
        sessions.credentials_for("dev", files_of(world), world, interactive=False)


def test_logout_of_a_profile_forgets_its_mfa_session_and_the_roles_made_from_it(
    world: dict, tmp_path: Path
) -> None:
    write_mfa_process(tmp_path, world)
    files = files_of(world)
    sessions.credentials_for("admin", files, world, interactive=False)
    sessions.credentials_for("reader", files, world, interactive=False)
    listed = sessions.list_sessions(world)
    assert sorted(s.kind for s in listed) == ["mfa", "role", "role"]
    assert all(s.seconds_left > 0 for s in listed)
    items = sessions.sessions_to_forget("reader", files, world)
    assert len(items) == 3
    for item in items:
        vault.delete_session(item, world)
    assert sessions.list_sessions(world) == []


def test_the_time_left_reads_in_hours_and_minutes() -> None:
    assert timefmt.remaining(3 * 3600 + 25 * 60) == "3h25m"
    assert timefmt.remaining(125) == "2m05s"
    assert timefmt.remaining(0) == "expired"


def test_now_in_the_past_is_not_required_for_a_fresh_session(world: dict, tmp_path: Path) -> None:
    write_mfa_process(tmp_path, world)
    now = datetime.now(timezone.utc)
    creds = sessions.credentials_for("dev", files_of(world), world, False, now=now)
    assert creds is not None and creds.expiration is not None
    assert creds.expiration - now > timedelta(hours=11)
