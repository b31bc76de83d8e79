"""Operation options as the API parameters the AWS CLI sends (awscli/argprocess.py, paramfile.py).

Per option, in the CLI's order: `file://` / `fileb://` (and v1's http(s)://) replace
the value with a file's content, unless the parameter is exempt; then shorthand
syntax (`Key=Value,List=[a,b],Map={k=v}`) for complex shapes whose value does not
start with `[` or `{`; otherwise JSON for structures, maps and JSON-looking lists,
int/float for numbers, the flag for booleans. `--cli-input-json` fills in what the
options did not set. Scalars inside shorthand stay text (the CLI converts them by
the nested shape, which the tables do not carry). What awsguard cannot decode is
UNPARSED, with a problem, so risk fails closed on it.
"""

from __future__ import annotations

import os
import stat

from . import cliargs

FILE_LIMIT = 1 << 20  # bytes read from one file:// value

_WS = " \t\n\r\x0b\x0c"
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.#/:")


class ParamProblem(Exception):
    pass


# --- shorthand syntax (awscli/shorthand.py, in our own words) -------------------------


def _start_char(c: str) -> bool:
    # the first character of an unquoted value: not space, quote, comma, =, [ or {
    return c not in _WS and c not in "\"',=[{"


def _first_follow(c: str) -> bool:
    # later characters of a first value: not a quote, comma, ] or }
    return c not in "\"',]}"


def _second_follow(c: str) -> bool:
    # later characters of a value after a comma: not a quote, comma or =
    return c not in "\"',="


class _Shorthand:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, what: str) -> ParamProblem:
        return ParamProblem(f"shorthand syntax: expected {what} at position {self.i}")

    def eof(self) -> bool:
        return self.i >= len(self.s)

    def cur(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in _WS:
            self.i += 1

    def expect(self, char: str, ws: bool = False) -> None:
        if ws:
            self.ws()
        if self.cur() != char:
            raise self.fail(repr(char))
        self.i += 1
        if ws:
            self.ws()

    def parse(self) -> dict:
        params: dict = {}
        key, value = self.keyval()
        params[key] = value
        while not self.eof():
            self.expect(",", ws=True)
            key, value = self.keyval()
            if key in params:
                raise ParamProblem(f"shorthand syntax: the key {key!r} is given twice")
            params[key] = value
        return params

    def key(self) -> str:
        start = self.i
        while not self.eof() and self.s[self.i] in _KEY_CHARS:
            self.i += 1
        return self.s[start : self.i]

    def keyval(self) -> tuple[str, object]:
        key = self.key()
        self.ws()
        if self.cur() == "@":
            raise ParamProblem("shorthand syntax: `@=` file values are not read by awsguard")
        self.expect("=", ws=True)
        return key, self.values()

    def values(self) -> object:
        if self.eof():
            return ""
        if self.cur() == "[":
            return self.explicit_list()
        if self.cur() == "{":
            return self.hash_literal()
        return self.csv_value()

    def csv_value(self) -> object:
        first = self.first_value()
        self.ws()
        if self.eof() or self.s[self.i] != ",":
            return first
        self.expect(",", ws=True)
        items = [first]
        while True:
            try:
                current = self.second_value()
                self.ws()
                if self.eof():
                    items.append(current)
                    break
                self.expect(",", ws=True)
                items.append(current)
            except ParamProblem:
                if self.eof():
                    raise
                while self.i >= 0 and self.s[self.i] != ",":
                    self.i -= 1
                break
        return first if len(items) == 1 else items

    def unquoted(self, follow) -> str | None:
        s, i = self.s, self.i
        start = i
        if i < len(s) and s.startswith("\\,", i):
            i += 2
        elif i < len(s) and _start_char(s[i]):
            i += 1
        else:
            return None
        while i < len(s):
            if s.startswith("\\,", i):
                i += 2
            elif follow(s[i]):
                i += 1
            else:
                break
        self.i = i
        return s[start:i].replace("\\,", ",").rstrip()

    def first_value(self) -> str:
        if self.cur() in ("'", '"'):
            return self.quoted(self.cur())
        value = self.unquoted(_first_follow)
        return "" if value is None else value

    def second_value(self) -> str:
        if self.cur() in ("'", '"'):
            return self.quoted(self.cur())
        value = self.unquoted(_second_follow)
        if value is None:
            raise self.fail("a value")
        return value

    def quoted(self, q: str) -> str:
        s, i = self.s, self.i + 1
        while i < len(s):
            if s.startswith("\\" + q, i):
                i += 2
                continue
            if s[i] == q:
                break
            i += 1
        else:
            raise self.fail("a closing quote")
        body = s[self.i + 1 : i]
        self.i = i + 1
        return body.replace("\\" + q, q).replace("\\\\", "\\")

    def explicit_list(self) -> list:
        self.expect("[", ws=True)
        items = []
        while self.cur() != "]":
            if self.eof():
                raise self.fail("]")
            items.append(self.explicit_value())
            self.ws()
            if self.cur() != "]":
                self.expect(",")
                self.ws()
        self.expect("]")
        return items

    def explicit_value(self) -> object:
        if self.cur() == "[":
            return self.explicit_list()
        if self.cur() == "{":
            return self.hash_literal()
        return self.first_value()

    def hash_literal(self) -> dict:
        self.expect("{", ws=True)
        out: dict = {}
        while self.cur() != "}":
            if self.eof():
                raise self.fail("}")
            key = self.key()
            self.ws()
            if self.cur() == "@":
                raise ParamProblem("shorthand syntax: `@=` file values are not read by awsguard")
            self.expect("=", ws=True)
            value = self.explicit_value()
            self.ws()
            if self.cur() != "}":
                self.expect(",")
                self.ws()
            out[key] = value
        self.expect("}")
        return out


def shorthand(text: str) -> dict:
    return _Shorthand(text).parse()


def parse_shape(text: str, i: int = 0) -> tuple[object, int]:
    """The tables' nested shape code (scripts/gen_cli_args.py encode_shape) as a tree:
    a scalar letter, ("L", x), ("M", x) or ("S", {name: x})."""
    c = text[i]
    if c in "LM":
        inner, j = parse_shape(text, i + 2)
        return (c, inner), j + 1  # the closing >
    if c == "{":
        members: dict[str, object] = {}
        j = i + 1
        while text[j] != "}":
            colon = text.index(":", j)
            name = text[j:colon]
            members[name], j = parse_shape(text, colon + 1)
            if text[j] == ",":
                j += 1
        return ("S", members), j + 1
    return c, i + 1


def visit(shape: object, value: object, parent: object, key: object) -> None:
    """The CLI's BackCompatVisitor over parsed shorthand: a scalar where the shape has
    a list becomes a list of one; numbers and booleans are converted."""
    if shape == "?" or value is None:
        return
    if isinstance(shape, tuple):
        kind, inner = shape
        if kind == "S":
            if isinstance(value, dict):
                for name, sub in inner.items():  # type: ignore[union-attr]
                    if name in value:
                        visit(sub, value[name], value, name)
            return
        if kind == "L":
            if not isinstance(value, list):
                parent[key] = [value]  # type: ignore[index]
            else:
                for n, item in enumerate(value):
                    visit(inner, item, value, n)
            return
        if isinstance(value, dict):
            for k, v in list(value.items()):
                visit(inner, v, value, k)
        return
    try:
        if shape == "i":
            parent[key] = int(value)  # type: ignore[index, arg-type, call-overload]
        elif shape == "f":
            parent[key] = float(value)  # type: ignore[index, arg-type]
        elif shape == "b":
            if value.lower() == "true":  # type: ignore[union-attr]
                parent[key] = True  # type: ignore[index]
            elif value.lower() == "false":  # type: ignore[union-attr]
                parent[key] = False  # type: ignore[index]
    except (TypeError, ValueError, AttributeError):
        raise ParamProblem(f"{value!r} does not fit the parameter's type") from None


# --- files ----------------------------------------------------------------------------


def _expandvars(path: str, environ) -> str:
    """posixpath.expandvars with `environ`: $NAME and ${NAME}, unknown names kept."""
    if "$" not in path:
        return path
    out, i = [], 0
    while i < len(path):
        c = path[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        if path.startswith("{", i + 1):
            end = path.find("}", i + 2)
            if end < 0:
                out.append(c)
                i += 1
                continue
            name, nxt = path[i + 2 : end], end + 1
        else:
            j = i + 1
            while j < len(path) and (path[j].isascii() and (path[j].isalnum() or path[j] == "_")):
                j += 1
            if j == i + 1:
                out.append(c)
                i += 1
                continue
            name, nxt = path[i + 1 : j], j
        if name in environ:
            out.append(environ[name])
        else:
            out.append(path[i:nxt])
        i = nxt
    return "".join(out)


def _expanduser(path: str, environ) -> str:
    if not path.startswith("~"):
        return path
    slash = path.find("/")
    if slash < 0:
        slash = len(path)
    if slash == 1:
        home = environ.get("HOME")
        if home is None:
            return os.path.expanduser(path)
        return (home.rstrip("/") or "/") + path[1:]
    return os.path.expanduser(path)


def read_file(path: str, binary: bool, environ) -> str | bytes:
    """A file:// value as the CLI reads it: ~ and $VARS expanded, relative to the
    working directory; only regular files, at most FILE_LIMIT bytes."""
    full = _expandvars(_expanduser(path, environ), environ)
    try:
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise ParamProblem(f"cannot read {path}: {err.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ParamProblem(f"{path} is not a regular file")
        if st.st_size > FILE_LIMIT:
            raise ParamProblem(f"{path} is larger than awsguard reads ({FILE_LIMIT} bytes)")
        data = b""
        while len(data) <= FILE_LIMIT:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
        if len(data) > FILE_LIMIT:
            raise ParamProblem(f"{path} is larger than awsguard reads ({FILE_LIMIT} bytes)")
    finally:
        os.close(fd)
    if binary:
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ParamProblem(
            f"{path} is not text (the CLI refuses it too; fileb:// is for binary)"
        ) from None


def paramfile(value: object, major: int, environ) -> object:
    """load-cli-arg: a file:// value replaced by the file's content (a list of one
    word counts as that word)."""
    check = value[0] if isinstance(value, list) and len(value) == 1 else value
    if not isinstance(check, str):
        return value
    if check.startswith("file://"):
        return read_file(check[7:], False, environ)
    if check.startswith("fileb://"):
        return read_file(check[8:], True, environ)
    if major == 1 and check.startswith(("http://", "https://")):
        raise ParamProblem(
            f"the CLI fetches {check.split('/')[2] or 'a URL'} for this value (cli_follow_urlparam)"
        )
    return value


# --- one option -------------------------------------------------------------------------


def _json(text: str) -> object:
    import json

    try:
        return json.loads(text)
    except ValueError as err:
        raise ParamProblem(f"invalid JSON ({err})") from None


def _scalar(kind: str, value: object) -> object:
    if kind in ("integer", "long"):
        try:
            return int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ParamProblem(f"{value!r} is not an integer") from None
    if kind in ("float", "double"):
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ParamProblem(f"{value!r} is not a number") from None
    if kind == "boolean":
        if isinstance(value, str) and value.lower() == "false":
            return False
        return bool(value)
    return value


def decode_option(opt: cliargs.Opt, values: tuple[str, ...], major: int, environ) -> object:
    shape = opt.shape or "string"
    base, *flags = shape.split("|")
    kind, _, member = base.partition(":")
    if opt.action in ("t", "f"):
        return opt.action == "t"
    if opt.nargs in ("*", "+"):
        value: object = list(values)
    elif opt.nargs == "?":
        if not values:
            raise ParamProblem(f"{opt.name} without a value (a CLI customization)")
        value = values[0]
    else:
        value = values[0] if values else ""
    if "nofile" not in flags:
        value = paramfile(value, major, environ)
    if isinstance(value, bytes):
        if kind == "blob":
            return value
        raise ParamProblem(f"{opt.name}: fileb:// for a {kind} value")
    if "json" in flags:
        return _json(value if isinstance(value, str) else value[0] if value else "")
    check = value[0] if isinstance(value, list) and value else value
    looks_json = isinstance(check, str) and check.strip().startswith(("[", "{"))
    if "sh" in flags and not looks_json:
        old = next((f[4:] for f in flags if f.startswith("old=")), None)
        if old is not None and isinstance(value, list):
            return [{old: v} for v in value]
        if "val" in flags and isinstance(value, str) and "=" not in value:
            return {"Value": value}
        nested = next((f[2:] for f in flags if f.startswith("n=")), None)
        parsed: object = (
            [shorthand(v) for v in value] if isinstance(value, list) else shorthand(value)
        )
        if nested is not None:
            visit(parse_shape(nested)[0], parsed, {}, "")
        return parsed
    if kind in ("structure", "map"):
        text = value if isinstance(value, str) else " ".join(value)
        if text.lstrip()[:1] == "{":
            return _json(text)
        raise ParamProblem(f"{opt.name}: expected JSON")
    if kind == "list":
        if isinstance(value, str):
            if value.lstrip()[:1] == "[":
                return _json(value)
            items: list = list(value)
        else:
            if len(value) == 1 and value[0].strip()[:1] == "[":
                return _json(value[0])
            items = value
        return [_scalar(member, v) for v in items]
    if kind in ("integer", "long", "float", "double", "boolean"):
        return _scalar(kind, value)
    if kind == "timestamp" or kind == "blob" or kind == "string":
        return value
    return value


def decode(parse_state, node: cliargs.Node | None) -> tuple[dict[str, object], str | None]:
    """The parameters of one low-level operation call, and a problem (or None)."""
    params: dict[str, object] = {}
    problem = None
    environ = parse_state.environ
    major = parse_state.major
    for name, values in parse_state.options.items():
        opt = parse_state.option_opts.get(name)
        if opt is None or opt.member is None:
            continue
        try:
            params[opt.member] = decode_option(opt, values, major, environ)
        except ParamProblem as err:
            params[opt.member] = cliargs.UNPARSED
            problem = problem or f"{name}: {err}"
    for input_option in ("--cli-input-json", "--cli-input-yaml"):
        values = parse_state.options.get(input_option)
        if not values:
            continue
        try:
            text = paramfile(values[0], major, environ)
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            if input_option == "--cli-input-yaml":
                raise ParamProblem("awsguard does not read YAML input")
            data = _json(text)
            if not isinstance(data, dict):
                raise ParamProblem("the input is not a JSON object")
        except (ParamProblem, UnicodeDecodeError) as err:
            problem = problem or f"{input_option}: {err}"
            params.setdefault("*", cliargs.UNPARSED)
            continue
        for key, value in data.items():
            params.setdefault(key, value)
    return params, problem
