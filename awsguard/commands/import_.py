"""`awsguard import`: move plaintext long-term keys from the credentials file to the keyring."""

from __future__ import annotations

import argparse
import os
import sys
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
`credential_process = /abs/path/awsguard credential-process PROFILE` line (the
absolute path of awsguard's launcher, so cron, systemd, IDEs and sudo find it
without awsguard on PATH), so SDKs and tools outside the aws shim still find the
key (--no-credential-process leaves only the comment: then only the aws shim can
use the profile). The file stays a valid credentials file. A symlinked file is
followed: its target is rewritten and the link kept. Asks before changing
anything unless --yes.

After checking that `aws sts get-caller-identity --profile PROFILE` works,
delete the backup: it still holds the plaintext keys. `awsguard unimport` puts
the keys back exactly as they were.
"""

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


def run(args: argparse.Namespace) -> int:
    from .. import awsconfig, credfile, tty, vault

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
    target = credfile.target_of(path)  # refuses what a rename would not make safe
    # The keys go to the keyring: know it works before asking anything.
    vault.check_usable()
    if not args.no_credential_process:
        credfile.launcher()
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
    original = target.read_bytes()
    now = datetime.now(timezone.utc)
    moved = {c.profile: c.masked_id for c in candidates}
    new_text, records = credfile.take_keys(
        original.decode("utf-8"), moved, not args.no_credential_process, now.strftime("%Y-%m-%d")
    )
    for c in candidates:
        vault.store_key(c.profile, vault.LongTermKey(c.access_key_id, c.secret_access_key))
        records[c.profile]["access_key_id"] = c.masked_id
        credfile.store_record(c.profile, records[c.profile])
    backup = credfile.write_backup(target, original, now.strftime("%Y%m%dT%H%M%SZ"))
    credfile.replace_file(target, new_text)
    # Read back through the name the SDKs use (the link, if it is one).
    after = awsconfig.load_files(os.environ)
    left = [c.profile for c in candidates if after.profile(c.profile).get("aws_secret_access_key")]
    still = [c.profile for c in candidates if c.secret_access_key in target.read_text("utf-8")]
    if left or still or [p for p in after.errors if Path(p.path) == path]:
        raise AwsguardError(
            f"the rewritten {target} is not as expected (still holds keys for "
            f"{sorted(set(left + still))}); the original is in {backup}. Restore it with "
            f"`cp -p {backup} {target}`."
        )
    via = f" (through the symlink {path})" if target != Path(os.path.abspath(path)) else ""
    print(
        f"awsguard: moved {len(candidates)} key(s) into the keyring ({vault.backend_name()}) "
        f"and rewrote {target}{via}. Backup (plaintext, 0600): {backup}. Check with `aws sts "
        f"get-caller-identity --profile {candidates[0].profile}`, then delete the backup. "
        "`awsguard unimport` undoes this.",
        file=sys.stderr,
    )
    return 0
