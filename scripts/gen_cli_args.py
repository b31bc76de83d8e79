"""Write awsguard/argdata/args-<major>/: the AWS CLI's own argument parsers, as text.

Run it with the interpreter of the CLI it describes, so the tables are what that
CLI's argparse parsers actually contain (customizations, waiters, s3 commands):

    .venv/bin/python scripts/gen_cli_args.py          # AWS CLI v1 (PyPI awscli)
    /usr/bin/python3 scripts/gen_cli_args.py          # AWS CLI v2 (Debian awscli)

The tables are read by awsguard/cliargs.py. One file per top-level command
(`ec2`, `s3`, `configure`, ...), plus `_global` with the main parser's options and
the list of top-level commands. A file is a header (`AGA1 <chunks> <index bytes>`,
then the chunks' byte lengths), a plain index (`@version`, then `path<TAB>chunk`
lines) and zlib-compressed chunks of the table text, which is tab-separated lines:

    @version <cli version>
    =<path> <kind> <api operation (botocore service name for svc) or -> <children>
        kind: svc (ServiceCommand), op (ServiceOperation), basic (BasicCommand),
        help, other
    <option string> <dest> <nargs> <action> <type> <required> <member> <shape> <choices>
        nargs: - (None), ?, *, +, or a number; action: s store, t store_true,
        f store_false, c store_const, v version, a append, x other; type: - str, i int,
        f float, b bool; required: 1/0; member: the API member name or -;
        shape: the API type (string, list:structure, ...) or -; choices: joined
        with \\x1f or -.
    Positional arguments are the same lines with the name in place of the
    option string, prefixed by `:`.
"""

from __future__ import annotations

import argparse
import os
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "awsguard", "argdata")


def action_code(action: argparse.Action) -> str:
    if isinstance(action, argparse._StoreTrueAction):
        return "t"
    if isinstance(action, argparse._StoreFalseAction):
        return "f"
    if isinstance(action, argparse._StoreConstAction):
        return "c"
    if isinstance(action, argparse._VersionAction):
        return "v"
    if type(action) is argparse._StoreAction or type(action).__name__ == "CommandAction":
        return "s"
    # s3's --include/--exclude (AppendFilter) and --tags: every occurrence kept
    if isinstance(action, argparse._AppendAction) or type(action).__name__ == "AppendFilter":
        return "a"
    return "x"


def nargs_code(action: argparse.Action) -> str:
    n = action.nargs
    if n is None:
        return "-"
    return str(n)


def type_code(action: argparse.Action) -> str:
    t = action.type
    if t is None or t is str:
        return "-"
    if t is int:
        return "i"
    if t is float:
        return "f"
    if t is bool:
        return "b"
    return "x"


def shape_name(model) -> str:
    if model is None:
        return "-"
    name = getattr(model, "type_name", None) or "-"
    if name == "list":
        member = getattr(model, "member", None)
        return "list:" + (getattr(member, "type_name", "-") if member is not None else "-")
    return name


def clean(text: object) -> str:
    return str(text).replace("\t", " ").replace("\n", " ")


def shape_flags(arg, path: str, model) -> str:
    """How the CLI turns this argument's text into a parameter (awscli/argprocess.py,
    paramfile.py): |sh shorthand, |json JSON only, |old=K and |val the shorthand
    special cases, |stream a streaming blob (a file path), |nofile no file:// reading."""
    from awscli import argprocess, paramfile

    flags = ""
    try:
        if argprocess._supports_shorthand_syntax(model):
            flags += "|sh"
    except Exception:  # noqa: BLE001
        pass
    try:
        if argprocess.is_json_value_header(model) or argprocess.is_document_type(model):
            flags += "|json"
    except Exception:  # noqa: BLE001
        pass
    words = path.split()
    service, operation = words[0], words[-1]
    name = getattr(arg, "name", "")
    try:
        parser = argprocess.ParamShorthandParser()
        if (
            model.type_name == "list"
            and model.member.type_name == "structure"
            and len(model.member.members) == 1
            and any(
                parser._uses_old_list_case(s, operation, name)
                for s in (service, ENDPOINT.get(service, service))
            )
        ):
            flags += "|old=" + list(model.member.members)[0]
        if (
            model.type_name == "structure"
            and len(model.members) == 1
            and "Value" in model.members
            and model.members["Value"].type_name == "string"
        ):
            flags += "|val"
    except Exception:  # noqa: BLE001
        pass
    if "|sh" in flags:
        nested = encode_shape(model, 0, [])
        if len(nested) <= 3000:
            flags += "|n=" + nested
    if model.type_name == "blob" and model.serialization.get("streaming"):
        flags += "|stream"
    disabled = getattr(paramfile, "PARAMFILE_DISABLED", set())
    prefix = ENDPOINT.get(service, service)
    if getattr(arg, "no_paramfile", False) or any(
        f"{p}.{operation}.{name}" in disabled for p in (prefix, service)
    ):
        flags += "|nofile"
    return flags


ENDPOINT: dict[str, str] = {}
SCALAR_CODES = {
    "string": "s",
    "integer": "i",
    "long": "i",
    "float": "f",
    "double": "f",
    "boolean": "b",
    "timestamp": "t",
    "blob": "B",
}


def encode_shape(model, depth: int, stack: list[str]) -> str:
    """A shape as the shorthand visitor sees it: s i f b t B scalars, L<x> lists,
    M<x> maps (by value), {Name:x,...} structures, ? where it recurses or runs deep."""
    name = getattr(model, "name", "")
    if depth > 6 or name in stack:
        return "?"
    kind = model.type_name
    if kind in SCALAR_CODES:
        return SCALAR_CODES[kind]
    stack.append(name)
    try:
        if kind == "list":
            return "L<" + encode_shape(model.member, depth + 1, stack) + ">"
        if kind == "map":
            return "M<" + encode_shape(model.value, depth + 1, stack) + ">"
        if kind == "structure":
            parts = [f"{k}:{encode_shape(v, depth + 1, stack)}" for k, v in model.members.items()]
            return "{" + ",".join(parts) + "}"
        return "?"
    finally:
        stack.pop()


def arg_lines(parser: argparse.ArgumentParser, arg_table, path: str = "") -> list[str]:
    by_dest = {}
    for arg in (arg_table or {}).values():
        by_dest.setdefault(getattr(arg, "py_name", None), arg)
    lines = []
    for action in parser._actions:
        arg = by_dest.get(action.dest)
        member = "-"
        shape = "-"
        if arg is not None:
            if type(arg).__name__ in ("CLIArgument", "ListArgument", "BooleanArgument"):
                member = getattr(arg, "_serialized_name", None) or "-"
            try:
                shape = shape_name(arg.argument_model)
                if arg.argument_model is not None:
                    shape += shape_flags(arg, path, arg.argument_model)
                elif getattr(arg, "no_paramfile", False):
                    shape += "|nofile"
            except Exception:  # noqa: BLE001 - a customization without a model
                shape = "-"
        choices = "-"
        if action.choices is not None:
            try:
                choices = "\x1f".join(clean(c) for c in action.choices)
            except TypeError:
                choices = "-"
        if action.option_strings:
            names = list(action.option_strings)
        else:
            names = [":" + action.dest]
        for name in names:
            lines.append(
                "\t".join(
                    [
                        name,
                        action.dest,
                        nargs_code(action),
                        action_code(action),
                        type_code(action),
                        "1" if action.required else "0",
                        member,
                        shape,
                        choices,
                    ]
                )
            )
    return lines


def children_of(cmd) -> dict:
    from awscli.clidriver import ServiceCommand

    if isinstance(cmd, ServiceCommand):
        table = dict(cmd._get_command_table())
        table.pop("help", None)
        return table
    table = getattr(cmd, "subcommand_table", None)
    try:
        return dict(table or {})
    except Exception:  # noqa: BLE001
        return {}


def walk(path: str, cmd, out: list[str], depth: int = 0) -> None:
    from awscli.argparser import ArgTableArgParser
    from awscli.clidriver import ServiceCommand, ServiceOperation

    children = children_of(cmd) if depth < 4 else {}
    names = ",".join(children)
    if isinstance(cmd, ServiceCommand):
        # the API field of a service: botocore's name for it (s3api -> s3)
        out.append(f"={path}\tsvc\t{getattr(cmd, '_service_name', None) or '-'}\t{names}")
    elif isinstance(cmd, ServiceOperation):
        table = cmd.arg_table
        try:
            parser = cmd._create_operation_parser(table)
        except TypeError:  # v2 passes the subcommand table too
            parser = cmd._create_operation_parser(table, cmd.subcommand_table)
        cmd._add_help(parser)
        out.append(f"={path}\top\t{cmd._operation_model.name}\t{names}")
        ENDPOINT.setdefault(path.split()[0], cmd._operation_model.service_model.endpoint_prefix)
        out.extend(arg_lines(parser, table, path))
    else:
        table = getattr(cmd, "arg_table", None)
        if table is None or not hasattr(cmd, "_build_arg_table"):
            out.append(f"={path}\tother\t-\t{names}")
            return
        parser = ArgTableArgParser(table, children or None)
        out.append(f"={path}\tbasic\t-\t{names}")
        out.extend(arg_lines(parser, table, path))
    for name, child in children.items():
        walk(f"{path} {name}", child, out, depth + 1)


def main() -> int:
    import awscli
    from awscli import clidriver

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["HOME"] = "/nonexistent-awsguard-home"
    if hasattr(clidriver, "create_clidriver"):
        try:
            driver = clidriver.create_clidriver([])
        except TypeError:
            driver = clidriver.create_clidriver()
    else:
        driver = clidriver.CLIDriver()
    version = awscli.__version__
    major = version.split(".")[0]
    outdir = os.path.join(DATA, f"args-{major}")
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):
        os.unlink(os.path.join(outdir, old))
    table = driver._get_command_table()
    parser = (
        driver._create_parser(table)
        if hasattr(driver, "_create_parser")
        else driver.create_parser(table)
    )
    top = [name for name in table]
    glob = [f"@version\t{version}", f"=\tmain\t-\t{','.join(top)}"]
    glob.extend(arg_lines(parser, driver._get_argument_table()))
    write(outdir, "_global", glob)
    total = 0
    for name in top:
        if name == "help":
            continue
        lines = [f"@version\t{version}"]
        try:
            walk(name, table[name], lines)
        except Exception as err:  # noqa: BLE001 - record what could not be walked
            lines = [f"@version\t{version}", f"={name}\tother\t-\t", f"#error\t{clean(err)}"]
        total += write(outdir, name, lines)
    print(f"{outdir}: {len(top)} commands, {total} bytes", file=sys.stderr)
    return 0


CHUNK = 24000  # characters of table text per compressed chunk


def write(outdir: str, name: str, lines: list[str]) -> int:
    """One table file: a plain index (node path -> chunk) and zlib chunks of nodes, so
    the shim decompresses only the few kilobytes that hold the operation it needs."""
    version = lines[0]
    chunks: list[list[str]] = [[]]
    size = 0
    index = [version]
    for line in lines[1:]:
        if line.startswith("=") and size > CHUNK:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
        if line.startswith("="):
            index.append(f"{line[1:].split(chr(9), 1)[0]}\t{len(chunks) - 1}")
    blobs = [zlib.compress(("\n".join(c) + "\n").encode("utf-8"), 9) for c in chunks]
    index_bytes = ("\n".join(index) + "\n").encode("utf-8")
    header = f"AGA1 {len(blobs)} {len(index_bytes)}\n{','.join(str(len(b)) for b in blobs)}\n"
    data = header.encode("ascii") + index_bytes + b"".join(blobs)
    with open(os.path.join(outdir, name + ".z"), "wb") as f:
        f.write(data)
    return len(data)


if __name__ == "__main__":
    sys.exit(main())
