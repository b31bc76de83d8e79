"""safefs, tried as an attacker would: another user's folders and files, symlinks, hard
links, FIFOs, devices and oversized files must never be read, written or waited on."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from awsguard import paths, safefs

OTHER_UID = 65534  # nobody
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="planting another uid's files needs root")


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(safefs, "_warned", set())


def private(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True)
    return folder


def test_a_file_of_ours_in_a_private_folder_is_read(tmp_path):
    folder = private(tmp_path / "awsguard")
    safefs.write(folder / "f", b"data")
    assert safefs.read(folder / "f") == b"data"
    assert (folder / "f").stat().st_mode & 0o777 == 0o600


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    folder = private(tmp_path / "awsguard")
    safefs.write(folder / "f", "one")
    safefs.write(folder / "f", "two")
    assert os.listdir(folder) == ["f"] and (folder / "f").read_text() == "two"


def test_new_folders_are_0700(tmp_path):
    paths.write_private(tmp_path / "a" / "awsguard" / "x", "1")
    assert (tmp_path / "a" / "awsguard").stat().st_mode & 0o777 == 0o700


@needs_root
def test_a_folder_planted_by_another_user_is_ignored_with_one_warning(tmp_path, capsys):
    folder = tmp_path / "awsguard"
    folder.mkdir()
    (folder / "config.parsed").write_bytes(b"planted")
    os.chmod(folder, 0o777)
    os.chown(folder, OTHER_UID, OTHER_UID)
    with pytest.raises(safefs.Unsafe):
        safefs.read(folder / "config.parsed")
    with pytest.raises(safefs.Unsafe):
        safefs.write(folder / "clean-invocations", "x")
    with pytest.raises(safefs.Unsafe):
        safefs.append(folder / "audit.jsonl", "x\n")
    assert not (folder / "clean-invocations").exists() and not (folder / "audit.jsonl").exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "owned by uid 65534" in err and str(folder) in err


@needs_root
def test_a_file_planted_by_another_user_in_our_folder_is_not_read(tmp_path):
    folder = private(tmp_path / "awsguard")
    planted = folder / "config.parsed"
    planted.write_bytes(b"planted")
    os.chown(planted, OTHER_UID, OTHER_UID)
    with pytest.raises(safefs.Unsafe, match="owned by uid 65534"):
        safefs.read(planted)


@needs_root
def test_nothing_is_created_inside_a_folder_another_user_controls(tmp_path):
    folder = tmp_path / "awsguard"
    folder.mkdir()
    os.chmod(folder, 0o777)
    os.chown(folder, OTHER_UID, OTHER_UID)
    with pytest.raises(safefs.Unsafe):
        paths.write_private(folder / "identity" / "k.json", "{}")
    assert not (folder / "identity").exists()


def test_a_folder_of_ours_that_others_can_write_is_tightened(tmp_path):
    folder = tmp_path / "awsguard"
    folder.mkdir()
    os.chmod(folder, 0o777)
    safefs.write(folder / "f", "x")
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_group_writable_file_is_not_trusted(tmp_path):
    folder = private(tmp_path / "awsguard")
    (folder / "f").write_text("x")
    os.chmod(folder / "f", 0o666)
    with pytest.raises(safefs.Unsafe, match="others can write"):
        safefs.read(folder / "f")


def test_symlinks_are_never_followed(tmp_path):
    folder = private(tmp_path / "awsguard")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (folder / "audit.jsonl").symlink_to(victim)
    with pytest.raises(safefs.Unsafe, match="symlink"):
        safefs.append(folder / "audit.jsonl", "line\n")
    with pytest.raises(safefs.Unsafe, match="symlink"):
        safefs.read(folder / "audit.jsonl")
    assert victim.read_text() == "precious\n"
    # A symlinked folder in place of awsguard's own is refused too.
    elsewhere = private(tmp_path / "elsewhere")
    (tmp_path / "linked").symlink_to(elsewhere)
    with pytest.raises(safefs.Unsafe, match="not a real directory"):
        safefs.write(tmp_path / "linked" / "f", "x")
    assert os.listdir(elsewhere) == []


def test_a_hard_link_to_a_file_elsewhere_is_not_appended_to(tmp_path):
    folder = private(tmp_path / "awsguard")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    os.chmod(victim, 0o600)
    os.link(victim, folder / "audit.jsonl")
    with pytest.raises(safefs.Unsafe, match="hard links"):
        safefs.append(folder / "audit.jsonl", "line\n")
    assert victim.read_text() == "precious\n"


def _finishes(call, seconds: float = 5.0):
    box: dict = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as err:  # noqa: BLE001
            box["error"] = err

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "the read blocked"
    return box


def test_a_fifo_is_neither_read_nor_waited_on(tmp_path):
    folder = private(tmp_path / "awsguard")
    os.mkfifo(folder / "clean-invocations", 0o600)
    box = _finishes(lambda: safefs.read(folder / "clean-invocations"))
    assert isinstance(box.get("error"), safefs.Unsafe)
    box = _finishes(lambda: safefs.append(folder / "clean-invocations", "x"))
    assert isinstance(box.get("error"), safefs.Unsafe)
    outside = tmp_path / "config"
    os.mkfifo(outside)
    box = _finishes(lambda: safefs.read_outside(outside))
    assert isinstance(box.get("error"), safefs.Unsafe)


def test_devices_folders_and_oversized_files_are_not_read(tmp_path):
    started = time.monotonic()
    for path in ("/dev/zero", str(tmp_path)):
        with pytest.raises(safefs.Unsafe):
            safefs.read_outside(path)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(safefs.Unsafe, match="larger"):
        safefs.read_outside(big, cap=1024)
    assert safefs.read_outside(big, cap=4096) == b"x" * 2048
    assert time.monotonic() - started < 2


@needs_root
def test_a_config_toml_others_control_is_not_trusted(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[risk]\ndestructive = "never"\n')
    os.chown(config, OTHER_UID, OTHER_UID)
    with pytest.raises(safefs.Unsafe, match="owned by uid 65534"):
        safefs.read_outside(config, trusted=True)
    os.chown(config, 0, 0)
    os.chmod(config, 0o646)
    with pytest.raises(safefs.Unsafe, match="writable by others"):
        safefs.read_outside(config, trusted=True)
    os.chmod(config, 0o644)
    assert b"destructive" in safefs.read_outside(config, trusted=True)


def test_read_tail_reads_only_the_end(tmp_path):
    folder = private(tmp_path / "awsguard")
    safefs.write(folder / "log", b"a" * 100 + b"\nlast\n")
    assert safefs.read_tail(folder / "log", 6) == b"\nlast\n"
