"""Find any program for the user (`awsguard exec`) the way `execvp` would.

Starting it goes through realcli's exec_program/run_program, the one door to
processes: the same rules for the terminal and signals as for the real CLI.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

from .errors import EXIT_NOT_FOUND, AwsguardError


def find(name: str, environ: Mapping[str, str]) -> str:
    """The path `execvp` would run for `name` under the child's PATH."""
    if os.sep in name:
        if os.path.isfile(name) and os.access(name, os.X_OK):
            return name
        raise AwsguardError(f"{name}: not an executable file.", exit_code=EXIT_NOT_FOUND)
    found = shutil.which(name, path=environ.get("PATH", os.defpath))
    if found is None:
        raise AwsguardError(
            f"{name}: command not found on PATH ({environ.get('PATH', '')}).",
            exit_code=EXIT_NOT_FOUND,
        )
    return found

