"""`awsguard log`: the recent confirmation decisions from the audit log."""

from __future__ import annotations

import argparse
import os
import shlex

from ..redact import json_text

NAME = "log"
HELP = "show recent confirmation decisions (approved, refused, aborted)"
DESCRIPTION = """\
Show the last entries of awsguard's audit log,
${XDG_STATE_HOME:-~/.local/state}/awsguard/audit.jsonl: every command that needed a
confirmation, who it would run as, what was decided and the real CLI's exit status.

  awsguard log              the last 20 decisions, oldest first
  awsguard log -n 100       the last 100
  awsguard log --json       a JSON array of the entries, as stored
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", "--lines", type=int, default=20, help="how many entries (20)")
    parser.add_argument("--json", action="store_true", help="print a JSON array")


def _line(entry: dict) -> str:
    """One entry, one line: every field came from outside (argv, names, AWS answers)
    and may hold control characters or escape sequences, so each is escaped."""
    from ..redact import escape

    when = str(entry.get("time", "?")).replace("T", " ")[:19]
    account = str(entry.get("account") or "?")
    if entry.get("account_name"):
        account = f"{account} ({entry['account_name']})"
    status = entry.get("exit_status")
    ran = "did not run" if status is None else f"exit {status}"
    argv = entry.get("argv")
    argv = argv if isinstance(argv, list) else []
    command = shlex.join(["aws", *map(str, argv)])
    decision = str(entry.get("decision", "?"))
    risk = str(entry.get("risk") or "?")
    return escape(
        f"{when}  {decision:<8}  {risk:<11}  {account:<28}  {command}  [{ran}]"
    )


def run(args: argparse.Namespace) -> int:
    from ..audit import log_path, read_entries
    from ..errors import AwsguardError

    if args.lines < 1:
        raise AwsguardError(f"-n {args.lines}: give a number of entries of 1 or more.")
    entries = read_entries(os.environ, args.lines)
    if args.json:
        print(json_text(entries, indent=2))
        return 0
    if not entries:
        print(f"no decisions recorded yet ({log_path(os.environ)})")
        return 0
    for entry in entries:
        print(_line(entry))
    return 0
