"""Group 2, the environment: every AWS_* variable (secrets hidden) and the precedence
conflicts among them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import Check, FAIL, OK, SKIP, WARN, mask_env_value


# --- 2. the environment --------------------------------------------------------------------

# Conflict codes of resolve.py, by the check that reports them.
ENV_CODES = (
    "env-overrides-profile",
    "partial-env-keys",
    "session-token-with-long-term-key",
    "temporary-key-without-token",
    "profile-vars-disagree",
    "region-vars-disagree",
    "legacy-security-token",
)
# Conflicts after which the CLI (or AWS) refuses every call.
FAILING_CODES = (
    "session-token-with-long-term-key",
    "temporary-key-without-token",
)

_AWSGUARD_VARS = (
    "AWSGUARD_DISABLE",
    "AWSGUARD_REAL_AWS",
    "AWSGUARD_CONFIG",
    "AWSGUARD_APPROVE",
    "AWSGUARD_EXPLAIN",
)


def environment_lines(environ: Mapping[str, str]) -> list[str]:
    names = sorted(n for n in environ if n.startswith("AWS_"))
    names += [n for n in _AWSGUARD_VARS if n in environ]
    return [f"{n}={mask_env_value(n, environ[n])}" for n in names]


def check_environment(environ: Mapping[str, str], conflicts: list[Any] | None) -> list[Check]:
    lines = environment_lines(environ)
    count = sum(1 for n in environ if n.startswith("AWS_"))
    variables = Check(
        "env.variables",
        OK,
        f"{count} AWS_* variable{'s' if count != 1 else ''} set"
        + (" (values of secrets hidden)" if count else ""),
        tuple(lines),
    )
    if conflicts is None:
        precedence = Check(
            "env.precedence",
            SKIP,
            "precedence not checked: the credential resolution did not run (see profile.effective)",
        )
        return [variables, precedence]
    mine = [c for c in conflicts if getattr(c, "code", None) in ENV_CODES]
    if not mine:
        return [variables, Check("env.precedence", OK, "no precedence conflicts")]
    failing = any(
        c.code in FAILING_CODES or (c.code == "partial-env-keys" and "stops" in c.message)
        for c in mine
    )
    first = mine[0]
    evidence = tuple(f"[{c.code}] {c.message}" for c in mine)
    fixes = "; ".join(dict.fromkeys(c.fix for c in mine))
    summary = first.message if len(mine) == 1 else f"{len(mine)} conflicts: {first.message}"
    return [variables, Check("env.precedence", FAIL if failing else WARN, summary, evidence, fixes)]
