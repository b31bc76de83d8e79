"""Entry of the `awsguard` command: parse arguments, hand each subcommand to its module.

Each module in `awsguard.commands` defines NAME, HELP, `configure(parser)` and
`run(args) -> int`, and keeps heavy imports inside `run`.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # the prompt path below must not pay for argparse or typing
if TYPE_CHECKING:
    import argparse


def _command_modules() -> list:
    import importlib
    import pkgutil

    from . import commands

    found = []
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            found.append(module)
    return found


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from . import __version__

    parser = argparse.ArgumentParser(
        prog="awsguard",
        description="A guard in front of the AWS CLI. The `aws` shim runs it on every call; "
        "these subcommands report and manage what it knows.",
    )
    parser.add_argument("--version", action="version", version=f"awsguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        child = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(child)
        child.set_defaults(_run=module.run)
    return parser


class _Profile:
    """The arguments of `credential-process PROFILE`, as argparse would give them."""

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.command = "credential-process"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The prompt segment runs on every Enter: it skips argparse and the module scan.
    if argv[:1] == ["prompt"]:
        from .commands import prompt as prompt_command

        return prompt_command.fast_main(argv[1:])
    # An SDK starts `credential-process PROFILE` for every client it builds: the same
    # shortcut, for exactly the one form argparse would read as a profile name.
    if len(argv) == 2 and argv[0] == "credential-process" and not argv[1].startswith("-"):
        from .commands import credential_process

        return _run(credential_process.run, _Profile(argv[1]))
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    return _run(args._run, args)


def _run(run, args) -> int:  # noqa: ANN001 - a command's run() and its arguments
    from .errors import AwsguardError

    try:
        return int(run(args) or 0)
    except AwsguardError as err:
        print(f"awsguard: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("awsguard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed: not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as err:
        if os.environ.get("AWSGUARD_DEBUG"):
            raise
        print(
            f"awsguard: internal error: {type(err).__name__}: {err}. "
            "Run again with AWSGUARD_DEBUG=1 for the traceback, and please report it.",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
