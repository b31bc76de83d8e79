"""Group 9, the keyring: whether the OS keyring can store and read a test secret, and
whether this setup needs one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .common import Check, FAIL, KEYRING_SERVICE, OK, WARN, _oneline

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..situation import Situation


# --- 9. the keyring ------------------------------------------------------------------------


@dataclass
class KeyringFacts:
    backend: str | None = None
    ok: bool = False
    problem: str | None = None  # the paragraph to show when it is unusable


def gather_keyring() -> KeyringFacts:
    """Store, read back and delete a random test secret under the service awsguard-doctor."""
    import secrets

    from .. import vault

    facts = KeyringFacts()
    try:
        backend = vault._backend()
    except Exception as err:  # noqa: BLE001 - vault raises AwsguardError with the paragraph
        facts.problem = getattr(err, "paragraph", None) or str(err)
        return facts
    facts.backend = f"{type(backend).__module__}.{type(backend).__name__}"
    item = f"probe-{os.getpid()}"
    value = secrets.token_hex(16)
    step = "writing to"
    try:
        backend.set_password(KEYRING_SERVICE, item, value)
        step = "reading from"
        read = backend.get_password(KEYRING_SERVICE, item)
        step = "deleting from"
        backend.delete_password(KEYRING_SERVICE, item)
    except Exception as err:  # noqa: BLE001 - D-Bus, OS and keyring errors alike
        facts.problem = _keyring_paragraph(vault, f"{step} the keyring failed with "
                                           f"{facts.backend}: {_oneline(err)}")
        return facts
    if read != value:
        facts.problem = _keyring_paragraph(
            vault, f"{facts.backend} gave back a different value than it stored"
        )
        return facts
    facts.ok = True
    return facts


def _keyring_paragraph(vault: Any, detail: str) -> str:
    make = getattr(vault, "unusable_paragraph", None)
    if make is not None:
        return str(make(detail))
    return f"no usable OS keyring: {detail}."


def keyring_needed(situation: Situation) -> str | None:
    """Why this setup needs the OS keyring; None when nothing in it does (no key or
    session in awsguard's vault, no imported profile, no profile whose sessions
    awsguard manages)."""
    from .. import vaultindex
    from ..sessionplan import plan_chain

    index = vaultindex.read(situation.environ)
    if index["keys"]:
        return "awsguard keeps long-term keys for " + ", ".join(sorted(index["keys"]))
    if index["sessions"]:
        return "awsguard keeps MFA or role sessions in it"
    files = situation.files
    for name in files.profile_names():
        chain = plan_chain(name, files, situation.environ)
        if chain is not None:
            why = "is imported (awsguard credential-process)" if chain.key_in_keyring else (
                "has MFA sessions awsguard keeps")
            return f"profile {name} {why}"
    return None


def check_keyring(facts: KeyringFacts, needed: str | None = "") -> Check:
    """`needed`: why the setup needs a keyring (keyring_needed); None when nothing does,
    so an unusable keyring is a warning, not a failure."""
    if facts.ok:
        evidence = [f"service {KEYRING_SERVICE}"]
        if needed:
            evidence.append(f"needed: {needed}")
        return Check(
            "keyring.backend",
            OK,
            f"{facts.backend} stored, read back and deleted a test secret",
            tuple(evidence),
        )
    paragraph = facts.problem or "no usable OS keyring."
    cut = paragraph.find(" awsguard keeps")
    summary = paragraph[:cut].rstrip(".") if cut > 0 else paragraph.split(". ")[0]
    ways = paragraph.find("Ways out:")
    fix = paragraph[ways:] if ways >= 0 else paragraph
    evidence = [f"backend {facts.backend}"] if facts.backend else []
    evidence.append(paragraph)
    if needed is None:
        return Check(
            "keyring.backend",
            WARN,
            f"{summary} (nothing in this setup needs it yet: no imported profile, no "
            "awsguard session)",
            tuple(evidence),
            "only `awsguard import`/`add` and MFA/role sessions need a keyring; " + fix,
        )
    if needed:
        evidence.insert(0, f"needed: {needed}")
    return Check("keyring.backend", FAIL, summary, tuple(evidence), fix)
