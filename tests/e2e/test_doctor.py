"""`awsguard doctor` as a user runs it: the installed shim first on PATH, the real CLI v1
behind it, moto as AWS; healthy and broken setups, each pinning the check it breaks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from fixtures.moto import free_port

AWSGUARD = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "awsguard"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def doctor(env: dict[str, str], *args: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    if not AWSGUARD.exists():
        pytest.skip(f"{AWSGUARD} is missing: the dev virtualenv is not installed")
    proc = subprocess.run(
        [str(AWSGUARD), "doctor", "--json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    return report, proc


def status(report: dict, check_id: str) -> str:
    found = [c for c in report["checks"] if c["id"] == check_id]
    assert len(found) == 1, f"{check_id} not reported: {[c['id'] for c in report['checks']]}"
    return found[0]["status"]


def check(report: dict, check_id: str) -> dict:
    return next(c for c in report["checks"] if c["id"] == check_id)


@pytest.fixture
def env(aws_env: dict[str, str]) -> dict[str, str]:
    # The keyring is checked on its own (test_healthy_setup); elsewhere it is skipped so a
    # machine without a Secret Service still runs these.
    return dict(aws_env)


def test_healthy_setup_passes_every_check(
    aws_env: dict[str, str], secret_service: dict[str, str], home: Path
) -> None:
    env = dict(aws_env)
    env["DBUS_SESSION_BUS_ADDRESS"] = secret_service["DBUS_SESSION_BUS_ADDRESS"]
    env["PYTHON_KEYRING_BACKEND"] = secret_service["PYTHON_KEYRING_BACKEND"]
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    os.chmod(home / ".aws" / "config", 0o600)
    report, proc = doctor(env)
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert not failed, failed
    assert proc.returncode == 0
    assert report["status"] in ("ok", "warn")
    for check_id in (
        "shim.on-path",
        "shim.real-cli",
        "shim.loop",
        "credentials.alive",
        "clock.skew",
        "keyring.backend",
        "rules.confirmation",
        "network.endpoints",  # acknowledged: endpoint-override is off in the test config
    ):
        assert status(report, check_id) == "ok", check(report, check_id)
    assert "(v1)" in check(report, "shim.real-cli")["summary"]
    assert check(report, "credentials.alive")["summary"].startswith("STS knows you: arn:aws:")
    assert SECRET not in proc.stdout and "AKIAIOSFODNN7EXAMPLE" not in proc.stdout


def test_expired_env_token_fails_expiry_and_liveness(env: dict[str, str]) -> None:
    env.update(
        AWS_ACCESS_KEY_ID="ASIAIOSFODNN7EXAMPLE",
        AWS_SESSION_TOKEN="FwoGZXIvYXdzEJrEXAMPLE",
        AWS_CREDENTIAL_EXPIRATION="2020-01-01T00:00:00Z",
    )
    report, proc = doctor(env, "--no-keyring")
    assert status(report, "expiry.env") == "fail"
    assert "expired" in check(report, "expiry.env")["summary"]
    assert status(report, "credentials.alive") == "fail"
    assert proc.returncode == 1
    assert "FwoGZXIvYXdzEJrEXAMPLE" not in proc.stdout


def test_env_keys_over_a_profile_warn(env: dict[str, str], home: Path) -> None:
    (home / ".aws" / "config").write_text("[profile dev]\nregion = eu-west-1\n")
    env["AWS_PROFILE"] = "dev"
    report, _ = doctor(env, "--no-keyring")
    assert status(report, "env.precedence") == "warn"
    assert "wins over AWS_PROFILE=dev" in check(report, "env.precedence")["summary"]
    assert "credentials from env" in check(report, "profile.effective")["summary"]


def test_missing_region_fails_the_region_check(env: dict[str, str]) -> None:
    del env["AWS_DEFAULT_REGION"]
    report, proc = doctor(env, "--no-keyring")
    assert status(report, "profile.region") == "fail"
    # Liveness is still tested, in us-east-1, and says so.
    assert status(report, "credentials.alive") == "ok"
    assert proc.returncode == 1


def test_world_readable_credentials_file_fails(env: dict[str, str], home: Path) -> None:
    creds = home / ".aws" / "credentials"
    creds.write_text(
        "[other]\naws_access_key_id = AKIAOTHEROTHER000001\naws_secret_access_key = x\n"
    )
    os.chmod(creds, 0o644)
    report, _ = doctor(env, "--no-keyring")
    assert status(report, "files.permissions") == "fail"
    assert check(report, "files.permissions")["fix"].startswith(f"chmod 600 {creds}")
    assert status(report, "files.plaintext-keys") == "warn"


def test_unparseable_config_is_reported_with_its_line(env: dict[str, str], home: Path) -> None:
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\nthis is not ini\n")
    report, proc = doctor(env, "--no-keyring")
    found = check(report, "files.config")
    assert found["status"] == "fail"
    assert any(":3:" in line for line in found["evidence"])
    assert proc.returncode == 1


def test_unreachable_endpoint_fails_liveness_and_the_rest_still_runs(
    env: dict[str, str],
) -> None:
    env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    report, proc = doctor(env, "--no-keyring")
    assert status(report, "credentials.alive") == "fail"
    assert "cannot reach" in check(report, "credentials.alive")["summary"]
    assert status(report, "clock.skew") == "skip"
    assert status(report, "profile.effective") == "ok"
    assert status(report, "files.config") == "ok"
    assert proc.returncode == 1


def test_people_output_is_grouped_with_a_summary_line(env: dict[str, str]) -> None:
    env["NO_COLOR"] = "1"
    proc = subprocess.run(
        [str(AWSGUARD), "doctor", "--no-keyring"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\033[" not in proc.stdout
    assert "The aws shim" in proc.stdout and "Credentials" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("doctor: ")
