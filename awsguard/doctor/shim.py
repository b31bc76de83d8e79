"""Group 1, the aws shim: first on PATH, the real CLI found (path, version, major), no loop."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .common import Check, FAIL, OK, SKIP, WARN, _oneline


# --- 1. the shim ---------------------------------------------------------------------------


@dataclass
class ShimFacts:
    path_dirs: list[str] = field(default_factory=list)
    first_aws: str | None = None
    first_is_shim: bool = False
    real_path: str | None = None
    real_error: str | None = None
    real_version: str | None = None
    real_major: int | None = None
    describe_error: str | None = None
    real_is_shim: bool = False
    override: str | None = None
    disabled: bool = False
    real_cli: Any = None  # realcli.RealCli, handed to the Situation


def first_on_path(name: str, path: str) -> str | None:
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def gather_shim(environ: Mapping[str, str]) -> ShimFacts:
    from .. import realcli

    facts = ShimFacts(
        path_dirs=environ.get("PATH", "").split(os.pathsep),
        override=environ.get("AWSGUARD_REAL_AWS") or None,
        disabled=environ.get("AWSGUARD_DISABLE") == "1",
    )
    facts.first_aws = first_on_path("aws", environ.get("PATH", ""))
    if facts.first_aws:
        facts.first_is_shim = realcli.is_shim(os.path.realpath(facts.first_aws))
    self_path = facts.first_aws if facts.first_is_shim else None
    try:
        facts.real_path = realcli.find_real_cli(environ, self_path)
    except realcli.RealCliNotFound as err:
        facts.real_error = err.message().removeprefix("awsguard: ")
        return facts
    facts.real_is_shim = realcli.is_shim(os.path.realpath(facts.real_path))
    try:
        described = realcli.describe(facts.real_path)
        facts.real_cli = described
        facts.real_version = described.version
        facts.real_major = described.major
    except Exception as err:  # noqa: BLE001 - a broken CLI is a finding, not a crash
        facts.describe_error = _oneline(err)
        try:
            facts.real_major = realcli.guess_major(facts.real_path)
        except Exception:  # noqa: BLE001
            facts.real_major = None
    return facts


def check_shim(facts: ShimFacts) -> list[Check]:
    install_fix = (
        "put awsguard's bin directory first on PATH: source shell/awsguard.bash "
        "(.zsh, .fish) from your shell's rc file, or re-run install.sh, then open a new shell"
    )
    checks = []
    if facts.first_aws is None:
        on_path = Check(
            "shim.on-path",
            FAIL,
            "no `aws` on PATH at all",
            (f"PATH={os.pathsep.join(facts.path_dirs)}",),
            install_fix,
        )
    elif not facts.first_is_shim:
        on_path = Check(
            "shim.on-path",
            WARN,
            f"the first `aws` on PATH ({facts.first_aws}) is not the awsguard shim: "
            "aws commands run unguarded",
            (f"PATH={os.pathsep.join(facts.path_dirs)}",),
            install_fix,
        )
    else:
        on_path = Check(
            "shim.on-path", OK, f"the first `aws` on PATH is the awsguard shim ({facts.first_aws})"
        )
    if facts.disabled and on_path.status == OK:
        on_path = Check(
            "shim.on-path",
            WARN,
            f"the shim is first on PATH ({facts.first_aws}) but AWSGUARD_DISABLE=1 turns it "
            "into a plain exec of the real CLI",
            fix="`unset AWSGUARD_DISABLE`",
        )
    checks.append(on_path)

    if facts.real_path is None:
        checks.append(
            Check(
                "shim.real-cli",
                FAIL,
                "no real AWS CLI found",
                (facts.real_error or "",),
                "install the AWS CLI, or set AWSGUARD_REAL_AWS=/path/to/aws",
            )
        )
    elif facts.describe_error:
        checks.append(
            Check(
                "shim.real-cli",
                FAIL,
                f"the real AWS CLI at {facts.real_path} does not run: {facts.describe_error}",
                (f"resolved: {os.path.realpath(facts.real_path)}",),
                f"run `{facts.real_path} --version` to see why; reinstall the AWS CLI "
                "or point AWSGUARD_REAL_AWS at a working one",
            )
        )
    else:
        origin = "AWSGUARD_REAL_AWS" if facts.override else "PATH"
        evidence = [f"resolved: {os.path.realpath(facts.real_path)}", f"found through {origin}"]
        checks.append(
            Check(
                "shim.real-cli",
                OK,
                f"real AWS CLI {facts.real_version} (v{facts.real_major}) at {facts.real_path}",
                tuple(evidence),
            )
        )

    loop_reason = None
    if facts.real_error and "awsguard shim" in facts.real_error:
        loop_reason = facts.real_error.split(". ")[0]
    elif facts.real_path and facts.real_is_shim:
        loop_reason = f"the 'real' CLI {facts.real_path} is itself an awsguard shim"
    elif (
        facts.real_path
        and facts.first_aws
        and facts.first_is_shim
        and os.path.realpath(facts.real_path) == os.path.realpath(facts.first_aws)
    ):
        loop_reason = f"the shim {facts.first_aws} would run itself"
    if loop_reason:
        checks.append(
            Check(
                "shim.loop",
                FAIL,
                f"loop: {loop_reason}",
                fix="set AWSGUARD_REAL_AWS to the real `aws` (for example /usr/local/bin/aws)",
            )
        )
    elif facts.real_path is None:
        checks.append(Check("shim.loop", SKIP, "no real CLI found, so no loop to check"))
    else:
        checks.append(Check("shim.loop", OK, "no loop: the real CLI is not an awsguard shim"))
    return checks
