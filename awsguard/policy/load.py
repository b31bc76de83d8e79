"""The `simulate --input` document -> EvaluationInput, with errors that say where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .evaluate import EvaluationInput, Request
from .model import Policy, PolicyError, parse_policy

TOP_LEVEL = {"request", "identity_policies", "resource_policy", "permission_boundaries",
             "session_policy", "scps", "rcps", "vpc_endpoint_policy"}
REQUEST_FIELDS = {"principal", "action", "resource", "resource_account", "context",
                  "principal_type", "management_account"}


def _policy(raw: Any, default_name: str, kind: str) -> Policy:
    if isinstance(raw, dict) and "document" in raw and "Statement" not in raw:
        name = raw.get("name") or default_name
        if not isinstance(name, str):
            raise PolicyError(f"policy {default_name!r}: 'name' must be a string")
        return parse_policy(raw["document"], name, kind)
    return parse_policy(raw, default_name, kind)


def _policy_list(raw: Any, field: str, kind: str) -> list[Policy]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise PolicyError(f"input field {field!r} must be a list of policies")
    return [_policy(item, f"{field}[{i}]", kind) for i, item in enumerate(raw)]


def _levels(raw: Any, field: str, kind: str) -> list[list[Policy]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(level, list) for level in raw):
        raise PolicyError(f"input field {field!r} must be a list of levels (root first), each a "
                          "list of policies: [[root policies], [OU policies], [account policies]]")
    return [[_policy(item, f"{field}[{i}][{j}]", kind) for j, item in enumerate(level)]
            for i, level in enumerate(raw)]


def parse_request(raw: Any) -> Request:
    if not isinstance(raw, dict):
        raise PolicyError("input field 'request' must be an object with principal, action, "
                          "resource")
    unknown = set(raw) - REQUEST_FIELDS
    if unknown:
        raise PolicyError(f"input field 'request' has unknown key(s) {', '.join(sorted(unknown))}; "
                          f"expected {', '.join(sorted(REQUEST_FIELDS))}")
    for name in ("principal", "action"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise PolicyError(f"input field 'request.{name}' is required and must be a string")
    if ":" not in raw["action"]:
        raise PolicyError(f"input field 'request.action' must be service:action, not "
                          f"{raw['action']!r}")
    context = raw.get("context") or {}
    if not isinstance(context, dict):
        raise PolicyError("input field 'request.context' must be an object of key: value")
    for key, value in context.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, (dict, list)) or v is None for v in values):
            raise PolicyError(f"input field 'request.context.{key}' must be a string, number, "
                              "boolean or list of them")
    for name in ("resource", "resource_account", "principal_type", "management_account"):
        if raw.get(name) is not None and not isinstance(raw[name], str):
            raise PolicyError(f"input field 'request.{name}' must be a string")
    return Request(
        principal=raw["principal"],
        action=raw["action"],
        resource=raw.get("resource") or "*",
        resource_account=raw.get("resource_account"),
        context=dict(context),
        principal_type=raw.get("principal_type"),
        management_account=raw.get("management_account"),
    )


def parse_input(document: Any) -> EvaluationInput:
    if not isinstance(document, dict):
        raise PolicyError("the input must be a JSON object with 'request' and the policies")
    unknown = set(document) - TOP_LEVEL
    if unknown:
        raise PolicyError(f"input has unknown field(s) {', '.join(sorted(unknown))}; expected "
                          f"{', '.join(sorted(TOP_LEVEL))}")
    if "request" not in document:
        raise PolicyError("input field 'request' is missing")

    def single(field: str, kind: str) -> Policy | None:
        raw = document.get(field)
        return None if raw is None else _policy(raw, field, kind)

    return EvaluationInput(
        request=parse_request(document["request"]),
        identity_policies=_policy_list(document.get("identity_policies"), "identity_policies",
                                       "identity"),
        resource_policy=single("resource_policy", "resource"),
        permission_boundaries=_policy_list(document.get("permission_boundaries"),
                                           "permission_boundaries", "permission-boundary"),
        session_policy=single("session_policy", "session"),
        scps=_levels(document.get("scps"), "scps", "scp"),
        rcps=_levels(document.get("rcps"), "rcps", "rcp"),
        vpc_endpoint_policy=single("vpc_endpoint_policy", "vpc-endpoint"),
    )


def read_json(path: str | Path, what: str) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(f"cannot read {what} {str(path)!r}: {err.strerror or err}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise PolicyError(f"{what} {str(path)!r} is not valid JSON: {err.msg} at line "
                          f"{err.lineno} column {err.colno}") from None


def load_input(path: str | Path) -> EvaluationInput:
    return parse_input(read_json(path, "input file"))
