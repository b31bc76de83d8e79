"""Group 6, expiry: environment credentials and awsguard's own sessions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..timefmt import format_time, parse_time, time_left
from .common import Check, EXPIRY_WARN_SECONDS, FAIL, OK, SKIP, WARN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..resolve import Resolution


# --- 6. expiry -----------------------------------------------------------------------------


def _env_renew(res: Resolution) -> str:
    return (
        "get fresh credentials from wherever they were exported (for a profile: "
        "`eval \"$(aws configure export-credentials --profile PROFILE --format env)\"`), "
        "or `unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN "
        "AWS_CREDENTIAL_EXPIRATION` to use a profile"
    )


def check_env_expiry(environ: Mapping[str, str], res: Resolution, now: datetime) -> Check:
    raw = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    in_use = res is not None and res.source == "env"
    if not environ.get("AWS_ACCESS_KEY_ID"):
        if raw:
            return Check(
                "expiry.env",
                WARN,
                "AWS_CREDENTIAL_EXPIRATION is set without AWS_ACCESS_KEY_ID",
                fix="`unset AWS_CREDENTIAL_EXPIRATION`",
            )
        return Check("expiry.env", SKIP, "no credentials in the environment")
    if not raw:
        temporary = bool(environ.get("AWS_SESSION_TOKEN") or environ.get("AWS_SECURITY_TOKEN"))
        if temporary:
            return Check(
                "expiry.env",
                OK,
                "temporary environment credentials without AWS_CREDENTIAL_EXPIRATION: "
                "their expiry is known only to AWS",
            )
        return Check("expiry.env", OK, "long-term environment keys: they do not expire")
    moment = parse_time(raw)
    if moment is None:
        return Check(
            "expiry.env",
            WARN,
            f"AWS_CREDENTIAL_EXPIRATION={raw!r} is not an ISO 8601 time",
            fix="set it as 2030-01-01T00:00:00Z, or unset it",
        )
    left = (moment - now).total_seconds()
    note = "" if in_use else " (not in use: another source wins)"
    evidence = (f"AWS_CREDENTIAL_EXPIRATION={format_time(moment)}",)
    if left <= 0:
        return Check(
            "expiry.env",
            FAIL if in_use else WARN,
            f"environment credentials {time_left(left)}{note}",
            evidence,
            _env_renew(res),
        )
    if left < EXPIRY_WARN_SECONDS:
        return Check(
            "expiry.env",
            WARN,
            f"environment credentials: {time_left(left)}{note}",
            evidence,
            _env_renew(res),
        )
    return Check("expiry.env", OK, f"environment credentials: {time_left(left)}{note}", evidence)


def check_sessions(
    sessions: list[Any], profile: str, role_chain: list[str], now: datetime
) -> Check:
    """awsguard's cached MFA and role sessions (SessionInfo from sessions.list_sessions)."""
    if not sessions:
        return Check("expiry.sessions", SKIP, "no awsguard MFA or role sessions cached")
    related = set(role_chain) | {profile}
    lines = []
    stale = []
    for info in sessions:
        left = (info.expiration - now).total_seconds()
        mine = info.profile in related or info.source_profile in related
        kind = info.kind or "session"
        who = info.profile or info.source_profile
        line = f"{kind} {who}: {time_left(left)} ({format_time(info.expiration)})"
        if info.role_arn:
            line += f" role {info.role_arn}"
        lines.append(line + (" <- this profile" if mine else ""))
        if mine and left < EXPIRY_WARN_SECONDS:
            stale.append(info)
    if stale:
        info = stale[0]
        left = (info.expiration - now).total_seconds()
        target = info.source_profile if info.kind == "mfa" and info.source_profile else profile
        return Check(
            "expiry.sessions",
            WARN,
            f"the {info.kind} session for profile {info.profile or profile} is "
            f"{time_left(left)}: the next call asks for an MFA code",
            tuple(lines),
            f"`awsguard mfa {target}`",
        )
    return Check(
        "expiry.sessions",
        OK,
        f"{len(sessions)} awsguard session{'s' if len(sessions) != 1 else ''} cached",
        tuple(lines),
    )
