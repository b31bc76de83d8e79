"""Group 6, expiry of the SSO token cache: the token the CLI would use, and the OIDC refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..timefmt import parse_time, time_left
from .common import Check, EXPIRY_WARN_SECONDS, FAIL, OK, SKIP, WARN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..resolve import Resolution


@dataclass(frozen=True)
class SsoToken:
    path: Path
    start_url: str
    expires_at: datetime | None


def gather_sso_tokens(home: str) -> list[SsoToken]:
    import json

    from ..safefs import read_outside

    folder = Path(home) / ".aws" / "sso" / "cache"
    found = []
    try:
        entries = sorted(folder.glob("*.json"))
    except OSError:
        return []
    for path in entries:
        try:
            # Not path.read_text: a FIFO or device named *.json must not hang doctor.
            data = json.loads(read_outside(path, 1024 * 1024, warn=False))
        except (OSError, ValueError):
            continue
        # Client registrations live here too; only access tokens matter.
        if not isinstance(data, dict) or "accessToken" not in data:
            continue
        expires = data.get("expiresAt")
        moment = parse_time(expires) if isinstance(expires, str) else None
        found.append(SsoToken(path, str(data.get("startUrl", "?")), moment))
    return found


def _sso_profile(res: Resolution) -> str:
    if res.source != "sso" and res.base_source == "sso" and res.base_profile:
        return res.base_profile
    return res.profile


def check_sso(
    tokens: list[SsoToken], res: Resolution, wanted: Path | None, now: datetime
) -> Check:
    uses_sso = res is not None and "sso" in (res.source, res.base_source)
    login = "aws sso login"
    if res is not None:
        login = (
            f"aws sso login --sso-session {res.sso_session}"
            if res.sso_session
            # a role on SSO signs in through its source profile, which holds the sso_* keys
            else f"aws sso login --profile {_sso_profile(res)}"
        )
    lines = []
    for token in tokens:
        left = (token.expires_at - now).total_seconds() if token.expires_at else None
        state = time_left(left) if left is not None else "no expiry"
        mark = " <- this profile" if wanted is not None and token.path == wanted else ""
        lines.append(f"{token.start_url}: {state} ({token.path.name}){mark}")
    if not uses_sso:
        if not tokens:
            return Check("expiry.sso", SKIP, "this profile does not use SSO; no SSO tokens cached")
        return Check(
            "expiry.sso",
            OK,
            f"this profile does not use SSO; {len(tokens)} SSO token(s) cached",
            tuple(lines),
        )
    mine = next((t for t in tokens if wanted is not None and t.path == wanted), None)
    name = res.sso_session or res.sso_start_url
    if mine is None or mine.expires_at is None:
        return Check(
            "expiry.sso",
            FAIL,
            f"no cached SSO token for {name}: you are not logged in",
            tuple(lines) + ((f"expected {wanted}",) if wanted else ()),
            f"`{login}`",
        )
    left = (mine.expires_at - now).total_seconds()
    if left <= 0:
        return Check(
            "expiry.sso", FAIL, f"the SSO token for {name} {time_left(left)}", tuple(lines),
            f"`{login}`",
        )
    if left < EXPIRY_WARN_SECONDS:
        return Check(
            "expiry.sso", WARN, f"the SSO token for {name}: {time_left(left)}", tuple(lines),
            f"`{login}`",
        )
    return Check("expiry.sso", OK, f"the SSO token for {name}: {time_left(left)}", tuple(lines))
