"""`awsguard decode`: STS DecodeAuthorizationMessage, printed readably."""

from __future__ import annotations

import argparse
import json
import re
import sys

from ..errors import AwsguardError
from ..redact import json_text

NAME = "decode"
HELP = "decode an 'Encoded authorization failure message' (STS DecodeAuthorizationMessage)"
DESCRIPTION = """\
Decode the encoded message some services (EC2 among them) add to UnauthorizedOperation
errors, with the current credentials (they need sts:DecodeAuthorizationMessage), and
print the decision, the matched statements, the action, the resource and the request's
condition keys.

ENCODED is the message, the whole error text that contains it, or "-" for stdin.
"""

_IN_ERROR = re.compile(r"Encoded authorization failure message\s*:?\s*([A-Za-z0-9_\-+/=]+)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("encoded", metavar="ENCODED", help='the encoded message, or "-" for stdin')
    parser.add_argument("--profile", help="the profile whose credentials decode it")
    parser.add_argument("--region", help="the STS region (default: the profile's)")
    parser.add_argument("--json", action="store_true", help="print the decoded context as JSON")


def encoded_from(text: str) -> str:
    """The encoded message alone, from itself or from a pasted error around it."""
    found = _IN_ERROR.search(text)
    value = found.group(1) if found else "".join(text.split())
    if not value:
        raise AwsguardError("ENCODED is empty: pass the encoded message, or '-' to read stdin.")
    return value


def sts_client(profile: str | None, region: str | None):
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile)
        return session.client("sts", region_name=region or session.region_name or "us-east-1")
    except botocore.exceptions.ProfileNotFound as err:
        raise AwsguardError(
            f"profile {profile!r} is not in your AWS config: {err}. "
            "List profiles with: aws configure list-profiles"
        ) from None


def decode_message(client, encoded: str) -> dict:
    import botocore.exceptions

    try:
        answer = client.decode_authorization_message(EncodedMessage=encoded)
    except botocore.exceptions.NoCredentialsError:
        raise AwsguardError(
            "no credentials to call STS with: pass --profile, or set up credentials "
            "(aws configure)."
        ) from None
    except botocore.exceptions.ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code == "InvalidAuthorizationMessageException":
            raise AwsguardError(
                "STS says the encoded message is invalid: copy it whole, without line breaks "
                "or the quotes around it, from the error it came with."
            ) from None
        if code in ("AccessDenied", "AccessDeniedException"):
            raise AwsguardError(
                "these credentials may not decode authorization messages: they need "
                "sts:DecodeAuthorizationMessage (ask an administrator, or use --profile with "
                "one that has it)."
            ) from None
        raise AwsguardError(f"STS DecodeAuthorizationMessage failed: {err}") from None
    except botocore.exceptions.BotoCoreError as err:
        raise AwsguardError(f"STS DecodeAuthorizationMessage failed: {err}") from None
    try:
        return json.loads(answer["DecodedMessage"])
    except (KeyError, ValueError):
        raise AwsguardError("STS returned a decoded message that is not JSON.") from None


def run(args: argparse.Namespace) -> int:
    from ..explain.failures import world_failures_in_one_line

    with world_failures_in_one_line("STS DecodeAuthorizationMessage"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from ..explain import decoded

    text = sys.stdin.read() if args.encoded == "-" else args.encoded
    encoded = encoded_from(text)
    document = decode_message(sts_client(args.profile, args.region), encoded)
    summary = decoded.summarize(document)
    if args.json:
        print(json_text({**summary.as_dict(), "decoded": document}, indent=2))
    else:
        print(decoded.render(summary))
    return 0
