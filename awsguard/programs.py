"""Start any program for the user (`awsguard exec`): find it, exec it, or run it as a child.

The sibling of realcli's run_real/exec_real for programs other than the AWS CLI:
the same rules for the terminal and signals, without the real-CLI bookkeeping.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
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


def exec_program(path: str, argv: list[str], environ: Mapping[str, str]) -> None:
    """Replace this process: the program gets our pid, terminal, fds and signals."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(path, argv, dict(environ))


# Sent to us, passed on to the child (the terminal's own signals reach it directly).
FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)


def run_program(path: str, argv: list[str], environ: Mapping[str, str]) -> int:
    """Run the program as a child and return its status (negative: killed by that signal).

    Like a shell: the child shares our terminal and process group, so Ctrl-C and
    Ctrl-\\ reach it from the terminal while we ignore them; TERM, HUP, USR1, USR2
    sent to us are passed on.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    ignored = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGQUIT)}
    pid = 0

    def forward(signum: int, _frame: object) -> None:
        if pid:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        pid = os.posix_spawn(
            path, argv, dict(environ), setsigdef=(signal.SIGINT, signal.SIGQUIT, *FORWARDED)
        )
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                return os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                return 1
            except InterruptedError:
                continue
    finally:
        for sig, handler in {**ignored, **previous}.items():
            signal.signal(sig, handler)


def exit_like(status: int) -> int:
    """Exit as the child did: a negative status is death by that signal."""
    if status >= 0:
        return status
    signum = -status
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    return 128 + signum
