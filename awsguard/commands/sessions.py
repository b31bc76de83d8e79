"""`awsguard sessions`: the MFA and role sessions in the keyring, with time left."""

from __future__ import annotations

import argparse
import os

from ..redact import json_text

NAME = "sessions"
HELP = "list cached MFA and role sessions with the time they have left"
DESCRIPTION = """\
List the sessions awsguard keeps in the OS keyring: MFA sessions (per source
profile and MFA device) and role sessions (per role, session name and source
profile), with the masked key id, expiry and time left. Read from awsguard's
index (no secret, no keyring access). --json prints a list of objects with
kind, profile, source_profile, mfa_serial, role_arn, access_key_id (masked),
arn, expiration, seconds_left and expired.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from .. import sessions, timefmt

    found = sessions.list_sessions(os.environ)
    if args.json:
        print(json_text([s.to_json() for s in found], indent=2))
        return 0
    if not found:
        print("No cached sessions. `awsguard mfa PROFILE` starts one.")
        return 0
    rows = [("KIND", "PROFILE", "FROM", "KEY", "EXPIRES (UTC)", "LEFT")]
    for s in found:
        rows.append(
            (
                s.kind,
                s.profile,
                s.mfa_serial.rsplit("/", 1)[-1] if s.kind == "mfa" else s.source_profile,
                s.access_key_id,
                s.expiration.strftime("%Y-%m-%d %H:%M"),
                timefmt.remaining(s.seconds_left),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return 0
