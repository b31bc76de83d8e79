"""The audit log: one JSON line per confirmation decision, append-only, 0600.

`${XDG_STATE_HOME:-~/.local/state}/awsguard/audit.jsonl`. Each entry holds the
time, the argv (values of options that carry secrets replaced by "<redacted>"),
the risk, the level asked, the decision, who the command ran as, and the real
CLI's exit status (null when it did not run).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import paths

REDACTED = "<redacted>"
# Option names whose value is (or may hold) a secret: --secret-string, --password,
# --master-user-password, --session-token, --private-key, --client-secret,
# --auth-token, --secret-access-key, --credentials, --token-code ...
_SECRET_OPTION = re.compile(
    r"^--[a-z0-9-]*(secret|password|passphrase|private-key|token|credential|key-material"
    r"|sse-customer-key|sse-c-key|sse-c-copy-source-key|plaintext)"
    r"[a-z0-9-]*$"
)
# `aws ssm put-parameter --value` is the parameter itself (a SecureString's secret).
_SECRET_IN = {"--value": "put-parameter"}
# Tokens that are pagination or idempotency handles, not secrets.
_NOT_SECRET = frozenset(
    {
        "--next-token",
        "--starting-token",
        "--continuation-token",
        "--pagination-token",
        "--client-token",
        "--idempotency-token",
        "--client-request-token",
        "--token-duration",
        "--secret-id",
        "--secret-arn",
        "--password-length",
        "--exclude-characters",
    }
)
# Inline JSON/YAML input may hold any parameter; a file:// reference is only a path.
_INLINE_INPUT = frozenset({"--cli-input-json", "--cli-input-yaml"})
# `aws configure set aws_secret_access_key VALUE` carries the secret positionally.
_SECRET_SETTINGS = ("aws_secret_access_key", "aws_session_token", "aws_security_token")


def _is_secret_option(name: str, argv: Sequence[str] = ()) -> bool:
    if name in _NOT_SECRET:
        return False
    if name in _SECRET_IN and _SECRET_IN[name] in argv:
        return True
    return bool(_SECRET_OPTION.match(name)) or name in _INLINE_INPUT


def _is_secret_setting(arg: str) -> bool:
    # `configure set aws_secret_access_key X`, also `default.…` and `profile.NAME.…`.
    return arg.lower().rsplit(".", 1)[-1] in _SECRET_SETTINGS


def redact_argv(argv: Sequence[str]) -> list[str]:
    """argv with the values of secret-carrying options replaced by <redacted>."""
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if arg.startswith("--") and _is_secret_option(name, args):
            inline_ok = name in _INLINE_INPUT
            if eq:
                keep = inline_ok and value.startswith(("file://", "fileb://"))
                out.append(arg if keep else f"{name}={REDACTED}")
            else:
                out.append(arg)
                if i + 1 < len(args) and not args[i + 1].startswith("--"):
                    nxt = args[i + 1]
                    keep = inline_ok and nxt.startswith(("file://", "fileb://"))
                    out.append(nxt if keep else REDACTED)
                    i += 1
            i += 1
            continue
        if _is_secret_setting(arg) and i + 1 < len(args) and "configure" in args[:i]:
            out += [arg, REDACTED]
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def log_path(environ: Mapping[str, str] = os.environ) -> Path:
    return paths.state_dir(environ) / "audit.jsonl"


def entry_for(outcome: Any, invocation: Any, exit_status: int | None) -> dict[str, Any]:
    identity = getattr(outcome, "identity", None) or {}
    return {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "argv": redact_argv(getattr(invocation, "argv", ())),
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

        print(
            f"awsguard: warning: cannot write the audit log {log_path(environ)}: {err}",
            file=sys.stderr,
        )


def read_entries(environ: Mapping[str, str] = os.environ, limit: int | None = None) -> list[dict]:
    """The last `limit` entries, oldest first; lines that are not JSON are skipped."""
    try:
        lines = log_path(environ).read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for line in lines if limit is None else lines[-limit:]:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            entries.append(value)
    return entries
