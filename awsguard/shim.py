"""Entry of the `aws` shim: run the pipeline, then hand over to the real CLI.

Imports only the standard library at start; every heavier stage is imported
when the invocation needs it. The failure policy (DESIGN.md): if awsguard
itself breaks on a command that needs no confirmation, warn in one line and
run the real CLI anyway.
"""

from __future__ import annotations

import os
import sys

from . import realcli


def _warn(message: str) -> None:
    from .redact import escape  # paths from the environment: one line, no escapes

    try:
        sys.stderr.write(escape(f"awsguard: {message}") + "\n")
        sys.stderr.flush()
    except OSError:
        pass


class _Stream:
    """sys.stderr (or stdout) as a plain descriptor: unbuffered, and never an error.

    `aws … >&-`, `2>&-` or a reader that went away (SIGPIPE) must not give a
    traceback from awsguard: the real CLI meets the same closed stream and its own
    message and exit status are the ones the user gets. Nothing is buffered, so
    nothing is left to fail when the interpreter exits.
    """

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def write(self, text: str) -> int:
        if self.fd is not None:
            data = text.encode("utf-8", "backslashreplace")
            try:
                while data:
                    data = data[os.write(self.fd, data) :]
            except OSError:
                self.fd = None  # closed or broken: drop the rest quietly
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        try:
            return self.fd is not None and os.isatty(self.fd)
        except OSError:
            return False

    def fileno(self) -> int:
        if self.fd is None:
            raise OSError(9, "stream closed")
        return self.fd


def _safe_streams() -> None:
    if sys.stdout is None:
        sys.stdout = _Stream(None)  # type: ignore[assignment]
    stderr = sys.stderr
    sys.stderr = _Stream(None if stderr is None else 2)  # type: ignore[assignment]


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    environ = dict(os.environ if environ is None else environ)
    _safe_streams()
    self_path = os.path.realpath(sys.argv[0])

    # Started by a shim as if we were the real CLI: the shims point at each other.
    if environ.get(realcli.EXEC_TARGET_VAR) == self_path:
        _warn(
            f"loop detected: {self_path} is an awsguard shim but was run as the real AWS CLI. "
            "Set AWSGUARD_REAL_AWS to the real `aws` (for example /usr/local/bin/aws)."
        )
        return 127

    try:
        real = realcli.find_real_cli(environ, self_path)
    except realcli.RealCliNotFound as err:
        _warn(err.message().removeprefix("awsguard: "))
        return 127

    if environ.get("AWSGUARD_DISABLE") == "1":
        realcli.exec_real(real, argv, environ)

    from . import guard

    return guard.run(real, argv, environ)


def entry() -> None:
    sys.exit(main())
