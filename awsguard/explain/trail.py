"""CloudTrail LookupEvents records to one line per failed call of the current identity."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from ..timefmt import require_time
from .codes import family, normalize

_SINCE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """A duration back from `now` ("90m", "1h", "2d") or an ISO 8601 time; else ValueError."""
    match = _SINCE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    return require_time(text)


def is_kept_error(code: str | None) -> bool:
    """AccessDenied*, UnauthorizedOperation, Client.* and the other denial codes."""
    if not code:
        return False
    if code.startswith("Client.") or code.startswith("AccessDenied"):
        return True
    return normalize(code) == "UnauthorizedOperation" or family(code) == "deny"


@dataclass
class TrailFailure:
    time: str
    event_source: str
    event_name: str
    error_code: str
    error_message: str | None
    resources: list[str]
    user_arn: str | None

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        resource = ", ".join(self.resources) if self.resources else "-"
        return f"{self.time}  {self.event_source} {self.event_name}  {self.error_code}  {resource}"


def _time(value: object) -> str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value or "-")


def _resources(event: dict, record: dict) -> list[str]:
    names = [r.get("ResourceName") for r in event.get("Resources") or [] if r.get("ResourceName")]
    if not names:
        for r in record.get("resources") or []:
            if isinstance(r, dict) and r.get("ARN"):
                names.append(r["ARN"])
    if not names:
        params = record.get("requestParameters")
        if isinstance(params, dict):
            for key in ("bucketName", "roleArn", "keyId", "functionName", "tableName", "queueUrl"):
                if params.get(key):
                    names.append(str(params[key]))
                    break
    return names


def failures(events: list[dict], caller_arn: str | None = None) -> list[TrailFailure]:
    """The failed calls among LookupEvents' `Events`, newest first, of `caller_arn` only
    (CloudTrail's Username is a session name for roles: two roles may share it)."""
    found: list[TrailFailure] = []
    for event in events:
        try:
            record = json.loads(event.get("CloudTrailEvent") or "{}")
        except ValueError:
            record = {}
        code = record.get("errorCode") or event.get("ErrorCode")
        if not is_kept_error(code):
            continue
        identity = record.get("userIdentity")
        identity = identity if isinstance(identity, dict) else {}
        user_arn = identity.get("arn")
        if caller_arn and user_arn and user_arn != caller_arn:
            continue
        found.append(
            TrailFailure(
                time=_time(event.get("EventTime") or record.get("eventTime")),
                event_source=str(event.get("EventSource") or record.get("eventSource") or "-"),
                event_name=str(event.get("EventName") or record.get("eventName") or "-"),
                error_code=code,
                error_message=record.get("errorMessage"),
                resources=_resources(event, record),
                user_arn=user_arn,
            )
        )
    found.sort(key=lambda f: f.time, reverse=True)
    return found
