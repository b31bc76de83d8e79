"""`awsguard logout [PROFILE] [--all]`: forget cached sessions."""

from __future__ import annotations

import argparse
import os
import sys

NAME = "logout"
HELP = "forget cached MFA and role sessions (long-term keys stay)"
DESCRIPTION = """\
Delete cached sessions from the OS keyring. For PROFILE: the MFA session it
uses and every role session made from the same source profile (they carry that
MFA session's authority). With --all: every session. Long-term keys stored with
`awsguard add` stay.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "profile", metavar="PROFILE", nargs="?", help="default: $AWS_PROFILE, else default"
    )
    parser.add_argument("--all", action="store_true", help="forget every cached session")


def run(args: argparse.Namespace) -> int:
    from .. import awsconfig, sessions, vault
    from ..errors import AwsguardError

    environ = os.environ
    if args.all and args.profile:
        raise AwsguardError("give either a PROFILE or --all, not both.")
    profile = None if args.all else (args.profile or sessions.default_profile(environ))
    files = awsconfig.load_files(environ)
    items = sessions.sessions_to_forget(profile, files, environ)
    forgotten = sum(1 for item in items if vault.delete_session(item, environ))
    whose = "all profiles" if profile is None else f"profile {profile!r}"
    print(f"awsguard: forgot {forgotten} session(s) for {whose}.", file=sys.stderr)
    return 0
