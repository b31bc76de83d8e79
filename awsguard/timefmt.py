"""The one way awsguard reads and writes moments and durations (stdlib only, cheap to import).

AWS writes timestamps several ways (`2026-03-01T12:00:00Z`, `…+00:00`, `… UTC`,
naive ISO from older SDKs meaning UTC); awsguard writes one: `2026-03-01T12:00:00Z`.
"""

from __future__ import annotations

from datetime import datetime, timezone


def parse_time(text: str) -> datetime | None:
    """A timestamp as AWS and the CLI caches write it, in UTC; None when unreadable."""
    value = text.strip()
    if value.endswith("UTC"):
        value = value[:-3].strip() + "+00:00"
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # naive means UTC in every AWS file
    return moment


def require_time(text: str) -> datetime:
    """parse_time for awsguard's own files, where an unreadable value is corruption."""
    moment = parse_time(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text[:40]!r}")
    return moment


def format_time(moment: datetime) -> str:
    """`2026-03-01T12:00:00Z`: UTC, whole seconds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> datetime:
    return datetime.now(timezone.utc)


def duration(seconds: float) -> str:
    """`2d03h` from 48 hours, `3h05m`, `4m10s`; the sign is ignored."""
    whole = int(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 48:
        return f"{hours // 24}d{hours % 24:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s"


def remaining(seconds: float) -> str:
    """What is left of a session: `3h05m`, `4m10s`, or `expired`."""
    return duration(seconds) if seconds > 0 else "expired"


def time_left(seconds: float) -> str:
    """`3h05m left`, `4m10s left`, or `expired 2h00m ago`."""
    text = duration(seconds)
    return f"{text} left" if seconds > 0 else f"expired {text} ago"


def compact_left(seconds_left: int | None) -> str:
    """For the shell prompt: `expired`, `17m`, `3h05m`, `2d`; minutes round up, so a
    session shows `1m` until its last second."""
    if seconds_left is None:
        return ""
    if seconds_left <= 0:
        return "expired"
    minutes = -(-seconds_left // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24}d"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
