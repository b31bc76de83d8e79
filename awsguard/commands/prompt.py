"""`awsguard prompt`: the shell prompt segment, offline and fast.

cli.py calls `fast_main(argv)` for `awsguard prompt ...` before argparse and the
subcommand scan are loaded: a prompt runs on every Enter. So this module parses
its few options by hand and imports only what the segment needs (the resolver,
and tomllib/json when their files exist). It never starts a process and never
touches the keyring or the network. `configure`/`run` exist for `awsguard --help`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

NAME = "prompt"
HELP = "print the shell prompt segment: profile, account, region, time left, conflicts"
DESCRIPTION = """\
Print one short segment for your shell prompt, from what is known offline: the
profile (`env` when environment keys are in effect), the account, the region,
the time left on the session and a mark when the setup has a conflict. Prints
nothing when no AWS credentials are in play. `awsguard init SHELL` loads it into
your prompt; see README.md ("The prompt segment") for the format and the colour rules.

  awsguard prompt                          plain text
  awsguard prompt --format '{profile}'     another format (placeholders in the docs)
  awsguard prompt --color                  with ANSI colours (NO_COLOR wins)
  awsguard prompt --json                   every field as one JSON object
"""

USAGE = (
    "usage: awsguard prompt [--format FMT] [--json] [--color] "
    "[--shell bash|zsh|fish] [--stamp FILE]\n"
)
SHELLS = ("bash", "zsh", "fish")
# Stamps of shells that are long gone are removed after this long.
STAMP_MAX_AGE = 7 * 86400


class _Usage(Exception):
    pass


def configure(parser) -> None:  # noqa: ANN001 - argparse is not imported on the fast path
    parser.add_argument("--format", metavar="FMT", help="the segment's format (see docs)")
    parser.add_argument("--json", action="store_true", help="print every field as JSON")
    parser.add_argument("--color", action="store_true", help="colour with ANSI escapes")
    parser.add_argument(
        "--shell",
        choices=SHELLS,
        help="output for the shell integration: next-change time, segment, plain segment, "
        "watched files",
    )
    parser.add_argument("--stamp", metavar="FILE", help="(shell integration) the stamp file")


def run(args) -> int:  # noqa: ANN001
    argv: list[str] = []
    if args.format is not None:
        argv += ["--format", args.format]
    for flag in ("json", "color"):
        if getattr(args, flag):
            argv.append(f"--{flag}")
    if args.shell:
        argv += ["--shell", args.shell]
    if args.stamp:
        argv += ["--stamp", args.stamp]
    return fast_main(argv)


def _parse_argv(argv: list[str]) -> dict[str, object]:
    opts: dict[str, object] = {"json": False, "color": False}
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if name in ("--format", "--shell", "--stamp"):
            if not eq:
                if i + 1 >= len(argv):
                    raise _Usage(f"{name} needs a value")
                i += 1
                value = argv[i]
            if name == "--shell" and value not in SHELLS:
                raise _Usage(f"--shell must be one of {', '.join(SHELLS)}, not {value!r}")
            opts[name[2:]] = value
        elif arg in ("--json", "--color"):
            opts[arg[2:]] = True
        elif arg in ("-h", "--help"):
            raise _Usage("")
        else:
            raise _Usage(f"unknown argument {arg!r}")
        i += 1
    return opts


def fast_main(argv: list[str]) -> int:
    try:
        opts = _parse_argv(argv)
    except _Usage as err:
        if str(err):
            sys.stderr.write(USAGE + f"awsguard prompt: error: {err}\n")
            return 2
        sys.stdout.write(USAGE + "\n" + DESCRIPTION)
        return 0
    fmt = opts.get("format")
    if isinstance(fmt, str):
        from ..prompt import FormatError, parse_format

        try:
            parse_format(fmt)
        except FormatError as err:
            sys.stderr.write(f"awsguard prompt: --format: {err}\n")
            return 2
    try:
        return _print_segment(opts, os.environ)
    except Exception as err:  # the prompt must never show a traceback
        if os.environ.get("AWSGUARD_DEBUG"):
            raise
        shell = opts.get("shell")
        if shell:
            sys.stdout.write("0\n!awsguard-error\n!awsguard-error\n")
        else:
            sys.stderr.write(
                f"awsguard prompt: internal error: {type(err).__name__}: {err}. "
                "Run again with AWSGUARD_DEBUG=1 for the traceback, and please report it.\n"
            )
        return 0 if shell else 70


# --- reading what the segment needs (cheaply) ---------------------------------------------------


def _xdg(environ: Mapping[str, str], var: str, default: str) -> str:
    # awsguard.paths' string form: no pathlib, which costs a cached prompt more than
    # all of its own work.
    from ..paths import xdg_str

    return xdg_str(environ, var, default)


def cache_dir(environ: Mapping[str, str]) -> str:
    return _xdg(environ, "XDG_CACHE_HOME", ".cache")


def state_dir(environ: Mapping[str, str]) -> str:
    return _xdg(environ, "XDG_STATE_HOME", ".local/state")


def config_file(environ: Mapping[str, str]) -> str:
    override = environ.get("AWSGUARD_CONFIG")
    if override:
        return os.path.expanduser(override)
    return os.path.join(_xdg(environ, "XDG_CONFIG_HOME", ".config"), "config.toml")


def load_settings(config):  # noqa: ANN001 - rules.Config -> PromptSettings
    """The [prompt] and [accounts] tables of config.toml, read by rules (the file's one
    reader, with one error policy): a broken file anywhere gives the mark."""
    from ..prompt import PromptSettings, parse_settings

    if config.error is not None:
        return PromptSettings(error=str(config.error))
    settings = parse_settings(config.data)
    if settings.error:
        settings.error = f"{config.path}: {settings.error}"
    return settings


def identity_dir(environ: Mapping[str, str]) -> str:
    from .. import identitycache

    return identitycache.folder(environ)


def identity_hint(data: object):  # -> IdentityHint | None
    """An identity cache entry (identitycache.read) as the segment's hint."""
    if not isinstance(data, dict):
        return None
    from ..prompt import IdentityHint

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    return IdentityHint(
        account=text("account"), arn=text("arn"), alias=text("alias"), origin="identity cache"
    )


def realcli_cache_path(environ: Mapping[str, str]) -> str:
    from .. import realcli  # loaded already by the Situation

    return realcli.cache_path(environ)


def vault_index_path(environ: Mapping[str, str]) -> str:
    from .. import vaultindex

    return vaultindex.path(environ)


def read_sessions(environ: Mapping[str, str]):  # -> list[SessionHint]
    """awsguard's MFA and role sessions from the index beside the keyring (no keyring access)."""
    from .. import vaultindex

    sessions = vaultindex.read(environ)["sessions"]
    from ..prompt import SessionHint

    found = []
    for meta in sessions.values():
        if not isinstance(meta, dict) or not isinstance(meta.get("expiration"), str):
            continue
        found.append(
            SessionHint(
                kind=str(meta.get("kind", "")),
                profile=str(meta.get("profile", "")),
                expiration=meta["expiration"],
                arn=str(meta.get("arn", "") or ""),
                role_arn=str(meta.get("role_arn", "") or ""),
            )
        )
    return found


def watched_paths(environ: Mapping[str, str], files, res) -> list[str]:  # noqa: ANN001
    """What the segment was computed from: the shell re-runs us when one of these changes.

    A file that does not exist yet is stood in for by its nearest existing folder,
    whose mtime changes when the file appears. Folders are listed for caches whose
    files are added by rename (identity cache, awsguard state) or whose names we
    cannot know in advance.
    """
    home = environ.get("HOME") or os.path.expanduser("~")
    wanted = [
        str(files.config_path),
        str(files.credentials_path),
        config_file(environ),
        identity_dir(environ),
        vault_index_path(environ),
        realcli_cache_path(environ),
        os.path.join(home, ".aws", "sso", "cache"),
        os.path.join(home, ".aws", "cli", "cache"),
    ]
    expiry = getattr(res, "expiry", None)
    if expiry is not None and expiry.kind in ("sso-cache", "cli-cache") and expiry.location:
        wanted.append(expiry.location)  # the cache file the expiry was read from
    out: list[str] = []
    for path in wanted:
        path = os.path.abspath(path)
        while not os.path.exists(path):
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
        if path not in out:
            out.append(path)
    return out


def _make_folder(folder: str) -> bool:
    """Create `folder` (0700) if missing; True when it was created."""
    if os.path.isdir(folder):
        return False
    # makedirs gives `mode` only to the last folder: the umask keeps awsguard/ 0700 too.
    old = os.umask(0o077)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    finally:
        os.umask(old)
    return True


def prepare_stamp(path: str) -> bool:
    """Create the shell's stamp file (and its folder) if missing; True if a folder was made."""
    if os.path.exists(path):
        return False
    folder = os.path.dirname(path) or "."
    created = _make_folder(folder)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    # A new shell: clear the stamps of shells long gone.
    prefix = os.path.basename(path).rsplit(".", 1)[0] + "."
    now = os.stat(path).st_mtime
    for name in os.listdir(folder):
        if name.startswith(prefix):
            other = os.path.join(folder, name)
            try:
                if os.stat(other).st_mtime < now - STAMP_MAX_AGE:
                    os.unlink(other)
            except OSError:
                pass
    return created


def stamp_slack(shell: object) -> float:
    """How far before our start the stamp is dated.

    The kernel dates files with a coarse clock (a few ms behind), and fish's
    `path mtime` counts whole seconds while bash's and zsh's `-nt` compare
    nanoseconds. Dating the stamp this much earlier means a file changed while
    we read it always looks newer; the cost is a rare extra run.
    """
    return 1.0 if shell == "fish" else 0.05


def _unicode_locale(environ: Mapping[str, str]) -> bool:
    # Python itself sets LC_CTYPE=C.UTF-8 when it starts in the C locale (PEP 538 locale
    # coercion); the terminal is then still ASCII, so that value alone does not count.
    if (
        not environ.get("LC_ALL")
        and not environ.get("LANG")
        and environ.get("LC_CTYPE") in ("C.UTF-8", "C.utf8", "UTF-8")
    ):
        return False
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(name)
        if value:
            return "utf-8" in value.lower() or "utf8" in value.lower()
    return False


# --- the segment cache -------------------------------------------------------------------------
#
# starship and other prompt tools run `awsguard prompt` on every prompt. Its output
# is kept per environment (a hash of the variables it depends on; secret values
# count only as present or not) with the files it was computed from, dated like
# the shell's stamp. Next time, if none of those files is newer and the countdown
# has not moved, the output is printed without loading the resolver.

CACHE_MAGIC = "awsguard-prompt-cache 1"
_ENV_NAMES = ("HOME", "PATH", "NO_COLOR", "LANG", "LC_ALL", "LC_CTYPE",
              "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
_SECRET_VARS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
CACHE_SLACK = 0.05  # the kernel's coarse file clock, see stamp_slack
CACHE_KEEP = 64  # entries kept before old ones (a day untouched) are removed


def segment_cache_path(environ: Mapping[str, str], opts: Mapping[str, object]) -> str | None:
    if environ.get("AWSGUARD_PROMPT_CACHE") == "0":
        return None
    from .. import __version__

    parts = [CACHE_MAGIC, __version__, __file__, repr(sorted(
        (k, str(v)) for k, v in opts.items() if k != "stamp"
    ))]
    for name in sorted(environ):
        if name.startswith(("AWS_", "AWSGUARD_")) or name in _ENV_NAMES:
            value = "(set)" if name in _SECRET_VARS and environ[name] else environ[name]
            parts.append(f"{name}={value}")
    from ..identitycache import _sha256_hex

    digest = _sha256_hex("\0".join(parts))[:32]
    return os.path.join(cache_dir(environ), "prompt", f"segment-{digest}")


def read_cached(path: str | None, now: float) -> str | None:
    """The cached output, or None when any file it was made from changed since."""
    if path is None:
        return None
    from ..safefs import read_text

    try:
        text = read_text(path, 1024 * 1024)  # ours, private, no symlink (safefs)
        magic, stamp, until, count, rest = text.split("\n", 4)
        if magic != CACHE_MAGIC:
            return None
        stamp_ns, valid_until, watched = int(stamp), int(until), int(count)
        if valid_until and now >= valid_until:
            return None
        lines = rest.split("\n", watched)
        for watched_path in lines[:watched]:
            if os.stat(watched_path).st_mtime_ns > stamp_ns:
                return None
        return lines[watched]
    except (OSError, ValueError, IndexError):
        return None


def write_cached(
    path: str | None, started: float, valid_until: int, watched: list[str], output: str
) -> None:
    if path is None:
        return
    folder = os.path.dirname(path)
    stamp_ns = int((started - CACHE_SLACK) * 1e9)
    text = "\n".join([CACHE_MAGIC, str(stamp_ns), str(valid_until), str(len(watched)), *watched])
    from ..safefs import write

    try:
        write(path, text + "\n" + output, durable=False)  # atomic, 0600, checked folder
        names = [n for n in os.listdir(folder) if n.startswith("segment-")]
        if len(names) > CACHE_KEEP:
            for name in names:
                other = os.path.join(folder, name)
                if os.stat(other).st_mtime < started - 86400:
                    os.unlink(other)
    except OSError:
        pass  # no cache: only slower


def _print_segment(opts: Mapping[str, object], environ: Mapping[str, str]) -> int:
    import time

    made_folder = False
    stamp = opts.get("stamp")
    if isinstance(stamp, str):
        try:
            made_folder = prepare_stamp(stamp)
        except OSError:
            stamp = None  # without a stamp the shell only re-runs us more often
    cache = None if opts.get("json") else segment_cache_path(environ, opts)
    if cache is not None:
        try:
            made_folder = _make_folder(os.path.dirname(cache)) or made_folder
        except OSError:
            cache = None
    if made_folder:
        # Our own new folder changed its parent, which may be watched: let that
        # change fall before the stamp's date, or the next run would redo it all.
        time.sleep(CACHE_SLACK)
    started = time.time()
    if isinstance(stamp, str):
        moment = started - stamp_slack(opts.get("shell"))
        try:
            os.utime(stamp, (moment, moment))
        except OSError:
            pass
    cached = read_cached(cache, started)
    if cached is not None:
        sys.stdout.write(cached)
        return 0

    from datetime import datetime, timezone

    from ..prompt import compute, styled
    from ..situation import Situation

    now = datetime.fromtimestamp(started, timezone.utc)
    # The same Situation whoami and doctor start from; no process is started (the real
    # CLI's version comes from its files or realcli's cache).
    situation = Situation(environ, now=now, probe_cli=False)
    files = situation.files
    res = situation.resolution
    settings = load_settings(situation.config)
    identity = identity_hint(situation.identity_hint())
    sessions = read_sessions(environ) if res.source != "env" else []
    fmt = opts.get("format")
    if not isinstance(fmt, str):
        fmt = environ.get("AWSGUARD_PROMPT_FORMAT") or None
        if fmt is not None:
            from ..prompt import FormatError, parse_format

            try:
                parse_format(fmt)
            except FormatError as err:
                settings.error = f"AWSGUARD_PROMPT_FORMAT: {err}"
                fmt = None
    segment = compute(
        res,
        environ,
        settings,
        now,
        identity=identity,
        sessions=sessions,
        fmt=fmt,
        unicode=_unicode_locale(environ),
        conflicts=situation.conflicts,
    )
    if opts.get("json"):
        from ..redact import json_text

        data = segment.as_dict()
        # What the segment was computed for, in whoami's words (the property test compares).
        data.update(
            cli_major=situation.cli_major,
            cli_version=situation.cli_version,
            endpoint_url=res.endpoint_url,
        )
        sys.stdout.write(json_text(data, indent=1) + "\n")
        return 0
    no_color = bool(environ.get("NO_COLOR"))
    shell = opts.get("shell")
    watched = watched_paths(environ, files, res)
    from ..redact import escape

    # Profile names and account names come from outside: in a prompt, an escape
    # sequence in AWS_PROFILE would retitle or redraw the terminal on every Enter.
    shown = escape(segment.text)
    if isinstance(shell, str):
        text = styled(shown, "" if no_color else segment.color, shell)
        plain = shown.replace("%", "%%") if shell == "zsh" else shown
        output = "\n".join([str(segment.valid_until), text, plain, *watched]) + "\n"
    elif shown:
        color = segment.color if opts.get("color") and not no_color else ""
        output = styled(shown, color, "ansi") + "\n"
    else:
        output = ""
    write_cached(cache, started, segment.valid_until, watched, output)
    sys.stdout.write(output)
    return 0
