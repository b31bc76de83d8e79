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
    """Create `path` (and parents) with mode 0700; tighten it if it already exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: str | bytes) -> None:
    """Atomically replace `path` with `data`, mode 0600, in a 0700 directory.

    Written to a temporary file in the same directory and renamed, so a crash
    leaves either the old file or the new one, never a torn one.
    """
    import tempfile

    ensure_private_dir(path.parent)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def append_private(path: Path, line: str) -> None:
    """Append one line to `path`, creating it 0600 in a 0700 directory."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line.rstrip("\n") + "\n").encode())
    finally:
        os.close(fd)
