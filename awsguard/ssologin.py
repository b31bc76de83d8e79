"""SSO login in the shim: when the profile's SSO token is missing or expired and the CLI
cannot refresh it, say so, and on a terminal offer to run `aws sso login` first.

Whether a login is needed is the resolver's call (resolve.py, `sso-token-expired`):
cached role credentials that still last, and an sso-session token the CLI refreshes
by itself, need none. This module only acts on it:

- on a terminal: one login per start URL at a time (a lock in awsguard's cache
  folder). The first command asks and runs the real CLI's `aws sso login` for the
  sso-session, or for the profile that holds the legacy `sso_start_url`; the others
  wait for it, then look again, and go on without asking when it left a valid token;
- without a terminal (or in CI): one line naming the exact login command; the CLI
  does not run (77), unless another command's login is in progress, which it awaits.

`time_left()` is the SSO token's remaining life, for the prompt segment and doctor.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from .errors import EXIT_REFUSED
from .timefmt import format_time, parse_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .resolve import Resolution

# How long a command waits for another command's `aws sso login` (a browser sign-in).
LOGIN_WAIT_SECONDS = 600.0


class SsoLogin:
    """What a login is for: the token's name and state, and the command that renews it."""

    def __init__(self, lock_key: str, what: str, state: str, argv: list[str]) -> None:
        self.lock_key = lock_key  # the start URL (or the sso-session name without one)
        self.what = what  # "sso-session corp (https://…)" or "https://…/start"
        self.state = state  # "missing" or "expired at …"
        self.argv = argv  # for the real CLI: ["sso", "login", "--sso-session", "corp"]

    @property
    def command(self) -> str:
        import shlex

        return "aws " + " ".join(shlex.quote(word) for word in self.argv)

    def __repr__(self) -> str:
        return f"SsoLogin({self.command!r}, {self.state!r})"


def _sso_profile(res: Resolution) -> str:
    """The profile holding the SSO settings: the role's source when a role sits on SSO."""
    if res.source != "sso" and res.base_source == "sso" and res.base_profile:
        return res.base_profile
    return res.profile


def login_needed(res: Resolution, environ: Mapping[str, str]) -> SsoLogin | None:
    """The login this resolution needs before the CLI can call AWS, or None."""
    from .resolve import SSO_TOKEN_EXPIRED

    if not any(conflict.code == SSO_TOKEN_EXPIRED for conflict in res.conflicts):
        return None
    expiry = token_expiry(res, environ)
    state = f"expired at {format_time(expiry)}" if expiry is not None else "missing"
    if res.sso_session:
        argv = ["sso", "login", "--sso-session", res.sso_session]
        what = f"sso-session {res.sso_session}"
        if res.sso_start_url:
            what += f" ({res.sso_start_url})"
    else:
        argv = ["sso", "login", "--profile", _sso_profile(res)]
        what = res.sso_start_url or f"profile {_sso_profile(res)}"
    key = res.sso_start_url or f"sso-session {res.sso_session}"
    return SsoLogin(key, what, state, argv)


def token_expiry(res: Resolution, environ: Mapping[str, str]) -> datetime | None:
    """When the cached SSO token for this resolution expires (None: no token cached)."""
    if not (res.sso_start_url or res.sso_session):
        return None
    from .resolve import _read_json, sso_token_path

    home = environ.get("HOME") or os.path.expanduser("~")
    path = sso_token_path(home, res.sso_start_url, res.sso_session)
    token = _read_json(path) if path else None
    if not token or not isinstance(token.get("expiresAt"), str):
        return None
    return parse_time(token["expiresAt"])


def time_left(
    res: Resolution, environ: Mapping[str, str], now: datetime | None = None
) -> timedelta | None:
    """The SSO token's remaining life (negative: expired), or None without SSO or token."""
    if res.source != "sso" and res.base_source != "sso":
        return None
    expiry = token_expiry(res, environ)
    if expiry is None:
        return None
    return expiry - (now or datetime.now(timezone.utc))


def describe_time_left(left: timedelta | None) -> str:
    """`3h12m left`, `expired 5m ago`, `no token` — for the prompt segment and doctor."""
    if left is None:
        return "no token"
    seconds = int(left.total_seconds())
    span = abs(seconds)
    text = f"{span // 3600}h{span % 3600 // 60:02d}m" if span >= 3600 else f"{span // 60}m"
    return f"{text} left" if seconds > 0 else f"expired {text} ago"


# ---------------------------------------------------------------------------
# The edge: the lock, the question, the login


def lock_path(key: str, environ: Mapping[str, str]) -> str:
    import hashlib

    from . import paths

    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return str(paths.cache_dir(environ) / "locks" / f"sso-login-{digest}.lock")


class _Lock:
    """An exclusive flock on a 0600 file in a 0700 folder we own (never a symlink);
    the kernel drops it when the holder dies, so a crashed login never blocks."""

    def __init__(self, path: str) -> None:
        from pathlib import Path

        from . import paths

        paths.ensure_private_dir(Path(path).parent)
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)

    def try_take(self) -> bool:
        import fcntl

        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def take(self, timeout: float, on_wait: Callable[[], None]) -> bool:
        import time

        if self.try_take():
            return True
        on_wait()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if self.try_take():
                return True
        return False

    def close(self) -> None:
        os.close(self.fd)  # closing the descriptor releases the flock


def _say(line: str) -> None:
    from .redact import say_escaped

    say_escaped(line)


def ensure_logged_in(
    login: SsoLogin,
    environ: Mapping[str, str],
    interactive: bool,
    still_needed: Callable[[], SsoLogin | None],
    run_login: Callable[[list[str]], int],
    ask: Callable[[str], bool] | None = None,
) -> int | None:
    """None when the command may go on (logged in now, by us or by another command);
    EXIT_REFUSED after one line saying why and what to run.

    `still_needed()` resolves again (another command may have logged in while we
    waited); `run_login(argv)` runs the real CLI on our terminal and returns its status."""
    lock = _Lock(lock_path(login.lock_key, environ))
    try:
        if not interactive:
            if lock.try_take():
                _say(
                    f"awsguard: the SSO token for {login.what} is {login.state} and there is "
                    f"no terminal to sign in on: run `{login.command}`, then run this command "
                    "again. The AWS CLI did not run."
                )
                return EXIT_REFUSED
            # Another command is signing in to this start URL: wait for its result.
            lock.take(LOGIN_WAIT_SECONDS, lambda: None)
            again = still_needed()
            if again is None:
                return None
            _say(
                f"awsguard: the SSO token for {login.what} is still {again.state}: run "
                f"`{again.command}`, then run this command again. The AWS CLI did not run."
            )
            return EXIT_REFUSED

        def waiting() -> None:
            _say(f"awsguard: waiting for the SSO login to {login.what} in another command…")

        if not lock.take(LOGIN_WAIT_SECONDS, waiting):
            _say(
                f"awsguard: another command has been signing in to {login.what} for "
                f"{LOGIN_WAIT_SECONDS:.0f} s; finish or stop it, or run `{login.command}`. "
                "The AWS CLI did not run."
            )
            return EXIT_REFUSED
        again = still_needed()  # another command may have signed in meanwhile
        if again is None:
            return None
        login = again
        question = (
            f"awsguard: the SSO token for {login.what} is {login.state}. "
            f"Run `{login.command}` now?"
        )
        if ask is None:
            from . import tty

            def ask(text: str) -> bool:
                return tty.confirm_yes_no(text, default=True)

        try:
            yes = ask(question)
        except Exception:  # noqa: BLE001 - Ctrl-C, Ctrl-D or no terminal after all
            yes = False
        if not yes:
            _say(
                f"awsguard: not signed in: run `{login.command}` when you are ready. "
                "The AWS CLI did not run."
            )
            return EXIT_REFUSED
        status = run_login(login.argv)
        if status != 0:
            _say(
                f"awsguard: `{login.command}` failed (exit status {status}). "
                "The AWS CLI did not run."
            )
            return EXIT_REFUSED
        again = still_needed()
        if again is not None:
            _say(
                f"awsguard: after `{login.command}` the SSO token for {again.what} is still "
                f"{again.state}. The AWS CLI did not run."
            )
            return EXIT_REFUSED
        return None
    finally:
        lock.close()
