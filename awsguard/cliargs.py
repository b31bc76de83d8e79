"""The AWS CLI's argparse parsers, mirrored: tables from data/args-<major>/ and the matching rules.

The AWS CLI parses every command line with Python's argparse at three levels (global
options and the command, then the operation, then the operation's own arguments).
awsguard must read a command line exactly as that parser does, so this module
re-implements the parts of argparse (Python 3.11) the CLI uses: option prefix
abbreviation (allow_abbrev), `--opt=value`, the `O`/`A` pattern that decides which
words are option names, nargs counting, positional matching, unknown words left over
for the next level, and the errors argparse raises (ambiguous prefix, missing value,
invalid choice, required arguments). argparse itself costs the shim ~10 ms of imports
(re, gettext); this costs none.

The tables are the CLI's own parsers, dumped by scripts/gen_cli_args.py into
argdata/args-<major>/ (beside data/, whose files gen_tables.py owns): one
zlib-compressed text file per top-level command, read only when that command is used.
"""

from __future__ import annotations

import os
import zlib

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "argdata")


class _Unparsed:
    """A parameter value the parser could not decode (risk predicates fail closed on it).
    Defined here, beside the tables both cliparams and invocation read, so neither has
    to import the other for it; invocation re-exports it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNPARSED"

    def __bool__(self) -> bool:
        return True


UNPARSED = _Unparsed()


class UsageError(Exception):
    """The real CLI would reject this command line (argparse error or Unknown options)."""


class Uncertain(Exception):
    """awsguard cannot be sure what the CLI does with this command line."""


class VersionExit(Exception):
    """--version was reached: the CLI prints its version and exits."""


class Opt:
    """One argparse action: an option string (or `:name` for a positional)."""

    __slots__ = (
        "name",
        "dest",
        "nargs",
        "action",
        "type",
        "required",
        "member",
        "shape",
        "choices",
    )

    def __init__(self, fields: list[str]) -> None:
        self.name = fields[0]
        self.dest = fields[1]
        nargs = fields[2]
        if nargs == "-":
            self.nargs: str | int | None = None
        elif nargs.isdigit():
            self.nargs = int(nargs)
        else:
            self.nargs = nargs
        self.action = fields[3]
        if self.action in ("t", "f", "c", "v"):
            self.nargs = 0
        self.type = fields[4]
        self.required = fields[5] == "1"
        self.member = None if fields[6] == "-" else fields[6]
        self.shape = None if fields[7] == "-" else fields[7]
        self.choices = None if fields[8] == "-" else tuple(fields[8].split("\x1f"))

    def __repr__(self) -> str:
        return f"Opt({self.name!r})"


class Node:
    """One command level: the main parser, a service, an operation, a customization."""

    __slots__ = ("path", "kind", "api", "children", "options", "positionals")

    def __init__(self, path: str, kind: str, api: str, children: str) -> None:
        self.path = path
        self.kind = kind
        self.api = None if api == "-" else api
        self.children = tuple(c for c in children.split(",") if c)
        self.options: dict[str, Opt] = {}
        self.positionals: list[Opt] = []

    def add(self, opt: Opt) -> None:
        if opt.name.startswith(":"):
            self.positionals.append(opt)
        else:
            self.options[opt.name] = opt


class Table:
    """One file of argdata/args-<major>/: the nodes of one top-level command. The file
    is an index and zlib chunks; only the chunk holding a wanted node is decompressed
    (ec2's whole table would cost the shim ~10 ms)."""

    def __init__(self, data: bytes) -> None:
        first = data.index(b"\n")
        second = data.index(b"\n", first + 1)
        magic, count, index_len = data[:first].decode("ascii").split()
        if magic != "AGA1":
            raise ValueError("not an awsguard argument table")
        lengths = [int(n) for n in data[first + 1 : second].decode("ascii").split(",") if n]
        start = second + 1
        self.index = "\n" + data[start : start + int(index_len)].decode("utf-8")
        self.version = ""
        if self.index.startswith("\n@version\t"):
            self.version = self.index[10 : self.index.index("\n", 1)]
        self.offsets = []
        pos = start + int(index_len)
        for n in lengths[: int(count)]:
            self.offsets.append((pos, n))
            pos += n
        self.data = data
        self.chunks: dict[int, str] = {}
        self.nodes: dict[str, Node | None] = {}

    def get(self, path: str) -> Node | None:
        node = self.nodes.get(path)
        if node is not None:
            return node
        at = self.index.find("\n" + path + "\t")
        if at < 0:
            return None
        end = self.index.find("\n", at + 1)
        chunk = int(self.index[at + len(path) + 2 : end if end >= 0 else None])
        text = self.chunks.get(chunk)
        if text is None:
            pos, n = self.offsets[chunk]
            text = self.chunks[chunk] = "\n" + zlib.decompress(self.data[pos : pos + n]).decode(
                "utf-8"
            )
        # only this node's lines become objects (a chunk holds dozens of operations)
        start = text.find("\n=" + path + "\t")
        if start < 0:
            return None
        stop = text.find("\n=", start + 2)
        nodes = _parse_nodes(text[start + 1 : stop if stop >= 0 else None])
        node = self.nodes[path] = nodes.get(path)
        return node

    def __contains__(self, path: str) -> bool:
        return self.index.find("\n" + path + "\t") >= 0


_CACHE: dict[tuple[int, str], Table | None] = {}


def load(major: int, name: str) -> Table | None:
    """The table of one top-level command (`_global` for the main parser), or None."""
    key = (major, name)
    if key in _CACHE:
        return _CACHE[key]
    table = None
    if name and "/" not in name and not name.startswith(".") and "\x00" not in name:
        path = os.path.join(DATA_DIR, f"args-{major}", name + ".z")
        try:
            with open(path, "rb") as f:
                table = Table(f.read())
        except (OSError, ValueError, UnicodeDecodeError):
            table = None
    _CACHE[key] = table
    return table


def _parse_nodes(text: str) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    node = None
    for line in text.split("\n"):
        if not line or line[0] == "#" or line[0] == "@":
            continue
        fields = line.split("\t")
        if line[0] == "=":
            node = Node(fields[0][1:], fields[1], fields[2], fields[3] if len(fields) > 3 else "")
            nodes[node.path] = node
            continue
        if node is not None and len(fields) >= 9:
            node.add(Opt(fields))
    return nodes


# --- argparse, mirrored --------------------------------------------------------------


def _looks_negative_number(word: str) -> bool:
    # argparse: '^-\d+$|^-\d*\.\d+$' (\d is any Unicode decimal; $ allows one final \n)
    body = word[1:]
    if body.endswith("\n"):
        body = body[:-1]
    if body.isdecimal():
        return True
    whole, dot, frac = body.partition(".")
    return bool(dot) and (whole == "" or whole.isdecimal()) and frac.isdecimal()


def classify(options: dict[str, Opt], word: str) -> tuple[Opt | None, str, str | None] | None:
    """argparse's _parse_optional: None for a positional word ('A'); else (action or
    None for an unknown option, the option string, the explicit `=` value)."""
    if not word or word[0] != "-":
        return None
    if word in options:
        return options[word], word, None
    if len(word) == 1:
        return None
    if "=" in word:
        name, value = word.split("=", 1)
        if name in options:
            return options[name], name, value
    matches: list[tuple[Opt, str, str | None]] = []
    if word[1] == "-":
        if "=" in word:
            prefix, explicit = word.split("=", 1)
        else:
            prefix, explicit = word, None
        for name, opt in options.items():
            if name.startswith(prefix):
                matches.append((opt, name, explicit))
    else:
        short = word[:2]
        for name, opt in options.items():
            if name == short:
                matches.append((opt, name, word[2:]))
            elif name.startswith(word):
                matches.append((opt, name, None))
    if len(matches) > 1:
        names = ", ".join(m[1] for m in matches)
        raise UsageError(f"ambiguous option: {word} could match {names}")
    if len(matches) == 1:
        return matches[0]
    if _looks_negative_number(word):
        return None
    if " " in word:
        return None
    return None, word, None


def _count(nargs: str | int | None, run: int) -> int | None:
    """How many of `run` leading positional words an option with this nargs takes."""
    if nargs is None:
        return 1 if run >= 1 else None
    if nargs == "?":
        return 1 if run >= 1 else 0
    if nargs == "*":
        return run
    if nargs == "+":
        return run if run >= 1 else None
    if isinstance(nargs, int):
        return nargs if run >= nargs else None
    raise Uncertain(f"an argument kind awsguard does not know ({nargs})")


def _bounds(nargs: str | int | None) -> tuple[int, int]:
    if nargs is None:
        return 1, 1
    if nargs == "?":
        return 0, 1
    if nargs == "*":
        return 0, 1 << 30
    if nargs == "+":
        return 1, 1 << 30
    if isinstance(nargs, int):
        return nargs, nargs
    raise Uncertain(f"an argument kind awsguard does not know ({nargs})")


def _match_positionals(positionals: list[Opt], run: int) -> list[int]:
    """argparse's _match_arguments_partial over a run of positional words: the
    longest prefix of the positionals that fits, each as greedy as the regex is."""
    for n in range(len(positionals), 0, -1):
        bounds = [_bounds(p.nargs) for p in positionals[:n]]
        if sum(lo for lo, _ in bounds) > run:
            continue
        counts = []
        left = run
        for i, (_lo, hi) in enumerate(bounds):
            rest_min = sum(b[0] for b in bounds[i + 1 :])
            take = min(hi, left - rest_min)
            counts.append(take)
            left -= take
        return counts
    return []


class Taken:
    """One action argparse took: which, under which option string, with what values,
    and the indices (into the parsed list) of the words it consumed."""

    __slots__ = ("opt", "option_string", "values", "indices")

    def __init__(
        self, opt: Opt, option_string: str | None, values: list[str], indices: list[int]
    ) -> None:
        self.opt = opt
        self.option_string = option_string
        self.values = values
        self.indices = indices

    def opt_names(self) -> tuple[str, ...]:
        return (self.option_string,) if self.option_string else ()


def _check(opt: Opt, value: str) -> None:
    if opt.type == "i":
        try:
            int(value)
        except ValueError:
            raise UsageError(f"argument {opt.name}: invalid int value: {value!r}") from None
    elif opt.type == "f":
        try:
            float(value)
        except ValueError:
            raise UsageError(f"argument {opt.name}: invalid float value: {value!r}") from None
    elif opt.type not in ("-", "b"):
        raise Uncertain(f"argument {opt.name} has a value type awsguard does not know")
    if opt.choices is not None and value not in opt.choices:
        raise UsageError(f"argument {opt.name.lstrip(':')}: Invalid choice: {value!r}")


def parse_known(
    options: dict[str, Opt],
    positionals: list[Opt],
    words: list[str],
    *,
    check_required: bool = True,
) -> tuple[list[Taken], list[int]]:
    """argparse's parse_known_args over `words`: the actions taken in order and the
    indices of the words left over (extras), in argparse's order."""
    kinds: list[tuple[Opt | None, str, str | None] | None] = []
    for word in words:
        if word == "--":
            raise Uncertain("the word `--` (awsguard does not mirror it)")
        kinds.append(classify(options, word))
    taken: list[Taken] = []
    extras: list[int] = []
    pending = list(positionals)
    n = len(words)

    def run_from(start: int) -> int:
        end = start
        while end < n and kinds[end] is None:
            end += 1
        return end - start

    def consume_positionals(start: int) -> int:
        counts = _match_positionals(pending, run_from(start))
        for opt, count in zip(list(pending), counts, strict=False):
            values = words[start : start + count]
            if opt.nargs is None or (opt.nargs == "?" and values):
                _check(opt, values[0])
            elif values:
                for v in values:
                    _check(opt, v)
            taken.append(Taken(opt, None, values, list(range(start, start + count))))
            start += count
        del pending[: len(counts)]
        return start

    def consume_optional(start: int) -> int:
        opt, option_string, explicit = kinds[start]  # type: ignore[misc]
        if opt is None:
            extras.append(start)
            return start + 1
        if opt.action == "x":
            raise Uncertain(f"option {option_string} has an action awsguard does not mirror")
        if explicit is not None:
            count = _count(opt.nargs, 1)
            if count == 1:
                values = [explicit]
                stop = start + 1
            else:
                raise UsageError(
                    f"argument {option_string}: ignored explicit argument {explicit!r}"
                )
        else:
            count = _count(opt.nargs, run_from(start + 1))
            if count is None:
                raise UsageError(f"argument {option_string}: expected argument(s)")
            values = words[start + 1 : start + 1 + count]
            stop = start + 1 + count
        if opt.action == "v":
            raise VersionExit()
        if opt.nargs is None or opt.nargs == "?":
            if values:
                _check(opt, values[0])
        else:
            for v in values:
                _check(opt, v)
        taken.append(Taken(opt, option_string, values, list(range(start, stop))))
        return stop

    option_indices = [i for i, k in enumerate(kinds) if k is not None]
    start = 0
    max_option = option_indices[-1] if option_indices else -1
    while start <= max_option:
        next_option = min(i for i in option_indices if i >= start)
        if start != next_option:
            end = consume_positionals(start)
            if end > start:
                start = end
                continue
            start = end
        if start not in option_indices:
            extras.extend(range(start, next_option))
            start = next_option
        start = consume_optional(start)
    stop = consume_positionals(start)
    extras.extend(range(stop, n))
    if check_required:
        seen = {id(t.opt) for t in taken}
        missing = [
            o.name for o in (*options.values(), *positionals) if o.required and id(o) not in seen
        ]
        # an option string of the same action seen under another spelling counts as seen
        dests_seen = {t.opt.dest for t in taken}
        missing = [m for m in missing if _opt_dest(options, positionals, m) not in dests_seen]
        if missing:
            raise UsageError("the following arguments are required: " + ", ".join(missing))
    return taken, extras


def _opt_dest(options: dict[str, Opt], positionals: list[Opt], name: str) -> str:
    if name in options:
        return options[name].dest
    for p in positionals:
        if p.name == name:
            return p.dest
    return name
