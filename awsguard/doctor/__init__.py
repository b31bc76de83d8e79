"""`awsguard doctor`: the whole authentication and authorization checklist, as data.

One module per check group, in the order a person troubleshoots (common.GROUPS):
shim, environment, profile, files, credentials, expiry and sso, clock, network,
keyring, rules. In each, `gather_*` functions touch the world (PATH, files, STS,
the keyring) and return plain facts; `check_*` functions turn facts into `Check`s
and do no I/O, so tests feed them dicts, temp files and datetimes. `run.run_doctor`
strings them together over one `Situation` (awsguard/situation.py), the same one
`whoami` and `prompt` read, and `render.format_report` prints the result; nothing
here prints.

Every step is guarded: a check that breaks becomes that check's `fail` with the
reason, and the other checks still run.
"""

from __future__ import annotations

from .clock import check_clock, clock_skew_seconds
from .common import (
    FAIL,
    GROUPS,
    KEYRING_SERVICE,
    OK,
    SKIP,
    STATUSES,
    WARN,
    Check,
    Report,
    broken_check,
    mask_env_value,
    mask_key,
    mask_url,
)
from .credentials import StsProbe, check_credentials_alive, diagnose_probe, probe_sts
from .environment import check_environment, environment_lines
from .expiry import check_env_expiry, check_sessions
from .files import check_file, check_permissions, check_plaintext_keys, gather_file
from .keyring import KeyringFacts, check_keyring, gather_keyring
from .network import check_ca_bundle, check_endpoints, check_fips_dualstack, check_proxy
from .profile import check_profile, check_region, closest_profiles
from .render import format_report, use_colour
from .rules import rules_line
from .run import Options, run_doctor
from .shim import ShimFacts, check_shim, gather_shim
from .sso import SsoToken, check_sso, gather_sso_tokens

__all__ = [
    "FAIL", "GROUPS", "KEYRING_SERVICE", "OK", "SKIP", "STATUSES", "WARN",
    "Check", "KeyringFacts", "Options", "Report", "ShimFacts", "SsoToken", "StsProbe",
    "broken_check", "check_ca_bundle", "check_clock", "check_credentials_alive",
    "check_endpoints", "check_env_expiry", "check_environment", "check_file",
    "check_fips_dualstack", "check_keyring", "check_permissions", "check_plaintext_keys",
    "check_profile", "check_proxy", "check_region", "check_sessions", "check_shim",
    "check_sso", "clock_skew_seconds", "closest_profiles", "diagnose_probe",
    "environment_lines", "format_report", "gather_file", "gather_keyring", "gather_shim",
    "gather_sso_tokens", "mask_env_value", "mask_key", "mask_url", "probe_sts",
    "rules_line", "run_doctor", "use_colour",
]
