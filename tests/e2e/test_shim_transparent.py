"""The shim is indistinguishable from the real CLI when it has nothing to say."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pexpect
import pytest
from fixtures.install import Install, base_env, run_aws, run_real

FAKE_AWS = r"""#!/bin/bash
# A stand-in for the real CLI that reports what it was given. It answers --version as
# the v1 CLI whose tables awsguard ships, so the shim knows its commands are usage errors.
case "$1" in
  --version) echo "aws-cli/1.46.3 Python/3.11.7 Linux/6 botocore/1.43.62" ;;
  exit) exit "$2" ;;
  argv) shift; printf '%s\0' "$@" ;;
  env) env -0 ;;
  tty) for fd in 0 1 2; do if [ -t $fd ]; then echo "fd$fd=tty"; else echo "fd$fd=pipe"; fi; done ;;
  cat) cat ;;
  trap) trap 'echo "got $2" > "$3"; exit 42' "$2"; echo ready; while :; do sleep 0.05; done ;;
  selfkill) kill -"$2" $$ ;;
esac
"""


@pytest.fixture
def fake_real(tmp_path: Path) -> Path:
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    script = folder / "aws"
    script.write_text(FAKE_AWS)
    script.chmod(0o755)
    return folder


@pytest.fixture
def fake_env(installed: Install, home: Path, fake_real: Path) -> dict[str, str]:
    return base_env(home, f"{installed.bin_dir}:{fake_real}:/usr/bin:/bin")


@pytest.mark.parametrize("status", [0, 1, 2, 130, 252, 253, 254, 255])
def test_exit_status_is_the_real_clis(fake_env, status):
    assert run_aws(fake_env, "exit", str(status)).returncode == status


def test_argv_is_passed_byte_for_byte(fake_env):
    args = ["s3", "cp", "a b", "", "--query", "x[?n=='é']", "ümlaut", "--profile=p", "\t\n"]
    out = run_aws(fake_env, "argv", *args)
    assert out.stdout.split(b"\0")[:-1] == [a.encode() for a in args]


def test_child_environment_is_the_users_plus_documented_variables(fake_env):
    out = run_aws(fake_env, "env")
    seen = dict(item.split("=", 1) for item in out.stdout.decode().split("\0") if "=" in item)
    added = set(seen) - set(fake_env)
    assert added <= {"AWSGUARD_EXEC_TARGET", "PWD", "SHLVL", "_", "OLDPWD"}
    for name, value in fake_env.items():
        assert seen.get(name) == value, name


def test_a_terminal_stays_a_terminal(fake_env):
    child = pexpect.spawn(shutil.which("aws", path=fake_env["PATH"]), ["tty"], env=fake_env)
    child.expect(pexpect.EOF, timeout=30)
    text = child.before.decode()
    assert "fd0=tty" in text and "fd1=tty" in text and "fd2=tty" in text


def test_sigterm_reaches_the_real_cli(fake_env, tmp_path):
    marker = tmp_path / "marker"
    aws = shutil.which("aws", path=fake_env["PATH"])
    proc = subprocess.Popen(
        [aws, "trap", "TERM", str(marker)], env=fake_env, stdout=subprocess.PIPE
    )
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 42
    assert marker.read_text() == "got TERM\n"


def test_ctrl_c_under_a_terminal_reaches_the_real_cli(fake_env, tmp_path):
    marker = tmp_path / "marker"
    aws = shutil.which("aws", path=fake_env["PATH"])
    child = pexpect.spawn(aws, ["trap", "INT", str(marker)], env=fake_env)
    child.expect("ready", timeout=30)
    child.sendintr()
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    assert child.exitstatus == 42
    assert marker.read_text() == "got INT\n"


def test_death_by_signal_is_reported_as_such(fake_env):
    aws = shutil.which("aws", path=fake_env["PATH"])
    proc = subprocess.run([aws, "selfkill", "TERM"], env=fake_env)
    assert proc.returncode == -signal.SIGTERM


def test_awsguard_disable_is_a_plain_exec(fake_env):
    env = {**fake_env, "AWSGUARD_DISABLE": "1"}
    assert run_aws(env, "exit", "253").returncode == 253
    assert run_aws(env, "argv", "x y").stdout == b"x y\0"


def _system_bin_without_aws(tmp_path):
    """/usr/bin and /bin as one folder of links, minus any real `aws` (Debian's awscli
    package puts one in /usr/bin, and CI installs it)."""
    folder = tmp_path / "sysbin"
    folder.mkdir()
    for source in ("/usr/bin", "/bin"):
        for entry in os.scandir(source):
            target = folder / entry.name
            if entry.name != "aws" and not target.exists():
                target.symlink_to(entry.path)
    return folder


def test_missing_real_cli_exits_127_naming_what_was_searched(installed, home, tmp_path):
    sysbin = _system_bin_without_aws(tmp_path)
    env = base_env(home, f"{installed.bin_dir}:{sysbin}")
    out = run_aws(env, "sts", "get-caller-identity")
    assert out.returncode == 127
    err = out.stderr.decode()
    assert str(installed.bin_dir) in err and str(sysbin) in err
    assert "AWSGUARD_REAL_AWS" in err
    assert "Traceback" not in err


def test_shim_on_path_twice_and_under_two_names_never_recurses(
    installed, home, fake_real, tmp_path
):
    # A second folder with a symlink to the shim, and a third with a copy of it.
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "aws").symlink_to(installed.shim)
    copied = tmp_path / "copied"
    copied.mkdir()
    shutil.copy2(installed.shim, copied / "aws")
    path = f"{installed.bin_dir}:{linked}:{copied}:{installed.bin_dir}:{fake_real}:/usr/bin:/bin"
    env = base_env(home, path)
    out = run_aws(env, "exit", "3")
    assert out.returncode == 3
    # And with no real CLI at all, the copies are skipped: 127, not a loop.
    sysbin = _system_bin_without_aws(tmp_path)
    env = base_env(home, f"{installed.bin_dir}:{linked}:{copied}:{sysbin}")
    assert run_aws(env, "exit", "0").returncode == 127


def test_a_shim_run_as_the_real_cli_by_another_shim_stops(installed, home, tmp_path):
    # AWSGUARD_REAL_AWS pointing at a shim is refused, and the env guard stops a loop.
    env = {
        **base_env(home, f"{installed.bin_dir}:/usr/bin:/bin"),
        "AWSGUARD_REAL_AWS": str(installed.shim),
    }
    out = run_aws(env, "--version")
    assert out.returncode == 127
    assert b"shim" in out.stderr
    env = {
        **base_env(home, "/usr/bin:/bin"),
        "AWSGUARD_EXEC_TARGET": os.path.realpath(installed.shim),
    }
    out = subprocess.run(
        [str(installed.shim), "--version"], env=env, capture_output=True, timeout=60
    )
    assert out.returncode == 127 and b"loop" in out.stderr


def test_awsguard_real_aws_variable_picks_the_cli(installed, home, fake_real):
    env = {
        **base_env(home, f"{installed.bin_dir}:/usr/bin:/bin"),
        "AWSGUARD_REAL_AWS": str(fake_real / "aws"),
    }
    assert run_aws(env, "exit", "9").returncode == 9


# --- against the real AWS CLI v1 and moto -----------------------------------------


def test_version_help_and_configure_list_match_the_real_cli(installed, aws_env):
    aws_env = {**aws_env, "PAGER": "cat"}
    for args in (
        ["--version"],
        ["configure", "list"],
        ["sts", "get-caller-identity"],
        ["help"],
        ["s3", "ls", "help"],
    ):
        shim = run_aws(aws_env, *args)
        real = run_real(installed, aws_env, *args)
        assert (shim.returncode, shim.stdout, shim.stderr) == (
            real.returncode,
            real.stdout,
            real.stderr,
        ), args


@pytest.mark.parametrize(
    "args",
    [
        ["s3api", "get-object"],  # missing required arguments
        ["no-such-service"],
        ["s3", "ls", "s3://bucket-that-does-not-exist"],
        ["iam", "get-user", "--user-name", "nobody"],
    ],
)
def test_error_statuses_match_the_real_cli(installed, aws_env, args):
    shim = run_aws(aws_env, *args)
    real = run_real(installed, aws_env, *args)
    assert shim.returncode == real.returncode != 0
    assert shim.stdout == real.stdout


def test_binary_bytes_round_trip_through_pipes(aws_env):
    payload = os.urandom(256 * 1024) + bytes(range(256))
    assert run_aws(aws_env, "s3", "mb", "s3://bin-bucket").returncode == 0
    up = run_aws(aws_env, "s3", "cp", "-", "s3://bin-bucket/blob", input=payload)
    assert up.returncode == 0, up.stderr
    down = run_aws(aws_env, "s3", "cp", "s3://bin-bucket/blob", "-")
    assert down.returncode == 0, down.stderr
    assert down.stdout == payload


def test_aws_configure_prompts_work_under_a_terminal(aws_env, home):
    env = {
        k: v
        for k, v in aws_env.items()
        if not k.startswith("AWS_ACCESS") and k != "AWS_SECRET_ACCESS_KEY"
    }
    child = pexpect.spawn(
        shutil.which("aws", path=env["PATH"]), ["configure", "--profile", "typed"], env=env
    )
    child.expect(r"AWS Access Key ID \[None\]: ", timeout=60)
    child.sendline("AKIATYPEDBYAPERSON01")
    child.expect(r"AWS Secret Access Key \[None\]: ")
    child.sendline("typedsecret")
    child.expect(r"Default region name \[None\]: ")
    child.sendline("eu-west-1")
    child.expect(r"Default output format \[None\]: ")
    child.sendline("json")
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 0
    assert "AKIATYPEDBYAPERSON01" in (home / ".aws" / "credentials").read_text()
    assert "eu-west-1" in (home / ".aws" / "config").read_text()


def test_completion_through_aws_completer_is_unchanged(installed, aws_env):
    completer_env = {**aws_env, "COMP_LINE": "aws s3a", "COMP_POINT": "7"}
    completer = shutil.which("aws_completer", path=aws_env["PATH"])
    assert completer and Path(completer).parent == installed.real_bin
    out = subprocess.run([completer], env=completer_env, capture_output=True, timeout=60)
    assert b"s3api" in out.stdout


def test_awsguard_real_reports_v1(installed, aws_env):
    out = subprocess.run(
        [str(installed.awsguard), "real", "--json"], env=aws_env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert '"major": 1' in out.stdout
    assert str(installed.real_bin / "aws") in out.stdout


def test_awsguard_version(installed, aws_env):
    out = subprocess.run(
        [str(installed.awsguard), "--version"], env=aws_env, capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("awsguard ")


def test_stdin_pipe_reaches_the_real_cli(fake_env):
    assert run_aws(fake_env, "cat", input=b"\x00\xffdata").stdout == b"\x00\xffdata"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_awsguard_init_from_the_installed_command_points_at_the_install(installed, aws_env, shell):
    out = subprocess.run(
        [str(installed.awsguard), "init", shell], env=aws_env, capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stderr == ""
    assert str(installed.bin_dir) in out.stdout
    assert str(installed.prefix / "shell" / f"awsguard.{shell}") in out.stdout
    assert str(installed.awsguard) in out.stdout  # the prompt runs the lean launcher
