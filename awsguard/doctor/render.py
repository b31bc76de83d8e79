"""format_report: the report for people (colour, evidence, fixes)."""

from __future__ import annotations

from collections.abc import Mapping

from ..redact import escape
from .common import FAIL, GROUPS, OK, Report, SKIP, STATUSES, WARN


# --- printing ------------------------------------------------------------------------------

_COLOURS = {OK: "32", WARN: "33", FAIL: "31", SKIP: "2"}
_LABELS = {OK: "ok", WARN: "warn", FAIL: "FAIL", SKIP: "skip"}


def use_colour(environ: Mapping[str, str], is_tty: bool) -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colour off.
    if environ.get("NO_COLOR"):
        return False
    if environ.get("TERM") == "dumb":
        return False
    return is_tty


def format_report(report: Report, colour: bool = False, verbose: bool = True) -> str:
    # Summaries, evidence and fixes quote AWS_* values, profile names and config
    # values: each is escaped, so none can draw on the terminal or add a line.
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    lines: list[str] = []
    width = max((len(c.id) for c in report.checks), default=10)
    for group, heading in GROUPS:
        members = [c for c in report.checks if c.group == group]
        if not members:
            continue
        lines.append(paint("1", heading))
        for check in members:
            label = paint(_COLOURS[check.status], f"{_LABELS[check.status]:<4}")
            lines.append(f"  {label}  {check.id:<{width}}  {escape(check.summary)}")
            indent = " " * (width + 10)
            if verbose or check.status in (WARN, FAIL):
                for line in check.evidence:
                    lines.append(f"{indent}{escape(line)}")
            if check.fix and check.status in (WARN, FAIL):
                lines.append(f"{indent}{paint('1', 'fix:')} {escape(check.fix)}")
        lines.append("")
    counts = report.counts()
    parts = [f"{counts[s]} {_LABELS[s].lower()}" for s in STATUSES if counts[s]]
    verdict = {
        OK: "all good",
        WARN: "nothing failed; see the warnings",
        FAIL: f"{counts[FAIL]} check{'s' if counts[FAIL] != 1 else ''} failed: see the fixes",
    }[report.status]
    lines.append(paint(_COLOURS[report.status], f"doctor: {', '.join(parts)} — {verdict}"))
    return "\n".join(lines) + "\n"
