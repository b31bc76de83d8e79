"""`awsguard add`, `import` and `credential-process` as processes, with the real CLI and moto."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.keyring import make_aws_world

from awsguard import vault

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
AWSGUARD = str(BIN / "awsguard")
AWS = str(BIN / "aws")

CREDENTIALS = """\
# my keys
[plain]
aws_access_key_id = AKIAEXAMPLEPLAIN0001
aws_secret_access_key = plain-long-term-secret
region = us-east-2

[temp]
aws_access_key_id = ASIAEXAMPLETEMP00001
aws_secret_access_key = temp-secret
aws_session_token = temp-token

[other]
aws_secret_access_key = other-long-term-secret
aws_access_key_id = AKIAEXAMPLEOTHER0001
"""


@pytest.fixture
def world(tmp_path: Path, moto_server, keyring_env) -> dict:
    env = make_aws_world(
        tmp_path, moto_server.url, keyring_env, "[profile plain]\n", CREDENTIALS
    )
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(args: list[str], env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )


def test_add_reads_two_lines_from_stdin_and_never_echoes_the_secret(world: dict) -> None:
    done = run([AWSGUARD, "add", "plain"], world, "AKIAEXAMPLEADDED0001\nadded-secret-value-1234\n")
    assert done.returncode == 0, done.stderr
    assert "AKIA…0001" in done.stderr
    assert "added-secret-value-1234" not in done.stdout + done.stderr
    assert "AKIAEXAMPLEADDED0001" not in done.stdout + done.stderr
    assert "awsguard import" in done.stderr  # the plaintext key is still in the file
    key = vault.load_key("plain")
    assert key == vault.LongTermKey("AKIAEXAMPLEADDED0001", "added-secret-value-1234")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("AKIAEXAMPLEADDED0001\n", "two lines"),
        ("ASIAEXAMPLEADDED0001\nsecret-secret-secret\n", "temporary key"),
        ("hello\nsecret-secret-secret\n", "access key id"),
    ],
)
def test_add_refuses_what_is_not_a_long_term_key(world: dict, text: str, complaint: str) -> None:
    done = run([AWSGUARD, "add", "plain"], world, text)
    assert done.returncode == 1
    assert complaint in done.stderr
    assert vault.load_key("plain") is None


def test_import_without_a_terminal_asks_for_yes_and_changes_nothing(world: dict) -> None:
    before = Path(world["AWS_SHARED_CREDENTIALS_FILE"]).read_text()
    done = run([AWSGUARD, "import"], world)
    assert done.returncode == 77 and "--yes" in done.stderr
    assert Path(world["AWS_SHARED_CREDENTIALS_FILE"]).read_text() == before
    assert vault.load_key("plain") is None


def test_import_moves_keys_to_the_keyring_and_the_cli_still_works(world: dict) -> None:
    path = Path(world["AWS_SHARED_CREDENTIALS_FILE"])
    original = path.read_text()
    done = run([AWSGUARD, "import", "--yes"], world)
    assert done.returncode == 0, done.stderr
    text = path.read_text()
    assert "plain-long-term-secret" not in text and "other-long-term-secret" not in text
    assert "AKIAEXAMPLEPLAIN0001" not in text
    assert f"credential_process = {AWSGUARD} credential-process plain" in text
    assert "temp-secret" in text  # session credentials are not long-term keys: left alone
    assert "# my keys" in text and "region = us-east-2" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    backups = list(path.parent.glob("credentials.awsguard-backup-*"))
    assert len(backups) == 1
    assert backups[0].read_text() == original
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert vault.load_key("other") == vault.LongTermKey(
        "AKIAEXAMPLEOTHER0001", "other-long-term-secret"
    )
    assert "plain-long-term-secret" not in done.stdout + done.stderr
    # The real CLI, without the shim, reads the key through credential_process.
    cli = run([AWS, "sts", "get-caller-identity", "--profile", "plain"], world)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["Account"] == "123456789012"
    # And a second import finds nothing left to move.
    again = run([AWSGUARD, "import", "--yes"], world)
    assert again.returncode == 0 and "nothing to import" in again.stderr


def test_import_without_credential_process_leaves_a_comment_only(world: dict) -> None:
    done = run([AWSGUARD, "import", "--yes", "--no-credential-process", "--profile", "other"],
               world)
    assert done.returncode == 0, done.stderr
    text = Path(world["AWS_SHARED_CREDENTIALS_FILE"]).read_text()
    section = text.split("[other]")[1]
    assert "credential_process" not in section
    assert "moved to the OS keyring" in section
    assert "plain-long-term-secret" in text  # not asked for


def test_credential_process_refuses_a_terminal_and_prints_json_to_a_pipe(world: dict) -> None:
    vault.store_key("plain", vault.LongTermKey("AKIAEXAMPLEPLAIN0001", "plain-long-term-secret"))
    done = run([AWSGUARD, "credential-process", "plain"], world)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "Version": 1,
        "AccessKeyId": "AKIAEXAMPLEPLAIN0001",
        "SecretAccessKey": "plain-long-term-secret",
    }
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(AWSGUARD, ["credential-process", "plain"], env=world, encoding="utf-8")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "plain-long-term-secret" not in (child.before or "")


def test_a_missing_keyring_is_one_short_line_and_doctor_has_the_ways_out(world: dict) -> None:
    env = {**world, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    done = run([AWSGUARD, "add", "plain"], env, "AKIAEXAMPLEADDED0001\nadded-secret-value-1234\n")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and len(done.stderr) < 200
    assert "no usable OS keyring" in done.stderr and "awsguard doctor" in done.stderr
    assert "Traceback" not in done.stderr
    # Not a code asked for, nor spent at STS, when the session could not be kept.
    config = Path(env["AWS_CONFIG_FILE"]).with_name("config-mfa")
    config.write_text("[profile plain]\nmfa_serial = arn:aws:iam::123456789012:mfa/plain\n")
    mfa = run([AWSGUARD, "mfa", "plain", "--code", "123456"],
              {**env, "AWS_CONFIG_FILE": str(config)})
    assert mfa.returncode == 1 and mfa.stderr.count("no usable OS keyring") == 1
    doctor = run([AWSGUARD, "doctor"], env)
    assert "keyrings.alt" in doctor.stdout + doctor.stderr
    assert "never falls back" in doctor.stdout + doctor.stderr


def test_add_on_a_terminal_asks_and_does_not_echo_the_secret(world: dict) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(AWSGUARD, ["add", "plain"], env=world, encoding="utf-8", timeout=20)
    child.expect("Access key id:")
    child.sendline("AKIAEXAMPLETYPED0001")
    child.expect("Secret access key:")
    child.sendline("typed-secret-value-5678")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "typed-secret-value-5678" not in (child.before or "")
    assert vault.load_key("plain") == vault.LongTermKey(
        "AKIAEXAMPLETYPED0001", "typed-secret-value-5678"
    )


def test_import_on_a_terminal_changes_nothing_when_the_answer_is_no(world: dict) -> None:
    pexpect = pytest.importorskip("pexpect")
    before = Path(world["AWS_SHARED_CREDENTIALS_FILE"]).read_text()
    child = pexpect.spawn(AWSGUARD, ["import"], env=world, encoding="utf-8", timeout=20)
    child.expect(r"\[y/N\]")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 77
    assert Path(world["AWS_SHARED_CREDENTIALS_FILE"]).read_text() == before
    assert vault.load_key("plain") is None
