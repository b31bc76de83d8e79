"""The audit log: one JSON line per confirmation decision, append-only, 0600.

`${XDG_STATE_HOME:-~/.local/state}/awsguard/audit.jsonl`. Each entry holds the
time, the argv (values of options that carry secrets replaced by "<redacted>"),
the risk, the level asked, the decision, who the command ran as, and the real
CLI's exit status (null when it did not run).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import paths, redact

REDACTED = redact.REDACTED
# The last this many bytes are what `awsguard log` reads: the log only grows.
TAIL_BYTES = 4 * 1024 * 1024


def redact_argv(argv: Sequence[str]) -> list[str]:
    """argv with the values of secret-carrying options replaced by <redacted> (redact.py)."""
    return redact.argv(argv)


def log_path(environ: Mapping[str, str] = os.environ) -> Path:
    return paths.state_dir(environ) / "audit.jsonl"


def entry_for(outcome: Any, invocation: Any, exit_status: int | None) -> dict[str, Any]:
    identity = getattr(outcome, "identity", None) or {}
    return {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "argv": redact.words(invocation),
        "risk": getattr(outcome, "risk", None),
        "operation": getattr(outcome, "operation", None),
        "action": getattr(outcome, "action", None),
        "level": getattr(outcome, "level", None),
        "decision": getattr(outcome, "decision", None),
        "because": getattr(outcome, "because", None),
        "account": identity.get("account"),
        "account_name": identity.get("name") or identity.get("alias"),
        "arn": identity.get("arn"),
        "region": identity.get("region"),
        "profile": identity.get("profile"),
        "exit_status": exit_status,
    }


def record(
    outcome: Any,
    invocation: Any,
    exit_status: int | None,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Append the decision for one invocation; a pass that asked nothing is not logged.

    Never raises: an audit log that cannot be written is reported in one line.
    """
    if getattr(outcome, "decision", "pass") == "pass":
        return
    try:
        line = json.dumps(entry_for(outcome, invocation, exit_status), separators=(",", ":"))
        paths.append_private(log_path(environ), line)
    except OSError as err:
        import sys

        from .safefs import Unsafe

        if isinstance(err, Unsafe):
            return  # safefs has said why, in one line
        line = f"awsguard: warning: cannot write the audit log {log_path(environ)}: {err}"
        try:
            sys.stderr.write(redact.escape(line) + "\n")
        except (OSError, ValueError, AttributeError):
            pass


def read_entries(environ: Mapping[str, str] = os.environ, limit: int | None = None) -> list[dict]:
    """The last `limit` entries, oldest first; lines that are not JSON are skipped."""
    from . import safefs

    try:
        raw = safefs.read_tail(log_path(environ), TAIL_BYTES)
    except OSError:  # absent, or not ours (safefs warned): nothing trustworthy to show
        return []
    lines = raw.decode("utf-8", "replace").splitlines()
    entries = []
    for line in lines if limit is None else lines[-limit:]:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            entries.append(value)
    return entries
