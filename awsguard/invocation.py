"""The AWS CLI's argv as data: service, operation, global options, the rest untouched."""

from __future__ import annotations

# Global options that take a value (AWS CLI v1 and v2). The CLI accepts them
# anywhere on the command line, before or after the service and operation.
VALUE_OPTIONS = frozenset(
    {
        "--profile",
        "--region",
        "--endpoint-url",
        "--output",
        "--query",
        "--color",
        "--ca-bundle",
        "--cli-read-timeout",
        "--cli-connect-timeout",
        "--cli-binary-format",
    }
)
FLAG_OPTIONS = frozenset(
    {
        "--debug",
        "--no-verify-ssl",
        "--no-paginate",
        "--no-sign-request",
        "--version",
        "--no-cli-pager",
        "--cli-auto-prompt",
        "--no-cli-auto-prompt",
    }
)


class Invocation:
    """One `aws` command line, split. A plain class: `dataclasses` costs the shim
    several milliseconds of imports (inspect, ast) on every call."""

    __slots__ = ("argv", "service", "operation", "args", "globals", "flags")

    def __init__(
        self,
        argv: tuple[str, ...],
        service: str | None = None,
        operation: str | None = None,
        args: tuple[str, ...] = (),
        globals: dict[str, str] | None = None,
        flags: frozenset[str] = frozenset(),
    ) -> None:
        self.argv = tuple(argv)
        self.service = service
        self.operation = operation
        # Arguments after the operation, with global options removed.
        self.args = tuple(args)
        self.globals = dict(globals or {})
        self.flags = frozenset(flags)

    def __repr__(self) -> str:
        return f"Invocation(argv={self.argv!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Invocation):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    @property
    def profile(self) -> str | None:
        return self.globals.get("--profile")

    @property
    def region(self) -> str | None:
        return self.globals.get("--region")

    @property
    def endpoint_url(self) -> str | None:
        return self.globals.get("--endpoint-url")

    @property
    def is_version(self) -> bool:
        return "--version" in self.flags

    @property
    def is_help(self) -> bool:
        return (
            self.service in (None, "help")
            or self.operation == "help"
            or "help" in self.args[:1]
        )

    def has_arg(self, name: str) -> bool:
        """True when `name` (an operation option such as --dry-run) was given."""
        return any(a == name or a.startswith(name + "=") for a in self.args)

    def arg_value(self, name: str) -> str | None:
        for i, a in enumerate(self.args):
            if a == name and i + 1 < len(self.args):
                return self.args[i + 1]
            if a.startswith(name + "="):
                return a.split("=", 1)[1]
        return None

    @property
    def calls_aws(self) -> bool:
        """Whether this invocation will (probably) make an AWS API call."""
        if self.is_version or self.is_help or self.service is None:
            return False
        if self.service in ("configure", "history", "cli-dev") and self.operation != "sso":
            return False
        if self.has_arg("--generate-cli-skeleton"):
            return False
        return self.operation is not None


def parse(argv: list[str] | tuple[str, ...]) -> Invocation:
    """Split `aws` argv (without the program name) into an Invocation."""
    argv = tuple(argv)
    globals_: dict[str, str] = {}
    flags: set[str] = set()
    positionals: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if name in VALUE_OPTIONS:
            if eq:
                globals_[name] = value
            elif i + 1 < len(argv):
                globals_[name] = argv[i + 1]
                i += 1
            i += 1
            continue
        if arg in FLAG_OPTIONS:
            flags.add(arg)
            i += 1
            continue
        if len(positionals) < 2 and not arg.startswith("-"):
            positionals.append(arg)
        elif positionals:
            rest.append(arg)
        i += 1
    service = positionals[0] if positionals else None
    operation = positionals[1] if len(positionals) > 1 else None
    return Invocation(
        argv=argv,
        service=service,
        operation=operation,
        args=tuple(rest),
        globals=globals_,
        flags=frozenset(flags),
    )
