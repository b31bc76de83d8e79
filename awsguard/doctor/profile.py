"""Group 3, profile and region: which profile, which credential source and why; the region."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .common import Check, FAIL, OK, WARN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..resolve import Resolution


# --- 3. profile and region -----------------------------------------------------------------


def closest_profiles(name: str, names: Iterable[str]) -> list[str]:
    import difflib

    known = list(names)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    # A difference in case only is the commonest typo and difflib may rank it low.
    same_case = [n for n in known if n.lower() == name.lower() and n not in close]
    return same_case + close


def check_profile(res: Resolution, profile_names: list[str], imds_disabled: bool) -> list[Check]:
    origin = f"from {res.profile_from}" if res.profile_from != "default" else "the default"
    where = f"profile {res.profile} ({origin})"
    evidence: list[str] = []
    if res.access_key_id:
        evidence.append(f"access key {res.access_key_id} ({res.source_location or res.source})")
    if res.role_arn:
        evidence.append(f"role {res.role_arn}")
    if getattr(res, "role_chain", None) and len(res.role_chain) > 1:
        evidence.append("role chain " + " -> ".join(res.role_chain))
    if res.base_source:
        base = f"{res.base_source} {res.base_access_key_id or ''}".strip()
        evidence.append(f"role's base credentials: {base} (profile {res.base_profile})")
    if res.mfa_serial:
        evidence.append(f"mfa_serial {res.mfa_serial}")
    if res.sso_session or res.sso_start_url:
        evidence.append(f"sso {res.sso_session or res.sso_start_url}")
    if res.credential_process:
        evidence.append(f"credential_process {res.credential_process}")

    not_found = next(
        (c for c in res.conflicts if c.code == "profile-not-found"), None
    )
    if not_found is not None:
        close = closest_profiles(res.profile, profile_names)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        known = ", ".join(profile_names) or "none"
        effective = Check(
            "profile.effective",
            FAIL,
            f"{where} does not exist: the CLI stops with ProfileNotFound",
            (not_found.message, f"profiles: {known}"),
            f"{hint}use an existing profile (--profile / AWS_PROFILE), "
            f"or add [profile {res.profile}] to the config file",
        )
    elif res.error:
        effective = Check(
            "profile.effective",
            FAIL,
            f"{where}: the CLI will stop before any call: {res.error}",
            tuple(evidence),
            "fix the profile or the variables named in the message",
        )
    elif res.source is None:
        effective = Check(
            "profile.effective",
            FAIL if imds_disabled else WARN,
            f"{where}: no credentials found: {res.source_reason}",
            tuple(evidence),
            f"`awsguard add {res.profile}`, `aws configure --profile {res.profile}`, "
            f"or `aws configure sso --profile {res.profile}`",
        )
    else:
        # Unused keys, and a duration AWS refuses for a chained role (resolve.py).
        shadowed = [
            c for c in res.conflicts if c.code in ("keys-shadowed", "chained-role-duration")
        ]
        evidence += [f"[{c.code}] {c.message}" for c in shadowed]
        effective = Check(
            "profile.effective",
            WARN if shadowed else OK,
            f"{where}: credentials from {res.source} ({res.source_reason})",
            tuple(evidence),
            "; ".join(dict.fromkeys(c.fix for c in shadowed)) or None,
        )

    region_checks = [effective, check_region(res)]
    return region_checks


_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def check_region(res: Resolution) -> Check:
    no_region = next((c for c in res.conflicts if c.code == "no-region"), None)
    if not res.region:
        why = no_region.message if no_region else f"no region for profile {res.profile}"
        return Check(
            "profile.region",
            FAIL,
            "no region: most commands fail with 'You must specify a region'",
            (why,),
            no_region.fix
            if no_region
            else f"`aws configure set region <region> --profile {res.profile}`",
        )
    setting = res.region_setting
    where = (setting.location if setting is not None else None) or "?"
    if setting is not None and setting.kind == "config-file":
        where = f"profile {res.profile} in {setting.location}"
    if not _REGION_SHAPE.match(res.region):
        return Check(
            "profile.region",
            WARN,
            f"region {res.region!r} (from {where}) does not look like a region name",
            fix="use a region code such as us-east-1 or eu-west-1",
        )
    return Check("profile.region", OK, f"{res.region} (from {where})")
