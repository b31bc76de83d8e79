"""Group 7, the clock: skew against AWS's clock, from STS's Date header."""

from __future__ import annotations

from datetime import datetime, timezone

from ..timefmt import format_time
from .common import Check, FAIL, OK, SKEW_FAIL_SECONDS, SKEW_WARN_SECONDS, SKIP, WARN


# --- 7. clock skew -------------------------------------------------------------------------


def clock_skew_seconds(local: datetime, date_header: str) -> float | None:
    """Seconds this machine is ahead of the server (negative: behind), from an HTTP Date."""
    from email.utils import parsedate_to_datetime

    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server is None:
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=timezone.utc)
    return (local - server).total_seconds()


def check_clock(local: datetime | None, date_header: str | None, why_none: str = "") -> Check:
    if local is None or not date_header:
        return Check(
            "clock.skew",
            SKIP,
            "not measured: " + (why_none or "no response from AWS to read the time from"),
        )
    skew = clock_skew_seconds(local, date_header)
    if skew is None:
        return Check("clock.skew", SKIP, f"not measured: unreadable Date header {date_header!r}")
    direction = "ahead of" if skew > 0 else "behind"
    amount = abs(skew)
    # The Date header has whole seconds: under 2 s is as close as it can tell.
    text = "in step with AWS" if amount < 2 else f"{amount:.0f} s {direction} AWS"
    evidence = (f"AWS's Date header: {date_header}", f"local time: {format_time(local)}")
    fix = (
        "sync the clock: `sudo timedatectl set-ntp true` (Linux), "
        "`sudo sntp -sS time.apple.com` (macOS), or `w32tm /resync` (Windows)"
    )
    if amount > SKEW_FAIL_SECONDS:
        return Check(
            "clock.skew",
            FAIL,
            f"this machine's clock is {text}: AWS refuses signatures more than 5 min off",
            evidence,
            fix,
        )
    if amount > SKEW_WARN_SECONDS:
        return Check("clock.skew", WARN, f"this machine's clock is {text}", evidence, fix)
    return Check("clock.skew", OK, f"clock {text}", evidence)
