"""MFA sessions end to end: real processes, a real Secret Service, moto's STS, the real CLI.

Until the shim calls awsguard.sessions itself, `shim_like.py` below does what it will
do: resolve the profile's credentials (prompting on the terminal if there is one), put
them into the child's environment with AWS_PROFILE, and exec the command.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fixtures.keyring import MFA_SERIAL, count_lines, make_aws_world, write_mfa_process

from awsguard import vault

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
AWSGUARD = str(BIN / "awsguard")
AWS = str(BIN / "aws")

SHIM_LIKE = """\
import os, sys
from awsguard import awsconfig, sessions, tty, vault
from awsguard.errors import AwsguardError

profile, command = sys.argv[1], sys.argv[2:]
try:
    creds = sessions.credentials_for(
        profile, awsconfig.load_files(os.environ), os.environ, interactive=tty.has_terminal()
    )
except AwsguardError as err:
    print(f"awsguard: {err}", file=sys.stderr)
    sys.exit(err.exit_code)
env = creds.apply(os.environ) if creds else dict(os.environ)
env["AWS_PROFILE"] = profile
if not command:
    print(creds.source if creds else "none", creds.masked_id if creds else "",
          vault.format_time(creds.expiration) if creds and creds.expiration else "")
    sys.exit(0)
os.execvpe(command[0], command, env)
"""


@pytest.fixture
def world(tmp_path: Path, moto_server, keyring_env) -> dict:
    env = make_aws_world(tmp_path, moto_server.url, keyring_env)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    (tmp_path / "shim_like.py").write_text(SHIM_LIKE)
    return env


def run(args: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    # A new session: no controlling terminal, as in CI (and never the developer's terminal).
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=120, start_new_session=True, **kw
    )


def shim_like(tmp_path: Path, profile: str, *command: str) -> list[str]:
    return [sys.executable, str(tmp_path / "shim_like.py"), profile, *command]


def identity(tmp_path: Path, env: dict, profile: str) -> dict:
    done = run(shim_like(tmp_path, profile, AWS, "sts", "get-caller-identity"), env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def start_short_session(env: dict) -> None:
    """A 15-minute MFA session for dev (to be found expiring with a 20-minute threshold)."""
    done = run([AWSGUARD, "mfa", "dev", "--code", "123456", "--duration", "900"], env)
    assert done.returncode == 0, done.stderr


def set_sessions_config(env: dict, text: str) -> None:
    path = Path(env["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_after_awsguard_mfa_the_profile_and_its_roles_need_no_code(
    world: dict, tmp_path: Path
) -> None:
    done = run([AWSGUARD, "mfa", "dev", "--code", "864209"], world)
    assert done.returncode == 0, done.stderr
    assert "MFA session for 'dev'" in done.stderr and "864209" not in done.stderr
    assert done.stdout == ""
    assert identity(tmp_path, world, "dev")["Account"] == "123456789012"
    admin = identity(tmp_path, world, "admin")
    assert admin["Arn"].endswith(":assumed-role/awsguard-test-admin/admin-session")
    reader = identity(tmp_path, world, "reader")
    assert ":assumed-role/awsguard-test-reader/" in reader["Arn"]


def test_without_a_terminal_a_needed_code_exits_77_and_the_cli_does_not_run(
    world: dict, tmp_path: Path
) -> None:
    done = run(shim_like(tmp_path, "admin", AWS, "sts", "get-caller-identity"), world)
    assert done.returncode == 77
    assert "awsguard mfa admin" in done.stderr
    assert done.stdout == ""


def test_the_sessions_list_shows_time_left_and_no_secret(world: dict, tmp_path: Path) -> None:
    assert run([AWSGUARD, "mfa", "dev", "--code", "123456"], world).returncode == 0
    assert run(shim_like(tmp_path, "admin"), world).returncode == 0
    listed = run([AWSGUARD, "sessions", "--json"], world)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert sorted(r["kind"] for r in rows) == ["mfa", "role"]
    assert all(11 * 3600 < r["seconds_left"] <= 12 * 3600 for r in rows if r["kind"] == "mfa")
    assert all("…" in r["access_key_id"] for r in rows)
    table = run([AWSGUARD, "sessions"], world)
    assert "admin" in table.stdout and "11h" in table.stdout
    stored = vault.load_session(vault.mfa_item("dev", MFA_SERIAL))
    assert stored is not None
    assert stored.secret_access_key not in listed.stdout + table.stdout
    assert stored.session_token not in listed.stdout + table.stdout


def test_logout_forgets_the_sessions_and_the_next_call_needs_a_code(
    world: dict, tmp_path: Path
) -> None:
    assert run([AWSGUARD, "mfa", "dev", "--code", "123456"], world).returncode == 0
    assert run(shim_like(tmp_path, "admin"), world).returncode == 0
    done = run([AWSGUARD, "logout", "admin"], world)
    assert done.returncode == 0 and "forgot 2 session(s)" in done.stderr
    assert json.loads(run([AWSGUARD, "sessions", "--json"], world).stdout) == []
    assert run(shim_like(tmp_path, "admin"), world).returncode == 77


def _start_all(tmp_path: Path, env: dict, profiles: list[str]) -> list[tuple[str, str, str]]:
    procs = [
        subprocess.Popen(
            shim_like(tmp_path, profile),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for profile in profiles
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), [err for _, err in outputs]
    return [(profile, out, err) for profile, (out, err) in zip(profiles, outputs, strict=True)]


def test_sixteen_parallel_refreshes_fetch_one_code_and_share_one_session(
    world: dict, tmp_path: Path
) -> None:
    calls = write_mfa_process(tmp_path, world)
    results = _start_all(tmp_path, world, ["dev"] * 16)
    # One code fetched means one GetSessionToken: the call follows the code, under the lock.
    assert count_lines(calls) == 1
    assert len({out for _, out, _ in results}) == 1  # same key, same expiry for all


def test_parallel_calls_for_several_roles_on_one_device_fetch_one_code(
    world: dict, tmp_path: Path
) -> None:
    calls = write_mfa_process(tmp_path, world)
    results = _start_all(tmp_path, world, ["admin", "reader", "dev", "admin"] * 4)
    assert count_lines(calls) == 1
    for profile in ("admin", "reader", "dev"):
        assert len({out for p, out, _ in results if p == profile}) == 1


def _crash_then_recover(world: dict, tmp_path: Path, started: Path, env: dict) -> None:
    """Kill a refresh at the point `started` appears; the old session must survive."""
    item = vault.mfa_item("dev", MFA_SERIAL)
    before = vault.load_session(item)
    assert before is not None
    victim = subprocess.Popen(
        shim_like(tmp_path, "dev"), env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not started.exists():
        assert victim.poll() is None, "the refresh ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    after = vault.load_session(item)
    assert after == before  # old and valid, not torn
    # The lock died with the process: the next refresh goes through at once.
    calls = write_mfa_process(tmp_path, world)
    calls.unlink(missing_ok=True)  # count only the recovery's code
    set_sessions_config(
        world,
        (Path(world["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml").read_text()
        + "refresh_threshold = 1200\n",
    )
    done = run(shim_like(tmp_path, "dev"), world)
    assert done.returncode == 0, done.stderr
    assert count_lines(calls) == 1
    renewed = vault.load_session(item)
    assert renewed is not None and renewed.expiration > before.expiration


def test_a_refresh_killed_while_waiting_for_the_code_leaves_the_old_session(
    world: dict, tmp_path: Path
) -> None:
    start_short_session(world)
    started = tmp_path / "code-asked"
    slow = tmp_path / "slow_code.py"
    slow.write_text(
        f"import time\nopen({str(started)!r}, 'w').close()\ntime.sleep(60)\nprint('123456')\n"
    )
    set_sessions_config(
        world, f'[sessions]\nmfa_process = "{sys.executable} {slow}"\nrefresh_threshold = 1200\n'
    )
    _crash_then_recover(world, tmp_path, started, world)


def test_a_refresh_killed_during_the_sts_call_leaves_the_old_session(
    world: dict, tmp_path: Path
) -> None:
    start_short_session(world)
    write_mfa_process(tmp_path, world)
    set_sessions_config(
        world,
        (Path(world["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml").read_text()
        + "refresh_threshold = 1200\n",
    )
    # An STS endpoint that accepts the request and never answers.
    started = tmp_path / "sts-called"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held: list[socket.socket] = []

    def accept() -> None:
        conn, _ = listener.accept()
        held.append(conn)
        started.touch()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    hanging = {**world, "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{listener.getsockname()[1]}"}
    try:
        _crash_then_recover(world, tmp_path, started, hanging)
    finally:
        for conn in held:
            conn.close()
        listener.close()


def test_an_expiring_session_asks_once_on_the_terminal_and_re_asks_on_a_typo(
    world: dict, tmp_path: Path
) -> None:
    pexpect = pytest.importorskip("pexpect")
    start_short_session(world)
    set_sessions_config(world, "[sessions]\nrefresh_threshold = 1200\n")
    command = shim_like(tmp_path, "admin", AWS, "sts", "get-caller-identity")
    child = pexpect.spawn(command[0], command[1:], env=world, encoding="utf-8", timeout=20)
    child.expect(r"MFA code for admin \(dev-device\):")
    child.sendline("12345")
    child.expect("6 digits")
    child.expect(r"MFA code for admin \(dev-device\):")
    child.sendline("654321")
    child.expect("assumed-role/awsguard-test-admin/admin-session")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    # The next call, on a terminal too, needs no code.
    again = pexpect.spawn(command[0], command[1:], env=world, encoding="utf-8", timeout=20)
    index = again.expect(["MFA code", "assumed-role/awsguard-test-admin"])
    again.expect(pexpect.EOF)
    assert index == 1


def test_ctrl_c_at_the_prompt_refuses_with_77(world: dict, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    command = shim_like(tmp_path, "dev", AWS, "sts", "get-caller-identity")
    child = pexpect.spawn(command[0], command[1:], env=world, encoding="utf-8", timeout=20)
    child.expect("MFA code for dev")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 77
    assert "cancelled" in (child.before or "")
