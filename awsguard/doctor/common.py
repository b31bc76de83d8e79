"""What every check group shares: the Check and Report data, statuses, the group order, and
the guard that turns a broken check into a finding.
"""

from __future__ import annotations

import os
from typing import Any
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..redact import mask_key as redact_mask_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..situation import Situation


OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
STATUSES = (OK, WARN, FAIL, SKIP)

# (group id, heading) in the order the report shows them.
GROUPS = (
    ("shim", "The aws shim"),
    ("env", "Environment"),
    ("profile", "Profile and region"),
    ("files", "Config and credentials files"),
    ("credentials", "Credentials"),
    ("expiry", "Expiry"),
    ("clock", "Clock"),
    ("network", "Network settings"),
    ("keyring", "Keyring"),
    ("rules", "Confirmation rules"),
)

# SigV4 refuses requests more than 5 minutes off AWS's clock; a minute is a warning sign.
SKEW_WARN_SECONDS = 60
SKEW_FAIL_SECONDS = 300
# Credentials with less than this left are worth a warning: a long command outlives them.
EXPIRY_WARN_SECONDS = 600
STS_TIMEOUT_SECONDS = 5
PROBE_DEADLINE_SECONDS = 30
KEYRING_SERVICE = "awsguard-doctor"
KEYRING_DEADLINE_SECONDS = 15


@dataclass(frozen=True)
class Check:
    id: str
    status: str  # ok | warn | fail | skip
    summary: str
    evidence: tuple[str, ...] = ()
    fix: str | None = None

    @property
    def group(self) -> str:
        return self.id.split(".", 1)[0]

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "group": self.group,
            "status": self.status,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "fix": self.fix,
        }


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    situation: Any = None  # the Situation the checks ran over (situation.Situation)

    @property
    def status(self) -> str:
        found = {c.status for c in self.checks}
        if FAIL in found:
            return FAIL
        if WARN in found:
            return WARN
        return OK

    @property
    def exit_code(self) -> int:
        return 1 if self.status == FAIL else 0

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for c in self.checks if c.status == s) for s in STATUSES}

    def get(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"checks": [c.as_dict() for c in self.checks]}
        if self.situation is not None:
            out.update(situation_dict(self.situation))
        out["status"] = self.status
        return out


def situation_dict(situation: Situation) -> dict[str, object]:
    """What doctor stood for, in whoami's words: the same keys, the same conflicts."""
    try:
        res = situation.resolution
    except Exception:  # noqa: BLE001 - the checks already say why
        return {"conflicts": []}
    return {
        "profile": res.profile,
        "source": res.source,
        "region": res.region,
        "endpoint_url": res.endpoint_url,
        "cli_major": situation.cli_major,
        "cli_version": situation.cli_version,
        "cli_path": situation.cli_path,
        "conflicts": situation.conflict_dicts(),
    }


def _oneline(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def broken_check(check_id: str, err: BaseException) -> Check:
    """What a check that could not run reports, instead of a traceback."""
    return Check(
        check_id,
        FAIL,
        f"the check itself failed: {_oneline(err)}",
        fix="run again with AWSGUARD_DEBUG=1 for the traceback, and please report it",
    )


def _guard(ids: Iterable[str], step: Callable[[], list[Check]]) -> list[Check]:
    try:
        return step()
    except Exception as err:  # noqa: BLE001 - one broken check must not hide the others
        if os.environ.get("AWSGUARD_DEBUG") == "1":
            raise
        return [broken_check(i, err) for i in ids]


# --- small pure helpers --------------------------------------------------------------------


def mask_key(key: str | None) -> str:
    """redact.mask_key, with "" for no key (doctor prints strings)."""
    return (redact_mask_key(key) or "…") if key else ""


def mask_url(url: str) -> str:
    """A URL with any user name and password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(not a URL; hidden)" if "@" in url else url
    if parts.username is None and parts.password is None:
        return url
    netloc = f"***@{host}{port}"
    shown = urlunsplit(parts._replace(netloc=netloc))
    return shown if "://" in url else shown.split("://", 1)[1]


_SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD", "AUTHORIZATION")


def mask_env_value(name: str, value: str) -> str:
    """How doctor shows an environment variable: secrets hidden, key ids and URLs masked."""
    upper = name.upper()
    if upper == "AWS_ACCESS_KEY_ID":
        return mask_key(value)
    if upper.endswith("_FILE"):
        return value
    if any(word in upper for word in _SECRET_WORDS):
        return "(set, hidden)" if value else "(empty)"
    if "PROXY" in upper or "URL" in upper or upper.endswith("_URI"):
        return mask_url(value)  # a user:password@ part is masked
    return value


def _truthy(value: object) -> bool:
    return str(value or "").strip().lower() == "true"
