"""`awsguard mfa [PROFILE]`: start a new MFA session now and keep it in the keyring."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone

from ..errors import AwsguardError

NAME = "mfa"
HELP = "start an MFA session for a profile (STS GetSessionToken) and keep it in the keyring"
DESCRIPTION = """\
Call STS GetSessionToken with the profile's mfa_serial and a code, and keep the
session in the OS keyring. Afterwards the aws shim uses it for the profile and
for every role profile sourced from it, with no further code, until it expires.
For a role profile, the session of its source profile is refreshed.

The code comes from --code, else from `mfa_process` in the [sessions] table of
awsguard's config, else from a prompt on the terminal. The duration comes from
--duration, else the profile's duration_seconds, else [sessions]
duration_seconds, else 12 hours.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "profile", metavar="PROFILE", nargs="?", help="default: $AWS_PROFILE, else default"
    )
    parser.add_argument("--code", help="the 6-digit code from the MFA device")
    parser.add_argument(
        "--duration", type=int, metavar="SECONDS", help="session length, 900 to 129600"
    )


def run(args: argparse.Namespace) -> int:
    from .. import awsconfig, sessions, timefmt, tty, vault

    environ = os.environ
    profile = args.profile or sessions.default_profile(environ)
    code = None
    if args.code is not None:
        code = tty.normalise_mfa_code(args.code)
        if code is None:
            raise AwsguardError("--code takes the 6 digits the MFA device shows.")
    if args.duration is not None and not 900 <= args.duration <= 129600:
        raise AwsguardError(
            "--duration is in seconds, from 900 (15 minutes) to 129600 (36 hours)."
        )
    files = awsconfig.load_files(environ)
    if not files.has_profile(profile):
        raise AwsguardError(
            f"there is no profile {profile!r} in {files.config_path} or "
            f"{files.credentials_path}."
        )
    chain = sessions.plan_chain(profile, files, environ)
    if chain is None or not chain.mfa_serial:
        raise AwsguardError(
            f"profile {profile!r} uses no MFA device: give it (or its source_profile) an "
            "`mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME` line in "
            f"{files.config_path}, with a long-term key in the keyring (awsguard add) or "
            "the credentials file."
        )
    # The session is kept in the keyring: find out it is usable before a one-time code
    # is asked for or spent at STS.
    vault.check_usable()
    broker = sessions.Broker(
        chain,
        files,
        environ,
        sessions.load_settings(environ),
        interactive=tty.has_terminal(),
    )
    broker.cli = sessions.installed_cli(environ)
    session = broker.refresh_mfa(code, args.duration)
    left = timefmt.remaining(session.seconds_left(datetime.now(timezone.utc)))
    print(
        f"awsguard: MFA session for {chain.root!r} ({chain.mfa_serial}) valid until "
        f"{session.expiration.astimezone().strftime('%Y-%m-%d %H:%M %Z')} ({left} left).",
        file=sys.stderr,
    )
    return 0
