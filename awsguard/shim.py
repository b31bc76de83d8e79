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
    try:
        sys.stderr.write(f"awsguard: {message}\n")
        sys.stderr.flush()
    except OSError:
        pass


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    environ = dict(os.environ if environ is None else environ)
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
