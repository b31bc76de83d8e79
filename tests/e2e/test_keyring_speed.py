"""The fast keyring read (awsguard/secretbus.py) against a real gnome-keyring.

What it must keep: it serves exactly what the keyring holds (no copy that can go
stale), another user gets nothing, every failure falls back to the `keyring`
package with one line and never hangs, and no secret reaches a file.
Timings are measured by bench/shim_rows.py, never asserted here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fixtures.install import Install
from fixtures.keyring import AWS_CONFIG, MFA_SERIAL, ROLE_ARN, count_lines, write_mfa_process
from fixtures.worlds import fake_cli_world, run_detached, write_guard_config

import awsguard
from awsguard import secretbus, vault

pytestmark = pytest.mark.e2e

REPO = Path(awsguard.__file__).resolve().parents[1]
KR_SECRET = "kr-secret-4b1d-never-on-disk"
MFA_SECRET = "mfa-secret-77aa-never-on-disk"
ROLE_SECRET = "role-secret-c0de-never-on-disk"
ROLE_TOKEN = "role-token-feed-never-on-disk"
FALLBACK = "fast keyring read unavailable"

CONFIG = (
    AWS_CONFIG
    + "\n[profile kr]\nregion = us-east-1\n"
    + ("credential_process = awsguard credential-process kr\n")
)
FAKE_AWS = """#!/bin/bash
# stand-in for awscli v1: writes the credentials it was given beside itself
here=$(dirname "$0")
printf '%s\\n' "$AWS_ACCESS_KEY_ID" "${AWS_SESSION_TOKEN:-none}" > "$here/seen"
"""


def python(code: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter (the keyring package caches its backend per process)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


def stored_session(kind: str, secret: str, token: str, minutes: int) -> vault.StoredSession:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return vault.StoredSession(
        kind=kind,
        profile="admin" if kind == "role" else "dev",
        access_key_id=f"ASIA{kind.upper():<4}EXAMPLE0001".replace(" ", "X"),
        secret_access_key=secret,
        session_token=token,
        expiration=now + timedelta(minutes=minutes),
        created=now,
        source_profile="dev",
        mfa_serial=MFA_SERIAL,
        role_arn=ROLE_ARN if kind == "role" else "",
        role_session_name="admin-session" if kind == "role" else "",
    )


@pytest.fixture
def world(tmp_path: Path, installed: Install, moto_server, keyring_env) -> dict:
    env = fake_cli_world(
        tmp_path, installed.bin_dir, moto_server.url, keyring_env, CONFIG, FAKE_AWS
    )
    write_guard_config(env, '[conflicts]\n"endpoint-override" = "off"\n')
    return env


def aws(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run_detached(env, *args)


def seen(env: dict) -> list[str]:
    return (Path(env["AWSGUARD_REAL_AWS"]).parent / "seen").read_text().split()


# --- it serves what the keyring holds -------------------------------------------------------


def test_the_fast_read_returns_what_the_keyring_package_wrote(keyring_env: dict) -> None:
    import keyring

    keyring.set_password("awsguard", "key:kr", "first")
    assert secretbus.read_secret("awsguard", "key:kr") == "first"
    keyring.set_password("awsguard", "key:kr", "second")
    assert secretbus.read_secret("awsguard", "key:kr") == "second"
    keyring.delete_password("awsguard", "key:kr")
    assert secretbus.read_secret("awsguard", "key:kr") is None
    assert secretbus.read_secret("other-service", "key:kr") is None


def test_vault_reads_take_the_fast_path_and_leave_the_keyring_package_unloaded(
    world: dict,
) -> None:
    vault.store_key("kr", vault.LongTermKey("AKIAEXAMPLEKEYRING01", KR_SECRET), world)
    done = python(
        "import sys\nfrom awsguard import vault\nkey = vault.load_key('kr')\n"
        "print(key.access_key_id, 'keyring' in sys.modules, 'jeepney' in sys.modules)",
        world,
    )
    assert done.stdout.split() == ["AKIAEXAMPLEKEYRING01", "False", "False"], done.stderr
    assert done.stderr == ""


def test_the_shim_gives_the_child_the_keyring_key_and_the_cached_role_session(
    world: dict,
) -> None:
    vault.store_key("kr", vault.LongTermKey("AKIAEXAMPLEKEYRING01", KR_SECRET), world)
    done = aws(world, "--profile", "kr", "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert seen(world) == ["AKIAEXAMPLEKEYRING01", "none"]
    role = stored_session("role", ROLE_SECRET, ROLE_TOKEN, 600)
    item = vault.role_item(ROLE_ARN, "admin-session", "dev")
    vault.store_session(item, role, world)
    done = aws(world, "--profile", "admin", "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert seen(world) == [role.access_key_id, ROLE_TOKEN]
    assert FALLBACK not in done.stderr


def test_logout_takes_effect_on_the_next_call_with_no_copy_left_to_serve(world: dict) -> None:
    item = vault.role_item(ROLE_ARN, "admin-session", "dev")
    vault.store_session(item, stored_session("role", ROLE_SECRET, ROLE_TOKEN, 600), world)
    assert aws(world, "--profile", "admin", "sts", "get-caller-identity").returncode == 0
    vault.delete_session(item, world)
    vault.delete_session(vault.mfa_item("dev", MFA_SERIAL), world)
    # No terminal, no mfa_process: with nothing in the keyring it must refuse, not replay.
    again = aws(world, "--profile", "admin", "sts", "get-caller-identity")
    assert again.returncode == 77, again.stderr


def test_a_session_near_its_end_is_not_served_but_refreshed_once(
    world: dict, tmp_path: Path
) -> None:
    calls = write_mfa_process(tmp_path, world)
    item = vault.mfa_item("dev", MFA_SERIAL)
    old = stored_session("mfa", MFA_SECRET, "old-token", 5)  # under the 600 s threshold
    vault.store_session(item, old, world)
    done = aws(world, "--profile", "dev", "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert count_lines(calls) == 1
    fresh = vault.load_session(item)
    assert fresh is not None and fresh.session_token != "old-token"
    assert seen(world) == [fresh.access_key_id, fresh.session_token]


# --- another user -----------------------------------------------------------------------------


@pytest.mark.skipif(os.getuid() != 0, reason="switching to another uid needs root")
def test_another_user_is_refused_by_the_bus_and_gets_no_secret(world: dict, request) -> None:
    # Debian's python3: this test's interpreter lives under root's 0700 home. It has no
    # `keyring` package, so the slow path refuses too, as a paragraph, not a traceback.
    if not os.path.exists("/usr/bin/python3"):
        pytest.skip("needs /usr/bin/python3 (Debian python3) to run as another user")
    vault.store_key("kr", vault.LongTermKey("AKIAEXAMPLEKEYRING01", KR_SECRET), world)
    # The other user must be able to import awsguard: the checkout may sit in a folder only
    # its owner can enter (a 0700 temporary clone, a home folder), so give it a copy.
    shared = Path(tempfile.mkdtemp(prefix="awsguard-other-uid-"))
    request.addfinalizer(lambda: shutil.rmtree(shared, ignore_errors=True))
    shared.chmod(0o755)
    shutil.copytree(
        REPO / "awsguard", shared / "awsguard", ignore=shutil.ignore_patterns("__pycache__")
    )
    for folder, dirs, files in os.walk(shared):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    env = {**world, "HOME": "/nonexistent", "PYTHONPATH": str(shared)}
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = "/nonexistent"
    code = (
        "from awsguard import secretbus, vault\n"
        "try:\n    secretbus.read_secret('awsguard', 'key:kr')\n"
        "except secretbus.Unavailable as err:\n    print('FAST-REFUSED', err)\n"
        "try:\n    print(vault.load_key('kr'))\n"
        "except Exception as err:\n    print('SLOW-REFUSED', type(err).__name__)\n"
    )
    done = subprocess.run(
        ["/usr/bin/python3", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        user=65534,
        group=65534,
        extra_groups=[],
        cwd="/",
    )
    assert "FAST-REFUSED" in done.stdout, done.stdout + done.stderr
    assert "SLOW-REFUSED KeyringUnusable" in done.stdout, done.stdout + done.stderr
    assert KR_SECRET not in done.stdout + done.stderr
    assert done.stderr.count(FALLBACK) == 1, done.stderr


# --- falling back -----------------------------------------------------------------------------


def test_a_locked_keyring_falls_back_with_one_line(
    locked_secret_service: dict, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DBUS_", "XDG_"))}
    env.update(locked_secret_service)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    done = python(
        "from awsguard import vault\nfrom awsguard.errors import AwsguardError\n"
        "try:\n    vault.load_key('kr')\nexcept AwsguardError as err:\n    print('REFUSED')\n",
        env,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and FALLBACK in lines[0], done.stderr
    assert lines[0].startswith("awsguard: ")


def test_a_missing_bus_falls_back_with_one_line(world: dict, tmp_path: Path) -> None:
    env = {**world, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-such-bus"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
    done = python(
        "from awsguard import vault\nfrom awsguard.errors import AwsguardError\n"
        "try:\n    vault.load_key('kr')\nexcept AwsguardError as err:\n    print(err)\n",
        env,
    )
    assert done.stderr.count(FALLBACK) == 1, done.stderr
    assert "cannot connect to the session bus" in done.stderr
    assert "no usable OS keyring" in done.stdout


def test_a_bus_that_never_answers_times_out_instead_of_hanging(tmp_path: Path) -> None:
    path = tmp_path / "silent-bus"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(8)  # connections queue up; nobody ever answers
    try:
        start = time.monotonic()
        with pytest.raises(secretbus.Unavailable, match="did not answer within"):
            secretbus.read_secret(
                "awsguard",
                "key:kr",
                {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={path}"},
                timeout=0.3,
            )
        assert time.monotonic() - start < 5
    finally:
        server.close()


def test_a_user_who_chose_another_backend_keeps_it_without_a_word(world: dict) -> None:
    env = {**world, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    done = python(
        "from awsguard import vault\nfrom awsguard.errors import AwsguardError\n"
        "try:\n    vault.load_key('kr')\nexcept AwsguardError as err:\n    print('FAIL-BACKEND')\n",
        env,
    )
    assert "FAIL-BACKEND" in done.stdout
    assert FALLBACK not in done.stderr


# --- nothing on disk --------------------------------------------------------------------------


def _files_touched_since(roots: list[Path], since: float) -> list[Path]:
    found = []
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if path.is_file() and not path.is_symlink() and info.st_mtime >= since - 1:
                    if info.st_size < 8 * 1024 * 1024:
                        found.append(path)
    return found


def test_no_secret_reaches_any_file_after_keyring_and_session_calls(
    world: dict, tmp_path: Path, secret_service: dict
) -> None:
    start = time.time()
    vault.store_key("kr", vault.LongTermKey("AKIAEXAMPLEKEYRING01", KR_SECRET), world)
    item = vault.role_item(ROLE_ARN, "admin-session", "dev")
    vault.store_session(item, stored_session("role", ROLE_SECRET, ROLE_TOKEN, 600), world)
    env = {**world, "AWSGUARD_REAL_AWS": "/bin/true"}
    for profile in ("kr", "admin", "kr", "admin"):
        done = aws(env, "--profile", profile, "sts", "get-caller-identity")
        assert done.returncode == 0, done.stderr
    program = shutil.which("awsguard", path=world["PATH"])
    assert program is not None
    out = subprocess.run(
        [program, "credential-process", "kr"],
        env=world,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert KR_SECRET in out.stdout  # the one place it may go: the SDK's pipe
    roots = [tmp_path, Path(secret_service["HOME"]).parent, Path("/tmp")]
    secrets = [KR_SECRET, ROLE_SECRET, ROLE_TOKEN]
    for path in _files_touched_since(roots, start):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for secret in secrets:
            assert secret.encode() not in data, f"{secret} found in {path}"
