"""awsguard doctor's checks as pure functions over plain data (and one real keyring)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from awsguard import doctor
from awsguard.awsconfig import load_files
from awsguard.doctor import FAIL, OK, SKIP, WARN, Check, Report
from awsguard.invocation import parse
from awsguard.resolve import resolve

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
KEY = "AKIAIOSFODNN7EXAMPLE"
DATE = "Sun, 01 Mar 2026 12:00:00 GMT"


@pytest.fixture(autouse=True)
def xdg_dirs(clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


def world(tmp_path: Path, config: str = "", credentials: str = "") -> dict[str, str]:
    aws = tmp_path / "aws"
    aws.mkdir(exist_ok=True)
    if config:
        (aws / "config").write_text(config)
    if credentials:
        (aws / "credentials").write_text(credentials)
        os.chmod(aws / "credentials", 0o600)
    return {
        "HOME": str(tmp_path / "home"),
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
    }


def resolution(environ: dict[str, str], *argv: str):
    files = load_files(environ)
    res = resolve(parse([*argv, "sts", "get-caller-identity"]), environ, files, 2, now=NOW)
    return res, files


# --- clock ---------------------------------------------------------------------------------


def test_clock_ten_minutes_ahead_fails() -> None:
    check = doctor.check_clock(NOW + timedelta(minutes=10), DATE)
    assert check.status == FAIL
    assert "600 s ahead of AWS" in check.summary
    assert check.fix and "ntp" in check.fix


def test_clock_ninety_seconds_behind_warns() -> None:
    check = doctor.check_clock(NOW - timedelta(seconds=90), DATE)
    assert check.status == WARN
    assert "90 s behind AWS" in check.summary


def test_clock_within_a_minute_is_ok() -> None:
    assert doctor.check_clock(NOW + timedelta(seconds=30), DATE).status == OK
    assert "in step" in doctor.check_clock(NOW, DATE).summary


def test_clock_at_exactly_the_limits_is_not_yet_the_next_level() -> None:
    assert doctor.check_clock(NOW + timedelta(seconds=60), DATE).status == OK
    assert doctor.check_clock(NOW + timedelta(seconds=300), DATE).status == WARN
    assert doctor.check_clock(NOW + timedelta(seconds=301), DATE).status == FAIL


def test_clock_without_an_answer_is_skipped_with_the_reason() -> None:
    check = doctor.check_clock(None, None, "STS could not be reached")
    assert check.status == SKIP
    assert "STS could not be reached" in check.summary


def test_clock_with_an_unreadable_date_header_is_skipped() -> None:
    assert doctor.check_clock(NOW, "yesterday-ish").status == SKIP


def test_skew_sign_is_local_minus_server() -> None:
    assert doctor.clock_skew_seconds(NOW + timedelta(seconds=5), DATE) == 5
    assert doctor.clock_skew_seconds(NOW - timedelta(seconds=5), DATE) == -5


# --- masking -------------------------------------------------------------------------------


def test_proxy_credentials_are_masked() -> None:
    shown = doctor.mask_url("http://alice:s3cret@proxy.corp:3128")
    assert shown == "http://***@proxy.corp:3128"
    assert "s3cret" not in shown and "alice" not in shown


def test_url_without_credentials_is_shown_as_is() -> None:
    assert doctor.mask_url("http://proxy.corp:3128") == "http://proxy.corp:3128"


def test_env_secrets_are_hidden_and_key_ids_masked() -> None:
    assert doctor.mask_env_value("AWS_SECRET_ACCESS_KEY", "abc") == "(set, hidden)"
    assert doctor.mask_env_value("AWS_SESSION_TOKEN", "abc") == "(set, hidden)"
    assert doctor.mask_env_value("AWS_ACCESS_KEY_ID", KEY) == "AKIA…MPLE"
    assert doctor.mask_env_value("AWS_WEB_IDENTITY_TOKEN_FILE", "/t") == "/t"
    assert doctor.mask_env_value("AWS_DEFAULT_REGION", "eu-west-1") == "eu-west-1"


def test_environment_lines_never_contain_a_secret() -> None:
    environ = {
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG",
        "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEJr",
        "PATH": "/bin",
    }
    text = "\n".join(doctor.environment_lines(environ))
    assert "wJalr" not in text and "FwoGZ" not in text and KEY not in text
    assert "PATH" not in text


# --- environment and profile ---------------------------------------------------------------


def test_env_keys_over_a_profile_warn_in_env_precedence(tmp_path: Path) -> None:
    environ = world(tmp_path, "[profile dev]\nregion = eu-west-1\n")
    environ.update(AWS_PROFILE="dev", AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY="s")
    res, _ = resolution(environ)
    variables, precedence = doctor.check_environment(environ, res.conflicts)
    assert variables.status == OK
    assert precedence.status == WARN
    assert "wins over AWS_PROFILE=dev" in precedence.summary
    assert precedence.fix and "unset" in precedence.fix


def test_session_token_with_a_long_term_key_fails(tmp_path: Path) -> None:
    environ = world(tmp_path)
    environ.update(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY="s", AWS_SESSION_TOKEN="t")
    res, _ = resolution(environ)
    assert doctor.check_environment(environ, res.conflicts)[1].status == FAIL


def test_no_conflicts_is_ok(tmp_path: Path) -> None:
    environ = world(tmp_path, "[default]\nregion = us-east-1\n")
    res, _ = resolution(environ)
    assert doctor.check_environment(environ, res.conflicts)[1].status == OK


def test_profile_not_found_suggests_the_closest_names(tmp_path: Path) -> None:
    environ = world(tmp_path, "[profile prod]\nregion = us-east-1\n[profile dev]\nregion = x\n")
    res, files = resolution(environ, "--profile", "prd")
    effective, _ = doctor.check_profile(res, files.profile_names(), True)
    assert effective.status == FAIL
    assert effective.fix and "did you mean prod?" in effective.fix


def test_closest_profiles_prefers_a_case_only_difference() -> None:
    assert doctor.closest_profiles("Prod", ["dev", "prod", "prod-eu"])[0] == "prod"


def test_effective_profile_says_where_credentials_come_from(tmp_path: Path) -> None:
    environ = world(
        tmp_path,
        "[profile dev]\nregion = eu-west-1\n",
        f"[dev]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n",
    )
    res, files = resolution(environ, "--profile", "dev")
    effective, region = doctor.check_profile(res, files.profile_names(), True)
    assert effective.status == OK
    assert "shared-credentials-file" in effective.summary
    assert any("AKIA…MPLE" in line for line in effective.evidence)
    assert region.status == OK and "eu-west-1" in region.summary


def test_missing_region_fails(tmp_path: Path) -> None:
    environ = world(tmp_path, "[profile dev]\noutput = json\n")
    res, files = resolution(environ, "--profile", "dev")
    region = doctor.check_region(res)
    assert region.status == FAIL
    assert region.fix and "region" in region.fix


def test_no_credentials_with_instance_metadata_off_fails(tmp_path: Path) -> None:
    environ = world(tmp_path, "[default]\nregion = us-east-1\n")
    res, files = resolution(environ)
    assert doctor.check_profile(res, files.profile_names(), True)[0].status == FAIL
    assert doctor.check_profile(res, files.profile_names(), False)[0].status == WARN


# --- files ---------------------------------------------------------------------------------


def test_parse_error_is_reported_with_its_line(tmp_path: Path) -> None:
    environ = world(tmp_path, "[default]\nregion = us-east-1\nthis is not ini\n")
    files = load_files(environ)
    check = doctor.check_file(
        "files.config", "config file", doctor.gather_file(files.config_path), files.errors
    )
    assert check.status == FAIL
    assert any(":3:" in line for line in check.evidence)
    assert check.fix and "line 3" in check.fix


def test_missing_files_are_fine(tmp_path: Path) -> None:
    facts = doctor.gather_file(tmp_path / "nope")
    assert doctor.check_file("files.config", "config file", facts, []).status == OK


def test_world_readable_credentials_file_fails_with_chmod(tmp_path: Path) -> None:
    environ = world(tmp_path, "[default]\n", "[default]\naws_access_key_id = x\n")
    creds = Path(environ["AWS_SHARED_CREDENTIALS_FILE"])
    os.chmod(environ["AWS_CONFIG_FILE"], 0o600)
    os.chmod(creds, 0o644)
    check = doctor.check_permissions(
        doctor.gather_file(Path(environ["AWS_CONFIG_FILE"])), doctor.gather_file(creds)
    )
    assert check.status == FAIL
    assert check.fix == f"chmod 600 {creds}"


def test_group_readable_config_file_only_warns(tmp_path: Path) -> None:
    environ = world(tmp_path, "[default]\n", "[default]\n")
    config = Path(environ["AWS_CONFIG_FILE"])
    os.chmod(config, 0o640)
    check = doctor.check_permissions(
        doctor.gather_file(config), doctor.gather_file(Path(environ["AWS_SHARED_CREDENTIALS_FILE"]))
    )
    assert check.status == WARN
    assert str(config) in (check.fix or "")


def test_private_files_are_ok(tmp_path: Path) -> None:
    environ = world(tmp_path, "[default]\n", "[default]\n")
    os.chmod(environ["AWS_CONFIG_FILE"], 0o600)
    check = doctor.check_permissions(
        doctor.gather_file(Path(environ["AWS_CONFIG_FILE"])),
        doctor.gather_file(Path(environ["AWS_SHARED_CREDENTIALS_FILE"])),
    )
    assert check.status == OK


def test_plaintext_long_term_keys_point_at_awsguard_import(tmp_path: Path) -> None:
    environ = world(
        tmp_path, "", f"[dev]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n"
    )
    check = doctor.check_plaintext_keys(load_files(environ))
    assert check.status == WARN
    assert "awsguard import" in (check.fix or "")
    assert KEY not in " ".join(check.evidence)


def test_temporary_keys_in_the_file_are_not_long_term(tmp_path: Path) -> None:
    environ = world(tmp_path, "", "[dev]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\n")
    assert doctor.check_plaintext_keys(load_files(environ)).status == OK


# --- expiry --------------------------------------------------------------------------------

ENV_RES = SimpleNamespace(source="env", profile="default", sso_session=None, sso_start_url=None,
                          base_source=None)


def env_with_expiry(when: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "ASIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_SESSION_TOKEN": "t",
        "AWS_CREDENTIAL_EXPIRATION": when,
    }


def test_expired_env_credentials_fail() -> None:
    check = doctor.check_env_expiry(env_with_expiry("2026-03-01T11:00:00Z"), ENV_RES, NOW)
    assert check.status == FAIL
    assert "expired 1h00m ago" in check.summary
    assert check.fix and "unset" in check.fix


def test_env_credentials_expiring_soon_warn() -> None:
    check = doctor.check_env_expiry(env_with_expiry("2026-03-01T12:05:00Z"), ENV_RES, NOW)
    assert check.status == WARN
    assert "5m00s left" in check.summary


def test_env_credentials_with_hours_left_are_ok() -> None:
    check = doctor.check_env_expiry(env_with_expiry("2026-03-01T15:30:00Z"), ENV_RES, NOW)
    assert check.status == OK and "3h30m left" in check.summary


def test_unreadable_expiration_warns() -> None:
    assert doctor.check_env_expiry(env_with_expiry("tomorrow"), ENV_RES, NOW).status == WARN


def test_no_env_credentials_skip_the_env_expiry() -> None:
    assert doctor.check_env_expiry({}, ENV_RES, NOW).status == SKIP


def session(kind: str, profile: str, source: str, minutes: float) -> SimpleNamespace:
    return SimpleNamespace(
        kind=kind,
        profile=profile,
        source_profile=source,
        role_arn="" if kind == "mfa" else "arn:aws:iam::123456789012:role/admin",
        expiration=NOW + timedelta(minutes=minutes),
    )


def test_expired_mfa_session_of_this_profile_warns_with_awsguard_mfa() -> None:
    found = [session("mfa", "dev", "dev", -5), session("role", "other", "other", 50)]
    check = doctor.check_sessions(found, "admin", ["admin", "dev"], NOW)
    assert check.status == WARN
    assert check.fix == "`awsguard mfa dev`"
    assert len(check.evidence) == 2


def test_sessions_of_other_profiles_do_not_warn() -> None:
    check = doctor.check_sessions([session("mfa", "x", "x", -5)], "dev", ["dev"], NOW)
    assert check.status == OK
    assert "expired" in check.evidence[0]


def test_no_sessions_skip() -> None:
    assert doctor.check_sessions([], "dev", [], NOW).status == SKIP


def sso_res(**fields: object) -> SimpleNamespace:
    values = dict(source="sso", base_source=None, profile="dev", sso_session="corp",
                  sso_start_url="https://corp.awsapps.com/start")
    values.update(fields)
    return SimpleNamespace(**values)


def write_token(folder: Path, name: str, expires: str, token: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = {"startUrl": "https://corp.awsapps.com/start", "expiresAt": expires}
    if token:
        data["accessToken"] = "secret-token"
    else:
        data["clientId"] = "client"
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def test_expired_sso_token_fails_with_the_login_command(tmp_path: Path) -> None:
    cache = tmp_path / ".aws" / "sso" / "cache"
    path = write_token(cache, "abc", "2026-03-01T10:00:00Z")
    write_token(cache, "registration", "2026-06-01T10:00:00Z", token=False)
    tokens = doctor.gather_sso_tokens(str(tmp_path))
    assert [t.path for t in tokens] == [path]
    check = doctor.check_sso(tokens, sso_res(), path, NOW)
    assert check.status == FAIL
    assert check.fix == "`aws sso login --sso-session corp`"
    assert "secret-token" not in json.dumps(check.as_dict())


def test_a_fifo_in_the_sso_cache_is_skipped_not_waited_on(tmp_path: Path) -> None:
    cache = tmp_path / ".aws" / "sso" / "cache"
    path = write_token(cache, "abc", "2026-03-01T10:00:00Z")
    os.mkfifo(cache / "stuck.json")  # opening it for reading would block forever
    assert [t.path for t in doctor.gather_sso_tokens(str(tmp_path))] == [path]


def test_missing_sso_token_means_not_logged_in(tmp_path: Path) -> None:
    check = doctor.check_sso([], sso_res(sso_session=None), tmp_path / "x.json", NOW)
    assert check.status == FAIL
    assert check.fix == "`aws sso login --profile dev`"


def test_valid_sso_token_shows_time_left(tmp_path: Path) -> None:
    path = write_token(tmp_path, "abc", "2026-03-01T20:00:00Z")
    check = doctor.check_sso(doctor.gather_sso_tokens(str(tmp_path.parents[0] / "none")) + [
        doctor.SsoToken(path, "https://corp", NOW + timedelta(hours=8))
    ], sso_res(), path, NOW)
    assert check.status == OK and "8h00m left" in check.summary


def test_sso_is_skipped_for_a_profile_without_sso() -> None:
    check = doctor.check_sso([], sso_res(source="env"), None, NOW)
    assert check.status == SKIP


# --- network -------------------------------------------------------------------------------


def test_proxy_evidence_masks_credentials_and_follows_no_proxy() -> None:
    environ = {"HTTPS_PROXY": "http://u:pw@proxy:3128", "NO_PROXY": "localhost,.internal"}
    check = doctor.check_proxy(environ, "https://sts.eu.internal")
    assert check.status == OK
    text = " ".join(check.evidence)
    assert "pw" not in text.replace("proxy", "")
    assert "go direct" in text
    via = doctor.check_proxy(environ, None)
    assert "go through http://***@proxy:3128" in " ".join(via.evidence)


def test_upper_and_lower_case_proxies_that_differ_warn() -> None:
    check = doctor.check_proxy({"HTTPS_PROXY": "http://a:1", "https_proxy": "http://b:2"}, None)
    assert check.status == WARN


def test_missing_ca_bundle_file_fails(tmp_path: Path) -> None:
    check = doctor.check_ca_bundle({"AWS_CA_BUNDLE": str(tmp_path / "nope.pem")}, {})
    assert check.status == FAIL


def test_ca_bundle_from_the_profile_is_read(tmp_path: Path) -> None:
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    check = doctor.check_ca_bundle({}, {"ca_bundle": str(pem)})
    assert check.status == OK and "profile" in check.summary


def test_endpoint_override_warns_unless_ignored_or_acknowledged() -> None:
    environ = {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000"}
    assert doctor.check_endpoints(environ, {}, {}).status == WARN
    ignored = {**environ, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}
    assert doctor.check_endpoints(ignored, {}, {}).status == OK
    assert doctor.check_endpoints(environ, {}, {}, acknowledged=True).status == OK
    assert doctor.check_endpoints({}, {}, {}).status == OK


def test_endpoint_overrides_a_cli_version_does_not_read_are_named() -> None:
    check = doctor.check_endpoints({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, {}, {},
                                   cli_reads_them="2.9.19")
    assert check.status == WARN
    assert "AWS CLI 2.9.19 does not read them" in check.summary and "--endpoint-url" in check.fix


def test_services_section_endpoints_are_listed() -> None:
    profile = {"services": "local"}
    services = {"local": {"sts": {"endpoint_url": "http://localhost:4566"}}}
    check = doctor.check_endpoints({}, profile, services)
    assert any("[services local] sts" in line for line in check.evidence)


def test_endpoint_that_is_not_a_url_fails() -> None:
    assert doctor.check_endpoints({"AWS_ENDPOINT_URL": "localhost"}, {}, {}).status == FAIL


def test_fips_setting_that_is_not_a_boolean_warns() -> None:
    assert doctor.check_fips_dualstack({"AWS_USE_FIPS_ENDPOINT": "yes"}, {}).status == WARN
    on = doctor.check_fips_dualstack({}, {"use_dualstack_endpoint": "true"})
    assert on.status == OK and "dual" in on.summary.lower()


# --- shim, keyring, credentials ------------------------------------------------------------


def test_shim_not_first_on_path_warns() -> None:
    facts = doctor.ShimFacts(first_aws="/usr/bin/aws", real_path="/usr/bin/aws",
                             real_version="1.0.0", real_major=1)
    on_path, real, loop = doctor.check_shim(facts)
    assert on_path.status == WARN
    assert real.status == OK and "(v1)" in real.summary
    assert loop.status == OK


def test_real_cli_that_is_a_shim_is_a_loop() -> None:
    facts = doctor.ShimFacts(first_aws="/a/aws", first_is_shim=True, real_path="/b/aws",
                             real_is_shim=True, real_version="1", real_major=1)
    assert doctor.check_shim(facts)[2].status == FAIL


def test_no_real_cli_fails() -> None:
    facts = doctor.ShimFacts(first_aws="/a/aws", first_is_shim=True, real_error="none found")
    _, real, loop = doctor.check_shim(facts)
    assert real.status == FAIL and loop.status == SKIP


def test_unusable_keyring_fails_with_the_ways_out() -> None:
    paragraph = (
        "no usable OS keyring: the keyring package found no backend. awsguard keeps long-term "
        "keys only in the OS keyring. Ways out: unlock your login keyring."
    )
    check = doctor.check_keyring(doctor.KeyringFacts(problem=paragraph))
    assert check.status == FAIL
    assert check.summary == "no usable OS keyring: the keyring package found no backend"
    assert check.fix == "Ways out: unlock your login keyring."


def test_unusable_keyring_only_warns_when_nothing_needs_it() -> None:
    facts = doctor.KeyringFacts(problem="no usable OS keyring: no backend. Ways out: unlock it.")
    check = doctor.check_keyring(facts, None)
    assert check.status == WARN
    assert "nothing in this setup needs it" in check.summary
    needed = doctor.check_keyring(facts, "profile prod is imported (awsguard credential-process)")
    assert needed.status == FAIL
    assert needed.evidence[0].startswith("needed: profile prod is imported")


def test_the_keyring_is_needed_by_an_imported_profile_or_mfa_not_by_plain_keys(
    tmp_path: Path,
) -> None:
    from awsguard.doctor.keyring import keyring_needed
    from awsguard.situation import Situation

    plain = world(tmp_path, "[default]\nregion = eu-west-1\n",
                  f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n")
    assert keyring_needed(Situation(plain, real_cli=None)) is None
    mfa = world(tmp_path, "[profile dev]\nmfa_serial = arn:aws:iam::111122223333:mfa/me\n",
                f"[dev]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n")
    assert "dev" in (keyring_needed(Situation(mfa, real_cli=None)) or "")
    imported = world(
        tmp_path, "[profile ops]\ncredential_process = awsguard credential-process --profile ops\n"
    )
    assert "ops" in (keyring_needed(Situation(imported, real_cli=None)) or "")


def test_an_offline_doctor_without_keyring_needs_does_not_fail_on_the_keyring(
    tmp_path: Path,
) -> None:
    environ = world(tmp_path, "[default]\nregion = eu-west-1\n",
                    f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n")
    environ["PATH"] = str(tmp_path / "empty-bin")
    environ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + str(tmp_path / "no-bus")
    environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    os.environ.update({k: environ[k] for k in ("PYTHON_KEYRING_BACKEND",)})
    try:
        report = doctor.run_doctor(environ, doctor.Options(online=False), now=NOW)
    finally:
        del os.environ["PYTHON_KEYRING_BACKEND"]
    assert report.get("keyring.backend").status == WARN


def test_json_carries_whoamis_conflict_codes_and_config_off_silences_them(tmp_path: Path) -> None:
    from awsguard.situation import Situation

    environ = world(tmp_path, "[default]\nregion = eu-west-1\n",
                    f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n")
    environ.update({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_PROFILE": "default",
                    "AWS_DEFAULT_PROFILE": "other"})
    report = offline_run(environ, tmp_path)
    data = report.as_dict()
    codes = [c["code"] for c in data["conflicts"]]
    same = Situation({**environ, "PATH": str(tmp_path / "empty-bin")})
    assert codes == [c["code"] for c in same.conflict_dicts()]
    assert "endpoint-override" in codes and "profile-vars-disagree" in codes
    # No real CLI: botocore's (v1) order, where AWS_DEFAULT_PROFILE wins; whoami says the same.
    assert data["profile"] == same.resolution.profile == "other" and data["cli_major"] == 1
    config = Path(environ["HOME"]).parent / "xdg_config_home" / "awsguard" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[conflicts]\n"endpoint-override" = "off"\n')
    environ["XDG_CONFIG_HOME"] = str(config.parent.parent)
    quiet = offline_run(environ, tmp_path).as_dict()
    assert "endpoint-override" not in [c["code"] for c in quiet["conflicts"]]
    assert [c["code"] for c in quiet["conflicts"]] == [c for c in codes if c != "endpoint-override"]


def test_keyring_round_trip_against_a_real_secret_service(keyring_env: dict) -> None:
    facts = doctor.gather_keyring()
    assert facts.ok, facts.problem
    assert facts.backend == "keyring.backends.SecretService.Keyring"
    import keyring

    assert keyring.get_password(doctor.KEYRING_SERVICE, f"probe-{os.getpid()}") is None


def test_refused_sts_call_carries_the_explain_diagnosis() -> None:
    res = SimpleNamespace(source="env", profile="default", access_key_id="AKIA…MPLE",
                          expires_at=None)
    probe = doctor.StsProbe(kind="client", code="ExpiredToken", region="us-east-1",
                            message="The security token included in the request is expired")
    check = doctor.check_credentials_alive(probe, res, doctor.diagnose_probe(probe, res, None))
    assert check.status == FAIL
    assert "ExpiredToken" in check.summary
    assert any("expired" in line for line in check.evidence)
    assert check.fix


def test_unreachable_sts_fails_and_names_the_endpoint() -> None:
    res = SimpleNamespace(source="env", profile="default")
    probe = doctor.StsProbe(kind="connection", endpoint="http://127.0.0.1:9",
                            message="Could not connect", region="us-east-1")
    check = doctor.check_credentials_alive(probe, res)
    assert check.status == FAIL and "http://127.0.0.1:9" in check.summary


# --- the whole run and its output ----------------------------------------------------------


def offline_run(environ: dict[str, str], tmp_path: Path) -> Report:
    environ = {**environ, "PATH": str(tmp_path / "empty-bin")}
    return doctor.run_doctor(environ, doctor.Options(online=False, keyring=False), now=NOW)


def test_a_broken_config_is_reported_not_raised(tmp_path: Path) -> None:
    environ = world(tmp_path, "[default\nregion = \x00\n[[[\n")
    report = offline_run(environ, tmp_path)
    assert report.get("files.config").status == FAIL
    assert report.exit_code == 1
    assert len({c.id for c in report.checks}) == len(report.checks)


def test_every_group_reports_even_with_nothing_configured(tmp_path: Path) -> None:
    report = offline_run(world(tmp_path), tmp_path)
    groups = {c.group for c in report.checks}
    assert groups == {g for g, _ in doctor.GROUPS}
    assert report.get("shim.on-path").status == FAIL  # no aws on an empty PATH


def test_a_missing_attribute_turns_into_that_checks_failure(tmp_path: Path, monkeypatch) -> None:
    import awsguard.sessions

    monkeypatch.delattr(awsguard.sessions, "list_sessions")
    report = offline_run(world(tmp_path), tmp_path)
    assert report.get("expiry.sessions").status == FAIL
    assert report.get("expiry.sso") is not None


def test_rules_line_names_what_each_risk_needs(tmp_path: Path) -> None:
    report = offline_run(world(tmp_path), tmp_path)
    check = report.get("rules.confirmation")
    assert check.status == OK
    assert "destructive -> confirm" in check.summary
    assert "read -> never" in check.summary


def test_json_shape_and_overall_status() -> None:
    report = Report([Check("a.b", OK, "fine"), Check("c.d", WARN, "hm", ("x",), "do y")])
    data = report.as_dict()
    assert data["status"] == WARN
    assert set(data["checks"][1]) >= {"id", "status", "summary", "evidence", "fix"}
    assert report.exit_code == 0
    report.checks.append(Check("e.f", FAIL, "bad"))
    assert report.exit_code == 1 and report.as_dict()["status"] == FAIL


def test_no_color_and_no_tty_print_without_escapes() -> None:
    assert doctor.use_colour({"NO_COLOR": "1"}, True) is False
    assert doctor.use_colour({}, False) is False
    assert doctor.use_colour({}, True) is True
    report = Report([Check("shim.loop", FAIL, "loop", fix="set AWSGUARD_REAL_AWS")])
    plain = doctor.format_report(report, colour=False)
    assert "\033[" not in plain
    assert "fix: set AWSGUARD_REAL_AWS" in plain
    assert plain.rstrip().splitlines()[-1].startswith("doctor: 1 fail")
    assert "\033[31m" in doctor.format_report(report, colour=True)


def test_broken_check_reports_the_error_not_a_traceback() -> None:
    assert doctor.broken_check("x.y", ImportError("no module")).status == FAIL
    failed = doctor.broken_check("x.y", AttributeError("no attr"))
    assert failed.status == FAIL and "AttributeError: no attr" in failed.summary


def test_a_credentials_uri_with_a_password_is_masked():
    from awsguard.doctor import mask_env_value

    shown = mask_env_value(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://user:hunter2@169.254.170.23/creds"
    )
    assert "hunter2" not in shown and "169.254.170.23/creds" in shown
    plain = "http://169.254.170.2/v2/credentials/abc"
    assert mask_env_value("AWS_CONTAINER_CREDENTIALS_FULL_URI", plain) == plain
