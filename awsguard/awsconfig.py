"""~/.aws/config and ~/.aws/credentials as data, read the way botocore reads them.

botocore parses both files with `configparser.RawConfigParser` (botocore.configloader):
`=` or `:` separate a key from its value, keys are lower-cased, section names are
not, whole-line comments start with `#` or `;` (a `#` after a value is part of the
value), indented lines continue the value above, and a value that starts on the
line after its key (`s3 =` then indented `key = value` lines) is a nested
mapping. A `[DEFAULT]` section lends its keys to every other section. In the
config file `[default]`, `[profile default]` and `[profile x]` name profiles
(the later section wins outright, values are not merged), `[sso-session x]` and
`[services x]` name those things and anything else is ignored; in the
credentials file every section is a profile named exactly as written. Where a
profile is in both files, the credentials file's values win key by key.

configparser refuses a whole file on a duplicate section or key, a line that is
neither, or a missing first section header; the AWS CLI then stops with its own
error. We never raise: each such line becomes a FileProblem (path, line,
message) and we keep what parsed, so the shim can warn in one line and still
run the real CLI. We parse line by line ourselves (rather than through
configparser) to know line numbers and to stay fast on the shim's path.
"""

from __future__ import annotations

import os

from .record import field, record

# The shim reads both files on every call it decides afresh: `re` and `pathlib` (with
# `urllib.parse`, `fnmatch`, `enum`) cost it milliseconds, so the files' paths are kept
# as strings (AwsFiles.config_path and credentials_path make Paths on first use) and
# lines are split without regular expressions.
TYPE_CHECKING = False  # collections.abc imports `collections`: milliseconds per call
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

DEFAULT_CONFIG_FILE = "~/.aws/config"
DEFAULT_CREDENTIALS_FILE = "~/.aws/credentials"


def _section_header(line: str) -> str | None:
    """configparser's `\\[(?P<header>.+)\\]`, matched at the start of a stripped line:
    everything between the first `[` and the last `]` after it (at least one character)."""
    if not line.startswith("["):
        return None
    end = line.rfind("]")
    return line[1:end] if end >= 2 else None


def _option(line: str) -> tuple[str, str] | None:
    """configparser's `(?P<option>.*?)\\s*(?P<vi>=|:)\\s*(?P<value>.*)$` on a stripped
    line: split at the first `=` or `:`; (option, value) with the whitespace around
    the separator removed, or None without a separator."""
    equals, colon = line.find("="), line.find(":")
    if equals < 0 and colon < 0:
        return None
    at = colon if equals < 0 or 0 <= colon < equals else equals
    return line[:at].rstrip(), line[at + 1 :].lstrip()


def _pure_path_text(path: str) -> str:
    """str(pathlib.PurePosixPath(path)), without pathlib: repeated and trailing slashes and
    `.` parts dropped, a leading `//` (exactly two) kept."""
    if os.sep != "/":
        from pathlib import Path

        return str(Path(path))
    root = ""
    if path.startswith("/"):
        root = "//" if path.startswith("//") and not path.startswith("///") else "/"
    parts = [part for part in path.split("/") if part and part != "."]
    return (root + "/".join(parts)) or "."


@record(frozen=True)
class FileProblem:
    file: Path | str  # the file's path as text from load_files (`path` is its Path)
    line: int | None
    message: str
    # Not read at all (a FIFO, a device, a directory, too large): what the CLI will do
    # with it is unknown, so commands that need a confirmation are refused.
    fatal: bool = False

    @property
    def path(self) -> Path:
        from pathlib import Path

        return Path(self.file)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"{where}: {self.message}"


# A section's values: strings, or for a nested block (`s3 =` + indented lines) a dict.
# (No `typing` import: it costs the shim milliseconds.)
ConfigValue = str | dict[str, str]
Section = dict[str, ConfigValue]


@record
class AwsFiles:
    config_file: Path | str  # AwsFiles(Path, Path) as before; load_files gives strings
    credentials_file: Path | str
    config_profiles: dict[str, Section] = field(default_factory=dict)
    credentials_profiles: dict[str, Section] = field(default_factory=dict)
    sso_sessions: dict[str, Section] = field(default_factory=dict)
    services: dict[str, Section] = field(default_factory=dict)
    errors: list[FileProblem] = field(default_factory=list)
    config_exists: bool = False
    credentials_exists: bool = False

    @property
    def config_path(self) -> Path:
        if isinstance(self.config_file, str):
            from pathlib import Path

            self.config_file = Path(self.config_file)
        return self.config_file

    @property
    def credentials_path(self) -> Path:
        if isinstance(self.credentials_file, str):
            from pathlib import Path

            self.credentials_file = Path(self.credentials_file)
        return self.credentials_file

    def profile_names(self) -> list[str]:
        names = list(self.config_profiles)
        names.extend(n for n in self.credentials_profiles if n not in self.config_profiles)
        return names

    def has_profile(self, name: str) -> bool:
        return name in self.config_profiles or name in self.credentials_profiles

    def profile(self, name: str) -> Section:
        """The profile as botocore sees it: credentials file values win over config file."""
        merged: Section = dict(self.config_profiles.get(name, {}))
        merged.update(self.credentials_profiles.get(name, {}))
        return merged

    def where(self, name: str, key: str) -> Path | None:
        """The file a profile's key is read from (credentials file first), or None."""
        if key in self.credentials_profiles.get(name, {}):
            return self.credentials_path
        if key in self.config_profiles.get(name, {}):
            return self.config_path
        return None

    def where_file(self, name: str, key: str) -> str | None:
        """`where` as text (the same as str() of it), without making a Path."""
        if key in self.credentials_profiles.get(name, {}):
            return str(self.credentials_file)
        if key in self.config_profiles.get(name, {}):
            return str(self.config_file)
        return None


def expand_path(raw: str, environ: Mapping[str, str]) -> Path:
    """`$VAR`, `${VAR}` and `~` expanded from `environ`, as botocore does (expandvars, then ~)."""
    from pathlib import Path

    return Path(_expand_text(raw, environ))


def _expand_text(raw: str, environ: Mapping[str, str]) -> str:
    """expand_path as a string (str() of that Path), without pathlib."""
    path = raw
    if "$" in raw:
        import re

        def var(match: re.Match[str]) -> str:
            name = match.group(1).strip("{}")
            return environ.get(name, match.group(0))

        path = re.sub(r"\$(\w+|\{[^}]*\})", var, raw)
    if path.startswith("~"):
        head, sep, tail = path.partition("/")
        if head == "~":
            home = environ.get("HOME") or os.path.expanduser("~")
            path = home + sep + tail
        else:
            path = os.path.expanduser(path)
    return _pure_path_text(path)


def config_file_path(environ: Mapping[str, str]) -> Path:
    return expand_path(environ.get("AWS_CONFIG_FILE", DEFAULT_CONFIG_FILE), environ)


def credentials_file_path(environ: Mapping[str, str]) -> Path:
    return expand_path(
        environ.get("AWS_SHARED_CREDENTIALS_FILE", DEFAULT_CREDENTIALS_FILE), environ
    )


def parse_ini(text: str, path: Path | str) -> tuple[dict[str, Section], list[FileProblem]]:
    """Sections of an INI file as botocore's raw_config_parse returns them, plus problems."""
    problems: list[FileProblem] = []
    raw: dict[str, dict[str, list[str]]] = {}
    # Line number of each value's lines, for errors found in nested blocks.
    value_lines: dict[tuple[str, str], list[int]] = {}
    defaults: dict[str, list[str]] = {}
    seen_sections: set[str] = set()
    seen_options: set[tuple[str, str]] = set()
    current: dict[str, list[str]] | None = None
    section_name = ""
    option: str | None = None
    indent_level = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(("#", ";")):
            continue
        if not stripped:
            # configparser keeps blank lines inside a value; trailing ones are dropped.
            if current is not None and option:
                current[option].append("")
                value_lines[(section_name, option)].append(lineno)
            continue
        indent = len(line) - len(line.lstrip())
        if current is not None and option and indent > indent_level:
            current[option].append(stripped)
            value_lines[(section_name, option)].append(lineno)
            continue
        indent_level = indent
        header = _section_header(stripped)
        if header is not None:
            section_name = header
            option = None
            if section_name == "DEFAULT":
                current = defaults
            elif section_name in raw:
                if section_name in seen_sections:
                    problems.append(
                        FileProblem(path, lineno, f"section [{section_name}] appears twice")
                    )
                current = raw[section_name]
            else:
                current = raw[section_name] = {}
            seen_sections.add(section_name)
            continue
        if current is None:
            problems.append(
                FileProblem(path, lineno, "text before the first [section] header")
            )
            continue
        match = _option(stripped)
        if match is None or not match[0]:
            problems.append(
                FileProblem(path, lineno, "line is neither `[section]` nor `key = value`")
            )
            continue
        option = match[0].lower()
        if (section_name, option) in seen_options:
            problems.append(
                FileProblem(
                    path, lineno, f"key `{option}` appears twice in section [{section_name}]"
                )
            )
        seen_options.add((section_name, option))
        current[option] = [match[1].strip()]
        value_lines[(section_name, option)] = [lineno]

    sections: dict[str, Section] = {}
    for name, options in raw.items():
        merged = {**defaults, **options} if defaults else options
        values: Section = {}
        for key, parts in merged.items():
            value = "\n".join(parts).rstrip()
            if value.startswith("\n"):
                lines = value_lines.get((name, key)) or value_lines.get(("DEFAULT", key), [])
                values[key] = _parse_nested(value, path, lines, problems)
            else:
                values[key] = value
        sections[name] = values
    return sections, problems


def _parse_nested(
    value: str, path: Path | str, lines: list[int], problems: list[FileProblem]
) -> dict[str, str]:
    # botocore supports one level of nesting: `key = value` lines under an empty value.
    parsed: dict[str, str] = {}
    for offset, part in enumerate(value.split("\n")):
        part = part.strip()
        if not part:
            continue
        key, eq, nested_value = part.partition("=")
        if not eq:
            lineno = lines[offset] if offset < len(lines) else None
            problems.append(FileProblem(path, lineno, "nested line is not `key = value`"))
            continue
        parsed[key.strip()] = nested_value.strip()
    return parsed


MAX_FILE_BYTES = 8 * 1024 * 1024  # far above any real config; /dev/zero is not one


def _read(path: Path | str, problems: list[FileProblem]) -> tuple[dict[str, Section], bool]:
    from . import safefs

    try:
        # Regular files only, bounded, never blocking: a FIFO or /dev/zero named by
        # AWS_CONFIG_FILE must not hang the shim (safefs warns once, in one line).
        data = safefs.read_outside(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return {}, False
    except safefs.Unsafe as err:
        problems.append(
            FileProblem(path, None, f"awsguard did not read it (it {err.why})", fatal=True)
        )
        return {}, True
    except OSError as err:
        problems.append(FileProblem(path, None, f"cannot read: {err.strerror or err}"))
        return {}, True
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problems.append(FileProblem(path, line, "not valid UTF-8 text"))
        text = data.decode("utf-8", errors="replace")
    sections, found = parse_ini(text, path)
    problems.extend(found)
    return sections, True


def _section_name(header: str, prefix: str) -> str | None:
    """The name in `[prefix name]`, split the way botocore does (shlex: quotes allowed)."""
    if not header.startswith(prefix):
        return None
    if any(c in header for c in "\"'\\"):
        import shlex

        try:
            parts = shlex.split(header)
        except ValueError:
            return None
    else:
        parts = header.split()
    return parts[1] if len(parts) == 2 else None


def load_files(environ: Mapping[str, str]) -> AwsFiles:
    """Both files, from AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE or ~/.aws. Never raises."""
    files = AwsFiles(
        _expand_text(environ.get("AWS_CONFIG_FILE", DEFAULT_CONFIG_FILE), environ),
        _expand_text(
            environ.get("AWS_SHARED_CREDENTIALS_FILE", DEFAULT_CREDENTIALS_FILE), environ
        ),
    )
    config, files.config_exists = _read(files.config_file, files.errors)
    for header, values in config.items():
        if header.startswith("profile"):
            name = _section_name(header, "profile")
            if name is not None:
                files.config_profiles[name] = values
        elif header.startswith("sso-session"):
            name = _section_name(header, "sso-session")
            if name is not None:
                files.sso_sessions[name] = values
        elif header.startswith("services"):
            name = _section_name(header, "services")
            if name is not None:
                files.services[name] = values
        elif header == "default":
            files.config_profiles["default"] = values
    files.credentials_profiles, files.credentials_exists = _read(
        files.credentials_file, files.errors
    )
    return files
