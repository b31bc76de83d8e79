"""The AWS CLI's argv as data, read exactly as the installed CLI's own parser reads it.

The AWS CLI parses with argparse at three levels (awscli/clidriver.py): the main
parser takes the global options and the command over ALL the words (so `--p prod`
anywhere is `--profile prod`), the service parser takes the operation, and the
operation's parser takes its arguments, with any unique prefix of an option name
accepted at every level. Aliases from ~/.aws/cli/alias replace the command word.
`help` is recognised only where the CLI recognises it. cliargs.py mirrors argparse
over tables dumped from the CLI itself (scripts/gen_cli_args.py); this module walks
the levels the way clidriver.py and customizations/commands.py do.

Whatever awsguard cannot be sure of is said in `problem` (risk then fails closed for
anything that could delete or grant); what the CLI itself rejects is `cli_error`.
"""

from __future__ import annotations

import os

from . import cliargs, safefs

# For _naive: when the tables in data/args-<major>/ are missing or the parser failed.
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
        "--v2-debug",
    }
)

# Commands of the CLI that never call AWS themselves.
_LOCAL_COMMANDS = frozenset({"configure", "history", "cli-dev"})
# ...except these, which load (and report) the credentials an ordinary call would use:
# they go through the guard so that the sessions it manages apply to them too.
_REPORTS_CREDENTIALS = frozenset({"export-credentials", "list"})
_ALIAS_FILE_LIMIT = 1 << 20
# Subcommand aliases expanded in one command line before awsguard calls it a loop (the
# CLI recurses until Python's recursion limit and fails).
_SUB_ALIAS_STEPS = 64


# A parameter value awsguard could not decode (risk predicates fail closed on it).
UNPARSED = cliargs.UNPARSED


class Invocation:
    """One `aws` command line, parsed. A plain class: `dataclasses` costs the shim
    several milliseconds of imports (inspect, ast) on every call."""

    __slots__ = (
        "argv",
        "service",
        "operation",
        "args",
        "globals",
        "flags",
        "words",
        "alias",
        "shell_alias",
        "options",
        "positionals",
        "params",
        "problem",
        "cli_error",
        "owners",
        "help",
        "version_flag",
        "no_call",
        "api_operation",
        "argv_owners",
        "major",
        "unseen",
    )

    def __init__(
        self,
        argv: tuple[str, ...],
        service: str | None = None,
        operation: str | None = None,
        args: tuple[str, ...] = (),
        globals: dict[str, str] | None = None,
        flags: frozenset[str] = frozenset(),
        *,
        words: tuple[str, ...] | None = None,
        alias: str | None = None,
        shell_alias: bool = False,
        options: dict[str, tuple[str, ...]] | None = None,
        positionals: tuple[str, ...] = (),
        params: dict[str, object] | None = None,
        problem: str | None = None,
        cli_error: bool = False,
        owners: tuple[str | None, ...] | None = None,
        help: bool | None = None,
        version_flag: bool | None = None,
        no_call: bool = False,
        api_operation: str | None = None,
        argv_owners: tuple[str | None, ...] | None = None,
        major: int = 1,
        unseen: str | None = None,
    ) -> None:
        self.argv = tuple(argv)
        self.service = service
        self.operation = operation
        # The operation-level words, option names canonical, global options removed.
        self.args = tuple(args)
        self.globals = dict(globals or {})
        self.flags = frozenset(flags)
        self.words = self.argv if words is None else tuple(words)
        self.alias = alias
        self.shell_alias = shell_alias
        self.options = dict(options or {})
        self.positionals = tuple(positionals)
        self.params = dict(params or {})
        self.problem = problem
        self.cli_error = cli_error
        self.owners = tuple(owners) if owners is not None else (None,) * len(self.words)
        self.help = help
        self.version_flag = version_flag
        self.no_call = no_call
        # The API operation the CLI calls (`TerminateInstances`), for low-level commands.
        self.api_operation = api_operation
        self.argv_owners = (
            tuple(argv_owners) if argv_owners is not None else (None,) * len(self.argv)
        )
        self.major = major  # the CLI major version whose parser this reading mirrors
        # What can change the CLI's commands beyond awsguard's tables (CLI plugins, extra
        # service models), as one sentence; risk confirms whatever is not a read then.
        self.unseen = unseen

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
        if self.version_flag is not None:
            return self.version_flag
        return "--version" in self.flags

    @property
    def is_help(self) -> bool:
        if self.help is not None:
            return self.help
        return self.service in (None, "help") or self.operation == "help" or "help" in self.args[:1]

    def has_arg(self, name: str) -> bool:
        """True when `name` (an operation option such as --dry-run) was given."""
        if name in self.options:
            return True
        return any(a == name or a.startswith(name + "=") for a in self.args)

    def arg_value(self, name: str) -> str | None:
        values = self.options.get(name)
        if values:
            return values[-1] if len(values) == 1 else values[0]
        for i, a in enumerate(self.args):
            if a == name and i + 1 < len(self.args):
                return self.args[i + 1]
            if a.startswith(name + "="):
                return a.split("=", 1)[1]
        return None

    def param(self, name: str, default: object = None) -> object:
        """One API parameter as the CLI sends it; UNPARSED when awsguard could not
        decode it, or could not read the --cli-input-json/yaml that may set it
        (params then holds the key "*")."""
        if name in self.params:
            return self.params[name]
        return UNPARSED if "*" in self.params else default

    def argv_without(self, owner: str) -> list[str]:
        """argv without the words of one global option (`<global:--profile>`), however
        it was spelled: for moving --profile into AWS_PROFILE for the child."""
        return [w for w, o in zip(self.argv, self.argv_owners, strict=False) if o != owner]

    @property
    def calls_aws(self) -> bool:
        """Whether this invocation will (probably) make an AWS API call. When awsguard
        is unsure (`problem`), it says yes, so the command is classified."""
        if self.problem is not None:
            return True
        if self.is_version or self.is_help or self.service is None:
            return False
        if self.no_call:
            return False
        if self.service in _LOCAL_COMMANDS and self.operation != "sso":
            return self.service == "configure" and self.operation in _REPORTS_CREDENTIALS
        if self.has_arg("--generate-cli-skeleton"):
            return False
        return self.operation is not None


def parse(
    argv: list[str] | tuple[str, ...],
    *,
    major: int = 1,
    version: str | None = None,
    environ: dict[str, str] | None = None,
    files: object = None,
    aliases: dict[str, str] | None = None,
) -> Invocation:
    """Read `aws` argv (without the program name) as the AWS CLI `major` would."""
    argv = tuple(argv)
    try:
        return _Parse(argv, major, version, environ, aliases).run()
    except Exception as err:  # noqa: BLE001 - parse never raises: an unsure reading fails closed
        inv = _naive(argv)
        inv.major = major
        inv.problem = f"awsguard could not read this command line ({type(err).__name__}: {err})"
        return inv


def _naive(argv: tuple[str, ...]) -> Invocation:
    """The old splitter: exact global option names only. Used when the tables are missing."""
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
    return Invocation(
        argv=argv,
        service=positionals[0] if positionals else None,
        operation=positionals[1] if len(positionals) > 1 else None,
        args=tuple(rest),
        globals=globals_,
        flags=frozenset(flags),
    )


def _plain_ini(text: str) -> dict[str, dict[str, str]] | None:
    """An alias file as configparser.RawConfigParser reads it, for the plain files
    people write (`[section]`, `name = value`, `#`/`;` comments); None for anything
    else, which then goes to configparser itself. Saves the shim importing it (and re)."""
    if any(c in text for c in "\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"):
        return None  # line breaks for str.splitlines that a file's lines do not have
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if line[0] in " \t" or stripped[0] == "[" and not stripped.endswith("]"):
            return None
        if stripped[0] == "[":
            name = stripped[1:-1]
            if not name or name == "DEFAULT" or name in sections or "]" in name:
                return None
            current = sections[name] = {}
            continue
        key, eq, value = line.partition("=")
        key = key.strip().lower()
        if not eq or not key or ":" in key or current is None or key in current:
            return None
        current[key] = value.strip()
    return sections


class _Parse:
    """One run of the mirrored CLI parser over one argv."""

    def __init__(
        self,
        argv: tuple[str, ...],
        major: int,
        version: str | None,
        environ: dict[str, str] | None,
        aliases: dict[str, str] | None,
    ) -> None:
        self.argv = argv
        self.major = major if major in (1, 2) else 2
        self.version = version
        self.environ = os.environ if environ is None else environ
        self.given_aliases = aliases
        self.words: list[str] = list(argv)
        self.owners: list[str | None] = [None] * len(argv)
        self.globals: dict[str, str] = {}
        self.flags: set[str] = set()
        self.problem: str | None = None
        self.cli_error = False
        self.help = False
        self.version_flag = False
        self.no_call = False
        self.alias: str | None = None
        self.shell_alias = False
        self.path: list[str] = []
        self.node: cliargs.Node | None = None
        self.options: dict[str, tuple[str, ...]] = {}
        self.option_opts: dict[str, cliargs.Opt] = {}
        self.positionals: list[tuple[int, str]] = []
        self.op_words: list[int] = []  # indices of the words below the operation
        self.name_words: dict[int, str] = {}  # index of an option name word -> canonical spelling
        self.table_version = ""
        self.command_aliases: dict[tuple[str, ...], dict[str, str]] = {}
        self.unseen: str | None = None
        self.sub_alias_steps = 0

    # --- helpers -------------------------------------------------------------------

    def note(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def usage_error(self, message: str, unknown_kind: bool = False) -> None:
        """The CLI rejects the line. When the reason is a name missing from our tables
        and the installed CLI may be newer than them, or plugins or extra models may add
        it, awsguard is not sure."""
        self.cli_error = True
        if not unknown_kind:
            return
        if self.unseen:
            self.note(f"{message} (not in awsguard's tables; {self.unseen})")
        elif self.version is None or self.version != self.table_version:
            self.note(
                f"{message} (not in awsguard's tables of AWS CLI {self.table_version or '?'}; "
                f"the installed CLI may know it)"
            )

    def check_spelling(self, word: str, canonical: str) -> None:
        """An abbreviation resolved with tables of another CLI version: that version may
        have an option that makes it mean something else (or nothing)."""
        typed = word.split("=", 1)[0]
        if typed != canonical and self.version is not None and self.version != self.table_version:
            self.note(
                f"`{typed}` read as {canonical} with awsguard's tables of AWS CLI "
                f"{self.table_version}; the installed CLI is {self.version}"
            )

    # --- the levels --------------------------------------------------------------------

    def run(self) -> Invocation:
        table = cliargs.load(self.major, "_global")
        main = table.get("") if table is not None else None
        if main is None:
            inv = _naive(self.argv)
            inv.problem = f"awsguard's tables of the AWS CLI v{self.major} parser are missing"
            return inv
        self.table_version = table.version
        self.main_options = main.options
        self.commands = set(main.children)
        self.commands.add("help")
        self.toplevel_aliases, self.command_aliases = self.load_aliases()
        self.unseen = self.find_unseen()
        if self.major == 2:
            self.check_auto_prompt()
        try:
            self.walk_main()
        except cliargs.VersionExit:
            self.version_flag = True
        except cliargs.UsageError as err:
            self.usage_error(
                str(err), unknown_kind="Invalid choice" in str(err) or "Unknown" in str(err)
            )
        except cliargs.Uncertain as err:
            self.note(str(err))
        return self.result()

    def check_auto_prompt(self) -> None:
        mode = self.environ.get("AWS_CLI_AUTO_PROMPT", "")
        if mode in ("on", "on-partial"):
            self.note(f"AWS_CLI_AUTO_PROMPT={mode}: the command can be edited in the CLI's prompt")

    def command_positional(self) -> cliargs.Opt:
        opt = cliargs.Opt([":command", "command", "-", "s", "-", "1", "-", "-", "-"])
        opt.choices = tuple(self.commands | set(self.toplevel_aliases))
        return opt

    def parse_globals(
        self, indices: list[int], in_alias: str | None = None, lead: str | None = None
    ) -> tuple[str | None, list[int]]:
        """The main parser over words[indices]: globals recorded; (command, remaining).
        `lead` is a command word put in front that is not in words (a subcommand alias's
        words are parsed after the command already chosen, as v2's alias.py does)."""
        words = [self.words[i] for i in indices]
        if lead is not None:
            words.insert(0, lead)
            indices = [-1, *indices]
        taken, extras = cliargs.parse_known(self.main_options, [self.command_positional()], words)
        command = None
        self.command_index = -1
        for t in taken:
            where = [indices[i] for i in t.indices]
            if t.option_string is None:
                command = t.values[0]
                self.command_index = where[0]
                continue
            name = t.option_string
            if in_alias is not None and t.opt.dest in ("debug", "profile"):
                raise cliargs.UsageError(
                    f'Global parameter "--{t.opt.dest}" detected in alias "{in_alias}" '
                    "which is not supported in subcommand aliases."
                )
            for i in where:
                self.owners[i] = f"<global:{name}>"
            self.check_spelling(self.words[where[0]], name)
            if t.opt.nargs == 0:
                self.flags.add(name)
                if name == "--cli-auto-prompt":
                    self.note("--cli-auto-prompt: the command can be edited in the CLI's prompt")
            else:
                self.globals[name] = t.values[0] if t.values else ""
        return command, [indices[i] for i in extras]

    def walk_main(self) -> None:
        command, remaining = self.parse_globals(list(range(len(self.words))))
        if command is None:
            raise cliargs.UsageError("the following arguments are required: command")
        command_index = self.command_index
        seen: list[str] = []
        while command in self.toplevel_aliases and not (
            seen and command == seen[-1] and command in self.commands
        ):
            if command in seen:
                self.cli_error = True
                self.note(f"the alias `{seen[0]}` loops ({' -> '.join([*seen, command])})")
                self.path = [seen[0]]
                return
            seen.append(command)
            self.alias = self.alias or command
            value = self.toplevel_aliases[command]
            if value.startswith("!"):
                self.shell_alias = True
                self.note(f"the alias `{command}` runs a shell command awsguard cannot see into")
                return
            alias_words = self.split_alias(command, value)
            # the alias's words replace the command word
            k = command_index
            delta = len(alias_words) - 1
            self.words[k : k + 1] = alias_words
            self.owners[k : k + 1] = [None] * len(alias_words)
            remaining = [i if i < k else i + delta for i in remaining if i != k]
            alias_indices = list(range(k, k + len(alias_words)))
            command, alias_remaining = self.parse_globals(alias_indices, in_alias=seen[-1])
            if command is None:
                raise cliargs.UsageError("the following arguments are required: command")
            command_index = self.command_index
            remaining = alias_remaining + remaining
            if command == seen[-1] and command in self.commands:
                break  # an alias shadowing a builtin proxies to the builtin
        self.path = [command]
        if command == "help":
            self.help = True
            return
        table = cliargs.load(self.major, command)
        if table is None or command not in table:
            self.note(f"no table for the AWS CLI command `{command}`")
            return
        if table.version and table.version != self.table_version:
            self.note(f"the table for `{command}` is from another CLI version")
        self.walk(table, command, remaining)

    def walk(self, table: cliargs.Table, path: str, remaining: list[int]) -> None:
        while True:
            node = table.get(path)
            if node is None:
                self.note(f"no table for `{path}`")
                return
            self.node = node
            words = [self.words[i] for i in remaining]
            if node.kind == "svc":
                aliases = self.sub_aliases()
                op = cliargs.Opt([":operation", "operation", "-", "s", "-", "1", "-", "-", "-"])
                op.choices = (*node.children, *aliases, "help")
                taken, extras = cliargs.parse_known({}, [op], words)
                name = taken[0].values[0]
                index = remaining[taken[0].indices[0]]
                rest = [remaining[i] for i in extras]
                # ServiceCommand.create_parser sets the table's `help` after the aliases
                if name in aliases and name != "help":
                    expanded = self.expand_sub_alias(name, aliases[name], index, rest)
                    if expanded is None:
                        return
                    if name not in node.children:
                        remaining = expanded  # the service parses the alias's words again
                        continue
                    # an alias named like an operation proxies to it, minus the first word
                    remaining, rest = expanded, expanded[1:]
                    index = expanded[0] if expanded else -1
                self.path.append(name)
                if name == "help":
                    self.help = True
                    return
                self.op_words = [i for i in remaining if i != index]
                path = f"{path} {name}"
                remaining = rest
                continue
            if node.kind == "op":
                self.operation_level(node, remaining, words)
                return
            if node.kind == "basic":
                nxt = self.basic_level(node, remaining, words)
                if nxt is None:
                    return
                name, remaining = nxt
                self.path.append(name)
                path = f"{path} {name}"
                continue
            self.note(f"awsguard does not mirror the CLI command `{path}`")
            return

    def relax_required(self, words: list[str]) -> bool:
        # customizations/arguments.py OverrideRequiredArgsArgument: the exact spelling only
        names = (
            ("--cli-input-json",) if self.major == 1 else ("--cli-input-json", "--cli-input-yaml")
        )
        return not any(n in words for n in names)

    def record(self, taken: list[cliargs.Taken], remaining: list[int]) -> None:
        for t in taken:
            where = [remaining[i] for i in t.indices]
            if t.option_string is None:
                if t.opt.dest == "help":
                    continue
                for i in where:
                    self.positionals.append((i, self.words[i]))
                continue
            canonical = t.option_string
            for i in where:
                self.owners[i] = canonical
            word = self.words[where[0]]
            self.check_spelling(word, canonical)
            explicit = word.split("=", 1)[1] if "=" in word and word not in t.opt_names() else None
            self.name_words[where[0]] = (
                f"{canonical}={explicit}" if explicit is not None else canonical
            )
            if t.opt.action == "a":
                # append actions keep every occurrence, in order
                self.options[canonical] = self.options.get(canonical, ()) + tuple(t.values)
            else:
                # re-inserted: the dict's order is the order of last occurrence, so the
                # params (decoded in that order) end with what argparse kept for the dest
                self.options.pop(canonical, None)
                self.options[canonical] = tuple(t.values)
            self.option_opts[canonical] = t.opt

    def operation_level(self, node: cliargs.Node, remaining: list[int], words: list[str]) -> None:
        positionals = node.positionals
        while True:
            if len(self.path) == 2:
                self.op_words = list(remaining)
            if words == ["help"]:
                self.help = True
                return
            aliases = self.sub_aliases()
            if not aliases and not (self.major == 2 and node.children):
                break
            # v2 ServiceOperation: a subcommand table (aliases of `[command svc op]`) is
            # looked for first (SubCommandArgParser: options not required, the table's
            # positionals, then the subcommand); the operation's parser then has the
            # subcommand positional before `help`.
            found = self.find_subcommand(node, aliases, remaining, words)
            positionals = self.with_subcommand(node, aliases, keep_help=True)
            if found is None:
                break
            name, at, rest = found
            if name not in aliases:
                self.note(f"awsguard does not mirror the subcommand `{name}` of this operation")
                return
            expanded = self.expand_sub_alias(name, aliases[name], at, rest)
            if expanded is None:
                return
            if name in node.children:
                self.note(f"awsguard does not mirror the subcommand `{name}` of this operation")
                return
            remaining = expanded
            words = [self.words[i] for i in remaining]
        taken, extras = cliargs.parse_known(
            node.options, positionals, words, check_required=self.relax_required(words)
        )
        unknown = [remaining[i] for i in extras]
        for t in taken:
            if t.option_string is None and t.opt.dest == "help" and t.values:
                if t.values[0] == "help":
                    self.record(taken, remaining)
                    self.help = True
                    return
                unknown.append(remaining[t.indices[0]])
        self.record(taken, remaining)
        if unknown:
            unknown.sort()
            raise cliargs.UsageError(
                "Unknown options: " + ", ".join(self.words[i] for i in unknown)
            )
        self.api = node.api

    def basic_level(
        self, node: cliargs.Node, remaining: list[int], words: list[str]
    ) -> tuple[str, list[int]] | None:
        if len(self.path) == 2 and not self.op_words:
            self.op_words = list(remaining)
        positionals = node.positionals
        while self.major == 2:
            if words == ["help"]:
                self.help = True
                return None
            aliases = self.sub_aliases()
            if not node.children and not aliases:
                break
            # v2 SubCommandArgParser: arg table not required, look for a subcommand; if
            # found, only the first word equal to it is removed and the rest passed on.
            positionals = self.with_subcommand(node, aliases)
            found = self.find_subcommand(node, aliases, remaining, words)
            if found is None:
                break
            name, at, rest = found
            if name not in aliases:
                self.positionals.append((at, name))
                return name, rest
            expanded = self.expand_sub_alias(name, aliases[name], at, rest)
            if expanded is None:
                return None
            if name in node.children:
                # an alias named like a subcommand proxies to it, minus the first word
                if expanded:
                    self.positionals.append((expanded[0], name))
                return name, expanded[1:]
            remaining = expanded
            words = [self.words[i] for i in remaining]
            if len(self.path) == 2:
                self.op_words = list(remaining)
        if words == ["help"]:
            self.help = True
            return None
        taken, extras = cliargs.parse_known(node.options, positionals, words)
        sub = None
        for t in taken:
            if t.option_string is None and t.opt.dest == "subcommand" and t.values:
                sub = t.values[0]
        self.record(taken, remaining)
        if sub is None:
            if extras:
                raise cliargs.UsageError(
                    "Unknown options: " + ",".join(self.words[remaining[i]] for i in extras)
                )
            return None
        return sub, [remaining[i] for i in extras]

    # --- what the tables cannot show ----------------------------------------------------

    def find_unseen(self) -> str | None:
        """What makes the CLI's commands differ from awsguard's tables, or None: plugins
        the AWS config file makes the installed CLI load (awscli/plugin.py: v1 imports
        every `[plugins]` entry; v2 only with `cli_legacy_plugin_path` there), and service
        models botocore's loader finds before its own (AWS_DATA_PATH, a `data_path`
        setting, ~/.aws/models), which can add operations or change their shapes."""
        env = self.environ
        if env.get("AWS_DATA_PATH"):
            return "AWS_DATA_PATH gives the CLI service models awsguard has not seen"
        home = env.get("HOME") or ""
        if home:
            models = os.path.join(home, ".aws", "models")
            try:
                if os.listdir(models):
                    return f"{models} gives the CLI service models awsguard has not seen"
            except OSError:
                pass
        path = env.get("AWS_CONFIG_FILE") or "~/.aws/config"
        if "~" in path or "$" in path:
            from .cliparams import _expanduser, _expandvars

            path = _expanduser(_expandvars(path, env), env)
        try:
            data = safefs.read_outside(path, 8 << 20, warn=False)
        except OSError:
            return None
        low = data.lower()
        if b"plugins" not in low and b"data_path" not in low:
            return None  # the common case: no INI parsing on the shim's path
        from .awsconfig import parse_ini

        sections, _problems = parse_ini(data.decode("utf-8", "replace"), path)
        plugins = sections.get("plugins") or {}
        if self.major == 1 and plugins:
            names = ", ".join(sorted(plugins))
            return f"the AWS config file {path} makes the CLI load plugins ({names})"
        if self.major == 2 and "cli_legacy_plugin_path" in plugins:
            return f"the AWS config file {path} makes the CLI load plugins (cli_legacy_plugin_path)"
        for name, values in sections.items():
            if "data_path" in values:
                return (
                    f"data_path in [{name}] of {path} gives the CLI service models "
                    "awsguard has not seen"
                )
        return None

    # --- subcommand aliases (v2) ------------------------------------------------------

    def sub_aliases(self) -> dict[str, str]:
        """v2's `[command <lineage>]` aliases for the command at self.path. alias.py's
        AliasSubCommandInjector finds them by the `building-command-table.<names joined
        by _>` event, split again on `_`; v1 has no such sections."""
        if self.major != 2 or not self.command_aliases:
            return {}
        return self.command_aliases.get(tuple("_".join(self.path).split("_")), {})

    def with_subcommand(
        self, node: cliargs.Node, aliases: dict[str, str], keep_help: bool = False
    ) -> list[cliargs.Opt]:
        """The node's positionals with the `subcommand` positional (nargs ?) choosing from
        the built-in subcommands and the aliases (argparser.py ArgTableArgParser._build:
        after the argument table; an operation's `help` is added after it)."""
        sub = cliargs.Opt([":subcommand", "subcommand", "?", "s", "-", "0", "-", "-", "-"])
        sub.choices = tuple(dict.fromkeys((*node.children, *aliases)))
        plain = [p for p in node.positionals if p.dest not in ("subcommand", "help")]
        helps = [p for p in node.positionals if p.dest == "help"] if keep_help else []
        return [*plain, sub, *helps]

    def find_subcommand(
        self, node: cliargs.Node, aliases: dict[str, str], remaining: list[int], words: list[str]
    ) -> tuple[str, int, list[int]] | None:
        """v2 SubCommandArgParser: (name, its word's index, the other words) or None."""
        opts = self.with_subcommand(node, aliases)
        taken, _extras = cliargs.parse_known(node.options, opts, words, check_required=False)
        for t in taken:
            if t.option_string is None and t.opt.dest == "subcommand" and t.values:
                name = t.values[0]
                first = words.index(name)  # list.remove: the first word equal to it
                return name, remaining[first], [r for j, r in enumerate(remaining) if j != first]
        return None

    def expand_sub_alias(self, name: str, value: str, at: int, rest: list[int]) -> list[int] | None:
        """One `[command …]` alias taken (alias.py InternalAliasSubCommand): its words,
        less the global options in them (parsed by the main parser after the command),
        go before the rest of the words. The new argument list, or None when the walk
        ends here (a shell alias, a loop)."""
        self.alias = self.alias or name
        self.sub_alias_steps += 1
        if self.sub_alias_steps > _SUB_ALIAS_STEPS:
            # the CLI recurses until Python's recursion limit: an error
            self.cli_error = True
            self.note(f"the alias `{name}` of `{' '.join(self.path)}` loops")
            return None
        if value.startswith("!"):
            self.shell_alias = True
            self.note(f"the alias `{name}` runs a shell command awsguard cannot see into")
            return None
        alias_words = self.split_alias(name, value)
        shift = self.splice(at, alias_words)
        rest = [shift(i) for i in rest if i != at]
        indices = list(range(at, at + len(alias_words)))
        _command, alias_rest = self.parse_globals(indices, in_alias=name, lead=self.path[0])
        return alias_rest + rest

    def splice(self, at: int, new_words: list[str]):
        """words[at] (an alias name) replaced by new_words; every index recorded so far
        moved along. Returns the mapping of an old index to the new one."""
        delta = len(new_words) - 1

        def shift(i: int) -> int:
            return i if i < at else i + delta

        self.words[at : at + 1] = new_words
        self.owners[at : at + 1] = [None] * len(new_words)
        self.positionals = [(shift(i), w) for i, w in self.positionals if i != at]
        self.name_words = {shift(i): w for i, w in self.name_words.items() if i != at}
        op_words: list[int] = []
        for i in self.op_words:
            op_words.extend(range(at, at + len(new_words)) if i == at else (shift(i),))
        self.op_words = op_words
        return shift

    # --- aliases -------------------------------------------------------------------------

    def load_aliases(self) -> tuple[dict[str, str], dict[tuple[str, ...], dict[str, str]]]:
        """`[toplevel]` aliases, and v2's `[command <lineage>]` sections keyed as alias.py
        keys them (the section name split on whitespace, less `command`)."""
        if self.given_aliases is not None:
            return dict(self.given_aliases), {}
        path = _cli_home(self.environ) + "/.aws/cli/alias"
        try:
            text = safefs.read_outside(path, _ALIAS_FILE_LIMIT, warn=False).decode("utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return {}, {}
        except safefs.Unsafe:
            self.note(f"the CLI alias file {path} is not a regular file awsguard can read")
            return {}, {}
        except (OSError, UnicodeDecodeError) as err:
            self.note(f"the CLI alias file {path} cannot be read: {err}")
            return {}, {}
        sections = _plain_ini(text)
        if sections is None:
            sections = self.configparser_ini(path, text)
            if sections is None:
                return {}, {}
        toplevel = dict(sections.get("toplevel", {}))
        commands: dict[tuple[str, ...], dict[str, str]] = {}
        for section, values in sections.items():
            if section.startswith("command "):
                commands[tuple(section.split()[1:])] = dict(values)
        return toplevel, commands

    def configparser_ini(self, path: str, text: str) -> dict[str, dict[str, str]] | None:
        """The alias file through configparser itself (what botocore's raw_config_parse
        uses), for files _plain_ini does not vouch for: continuation lines, `:`, DEFAULT."""
        import configparser

        cp = configparser.RawConfigParser()
        try:
            cp.read_string(text, path)
        except configparser.Error as err:
            self.note(f"the CLI alias file {path} cannot be read: {str(err).splitlines()[0]}")
            return None
        return {s: {k: cp.get(s, k).strip() for k in cp.options(s)} for s in cp.sections()}

    def split_alias(self, name: str, value: str) -> list[str]:
        if value.isascii() and not any(c in value for c in "'\"\\\x0b\x0c\x1c\x1d\x1e\x1f"):
            # without quotes or backslashes, shlex.split is a split on ' \t\r\n'
            return value.split()
        import shlex

        try:
            words = shlex.split(value)
        except ValueError as err:
            raise cliargs.UsageError(
                f'Value of alias "{name}" could not be parsed: {err}'
            ) from None
        return [w.strip(os.linesep) for w in words]

    # --- the result ----------------------------------------------------------------------

    def result(self) -> Invocation:
        service = self.path[0] if self.path else None
        operation = self.path[1] if len(self.path) > 1 else None
        if (
            (self.problem is not None or self.cli_error)
            and operation is None
            and not self.shell_alias
        ):
            # the CLI rejects the line (or awsguard is unsure): name what it looks like,
            # so a dangerous-looking command is still classified as one
            pairs = zip(self.words, self.owners, strict=False)
            guess = [w for w, o in pairs if o is None and not w.startswith("-")]
            if service is None and guess:
                service = guess[0]
            if service is not None and service in guess and guess.index(service) + 1 < len(guess):
                operation = guess[guess.index(service) + 1]
        args: list[str] = []
        op_set = set(self.op_words)
        for i in sorted(self.op_words):
            owner = self.owners[i]
            if owner is not None and owner.startswith("<global:"):
                continue
            args.append(self.name_words.get(i, self.words[i]))
        if (
            self.node is not None
            and self.node.kind == "op"
            and self.options.get("--generate-cli-skeleton") is not None
        ):
            self.no_call = True
        params: dict[str, object] = {}
        api = getattr(self, "api", None)
        if api is not None and not self.help and not self.cli_error:
            from .cliparams import decode

            params, problem = decode(self, self.node)
            if problem:
                self.note(problem)
        argv_owners = self.argv_owners()
        return Invocation(
            argv=self.argv,
            service=service,
            operation=operation,
            args=tuple(args),
            globals=self.globals,
            flags=frozenset(self.flags),
            words=tuple(self.words),
            alias=self.alias,
            shell_alias=self.shell_alias,
            options=self.options,
            positionals=tuple(w for i, w in sorted(self.positionals) if i in op_set),
            params=params,
            problem=self.problem,
            cli_error=self.cli_error,
            owners=tuple(self.owners),
            help=self.help,
            version_flag=self.version_flag,
            no_call=self.no_call,
            api_operation=api,
            argv_owners=argv_owners,
            major=self.major,
            unseen=self.unseen,
        )

    def argv_owners(self) -> tuple[str | None, ...]:
        """Owners of the words as typed: the alias's words stand in for the alias name."""
        if self.alias is None:
            return tuple(self.owners)
        # Globals in argv were parsed before any alias expansion; recompute them on argv.
        owners: list[str | None] = [None] * len(self.argv)
        try:
            taken, _ = cliargs.parse_known(
                self.main_options, [self.command_positional()], list(self.argv)
            )
        except Exception:  # noqa: BLE001
            return tuple(owners)
        for t in taken:
            if t.option_string is not None:
                for i in t.indices:
                    owners[i] = f"<global:{t.option_string}>"
        return tuple(owners)


def _cli_home(environ: dict[str, str]) -> str:
    """The home folder the CLI's alias loader uses: os.path.expanduser('~') in the CLI's
    process, so HOME when it is set (even empty: then the alias file is /.aws/cli/alias),
    else the password database's entry for this user."""
    if "HOME" in environ:
        return environ["HOME"].rstrip("/")
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir.rstrip("/")
    except (ImportError, KeyError):
        return ""
