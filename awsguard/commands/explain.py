"""`awsguard explain`: the last diagnosis again, or a diagnosis of a pasted error."""

from __future__ import annotations

import argparse
import sys

from ..errors import AwsguardError
from ..redact import json_text

NAME = "explain"
HELP = "explain the last AWS access failure, or a pasted error message"
DESCRIPTION = """\
Without options: show again the diagnosis the `aws` shim printed after the last
failed call (kept in the awsguard state directory, without secrets).

With --message: diagnose an error seen elsewhere (CI logs, SDK output, a CloudTrail
record). TEXT is the error or the whole output; "-" reads it from stdin.

  awsguard explain --message "An error occurred (AccessDenied) when calling ..."
  pbpaste | awsguard explain --message - --json
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--message", metavar="TEXT", help='the error text to diagnose, or "-" for stdin'
    )
    parser.add_argument("--json", action="store_true", help="print the diagnosis as JSON")


def run(args: argparse.Namespace) -> int:
    from ..explain.failures import world_failures_in_one_line

    with world_failures_in_one_line("explaining the failure"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from .. import explain

    if args.message is not None:
        text = sys.stdin.read() if args.message == "-" else args.message
        if not text.strip():
            raise AwsguardError(
                "--message got no text: pass the error message, or '-' and pipe it on stdin."
            )
        diagnosis = explain.diagnose_text(text)
        if diagnosis.code is None and diagnosis.category == "not-authorization":
            first = " ".join(text.split())[:80]
            raise AwsguardError(
                f"not an AWS error: {first!r} has no AWS error code or access message that "
                "awsguard knows. Paste the whole error the CLI or SDK printed (for example "
                "'An error occurred (AccessDenied) when calling ...')."
            )
    else:
        diagnosis = explain.load_last()
        if diagnosis is None:
            from .. import paths

            where = paths.state_dir() / explain.LAST_FILE
            raise AwsguardError(
                f"no diagnosis kept yet ({where} does not exist or is unreadable): the shim "
                "keeps one after a call AWS refuses. To diagnose an error seen elsewhere, "
                "run: awsguard explain --message TEXT"
            )
    if args.json:
        print(json_text(diagnosis.as_dict(), indent=2))
    else:
        # The same block the shim printed live (JSON carries every hint).
        print(explain.render(diagnosis))
    return 0
