"""MFA sessions end to end: the installed shim, the real CLI v1, moto's STS, a real Secret Service.

Every `aws` below is the first `aws` on PATH, the shim install.sh wrote; it finds the
real CLI behind it, gets (or refreshes) the profile's session through awsguard's
sessions stage, and hands the temporary credentials to the CLI in its environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fixtures.install import Install
from fixtures.keyring import MFA_SERIAL, count_lines, make_aws_world, write_mfa_process

from awsguard import vault

pytestmark = pytest.mark.e2e

SYSTEM_PATH = "/usr/bin:/bin"
ADMIN_ARN = ":assumed-role/awsguard-test-admin/admin-session"


def make_world(
    tmp_path: Path, installed: Install, moto_url: str, keyring_env: dict, **world_args: str
) -> dict:
    """The user's env: the shim first on PATH, the real CLI next, then the system."""
    env = make_aws_world(tmp_path, moto_url, keyring_env, **world_args)
    env["PATH"] = os.pathsep.join([str(installed.bin_dir), str(installed.real_bin), SYSTEM_PATH])
    env["TERM"] = "xterm"
    env.pop("CI", None)  # CI set means "never prompt": the runner's own CI must not leak in
    write_config(env)
    return env


@pytest.fixture
def world(tmp_path: Path, installed: Install, moto_server, keyring_env) -> dict:
    return make_world(tmp_path, installed, moto_server.url, keyring_env)


def write_config(env: dict, **sessions: str | int) -> Path:
    """awsguard's config.toml: moto through AWS_ENDPOINT_URL is the point of these tests, so
    the endpoint-override warning is off; `sessions` become the [sessions] table."""
    path = Path(env["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["[conflicts]", '"endpoint-override" = "off"', ""]
    if sessions:
        lines.append("[sessions]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in sessions.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def count_code_fetches(tmp_path: Path, env: dict, **sessions: str | int) -> Path:
    """An mfa_process that prints a code and counts its runs; returns the counter file."""
    counter = write_mfa_process(tmp_path, env)
    counter.unlink(missing_ok=True)
    script = tmp_path / "mfa_process.py"
    write_config(env, mfa_process=f"{sys.executable} {script}", **sessions)
    return counter


def aws_path(env: dict) -> str:
    found = shutil.which("aws", path=env["PATH"])
    assert found is not None
    return found


def awsguard_path(env: dict) -> str:
    found = shutil.which("awsguard", path=env["PATH"])
    assert found is not None
    return found


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    # A new session: no controlling terminal, as in CI (and never the developer's terminal).
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=120, start_new_session=True
    )


def aws(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run([aws_path(env), *args], env)


def awsguard(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run([awsguard_path(env), *args], env)


def identity(env: dict, profile: str, *, flag: bool = True) -> dict:
    """`aws --profile P sts get-caller-identity` (or with AWS_PROFILE=P when flag is False)."""
    if flag:
        done = aws(env, "--profile", profile, "sts", "get-caller-identity")
    else:
        done = aws({**env, "AWS_PROFILE": profile}, "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nothing from awsguard when all is well
    return json.loads(done.stdout)


def start_short_session(env: dict) -> vault.StoredSession:
    """A 15-minute MFA session for dev (found expiring under a 20-minute threshold)."""
    done = awsguard(env, "mfa", "dev", "--code", "123456", "--duration", "900")
    assert done.returncode == 0, done.stderr
    stored = vault.load_session(vault.mfa_item("dev", MFA_SERIAL))
    assert stored is not None
    return stored


def session_rows(env: dict) -> list[dict]:
    listed = awsguard(env, "sessions", "--json")
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


# --- a cached session serves every profile on the device ---------------------------------------


def test_the_shim_and_the_real_cli_come_from_the_install(world: dict, installed: Install) -> None:
    assert aws_path(world) == str(installed.shim)
    assert b"AWSGUARD-SHIM" in Path(aws_path(world)).read_bytes()[:512]
    assert awsguard_path(world) == str(installed.awsguard)


def test_after_awsguard_mfa_the_profile_and_its_roles_need_no_code(world: dict) -> None:
    done = awsguard(world, "mfa", "dev", "--code", "864209")
    assert done.returncode == 0, done.stderr
    assert "MFA session for 'dev'" in done.stderr and "864209" not in done.stderr
    assert done.stdout == ""
    # No terminal and no mfa_process: any need for a code would end in 77.
    assert identity(world, "dev")["Account"] == "123456789012"
    assert identity(world, "admin")["Arn"].endswith(ADMIN_ARN)
    assert identity(world, "admin", flag=False)["Arn"].endswith(ADMIN_ARN)
    reader = identity(world, "reader", flag=False)
    assert ":assumed-role/awsguard-test-reader/" in reader["Arn"]
    assert sorted(r["profile"] for r in session_rows(world)) == ["admin", "dev", "reader"]


@pytest.mark.parametrize("flag", [True, False], ids=["--profile", "AWS_PROFILE"])
def test_without_a_terminal_a_needed_code_exits_77_and_the_cli_does_not_run(
    world: dict, flag: bool
) -> None:
    if flag:
        done = aws(world, "--profile", "admin", "sts", "get-caller-identity")
    else:
        done = aws({**world, "AWS_PROFILE": "admin"}, "sts", "get-caller-identity")
    assert done.returncode == 77, done.stderr
    assert "awsguard mfa admin" in done.stderr
    # Left alone, the CLI would assume the role with dev's key and print the identity.
    assert done.stdout == ""
    assert session_rows(world) == []


def test_the_sessions_list_shows_time_left_and_no_secret(world: dict) -> None:
    assert awsguard(world, "mfa", "dev", "--code", "123456").returncode == 0
    assert identity(world, "admin")["Arn"].endswith(ADMIN_ARN)
    rows = session_rows(world)
    assert sorted(r["kind"] for r in rows) == ["mfa", "role"]
    assert all(11 * 3600 < r["seconds_left"] <= 12 * 3600 for r in rows if r["kind"] == "mfa")
    assert all("…" in r["access_key_id"] for r in rows)
    table = awsguard(world, "sessions")
    assert "admin" in table.stdout and "11h" in table.stdout
    stored = vault.load_session(vault.mfa_item("dev", MFA_SERIAL))
    assert stored is not None
    listed = json.dumps(rows) + table.stdout + table.stderr
    assert stored.secret_access_key not in listed
    assert stored.session_token not in listed


def test_logout_forgets_the_sessions_and_the_next_call_needs_a_code(world: dict) -> None:
    assert awsguard(world, "mfa", "dev", "--code", "123456").returncode == 0
    assert identity(world, "admin")["Arn"].endswith(ADMIN_ARN)
    done = awsguard(world, "logout", "admin")
    assert done.returncode == 0 and "forgot 2 session(s)" in done.stderr
    assert session_rows(world) == []
    again = aws(world, "--profile", "admin", "sts", "get-caller-identity")
    assert again.returncode == 77 and again.stdout == ""
    assert "awsguard mfa admin" in again.stderr


# --- concurrency ---------------------------------------------------------------------------------

KEY_IN_REQUEST = re.compile(r"Credential=([A-Z0-9]{16,128})/")


def _start_all(env: dict, profiles: list[str]) -> list[tuple[str, str, set[str]]]:
    """Start `aws --profile P sts get-caller-identity --debug` for every P at once; return
    (profile, stdout, access key ids the CLI signed its requests with)."""
    procs = [
        subprocess.Popen(
            [aws_path(env), "--profile", profile, "sts", "get-caller-identity", "--debug"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for profile in profiles
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), [err[-2000:] for _, err in outputs]
    return [
        (profile, out, set(KEY_IN_REQUEST.findall(err)))
        for profile, (out, err) in zip(profiles, outputs, strict=True)
    ]


def test_sixteen_parallel_refreshes_fetch_one_code_and_share_one_session(
    world: dict, tmp_path: Path
) -> None:
    calls = count_code_fetches(tmp_path, world)
    results = _start_all(world, ["dev"] * 16)
    # One code fetched means one GetSessionToken: the call follows the code, under the lock.
    assert count_lines(calls) == 1
    stored = vault.load_session(vault.mfa_item("dev", MFA_SERIAL))
    assert stored is not None
    # Every CLI signed with the one cached session's key.
    assert [keys for _, _, keys in results] == [{stored.access_key_id}] * 16
    assert [r["kind"] for r in session_rows(world)] == ["mfa"]


def test_parallel_calls_for_several_roles_on_one_device_fetch_one_code(
    world: dict, tmp_path: Path
) -> None:
    calls = count_code_fetches(tmp_path, world)
    results = _start_all(world, ["admin", "reader", "dev"] * 3)
    assert count_lines(calls) == 1
    for profile in ("admin", "reader", "dev"):
        # moto makes up a new role id for each call: the ARN is what identifies the session.
        assert len({json.loads(out)["Arn"] for p, out, _ in results if p == profile}) == 1
        keys = set().union(*(keys for p, _, keys in results if p == profile))
        assert len(keys) == 1, (profile, keys)
    assert sorted(r["profile"] for r in session_rows(world)) == ["admin", "dev", "reader"]


# --- crashes -------------------------------------------------------------------------------------


def _crash_then_recover(
    world: dict, tmp_path: Path, started: Path, env: dict, before: vault.StoredSession
) -> None:
    """Kill a refresh at the point `started` appears; the old session must survive."""
    item = vault.mfa_item("dev", MFA_SERIAL)
    victim = subprocess.Popen(
        [aws_path(env), "--profile", "dev", "sts", "get-caller-identity"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
    calls = count_code_fetches(tmp_path, world, refresh_threshold=1200)
    done = aws(world, "--profile", "dev", "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert count_lines(calls) == 1
    renewed = vault.load_session(item)
    assert renewed is not None and renewed.expiration > before.expiration


def test_a_refresh_killed_while_waiting_for_the_code_leaves_the_old_session(
    world: dict, tmp_path: Path
) -> None:
    before = start_short_session(world)
    started = tmp_path / "code-asked"
    slow = tmp_path / "slow_code.py"
    slow.write_text(
        f"import time\nopen({str(started)!r}, 'w').close()\ntime.sleep(60)\nprint('123456')\n"
    )
    write_config(world, mfa_process=f"{sys.executable} {slow}", refresh_threshold=1200)
    _crash_then_recover(world, tmp_path, started, world, before)


def test_a_refresh_killed_during_the_sts_call_leaves_the_old_session(
    world: dict, tmp_path: Path
) -> None:
    before = start_short_session(world)
    count_code_fetches(tmp_path, world, refresh_threshold=1200)
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
        _crash_then_recover(world, tmp_path, started, hanging, before)
    finally:
        for conn in held:
            conn.close()
        listener.close()


# --- the terminal --------------------------------------------------------------------------------

PROMPT = r"MFA code for admin \(dev-device\):"


def spawn(env: dict, *args: str):
    pexpect = pytest.importorskip("pexpect")
    return pexpect.spawn(aws_path(env), list(args), env=env, encoding="utf-8", timeout=30)


def finish(child) -> str:
    """Wait for the end; return everything printed after the last match."""
    import pexpect

    child.expect(pexpect.EOF)
    child.close()
    return child.before or ""


def test_an_expiring_session_asks_once_on_the_terminal(world: dict) -> None:
    before = start_short_session(world)
    write_config(world, refresh_threshold=1200)
    child = spawn(world, "--profile", "admin", "sts", "get-caller-identity")
    child.expect(PROMPT)
    child.sendline("654321")
    child.expect(re.escape(ADMIN_ARN))
    rest = finish(child)
    assert child.exitstatus == 0
    assert "MFA code" not in rest
    renewed = vault.load_session(vault.mfa_item("dev", MFA_SERIAL))
    assert renewed is not None and renewed.expiration > before.expiration
    # The next call, on a terminal too, needs no code.
    again = spawn({**world, "AWS_PROFILE": "admin"}, "sts", "get-caller-identity")
    index = again.expect(["MFA code", re.escape(ADMIN_ARN)])
    finish(again)
    assert index == 1 and again.exitstatus == 0


def test_a_typo_at_the_prompt_is_re_asked(world: dict) -> None:
    child = spawn(world, "--profile", "admin", "sts", "get-caller-identity")
    child.expect(PROMPT)
    child.sendline("12345")
    child.expect("6 digits")
    child.expect(PROMPT)
    child.sendline("654 321")  # a space between the halves is fine
    child.expect(re.escape(ADMIN_ARN))
    assert "MFA code" not in finish(child)
    assert child.exitstatus == 0


def test_ctrl_c_at_the_prompt_refuses_with_77_and_the_cli_does_not_run(world: dict) -> None:
    child = spawn(world, "--profile", "dev", "sts", "get-caller-identity")
    child.expect("MFA code for dev")
    child.sendcontrol("c")
    rest = finish(child)
    assert child.exitstatus == 77
    assert "cancelled" in rest
    assert "Account" not in rest
    assert session_rows(world) == []
