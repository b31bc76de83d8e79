"""The shared credentials file as `awsguard import` rewrites it and `unimport` restores it.

`import` takes a profile's two key lines out of ~/.aws/credentials, puts a comment
and (usually) a `credential_process` line in their place, and keeps in the keyring
(item `import:PROFILE`, beside the key itself) the exact lines it took and where
they were in the section. `unimport` removes its lines and puts those back at the
same places, so a file nobody edited meanwhile comes back byte for byte.

The file may be a symlink (a dotfiles repository): both follow it and rewrite the
target in its own folder (temp file + rename), keeping the link. A target that is
not a regular file, is not ours, or has other hard links is refused: renaming over
one name would leave the plaintext key under the others.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

from .errors import AwsguardError

SECTION = re.compile(r"^\[(?P<name>.+)\]\s*$")
KEY_LINE = re.compile(r"^(?P<key>aws_access_key_id|aws_secret_access_key)\s*[=:]", re.I)
COMMENT = re.compile(
    r"^# awsguard import \S+: key \S* moved to the OS keyring \(service awsguard\)\s*$"
)
PROCESS_LINE = re.compile(r"^\s*credential_process\s*=\s*(?P<command>.*?)\s*$", re.I)
RECORD_VERSION = 1
LAUNCHER_MARK = b"AWSGUARD-COMMAND"
VALUE_PLACEHOLDER = "-"


# --- which awsguard the credential_process line starts -------------------------------------


def _is_installed_launcher(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return LAUNCHER_MARK in handle.read(512)
    except OSError:
        return False


def launcher() -> str:
    """The absolute path of a stable `awsguard` for credential_process lines.

    install.sh's launcher (PREFIX/bin/awsguard; sys.executable is PREFIX/venv/bin/python)
    first, else the `awsguard` script beside this Python (a pip or dev install), else
    the one that is running. Never a bare name: cron, systemd, IDEs and sudo run
    credential_process without awsguard's folder on PATH.
    """
    here = Path(os.path.abspath(sys.executable)).parent
    installed = here.parent.parent / "bin" / "awsguard"
    if _is_installed_launcher(installed):
        return str(installed)
    beside = here / "awsguard"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    argv0 = os.path.abspath(sys.argv[0])
    if os.path.basename(argv0) == "awsguard" and os.access(argv0, os.X_OK):
        return argv0
    found = shutil.which("awsguard")
    if found:
        return os.path.abspath(found)
    raise AwsguardError(
        "cannot find the absolute path of the awsguard command to write into "
        "credential_process. Run awsguard from its install (PREFIX/bin/awsguard), or use "
        "--no-credential-process."
    )


def process_command(profile: str) -> str:
    """`credential_process` value for `profile`: quoted as botocore splits it (shlex)."""
    return f"{shlex.quote(launcher())} credential-process {shlex.quote(profile)}"


def is_awsguard_process(command: str, profile: str | None = None) -> bool:
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return (
        len(words) == 3
        and os.path.basename(words[0]) == "awsguard"
        and words[1] == "credential-process"
        and (profile is None or words[2] == profile)
    )


# --- the file on disk ------------------------------------------------------------------------


def target_of(path: Path) -> Path:
    """The file to rewrite for `path`: itself, or what its symlinks lead to. Refuses a
    target that renaming over would not make safe."""
    real = Path(os.path.realpath(path))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise AwsguardError(
            f"{path} is a symlink to {real}, which does not exist. Fix or remove the link."
        ) from None
    link = f" (a symlink to {real})" if real != Path(os.path.abspath(path)) else ""
    if not stat.S_ISREG(st.st_mode):
        raise AwsguardError(f"{path}{link} is not a regular file; awsguard rewrites only one.")
    if st.st_uid != os.geteuid():
        raise AwsguardError(
            f"{path}{link} belongs to uid {st.st_uid}, not to you; awsguard does not rewrite "
            "it. Copy your keys into a credentials file of your own."
        )
    if st.st_nlink > 1:
        raise AwsguardError(
            f"{path}{link} has {st.st_nlink} hard links: rewriting it would leave the plaintext "
            "keys under the other names. Make it a single file (or a symlink) first."
        )
    return real


def write_backup(target: Path, data: bytes, stamp: str) -> Path:
    backup = target.with_name(f"{target.name}.awsguard-backup-{stamp}")
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return backup


def backups_of(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f"{glob_escape(target.name)}.awsguard-backup-*"))


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def replace_file(target: Path, text: str) -> None:
    """Atomically replace `target` (0600, as a credentials file should be)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --- rewriting (pure) --------------------------------------------------------------------------


def _sections(lines: list[str]) -> list[tuple[str | None, int]]:
    """For each line: (its section's name, its index within the section; header is 0)."""
    out: list[tuple[str | None, int]] = []
    section: str | None = None
    index = 0
    for line in lines:
        header = SECTION.match(line)
        if header:
            section, index = header.group("name").strip(), 0
        else:
            index += 1
        out.append((section, index))
    return out


def take_keys(
    text: str, moved: dict[str, str], with_process: bool, today: str
) -> tuple[str, dict[str, dict[str, Any]]]:
    """The file without the key lines of `moved` (profile -> masked id), and per profile the
    record unimport needs (the lines taken, with their places)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    records: dict[str, dict[str, Any]] = {}
    for line, (section, index) in zip(lines, _sections(lines), strict=True):
        if section not in moved or not KEY_LINE.match(line) or index == 0:
            out.append(line)
            continue
        record = records.get(section)
        if record is None:
            eol = "\r\n" if line.endswith("\r\n") else "\n"
            written = [
                f"# awsguard import {today}: key {moved[section]} moved to the OS keyring "
                f"(service awsguard){eol}"
            ]
            if with_process:
                written.append(f"credential_process = {process_command(section)}{eol}")
            out.extend(written)
            record = records[section] = {"version": RECORD_VERSION, "lines": [],
                                         "written": len(written)}
        record["lines"].append([index, _without_value(line)])
    return "".join(out), records


def _without_value(line: str) -> str:
    """`line` with its key's value replaced by a placeholder: the record keeps the layout
    only (lines_for puts the keyring's key back), never a second copy of the secret."""
    body = line.rstrip("\r\n")
    match = _KEY_VALUE.match(body)
    if match is None:
        return line
    return f"{match.group('head')}{VALUE_PLACEHOLDER}{match.group('tail')}{line[len(body):]}"


def imported_profiles(text: str) -> list[str]:
    """Profiles whose section holds import's comment or an awsguard credential_process."""
    lines = text.splitlines(keepends=True)
    found: list[str] = []
    for line, (section, index) in zip(lines, _sections(lines), strict=True):
        if section is None or index == 0 or section in found:
            continue
        process = PROCESS_LINE.match(line.rstrip("\r\n"))
        if COMMENT.match(line.rstrip("\r\n")) or (
            process and is_awsguard_process(process.group("command"), section)
        ):
            found.append(section)
    return found


def put_back(text: str, profile: str, lines_back: list[tuple[int, str]]) -> str:
    """The file with import's lines in `profile` replaced by `lines_back` at their places.

    Unedited since the import, the section comes back exactly; edited, the lines go
    together where import's comment was.
    """
    lines = text.splitlines(keepends=True)
    places = _sections(lines)
    start = next((n for n, (s, i) in enumerate(places) if s == profile and i == 0), None)
    if start is None:
        raise AwsguardError(f"there is no [{profile}] section in the credentials file.")
    end = start + 1
    while end < len(lines) and places[end][0] == profile and places[end][1] != 0:
        end += 1
    kept: list[str] = []
    spot: int | None = None
    for n, line in enumerate(lines[start:end]):
        bare = line.rstrip("\r\n")
        process = PROCESS_LINE.match(bare)
        ours = n > 0 and (
            COMMENT.match(bare) is not None
            or (process is not None and is_awsguard_process(process.group("command"), profile))
        )
        if ours:
            spot = len(kept) if spot is None else spot
            continue
        kept.append(line)
    ordered = sorted(lines_back, key=lambda pair: pair[0])
    section = list(kept)
    exact = spot is not None and bool(ordered) and ordered[0][0] == spot
    for index, line in ordered:
        if not exact or index > len(section):
            exact = False
            break
        section.insert(index, line)
    if not exact:
        where = spot if spot is not None else len(kept)
        section = kept[:where] + [line for _, line in ordered] + kept[where:]
    out = lines[:start] + section + lines[end:]
    # Only the file's last line may lack its newline.
    eol = "\r\n" if any(line.endswith("\r\n") for line in out) else "\n"
    for n in range(len(out) - 1):
        if not out[n].endswith("\n"):
            out[n] += eol
    return "".join(out)


# --- the record in the keyring -----------------------------------------------------------------


def record_item(profile: str) -> str:
    return f"import:{profile}"


def store_record(profile: str, record: dict[str, Any]) -> None:
    from . import vault

    vault._set(record_item(profile), json.dumps(record))


def load_record(profile: str) -> dict[str, Any] | None:
    from . import vault

    blob = vault._get(record_item(profile))
    if blob is None:
        return None
    try:
        record = json.loads(blob)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return None
    return record


def delete_record(profile: str) -> None:
    from . import vault

    vault._delete(record_item(profile))


_KEY_VALUE = re.compile(
    r"^(?P<head>\s*(?P<key>aws_access_key_id|aws_secret_access_key)\s*[=:]\s*)"
    r"(?P<value>.*?)(?P<tail>\s*)$",
    re.I,
)


def lines_for(record: dict[str, Any] | None, key: Any, eol: str = "\n") -> list[tuple[int, str]]:
    """The key lines to put back: import's originals with today's key (it may have been
    replaced with `awsguard add` since), or two plain lines when there is no record."""
    if not record:
        return [
            (1, f"aws_access_key_id = {key.access_key_id}{eol}"),
            (2, f"aws_secret_access_key = {key.secret_access_key}{eol}"),
        ]
    out = []
    for index, line in record.get("lines", []):
        body = line.rstrip("\r\n")
        match = _KEY_VALUE.match(body)
        if match is None:
            continue
        is_id = match.group("key").lower() == "aws_access_key_id"
        value = key.access_key_id if is_id else key.secret_access_key
        rebuilt = f"{match.group('head')}{value}{match.group('tail')}{line[len(body):]}"
        out.append((int(index), rebuilt))
    return out
