"""`awsguard unimport [PROFILE …|--all]`: put imported keys back into the credentials file."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import AwsguardError

NAME = "unimport"
HELP = "undo `awsguard import`: keys back into ~/.aws/credentials, out of the keyring"
DESCRIPTION = """\
For each profile `awsguard import` moved (or every one with --all): write its
long-term key back into the shared credentials file where the import took it
from (the file is rewritten atomically, 0600; a symlink is followed and kept),
remove import's comment and credential_process lines, and then delete the key
from the OS keyring. A section nobody edited since the import comes back byte
for byte; a plaintext backup left by the import that equals the restored file is
deleted. Run `awsguard unimport --all` before uninstalling awsguard.

--list prints the imported profiles, one a line, and changes nothing.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("profiles", metavar="PROFILE", nargs="*")
    parser.add_argument("--all", action="store_true", help="every imported profile")
    parser.add_argument("--list", action="store_true", help="print the imported profiles only")


def run(args: argparse.Namespace) -> int:
    from .. import awsconfig, credfile, vault

    files = awsconfig.load_files(os.environ)
    path = files.credentials_path
    text = ""
    if files.credentials_exists:
        text = Path(path).read_text("utf-8")
    imported = credfile.imported_profiles(text)
    if args.list:
        for name in imported:
            print(name)
        return 0
    if args.all == bool(args.profiles):
        raise AwsguardError("give the PROFILE(s) to unimport, or --all (not both).")
    wanted = imported if args.all else list(dict.fromkeys(args.profiles))
    strangers = [p for p in wanted if p not in imported]
    if strangers:
        raise AwsguardError(
            f"{', '.join(repr(p) for p in strangers)} not imported into the keyring by "
            f"awsguard import (no import comment or awsguard credential_process in {path})."
        )
    if not wanted:
        print(f"awsguard: no imported profiles in {path}; nothing to do.", file=sys.stderr)
        return 0
    target = credfile.target_of(path)
    vault.check_usable()
    eol = "\r\n" if "\r\n" in text else "\n"
    keys = {}
    records = {}
    for profile in wanted:
        key = vault.load_key(profile)
        if key is None:
            raise AwsguardError(
                f"the keyring holds no key for imported profile {profile!r}, so there is "
                f"nothing to put back. Restore it from the backup next to {target} "
                f"(credentials.awsguard-backup-*), or store the key with "
                f"`awsguard add {profile}` and run this again."
            )
        keys[profile] = key
        records[profile] = credfile.load_record(profile)
    new_text = text
    for profile in wanted:
        lines = credfile.lines_for(records[profile], keys[profile], eol)
        new_text = credfile.put_back(new_text, profile, lines)
    credfile.replace_file(target, new_text)
    after = awsconfig.load_files(os.environ)
    wrong = [
        p for p in wanted
        if after.profile(p).get("aws_secret_access_key") != keys[p].secret_access_key
    ]
    if wrong:
        raise AwsguardError(
            f"{target} did not come back as expected for {wrong}; the keys are still in the "
            "keyring. Check the file, then run this again."
        )
    # Only now that the file holds them: out of the keyring.
    for profile in wanted:
        vault.delete_key(profile)
        credfile.delete_record(profile)
    restored = new_text.encode("utf-8")
    removed = []
    for backup in credfile.backups_of(target):
        try:
            same = backup.read_bytes() == restored
        except OSError:
            continue
        if same:
            backup.unlink()
            removed.append(backup.name)
    note = f" Deleted the import backup {', '.join(removed)} (same content)." if removed else ""
    print(
        f"awsguard: put the keys of {', '.join(wanted)} back into {target} (0600) and removed "
        f"them from the keyring.{note}",
        file=sys.stderr,
    )
    return 0
