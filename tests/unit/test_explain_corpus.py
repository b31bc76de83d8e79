"""Every message in tests/explain_corpus/ gets the diagnosis written beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from awsguard.explain import CATEGORIES, POLICY_TYPES, DiagnosisContext, diagnose_text

CORPUS = Path(__file__).resolve().parent.parent / "explain_corpus"
CASES = sorted(CORPUS.glob("*.json"))


def _context(raw: dict | None) -> DiagnosisContext | None:
    if not raw:
        return None
    raw = dict(raw)
    if "argv" in raw:
        raw["argv"] = tuple(raw["argv"])
    return DiagnosisContext(**raw)


def test_corpus_has_at_least_a_hundred_messages_covering_every_category_and_layer():
    docs = [json.loads(p.read_text()) for p in CASES]
    assert len(docs) >= 100
    assert all(d.get("source") for d in docs)
    categories = {d["expected"]["category"] for d in docs}
    assert categories == set(CATEGORIES)
    layers = {d["expected"].get("policy_type") for d in docs} - {None}
    assert layers == set(POLICY_TYPES)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_corpus_message_gets_expected_diagnosis(path: Path):
    doc = json.loads(path.read_text())
    diagnosis = diagnose_text(doc["text"], _context(doc.get("context")))
    got = diagnosis.as_dict()
    for key, want in doc["expected"].items():
        assert got[key] == want, f"{key}: got {got[key]!r}, want {want!r}"
    for fragment in doc.get("next_commands_contain", []):
        assert any(fragment in command for command in got["next_commands"]), (
            f"no next command contains {fragment!r}: {got['next_commands']}"
        )
    assert got["category"] in CATEGORIES
    assert got["policy_type"] in (*POLICY_TYPES, None)
    assert isinstance(got["hints"], list)
    if got["category"] != "not-authorization":
        assert got["reason"]
