"""Remembered reads served from the keyring (plancache.SessionPass), against a real
gnome-keyring and the installed shim.

A read through a profile whose key or session awsguard keeps in the keyring is remembered
with the item it was served from; the replay reads that item again and serves it only
while it holds the same key id with time to spare. The keyring is changed here behind
awsguard's back (the `keyring` package directly, the vault index untouched, so every
file stamp in the key stays the same): the replay must notice, never serve what the
item no longer holds, and never write a secret or key id to the cache file.
Timings are measured by bench/shim_rows.py, never asserted here.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fixtures.install import Install
from fixtures.keyring import AWS_CONFIG, MFA_SERIAL, ROLE_ARN
from fixtures.worlds import fake_cli_world, run_detached

from awsguard import vault

pytestmark = pytest.mark.e2e

KEY_ID = "AKIAEXAMPLEKEYRING01"
OTHER_KEY_ID = "AKIAEXAMPLEKEYRING02"
SECRET = "kr-secret-5e55-never-on-disk"
OTHER_SECRET = "kr-secret-0th3-never-on-disk"
CONFIG = AWS_CONFIG + (
    "\n[profile kr]\nregion = us-east-1\ncredential_process = awsguard credential-process kr\n"
)
FAKE_AWS = """#!/bin/bash
# stand-in for the real CLI: writes its argv and the credentials it was given
here=$(dirname "$0")
printf '%s\\n' "$*" "${AWS_ACCESS_KEY_ID:-none}" "${AWS_SESSION_TOKEN:-none}" \\
    "${AWS_PROFILE:-none}" > "$here/seen"
"""


@pytest.fixture
def world(tmp_path: Path, installed: Install, moto_server, keyring_env) -> dict:
    return fake_cli_world(
        tmp_path, installed.bin_dir, moto_server.url, keyring_env, CONFIG, FAKE_AWS
    )


def aws(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run_detached(env, *args)  # no terminal: nobody to ask for an MFA code


def seen(env: dict) -> list[str]:
    return (Path(env["AWSGUARD_REAL_AWS"]).parent / "seen").read_text().splitlines()


def memory(env: dict) -> str:
    path = Path(env["XDG_CACHE_HOME"]) / "awsguard" / "clean-invocations"
    return path.read_text() if path.exists() else ""


def behind_awsguards_back(item: str, value: str) -> None:
    """Write the item with the `keyring` package alone: no vault index, no file stamp."""
    import keyring

    keyring.set_password("awsguard", item, value)


def session_blob(kind: str, key_id: str, token: str, expires_in: timedelta) -> str:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return vault.StoredSession(
        kind=kind,
        profile="dev" if kind == "mfa" else "admin",
        access_key_id=key_id,
        secret_access_key=f"{token}-secret",
        session_token=token,
        expiration=now + expires_in,
        created=now,
        source_profile="dev",
        mfa_serial=MFA_SERIAL,
        role_arn=ROLE_ARN if kind == "role" else "",
        role_session_name="admin-session" if kind == "role" else "",
    ).to_json()


def test_a_keyring_key_is_replayed_only_while_the_item_holds_the_same_key(world: dict) -> None:
    vault.store_key("kr", vault.LongTermKey(KEY_ID, SECRET), world)
    for _ in range(3):  # decided, remembered, replayed
        done = aws(world, "--profile", "kr", "s3", "ls")
        assert done.returncode == 0, done.stderr
        assert seen(world) == ["s3 ls", KEY_ID, "none", "kr"]
    kept = memory(world)
    assert ":session-" in kept
    for secret_or_id in (SECRET, KEY_ID, "kr-secret"):
        assert secret_or_id not in kept

    # Another key in the same item, every file as it was: the remembered key id no
    # longer matches, so the full path serves what the keyring holds now.
    behind_awsguards_back(
        "key:kr",
        json.dumps({"aws_access_key_id": OTHER_KEY_ID, "aws_secret_access_key": OTHER_SECRET}),
    )
    for _ in range(2):
        done = aws(world, "--profile", "kr", "s3", "ls")
        assert done.returncode == 0, done.stderr
        assert seen(world)[1] == OTHER_KEY_ID

    # The item gone: nothing remembered is served.
    import keyring

    keyring.delete_password("awsguard", "key:kr")
    done = aws(world, "--profile", "kr", "s3", "ls")
    assert KEY_ID not in seen(world) and OTHER_KEY_ID not in seen(world)
    assert OTHER_SECRET not in memory(world)


def test_a_remembered_mfa_session_is_not_replayed_once_it_is_near_its_end(world: dict) -> None:
    item = vault.mfa_item("dev", MFA_SERIAL)
    vault.store_session(
        item, vault.StoredSession.from_json(
            session_blob("mfa", "ASIAEXAMPLEMFA000001", "token-1", timedelta(hours=11))
        ), world,
    )
    env = {**world, "AWS_PROFILE": "dev"}
    for _ in range(3):
        done = aws(env, "sts", "get-caller-identity")
        assert done.returncode == 0, done.stderr
        assert seen(env)[1:3] == ["ASIAEXAMPLEMFA000001", "token-1"]
    assert ":session-" in memory(env)
    # The same key id, but 30 s left: under the refresh threshold the replay steps aside;
    # the full path has no terminal to ask a code on and too little left to use: 77.
    behind_awsguards_back(
        item, session_blob("mfa", "ASIAEXAMPLEMFA000001", "token-1", timedelta(seconds=30))
    )
    done = aws(env, "sts", "get-caller-identity")
    assert done.returncode == 77, done.stderr
    assert "needs a fresh MFA session" in done.stderr


def test_a_role_session_replaced_outside_awsguard_is_served_fresh(world: dict) -> None:
    item = vault.role_item(ROLE_ARN, "admin-session", "dev")
    vault.store_session(
        item, vault.StoredSession.from_json(
            session_blob("role", "ASIAEXAMPLEROLE00001", "role-1", timedelta(hours=1))
        ), world,
    )
    for _ in range(3):
        done = aws(world, "--profile", "admin", "s3", "ls", "s3://bucket")
        assert done.returncode == 0, done.stderr
        # --profile moves into AWS_PROFILE, on the replay as on the full path
        assert seen(world) == ["s3 ls s3://bucket", "ASIAEXAMPLEROLE00001", "role-1", "admin"]
    behind_awsguards_back(
        item, session_blob("role", "ASIAEXAMPLEROLE00002", "role-2", timedelta(hours=1))
    )
    done = aws(world, "--profile", "admin", "s3", "ls", "s3://bucket")
    assert done.returncode == 0, done.stderr
    assert seen(world)[1:3] == ["ASIAEXAMPLEROLE00002", "role-2"]
    assert "role-1" not in memory(world) and "role-2" not in memory(world)


def test_a_write_through_a_keyring_profile_is_never_remembered(world: dict) -> None:
    vault.store_key("kr", vault.LongTermKey(KEY_ID, SECRET), world)
    for _ in range(2):
        done = aws(world, "--profile", "kr", "s3", "cp", "./a", "s3://bucket/a")
        assert done.returncode == 0, done.stderr
    assert ":session-" not in memory(world)


def test_a_key_swapped_into_the_item_does_not_inherit_the_remembered_pass(
    world: dict, moto_server
) -> None:
    """The pass was decided for the principal of the key the item held; an account rule
    that applies to the other key's principal must be applied, not skipped by a replay."""
    from awsguard import identity
    from awsguard.timefmt import format_time

    now = format_time(datetime.now(timezone.utc))
    for key_id, account in ((KEY_ID, "222222222222"), (OTHER_KEY_ID, "111111111111")):
        identity.write_cached(key_id, identity.Identity(
            account, f"arn:aws:iam::{account}:user/kr", "AIDAEXAMPLE", None, now,
            moto_server.url,
        ), world)
    config = Path(world["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[[rules]]\naccount = "111111111111"\nrisk = ["read"]\nconfirm = "deny"\n')
    config.chmod(0o600)
    vault.store_key("kr", vault.LongTermKey(KEY_ID, SECRET), world)
    for _ in range(2):
        done = aws(world, "--profile", "kr", "s3", "ls")
        assert done.returncode == 0, done.stderr
    assert ":session-" in memory(world)
    behind_awsguards_back(
        "key:kr",
        json.dumps({"aws_access_key_id": OTHER_KEY_ID, "aws_secret_access_key": OTHER_SECRET}),
    )
    done = aws(world, "--profile", "kr", "s3", "ls")
    assert done.returncode == 77, done.stderr
    assert "111111111111" in done.stderr


def test_credential_process_serves_an_imported_key_without_the_session_machinery(
    world: dict,
) -> None:
    """The SDK path (an imported profile's credential_process) reads the key straight from
    the keyring; whatever the session machinery would check still goes through it."""
    import sys

    vault.store_key("kr", vault.LongTermKey(KEY_ID, SECRET), world)
    code = (
        "import sys\nfrom awsguard import cli\nstatus = cli.main(['credential-process', 'kr'])\n"
        "sys.stderr.write(f'status={status} sessions={\"awsguard.sessions\" in sys.modules}')\n"
    )
    env = {**world, "PYTHONPATH": str(Path(vault.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert json.loads(done.stdout) == {"Version": 1, "AccessKeyId": KEY_ID,
                                       "SecretAccessKey": SECRET}
    assert done.stderr == "status=0 sessions=False"
    # A [sessions] table the session machinery would refuse: refused as before.
    config = Path(world["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[sessions]\nrefresh_threshold = -5\n")
    config.chmod(0o600)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout == "" and "refresh_threshold" in done.stderr
    assert "sessions=True" in done.stderr
