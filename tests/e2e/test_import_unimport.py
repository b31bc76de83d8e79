"""`awsguard import` / `unimport` as processes: reversible, PATH-independent, link-safe.

Real parts: the awsguard command of the test virtualenv, a real gnome-keyring Secret
Service, moto's STS, boto3 in a child process whose PATH has no awsguard, and
install.sh's --uninstall.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from fixtures.keyring import make_aws_world

from awsguard import vault

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AWSGUARD = str(BIN / "awsguard")
SYSTEM_PATH = "/usr/bin:/bin"

# Formatting import must give back exactly: comments, no spaces around `=`, a setting
# between the two key lines, a key first in its section, no newline at the end.
CREDENTIALS = (
    "# my keys, by hand\n"
    "[default]\n"
    "region = eu-west-1\n"
    "\n"
    "[plain]\n"
    "aws_access_key_id=AKIAEXAMPLEPLAIN0001\n"
    "region = us-east-2\n"
    "aws_secret_access_key  =  plain-long-term-secret   \n"
    "\n"
    "[temp]\n"
    "aws_access_key_id = ASIAEXAMPLETEMP00001\n"
    "aws_secret_access_key = temp-secret\n"
    "aws_session_token = temp-token\n"
    "\n"
    "[other]\n"
    "aws_secret_access_key = other-long-term-secret\n"
    "aws_access_key_id = AKIAEXAMPLEOTHER0001"
)

BOTO3_WHOAMI = (
    "import boto3, json, sys\n"
    "session = boto3.Session(profile_name=sys.argv[1])\n"
    "print(json.dumps(session.client('sts').get_caller_identity()['Arn']))\n"
)


@pytest.fixture
def world(tmp_path: Path, moto_server, keyring_env) -> dict:
    env = make_aws_world(tmp_path, moto_server.url, keyring_env, "[profile plain]\n", CREDENTIALS)
    env["PATH"] = f"{BIN}{os.pathsep}{SYSTEM_PATH}"
    env.pop("CI", None)
    os.chmod(env["AWS_SHARED_CREDENTIALS_FILE"], 0o644)
    return env


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=120, start_new_session=True
    )


def awsguard(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run([AWSGUARD, *args], env)


def boto3_arn(env: dict, profile: str) -> subprocess.CompletedProcess:
    """boto3 in a process that cannot find awsguard on PATH (cron, systemd, an IDE)."""
    bare = {**env, "PATH": SYSTEM_PATH}
    return run([sys.executable, "-c", BOTO3_WHOAMI, profile], bare)


def process_words(text: str, profile: str) -> list[str]:
    """The credential_process of `profile`, split as botocore splits it."""
    from botocore.compat import compat_shell_split

    section = text.split(f"[{profile}]")[1].split("\n[")[0]
    line = next(x for x in section.splitlines() if x.startswith("credential_process"))
    return compat_shell_split(line.split("=", 1)[1].strip())


def test_import_then_unimport_gives_the_file_back_byte_for_byte(world: dict) -> None:
    path = Path(world["AWS_SHARED_CREDENTIALS_FILE"])
    before = path.read_bytes()
    done = awsguard(world, "import", "--yes")
    assert done.returncode == 0, done.stderr
    text = path.read_text()
    assert "plain-long-term-secret" not in text and "other-long-term-secret" not in text
    # An absolute launcher: the line works without awsguard on PATH.
    words = process_words(text, "plain")
    assert words == [AWSGUARD, "credential-process", "plain"]
    used = boto3_arn(world, "plain")
    assert used.returncode == 0, used.stderr
    assert json.loads(used.stdout).startswith("arn:aws:")
    assert awsguard(world, "unimport", "--list").stdout.split() == ["plain", "other"]

    done = awsguard(world, "unimport", "--all")
    assert done.returncode == 0, done.stderr
    assert path.read_bytes() == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the one difference allowed
    assert vault.load_key("plain") is None and vault.load_key("other") is None
    assert not list(path.parent.glob("credentials.awsguard-backup-*"))  # same bytes: gone
    assert awsguard(world, "unimport", "--list").stdout == ""
    # And the profile still works, from the file again.
    again = boto3_arn(world, "plain")
    assert again.returncode == 0, again.stderr


def test_unimport_of_one_profile_puts_back_the_key_now_in_the_keyring(world: dict) -> None:
    path = Path(world["AWS_SHARED_CREDENTIALS_FILE"])
    assert awsguard(world, "import", "--yes", "--profile", "plain").returncode == 0
    # Rotated since the import: the keyring's key is what goes back, in the same layout.
    vault.store_key("plain", vault.LongTermKey("AKIAEXAMPLEROTATED01", "rotated-secret-value"))
    done = awsguard(world, "unimport", "plain")
    assert done.returncode == 0, done.stderr
    expected = (
        CREDENTIALS.replace("AKIAEXAMPLEPLAIN0001", "AKIAEXAMPLEROTATED01")
        .replace("plain-long-term-secret", "rotated-secret-value")
    )
    assert path.read_text() == expected
    assert vault.load_key("plain") is None
    assert list(path.parent.glob("credentials.awsguard-backup-*"))  # differs: kept


def test_unimport_refuses_a_profile_import_did_not_move(world: dict) -> None:
    before = Path(world["AWS_SHARED_CREDENTIALS_FILE"]).read_bytes()
    done = awsguard(world, "unimport", "plain")
    assert done.returncode == 1 and "not imported" in done.stderr
    assert Path(world["AWS_SHARED_CREDENTIALS_FILE"]).read_bytes() == before


def test_a_launcher_path_with_spaces_is_quoted_for_botocore(world: dict, tmp_path: Path) -> None:
    # A Python whose folder has a space, with an `awsguard` beside it (as in a venv).
    folder = tmp_path / "my tools" / "bin"
    folder.mkdir(parents=True)
    python = folder / "python3"
    python.symlink_to(os.path.realpath(sys.executable))
    launcher = folder / "awsguard"
    launcher.write_text(f"#!/bin/sh\nexec {shlex.quote(AWSGUARD)} \"$@\"\n")
    launcher.chmod(0o755)
    site = sysconfig.get_paths()["purelib"]
    env = {**world, "PYTHONPATH": os.pathsep.join([str(REPO), site])}
    done = run([str(python), "-m", "awsguard", "import", "--yes", "--profile", "plain"], env)
    assert done.returncode == 0, done.stderr
    text = Path(world["AWS_SHARED_CREDENTIALS_FILE"]).read_text()
    assert f"credential_process = '{launcher}' credential-process plain" in text
    assert process_words(text, "plain")[0] == str(launcher)
    used = boto3_arn(world, "plain")
    assert used.returncode == 0, used.stderr


# --- issue 13 item 9: a symlinked credentials file, as the attack ------------------------------


def test_import_through_a_symlink_rewrites_the_target_and_keeps_the_link(
    world: dict, tmp_path: Path
) -> None:
    link = Path(world["AWS_SHARED_CREDENTIALS_FILE"])
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "aws-credentials"
    target.write_bytes(link.read_bytes())
    link.unlink()
    link.symlink_to(target)
    before = target.read_bytes()

    done = awsguard(world, "import", "--yes")
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    # No plaintext key left behind anywhere but the announced 0600 backup.
    assert b"plain-long-term-secret" not in target.read_bytes()
    holders = [
        p for p in tmp_path.rglob("*")
        if p.is_file() and not p.is_symlink() and b"plain-long-term-secret" in p.read_bytes()
    ]
    assert [p.name for p in holders] == [
        next(p.name for p in dotfiles.iterdir() if ".awsguard-backup-" in p.name)
    ]
    assert str(holders[0]) in done.stderr
    assert stat.S_IMODE(holders[0].stat().st_mode) == 0o600
    used = boto3_arn(world, "plain")
    assert used.returncode == 0, used.stderr

    done = awsguard(world, "unimport", "--all")
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and target.read_bytes() == before


def test_import_refuses_a_credentials_file_with_another_hard_link(
    world: dict, tmp_path: Path
) -> None:
    path = Path(world["AWS_SHARED_CREDENTIALS_FILE"])
    other = tmp_path / "copy-elsewhere"
    os.link(path, other)
    before = path.read_bytes()
    done = awsguard(world, "import", "--yes")
    assert done.returncode == 1
    assert "hard link" in done.stderr and "Traceback" not in done.stderr
    assert path.read_bytes() == before and other.read_bytes() == before
    assert vault.load_key("plain") is None


def test_import_refuses_a_dangling_symlink(world: dict, tmp_path: Path) -> None:
    path = Path(world["AWS_SHARED_CREDENTIALS_FILE"])
    path.unlink()
    path.symlink_to(tmp_path / "nowhere")
    done = awsguard(world, "import", "--yes")
    assert "Traceback" not in done.stderr
    assert path.is_symlink() and not (tmp_path / "nowhere").exists()


# --- uninstall ---------------------------------------------------------------------------------


def test_uninstall_refuses_while_profiles_are_imported(world: dict, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    marker = prefix / "bin" / "keep-me"
    marker.write_text("x")
    env = {
        "HOME": world["HOME"],
        "PATH": SYSTEM_PATH,
        "AWS_SHARED_CREDENTIALS_FILE": world["AWS_SHARED_CREDENTIALS_FILE"],
        "XDG_CACHE_HOME": world["XDG_CACHE_HOME"],
    }
    assert awsguard(world, "import", "--yes", "--profile", "plain").returncode == 0
    done = subprocess.run(
        ["bash", str(REPO / "install.sh"), "--prefix", str(prefix), "--uninstall"],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert "awsguard unimport --all" in done.stderr
    assert marker.exists()  # nothing removed
    assert awsguard(world, "unimport", "--all").returncode == 0
    done = subprocess.run(
        ["bash", str(REPO / "install.sh"), "--prefix", str(prefix), "--uninstall"],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
