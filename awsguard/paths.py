"""Where awsguard keeps its files, and the one way it writes them (0600 in 0700 dirs)."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # pathlib costs the shim milliseconds; it is imported where needed
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


def xdg_str(environ: Mapping[str, str], var: str, default: str) -> str:
    """The awsguard folder under an XDG base directory, as a string (no pathlib)."""
    value = environ.get(var, "")
    # The XDG spec says relative values are invalid and must be ignored.
    if value and os.path.isabs(value):
        return os.path.join(value, "awsguard")
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, default, "awsguard")


def _xdg(environ: Mapping[str, str], var: str, default: str) -> Path:
    from pathlib import Path

    return Path(xdg_str(environ, var, default))


def config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return _xdg(environ, "XDG_CONFIG_HOME", ".config")


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return _xdg(environ, "XDG_CACHE_HOME", ".cache")


def state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return _xdg(environ, "XDG_STATE_HOME", ".local/state")


def config_file(environ: Mapping[str, str] = os.environ) -> Path:
    override = environ.get("AWSGUARD_CONFIG")
    if override:
        from pathlib import Path

        return Path(override).expanduser()
    return config_dir(environ) / "config.toml"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) with mode 0700, or check the existing one (safefs)."""
    from . import safefs

    safefs.ensure_dir(path)
    return path


def read_private(path: Path | str, cap: int | None = None) -> bytes:
    """One of awsguard's own files, after safefs's ownership and mode checks.

    FileNotFoundError when absent; safefs.Unsafe (an OSError, warned once) when it
    is not a regular file of ours in a private folder: callers treat both as absent.
    """
    from . import safefs

    return safefs.read(path, cap or safefs.STATE_CAP)


def write_private(path: Path | str, data: str | bytes) -> None:
    """Atomically replace `path` with `data`, mode 0600, in a 0700 directory of ours.

    Written to a temporary file in the same directory and renamed, so a crash
    leaves either the old file or the new one, never a torn one; never through a
    symlink, never into a folder someone else can write.
    """
    from . import safefs

    safefs.write(path, data)


def append_private(path: Path | str, line: str) -> None:
    """Append one line to `path`, created 0600 in a 0700 directory (safefs checks)."""
    from . import safefs

    safefs.append(path, line.rstrip("\n") + "\n")
