"""`awsguard import`: move plaintext long-term keys from the credentials file to the keyring."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import EXIT_REFUSED, AwsguardError

NAME = "import"
HELP = "move plaintext long-term keys from ~/.aws/credentials into the OS keyring"
DESCRIPTION = """\
Find every profile in the shared credentials file with a plaintext long-term
key (aws_access_key_id + aws_secret_access_key, no session token), store each
key in the OS keyring, keep a 0600 backup of the file next to it, and rewrite
the file: the two key lines become a comment saying where the key went, and a
`credential_process = awsguard credential-process PROFILE` line, so SDKs and
tools outside the aws shim still find the key (--no-credential-process leaves
only the comment: then only the aws shim can use the profile). The file stays a
valid credentials file. Asks before changing anything unless --yes.

After checking that `aws sts get-caller-identity --profile PROFILE` works,
delete the backup: it still holds the plaintext keys.
"""

_SECTION = re.compile(r"^\[(?P<name>.+)\]\s*$")
_KEY_LINE = re.compile(r"^(?P<key>aws_access_key_id|aws_secret_access_key)\s*[=:]", re.I)


@dataclass(frozen=True)
class Candidate:
    profile: str
    access_key_id: str
    secret_access_key: str = field(repr=False)

    @property
    def masked_id(self) -> str:
        from ..vault import mask

        return mask(self.access_key_id)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--profile",
        action="append",
        metavar="NAME",
        help="import only this profile (repeatable)",
    )
    parser.add_argument(
        "--no-credential-process",
        action="store_true",
        help="do not add a credential_process line: the profile then works only via the shim",
    )


def find_candidates(files: object, only: list[str] | None) -> list[Candidate]:
    found = []
    for name, values in files.credentials_profiles.items():  # type: ignore[attr-defined]
        if only and name not in only:
            continue
        key_id = str(values.get("aws_access_key_id", "") or "").strip()
        secret = str(values.get("aws_secret_access_key", "") or "").strip()
        if not key_id or not secret or values.get("aws_session_token"):
            continue  # temporary credentials expire: nothing to keep
        if key_id.startswith("ASIA") or "credential_process" in values:
            continue
        found.append(Candidate(name, key_id, secret))
    return found


def awsguard_command() -> str:
    """How a credential_process line starts awsguard: by name when PATH finds it."""
    if shutil.which("awsguard"):
        return "awsguard"
    argv0 = os.path.abspath(sys.argv[0])
    return shlex.quote(argv0) if os.path.basename(argv0) == "awsguard" else "awsguard"


def rewrite(text: str, moved: dict[str, str], credential_process: bool, today: str) -> str:
    """The credentials file without the key lines of the `moved` profiles (name -> masked id)."""
    out: list[str] = []
    section: str | None = None
    replaced: set[str] = set()
    for line in text.splitlines(keepends=True):
        header = _SECTION.match(line)
        if header:
            section = header.group("name").strip()
        elif section in moved and _KEY_LINE.match(line):
            if section not in replaced:
                replaced.add(section)
                eol = "\r\n" if line.endswith("\r\n") else "\n"
                out.append(
                    f"# awsguard import {today}: key {moved[section]} moved to the OS keyring "
                    f"(service awsguard){eol}"
                )
                if credential_process:
                    command = f"{awsguard_command()} credential-process {shlex.quote(section)}"
                    out.append(f"credential_process = {command}{eol}")
            continue
        out.append(line)
    return "".join(out)


def write_backup(path: Path, data: bytes, stamp: str) -> Path:
    backup = path.with_name(f"{path.name}.awsguard-backup-{stamp}")
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return backup


def replace_file(path: Path, text: str) -> None:
    """Atomically replace `path` (0600, as a credentials file should be)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(args: argparse.Namespace) -> int:
    from .. import awsconfig, tty, vault

    files = awsconfig.load_files(os.environ)
    path = files.credentials_path
    if not files.credentials_exists:
        print(f"awsguard: there is no credentials file at {path}; nothing to import.",
              file=sys.stderr)
        return 0
    bad = [p for p in files.errors if Path(p.path) == path]
    if bad:
        raise AwsguardError(
            f"{bad[0]}. awsguard import rewrites {path} only when it parses cleanly; fix it "
            "first."
        )
    candidates = find_candidates(files, args.profile)
    if args.profile:
        missing = sorted(set(args.profile) - {c.profile for c in candidates})
        if missing:
            raise AwsguardError(
                f"no plaintext long-term key for {', '.join(missing)} in {path}."
            )
    if not candidates:
        print(f"awsguard: no plaintext long-term keys in {path}; nothing to import.",
              file=sys.stderr)
        return 0
    print(f"awsguard: plaintext long-term keys in {path}:", file=sys.stderr)
    for c in candidates:
        print(f"  {c.profile:<24} {c.masked_id}", file=sys.stderr)
    if not args.yes:
        if not tty.has_terminal():
            raise AwsguardError(
                "awsguard import changes your credentials file and asks first; there is no "
                "terminal to ask on. Run it with --yes to proceed.",
                exit_code=EXIT_REFUSED,
            )
        if not tty.confirm_yes_no(
            f"Move {len(candidates)} key(s) into the OS keyring and rewrite {path}?"
        ):
            raise AwsguardError("nothing changed.", exit_code=EXIT_REFUSED)
    vault.check_usable()
    original = path.read_bytes()
    now = datetime.now(timezone.utc)
    for c in candidates:
        vault.store_key(c.profile, vault.LongTermKey(c.access_key_id, c.secret_access_key))
    backup = write_backup(path, original, now.strftime("%Y%m%dT%H%M%SZ"))
    moved = {c.profile: c.masked_id for c in candidates}
    new_text = rewrite(
        original.decode("utf-8"), moved, not args.no_credential_process, now.strftime("%Y-%m-%d")
    )
    replace_file(path, new_text)
    after = awsconfig.load_files(os.environ)
    left = [c.profile for c in candidates if after.profile(c.profile).get("aws_secret_access_key")]
    if left or [p for p in after.errors if Path(p.path) == path]:
        raise AwsguardError(
            f"the rewritten {path} is not as expected (still holds keys for {left}); the "
            f"original is in {backup}. Restore it with `cp -p {backup} {path}`."
        )
    print(
        f"awsguard: moved {len(candidates)} key(s) into the keyring ({vault.backend_name()}). "
        f"Backup (plaintext, 0600): {backup}. Check with `aws sts get-caller-identity "
        f"--profile {candidates[0].profile}`, then delete the backup.",
        file=sys.stderr,
    )
    return 0
