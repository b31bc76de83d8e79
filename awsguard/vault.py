"""Secrets in the OS keyring: the only place awsguard stores a secret.

Every secret is one JSON blob in one keyring item under the service name
"awsguard", so writing a new value replaces the old one in a single keyring
call (the Secret Service, macOS Keychain and Windows Credential Manager all
replace an item atomically): a crash leaves the old value or the new one.

Item names (the keyring's "username"):
  key:PROFILE                          a long-term access key (awsguard add / import)
  mfa:PROFILE|MFA_SERIAL               an STS GetSessionToken session
  role:ROLE_ARN|SESSION_NAME|SOURCE    an STS AssumeRole session

Keyrings cannot list their items portably, so a small index of what is stored
(names, masked key ids, expiry: never a secret) lives in
${XDG_STATE_HOME}/awsguard/vault-index.json. The keyring stays the truth; the
index serves `awsguard sessions`, `logout --all`, and lets the shim know which
profiles keep their key here without opening the keyring.
"""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timezone

from . import identitycache, jsonlite, paths, vaultindex
from .errors import AwsguardError
from .record import field, record
from .vaultindex import INDEX_NAME
from .timefmt import format_time, require_time

# typing, collections.abc, pathlib, json and contextlib cost a session profile's call
# milliseconds: annotations are strings, JSON is read with jsonlite and written with
# json imported where it is written, and a lock's context manager is made when taken.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import contextlib
    from collections.abc import Iterator, Mapping
    from pathlib import Path
    from typing import Any

SERVICE = "awsguard"


def mask(access_key_id: str) -> str:
    """redact.mask_key, with "" for no key."""
    from .redact import mask_key

    return (mask_key(access_key_id) or "") if access_key_id else ""


@record(frozen=True)
class LongTermKey:
    access_key_id: str
    secret_access_key: str = field(repr=False)

    @property
    def masked_id(self) -> str:
        return mask(self.access_key_id)


@record(frozen=True)
class StoredSession:
    """Temporary credentials from STS and what they were made from."""

    kind: str  # "mfa" or "role"
    profile: str  # the profile that asked for it (for mfa: the source profile)
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    created: datetime
    source_profile: str = ""  # the profile whose long-term key began the chain
    mfa_serial: str = ""
    role_arn: str = ""
    role_session_name: str = ""
    arn: str = ""  # who the session acts as, when STS said so

    def seconds_left(self, now: datetime) -> float:
        return (self.expiration - now).total_seconds()

    def to_json(self) -> str:
        import json

        return json.dumps(
            {
                "kind": self.kind,
                "profile": self.profile,
                "access_key_id": self.access_key_id,
                "secret_access_key": self.secret_access_key,
                "session_token": self.session_token,
                "expiration": format_time(self.expiration),
                "created": format_time(self.created),
                "source_profile": self.source_profile,
                "mfa_serial": self.mfa_serial,
                "role_arn": self.role_arn,
                "role_session_name": self.role_session_name,
                "arn": self.arn,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> StoredSession:
        raw = jsonlite.loads(text)
        return cls(
            kind=raw["kind"],
            profile=raw["profile"],
            access_key_id=raw["access_key_id"],
            secret_access_key=raw["secret_access_key"],
            session_token=raw["session_token"],
            expiration=require_time(raw["expiration"]),
            created=require_time(raw["created"]),
            source_profile=raw.get("source_profile", ""),
            mfa_serial=raw.get("mfa_serial", ""),
            role_arn=raw.get("role_arn", ""),
            role_session_name=raw.get("role_session_name", ""),
            arn=raw.get("arn", ""),
        )

    def summary(self) -> dict[str, Any]:
        """What the index keeps and `awsguard sessions` shows: no secret."""
        return {
            "kind": self.kind,
            "profile": self.profile,
            "source_profile": self.source_profile,
            "mfa_serial": self.mfa_serial,
            "role_arn": self.role_arn,
            "role_session_name": self.role_session_name,
            "access_key_id": mask(self.access_key_id),
            "arn": self.arn,
            "created": format_time(self.created),
            "expiration": format_time(self.expiration),
        }


def key_item(profile: str) -> str:
    return f"key:{profile}"


def mfa_item(source_profile: str, mfa_serial: str) -> str:
    return f"mfa:{source_profile}|{mfa_serial}"


def role_item(role_arn: str, session_name: str, source_profile: str) -> str:
    return f"role:{role_arn}|{session_name}|{source_profile}"


# --- the keyring -------------------------------------------------------------------------

WAYS_OUT = (
    "Ways out: on a desktop, unlock your login keyring; on headless Linux or WSL, start a "
    "Secret Service (for example `dbus-run-session -- sh -c 'echo -n PASSWORD | "
    "gnome-keyring-daemon --unlock --components=secrets; exec $SHELL'`), or use an "
    "encrypted file keyring: `pip install keyrings.alt pycryptodomex` into awsguard's Python "
    "environment and export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring. "
    "awsguard never falls back to storing secrets in a plain file."
)


def unusable_paragraph(detail: str) -> str:
    """The long explanation, for `awsguard doctor`."""
    return (
        f"no usable OS keyring: {detail}. awsguard keeps long-term keys and MFA sessions "
        f"only in the OS keyring (through the Python `keyring` package). {WAYS_OUT}"
    )


class KeyringUnusable(AwsguardError):
    """One short line where it happens; `paragraph` (the ways out) is for doctor."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"no usable OS keyring: {detail}. `awsguard doctor` says how to set one up."
        )
        self.paragraph = unusable_paragraph(detail)


def _unusable(detail: str) -> AwsguardError:
    return KeyringUnusable(detail)


def _backend() -> Any:
    try:
        import keyring
        import keyring.backends.fail
    except ImportError as err:  # pragma: no cover - a dependency of awsguard
        raise _unusable(f"the Python package `keyring` is missing ({err})") from None
    try:
        backend = keyring.get_keyring()
    except Exception as err:  # keyring raises many kinds at init
        raise _unusable(f"{type(err).__name__}: {err}") from None
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, keyring.backends.fail.Keyring):
        raise _unusable("the keyring package found no backend (keyring.backends.fail)")
    if hasattr(backend, "backends") and not list(backend.backends):
        raise _unusable(f"{name} has no viable backend to chain")
    module = type(backend).__module__
    if module.startswith("keyrings.alt") and "Plaintext" in type(backend).__name__:
        raise _unusable(f"{name} stores secrets in a plain file; awsguard refuses it")
    return backend


def backend_name() -> str:
    backend = _backend()
    return f"{type(backend).__module__}.{type(backend).__name__}"


_ATTEMPTS = 3


def _keyring_call(action: str, call: Any, *args: str) -> Any:
    backend = _backend()
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return call(backend, *args)
        except AwsguardError:
            raise
        except Exception as err:  # backends raise D-Bus, OS and keyring errors
            if attempt < _ATTEMPTS:
                # The Secret Service replaces an item by deleting and recreating it: a
                # reader racing a writer (parallel `aws` calls) can find it gone once.
                import time

                time.sleep(0.05 * attempt)
                continue
            name = f"{type(backend).__module__}.{type(backend).__name__}"
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise _unusable(
                f"{action} failed with {name}: {type(err).__name__}: {message} "
                "(a locked or absent Secret Service looks like this)"
            ) from None
    return None  # not reached


def _get(item: str) -> str | None:
    fast = _fast_get(item)
    if fast is not _SLOW:
        return fast
    return _keyring_call("reading the keyring", lambda b, i: b.get_password(SERVICE, i), item)


_SLOW = object()


def _fast_get(item: str) -> object:
    """The item straight from the Secret Service (secretbus, a few ms), or _SLOW when the
    `keyring` package must answer: another backend, a locked keyring, no bus."""
    import sys

    from . import secretbus

    chosen = sys.modules.get("keyring.core")
    backend = getattr(chosen, "_keyring_backend", None) if chosen else None
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if backend is not None and name != secretbus.KEYRING_BACKEND:
        return _SLOW  # this process chose a backend in code (keyring.set_keyring)
    try:
        return secretbus.read_secret(SERVICE, item)
    except secretbus.NotApplicable:
        return _SLOW
    except secretbus.Unavailable as err:
        secretbus.note_fallback(str(err))
        return _SLOW


def _set(item: str, value: str) -> None:
    _keyring_call(
        "writing to the keyring", lambda b, i, v: b.set_password(SERVICE, i, v), item, value
    )


def _delete(item: str) -> bool:
    import keyring.errors

    def delete(backend: Any, name: str) -> bool:
        try:
            backend.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    return bool(_keyring_call("deleting from the keyring", delete, item))


def check_usable() -> str:
    """Open the keyring once (a read); return the backend's name or raise AwsguardError."""
    _get("probe")
    return backend_name()


# --- long-term keys ------------------------------------------------------------------------


def store_key(profile: str, key: LongTermKey, environ: Mapping[str, str] = os.environ) -> None:
    import json

    blob = json.dumps(
        {"aws_access_key_id": key.access_key_id, "aws_secret_access_key": key.secret_access_key}
    )
    _set(key_item(profile), blob)
    # Read back: some backends accept a write they cannot keep (a read-only collection).
    if _get(key_item(profile)) != blob:
        raise _unusable(f"the keyring did not keep the key for profile {profile!r}")
    with _index(environ) as index:
        index["keys"][profile] = {
            "access_key_id": key.masked_id,
            # The identity cache's name for this key: the prompt finds the account of
            # an imported profile without the keyring (a key id is not a secret).
            "identity_cache": identitycache.digest(key.access_key_id),
            "stored": format_time(datetime.now(timezone.utc)),
        }


def load_key(profile: str) -> LongTermKey | None:
    blob = _get(key_item(profile))
    if blob is None:
        return None
    try:
        raw = jsonlite.loads(blob)
        return LongTermKey(raw["aws_access_key_id"], raw["aws_secret_access_key"])
    except (ValueError, KeyError, TypeError):
        raise AwsguardError(
            f"the keyring item {SERVICE}/{key_item(profile)} is not an awsguard key. "
            f"Store the key again with `awsguard add {profile}`."
        ) from None


def delete_key(profile: str, environ: Mapping[str, str] = os.environ) -> bool:
    found = _delete(key_item(profile))
    with _index(environ) as index:
        index["keys"].pop(profile, None)
    return found


def key_indexed(profile: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether awsguard stored a key for `profile` (from the index: no keyring access)."""
    return profile in read_index(environ)["keys"]


# --- sessions -------------------------------------------------------------------------------


def load_session(item: str) -> StoredSession | None:
    blob = _get(item)
    if blob is None:
        return None
    try:
        return StoredSession.from_json(blob)
    except (ValueError, KeyError, TypeError):
        # Not ours or from an older awsguard: treat as absent; the refresh replaces it.
        return None


def store_session(
    item: str, session: StoredSession, environ: Mapping[str, str] = os.environ
) -> None:
    _set(item, session.to_json())
    with _index(environ) as index:
        index["sessions"][item] = session.summary()


def delete_session(item: str, environ: Mapping[str, str] = os.environ) -> bool:
    found = _delete(item)
    with _index(environ) as index:
        index["sessions"].pop(item, None)
    return found


# --- the index (no secrets) -----------------------------------------------------------------


def index_path(environ: Mapping[str, str] = os.environ) -> Path:
    return paths.state_dir(environ) / INDEX_NAME


def read_index(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    return vaultindex.read(environ)


def _index(environ: Mapping[str, str]) -> contextlib.AbstractContextManager[dict[str, Any]]:
    """Read-modify-write the index under its own lock, replaced atomically."""
    from contextlib import contextmanager

    return contextmanager(_indexing)(environ)


def _indexing(environ: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    lock_path = paths.cache_dir(environ) / "locks" / "vault-index.lock"
    with hold_lock(lock_path):
        index = read_index(environ)
        yield index
        import json

        text = json.dumps(index, indent=1, sort_keys=True, ensure_ascii=False)
        paths.write_private(index_path(environ), text)


def hold_lock(
    lock_path: Path, timeout: float = 600.0, on_wait: Any = None
) -> contextlib.AbstractContextManager[None]:
    """An exclusive flock on `lock_path` (0600 in a 0700 dir), released when the holder dies."""
    from contextlib import contextmanager

    return contextmanager(_holding)(lock_path, timeout, on_wait)


def _holding(lock_path: Path, timeout: float, on_wait: Any) -> Iterator[None]:
    import time

    paths.ensure_private_dir(lock_path.parent)
    # Never through a symlink planted in the lock's place (the folder is ours and 0700).
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(lock_path, flags, 0o600)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AwsguardError(
                        f"another awsguard has held {lock_path} for {timeout:.0f} s (probably "
                        "waiting for an MFA code in another terminal). Answer it there, or "
                        "stop that process, and run the command again."
                    ) from None
                if not told and on_wait is not None:
                    on_wait()
                    told = True
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
