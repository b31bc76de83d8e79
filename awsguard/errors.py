"""Errors awsguard reports to people: one paragraph, no traceback, no secret."""

from __future__ import annotations

# awsguard's own refusal: a confirmation declined, aborted or impossible.
# The real CLI did not run.
EXIT_REFUSED = 77
EXIT_USAGE = 2
EXIT_NOT_FOUND = 127


class AwsguardError(Exception):
    """A problem with the user's input or environment, worded for the user.

    The message names the file or value at fault and the fix.
    """

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
