"""`awsguard credential-process PROFILE`: a keyring key for AWS SDKs, outside the shim."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import AwsguardError

NAME = "credential-process"
HELP = "print a profile's keyring key in the credential_process format (for AWS SDKs)"
DESCRIPTION = """\
For `credential_process = awsguard credential-process PROFILE` in an AWS
profile: prints the profile's long-term key from the OS keyring as the JSON the
AWS SDKs and CLI read from a credential process (Version 1). This is how
programs that do not go through the aws shim (SDK scripts, Terraform) keep
working after `awsguard import`. It refuses to print to a terminal.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("profile", metavar="PROFILE")


def run(args: argparse.Namespace) -> int:
    from .. import vault

    if sys.stdout.isatty():
        raise AwsguardError(
            "awsguard credential-process prints a secret for an AWS SDK to read through a "
            "pipe; it does not print it to a terminal. Use `awsguard sessions` or "
            "`aws sts get-caller-identity` to see which key is in use."
        )
    key = vault.load_key(args.profile)
    if key is None:
        raise AwsguardError(
            f"the keyring holds no key for profile {args.profile!r}. Store it with "
            f"`awsguard add {args.profile}`."
        )
    document = {
        "Version": 1,
        "AccessKeyId": key.access_key_id,
        "SecretAccessKey": key.secret_access_key,
    }
    sys.stdout.write(json.dumps(document) + "\n")
    return 0
