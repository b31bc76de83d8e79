"""awsguard.vault against a real Secret Service (gnome-keyring-daemon on a private bus)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from awsguard import redact, vault
from awsguard.errors import AwsguardError


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def _session(kind: str = "mfa", hours: float = 1.0) -> vault.StoredSession:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return vault.StoredSession(
        kind=kind,
        profile="dev",
        access_key_id="ASIAEXAMPLE000001234",
        secret_access_key="session-secret-value",
        session_token="session-token-value",
        expiration=now + timedelta(hours=hours),
        created=now,
        source_profile="dev",
        mfa_serial="arn:aws:iam::123456789012:mfa/dev",
    )


def test_long_term_key_round_trips_through_the_secret_service(keyring_env: dict) -> None:
    key = vault.LongTermKey("AKIAEXAMPLE000001234", "long-term-secret")
    vault.store_key("dev", key)
    assert vault.load_key("dev") == key
    assert vault.key_indexed("dev")


def test_the_index_keeps_masked_ids_and_no_secret(keyring_env: dict) -> None:
    vault.store_key("dev", vault.LongTermKey("AKIAEXAMPLE000001234", "long-term-secret"))
    item = vault.mfa_item("dev", "arn:aws:iam::123456789012:mfa/dev")
    vault.store_session(item, _session())
    path = vault.index_path()
    text = path.read_text()
    assert "long-term-secret" not in text
    assert "session-secret-value" not in text and "session-token-value" not in text
    assert "AKIAEXAMPLE000001234" not in text and "AKIA…1234" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(text)["sessions"][item]["kind"] == "mfa"


def test_session_replaces_the_previous_one_in_a_single_item(keyring_env: dict) -> None:
    item = vault.mfa_item("dev", "arn:aws:iam::123456789012:mfa/dev")
    vault.store_session(item, _session(hours=1))
    newer = _session(hours=12)
    vault.store_session(item, newer)
    assert vault.load_session(item) == newer


def test_delete_forgets_the_item_and_its_index_entry(keyring_env: dict) -> None:
    item = vault.role_item("arn:aws:iam::123456789012:role/admin", "", "dev")
    vault.store_session(item, _session(kind="role"))
    assert vault.delete_session(item)
    assert vault.load_session(item) is None
    assert item not in vault.read_index()["sessions"]
    assert not vault.delete_session(item)


def test_an_unreadable_item_counts_as_no_session(keyring_env: dict) -> None:
    import keyring

    item = vault.mfa_item("dev", "serial")
    keyring.set_password(vault.SERVICE, item, "not json")
    assert vault.load_session(item) is None


def test_the_fail_backend_is_refused_with_the_ways_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.core

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    with pytest.raises(AwsguardError) as caught:
        vault.load_key("dev")
    message = str(caught.value)
    # One short line where it happens; the ways out are in `awsguard doctor`.
    assert "no usable OS keyring" in message and "awsguard doctor" in message
    assert "\n" not in message and len(message) < 200
    paragraph = vault.unusable_paragraph("no backend")
    assert "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring" in paragraph
    assert "gnome-keyring-daemon" in paragraph
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)


def test_a_locked_secret_service_is_reported_not_bypassed(
    locked_secret_service: dict, tmp_path: Path
) -> None:
    # In a child process: the keyring package caches its backend per process.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DBUS_"))}
    env.update(locked_secret_service)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    code = (
        "from awsguard import vault\n"
        "from awsguard.errors import AwsguardError\n"
        "try:\n"
        "    vault.store_key('dev', vault.LongTermKey('AKIAEXAMPLE000001234', 'sekrit'))\n"
        "except AwsguardError as err:\n"
        "    print(err)\n"
        "else:\n"
        "    print('STORED')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "no usable OS keyring" in done.stdout, done.stdout + done.stderr
    assert "STORED" not in done.stdout
    assert "sekrit" not in done.stdout + done.stderr
    state = tmp_path / "state"
    assert not any(state.rglob("*")) or "sekrit" not in "".join(
        p.read_text() for p in state.rglob("*") if p.is_file()
    )


def test_a_plaintext_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.backend
    import keyring.core

    class PlaintextKeyring(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise AssertionError("must not be written")

        def delete_password(self, service: str, username: str) -> None:
            return None

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    monkeypatch.setattr(keyring.core, "_keyring_backend", PlaintextKeyring())
    with pytest.raises(AwsguardError, match="plain file"):
        vault.store_key("dev", vault.LongTermKey("AKIAEXAMPLE000001234", "s"))


def test_masking_shows_first_and_last_four() -> None:
    assert vault.mask("AKIAIOSFODNN7EXAMPLE") == "AKIA…MPLE"
    assert vault.mask("short") == redact.mask_key("short") == "s…t"  # one way to mask
    assert vault.mask("") == ""


def test_reprs_never_show_secrets() -> None:
    text = repr(_session()) + repr(vault.LongTermKey("AKIAEXAMPLE000001234", "long-secret"))
    assert "session-secret-value" not in text and "session-token-value" not in text
    assert "long-secret" not in text
