"""`awsguard add PROFILE`: store a profile's long-term access key in the OS keyring."""

from __future__ import annotations

import argparse
import os
import re
import sys

from ..errors import AwsguardError

NAME = "add"
HELP = "store a profile's long-term access key in the OS keyring"
DESCRIPTION = """\
Store PROFILE's long-term access key (key id and secret) in the OS keyring.
On a terminal the two are asked for (the secret is not echoed); otherwise they
are read from stdin, one per line:

  printf '%s\\n%s\\n' "$KEY_ID" "$SECRET" | awsguard add work

The secret is never printed, logged or written to a file by awsguard. The aws
shim hands the key (or an MFA session made from it) to the real CLI in its
environment. Outside the shim, `credential_process = awsguard credential-process
PROFILE` in the profile lets any AWS SDK read it.
"""

KEY_ID = re.compile(r"^A[A-Z0-9]{15,127}$")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("profile", metavar="PROFILE", help="the AWS profile the key belongs to")


def read_key(stdin_is_terminal: bool) -> tuple[str, str]:
    if stdin_is_terminal:
        from .. import tty

        key_id = tty.ask_text("Access key id: ").strip()
        secret = tty.ask_text("Secret access key: ", secret=True).strip()
        return key_id, secret
    lines = sys.stdin.read().splitlines()
    values = [line.strip() for line in lines if line.strip()]
    if len(values) != 2:
        raise AwsguardError(
            "awsguard add reads two lines from stdin when it is not a terminal: the access "
            f"key id, then the secret access key (got {len(values)} non-empty lines)."
        )
    return values[0], values[1]


def validate(key_id: str, secret: str) -> None:
    if key_id.startswith("ASIA"):
        raise AwsguardError(
            "that key id starts with ASIA: it is a temporary key, which needs a session token "
            "and expires. awsguard add stores long-term keys (AKIA…); awsguard mfa makes the "
            "sessions."
        )
    if not KEY_ID.match(key_id):
        raise AwsguardError(
            "that does not look like an access key id (AKIA followed by 16 upper-case letters "
            "and digits). Copy it again from the IAM console or your key file."
        )
    if len(secret) < 16 or any(c.isspace() for c in secret):
        raise AwsguardError(
            "that does not look like a secret access key (40 characters, no spaces). Copy it "
            "again; it is only shown once, when the key is created."
        )


def run(args: argparse.Namespace) -> int:
    from .. import awsconfig, vault

    profile: str = args.profile
    key_id, secret = read_key(sys.stdin.isatty())
    validate(key_id, secret)
    key = vault.LongTermKey(key_id, secret)
    vault.store_key(profile, key)
    print(
        f"awsguard: stored key {key.masked_id} for profile {profile!r} in the keyring "
        f"({vault.backend_name()}).",
        file=sys.stderr,
    )
    files = awsconfig.load_files(os.environ)
    if not files.has_profile(profile):
        print(
            f"awsguard: profile {profile!r} is in neither {files.config_path} nor "
            f"{files.credentials_path}; add a [profile {profile}] section (with its region) "
            "so the AWS CLI knows the name.",
            file=sys.stderr,
        )
    elif files.profile(profile).get("aws_secret_access_key"):
        print(
            f"awsguard: {files.credentials_path} still holds a plaintext key for {profile!r}; "
            "`awsguard import` moves it out (the keyring's key wins meanwhile).",
            file=sys.stderr,
        )
    return 0
