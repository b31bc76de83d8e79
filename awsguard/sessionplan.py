"""Which profiles awsguard's sessions serve, from the AWS config alone (pure, light).

The shim asks this for every profile-based call before it imports the sessions
machinery (keyring, botocore), so it uses the standard library only, and opens the
vault's index only when there is one.
"""

from __future__ import annotations

import os

from . import vaultindex
from .record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

DEFAULT_ROLE_DURATION = 3600

# Root profiles whose credentials come from somewhere other than a long-term key:
# botocore handles them, awsguard does not get in the way.
_OTHER_SOURCES = (
    "credential_source",
    "web_identity_token_file",
    "sso_start_url",
    "sso_session",
    "login_session",
)


def _key_indexed(profile: str, environ: Mapping[str, str]) -> bool:
    """Whether awsguard's vault holds a key for `profile`; no index file, no vault."""
    return vaultindex.key_indexed(profile, environ)


@record(frozen=True)
class RoleStep:
    profile: str
    role_arn: str
    session_name: str  # as configured; "" when botocore would make one up
    external_id: str
    duration_seconds: int


@record(frozen=True)
class Chain:
    """How a profile gets its credentials, as far as awsguard is concerned."""

    profile: str  # the profile asked for
    root: str  # the profile holding the long-term key
    mfa_serial: str  # "" when no MFA is involved
    roles: tuple[RoleStep, ...]  # from the root outwards: roles[-1] is what `profile` assumes
    key_in_keyring: bool
    root_duration: int | None  # the root profile's duration_seconds, if set


def is_awsguard_process(command: str) -> bool:
    """Whether a profile's credential_process is `awsguard credential-process` (an
    imported profile: the key is in awsguard's keyring)."""
    return _is_awsguard_process(command)


def _is_awsguard_process(command: str) -> bool:
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return (
        len(words) >= 2
        and os.path.basename(words[0]) == "awsguard"
        and (words[1] == "credential-process")
    )


def _seconds(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def plan_chain(
    profile_name: str, files: Any, environ: Mapping[str, str] = os.environ
) -> Chain | None:
    """The chain behind `profile_name`, or None when awsguard has nothing to add."""
    if not files.has_profile(profile_name):
        return None
    roles: list[RoleStep] = []
    serials: list[str] = []
    name = profile_name
    seen: set[str] = set()
    while True:
        profile = files.profile(name)
        seen.add(name)
        role_arn = str(profile.get("role_arn", "") or "")
        if not role_arn:
            break
        source = str(profile.get("source_profile", "") or "")
        if not source:
            return None  # credential_source / web identity: botocore's business
        roles.append(
            RoleStep(
                profile=name,
                role_arn=role_arn,
                session_name=str(profile.get("role_session_name", "") or ""),
                external_id=str(profile.get("external_id", "") or ""),
                duration_seconds=_seconds(profile.get("duration_seconds")) or DEFAULT_ROLE_DURATION,
            )
        )
        serials.append(str(profile.get("mfa_serial", "") or ""))
        if source == name:
            # botocore: a role profile sourcing itself uses its own static keys.
            break
        if source in seen or not files.has_profile(source):
            return None  # a loop or a missing profile: the CLI reports it in its own words
        name = source
    root = files.profile(name)
    roles.reverse()
    serials.reverse()
    if any(key in root for key in _OTHER_SOURCES):
        return None
    process = str(root.get("credential_process", "") or "")
    if process and not _is_awsguard_process(process):
        return None
    in_keyring = bool(process) or _key_indexed(name, environ)
    # The role nearest the root is the one whose AssumeRole botocore would send the
    # code with; a root profile's own mfa_serial covers direct use and every role.
    mfa_serial = next((s for s in serials if s), "") or str(root.get("mfa_serial", "") or "")
    if not mfa_serial and not in_keyring:
        return None
    return Chain(
        profile=profile_name,
        root=name,
        mfa_serial=mfa_serial,
        roles=tuple(roles),
        key_in_keyring=in_keyring,
        root_duration=_seconds(root.get("duration_seconds")),
    )
