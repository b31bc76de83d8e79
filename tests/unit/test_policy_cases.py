"""Every case in tests/policy_cases/*.json: a request, its policies, the documented decision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from awsguard.policy.evaluate import evaluate
from awsguard.policy.load import parse_input

CASES_DIR = Path(__file__).resolve().parent.parent / "policy_cases"


def _cases() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        for case in data["cases"]:
            params.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return params


CASES = _cases()


def test_there_are_at_least_150_cases() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES)
def test_policy_case(case: dict) -> None:
    result = evaluate(parse_input(case["input"]))
    got = {"decision": result.decision.value, "blocked_by": result.blocked_by}
    assert got == case["expect"], f"{case['rule']}\n{result.explanation}"


def test_issue17_cases_each_cite_their_documentation_section() -> None:
    cited = [case for path in sorted(CASES_DIR.glob("issue17_*.json"))
             for case in json.loads(path.read_text())["cases"]]
    assert len(cited) >= 60
    assert all(case.get("source") for case in cited)
