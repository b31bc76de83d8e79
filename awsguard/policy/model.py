"""Policy documents as data, with errors that name the policy, statement and field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import AwsguardError

# What kind of policy a document is decides which elements it may carry.
IDENTITY_KINDS = {"identity", "permission-boundary", "session", "scp"}
RESOURCE_KINDS = {"resource", "rcp", "vpc-endpoint", "trust"}

SET_OPERATORS = ("ForAllValues", "ForAnyValue")
BASE_OPERATORS = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
    "DateGreaterThan", "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
    "Null",
}
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")


class PolicyError(AwsguardError):
    """A policy that IAM would reject, or that we cannot read."""


@dataclass(frozen=True)
class ConditionClause:
    operator: str          # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str              # "StringLike"
    set_operator: str | None
    if_exists: bool
    key: str               # as written
    values: tuple[str, ...]


@dataclass(frozen=True)
class Principals:
    """Principal or NotPrincipal: `everyone` for "*", else values per principal type."""

    everyone: bool = False
    by_type: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def values(self, kind: str) -> tuple[str, ...]:
        for name, values in self.by_type:
            if name == kind:
                return values
        return ()


@dataclass(frozen=True)
class Statement:
    index: int                      # 0-based position in the policy
    sid: str | None
    effect: str                     # "Allow" | "Deny"
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principal: Principals | None
    not_principal: Principals | None
    conditions: tuple[ConditionClause, ...]

    @property
    def label(self) -> str:
        return self.sid if self.sid else f"#{self.index + 1}"


@dataclass(frozen=True)
class Policy:
    name: str
    kind: str
    version: str | None
    statements: tuple[Statement, ...]
    document: dict = field(compare=False, repr=False, default_factory=dict)


def _where(policy: str, statement: str | None, element: str | None) -> str:
    place = f"policy {policy!r}"
    if statement is not None:
        place += f", statement {statement}"
    if element is not None:
        place += f", field {element!r}"
    return place


def _fail(policy: str, statement: str | None, element: str | None, problem: str) -> PolicyError:
    return PolicyError(f"{_where(policy, statement, element)}: {problem}")


def _strings(value: Any, policy: str, statement: str, element: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _fail(policy, statement, element, "must be a string or a non-empty list of strings")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _principals(value: Any, policy: str, statement: str, element: str) -> Principals:
    if value == "*":
        return Principals(everyone=True)
    if not isinstance(value, dict) or not value:
        raise _fail(policy, statement, element,
                    'must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}')
    by_type = []
    everyone = False
    for name, raw in value.items():
        if name not in PRINCIPAL_TYPES:
            raise _fail(policy, statement, element,
                        f"unknown principal type {name!r}; use one of {', '.join(PRINCIPAL_TYPES)}")
        values = _strings(raw, policy, statement, f"{element}.{name}")
        if name == "AWS" and "*" in values:
            everyone = True
        by_type.append((name, values))
    return Principals(everyone=everyone, by_type=tuple(by_type))


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """"ForAnyValue:StringLikeIfExists" -> ("ForAnyValue", "StringLike", True)."""
    set_operator = None
    rest = operator
    if ":" in operator:
        set_operator, rest = operator.split(":", 1)
    if_exists = rest.endswith("IfExists")
    base = rest[: -len("IfExists")] if if_exists else rest
    return set_operator, base, if_exists


def _conditions(value: Any, policy: str, statement: str) -> tuple[ConditionClause, ...]:
    if not isinstance(value, dict):
        raise _fail(policy, statement, "Condition", "must be an object of operator: {key: value}")
    clauses = []
    for operator, block in value.items():
        set_operator, base, if_exists = split_operator(operator)
        element = f"Condition.{operator}"
        if base not in BASE_OPERATORS or (set_operator and set_operator not in SET_OPERATORS):
            raise _fail(policy, statement, element, f"unknown condition operator {operator!r}")
        if base == "Null" and if_exists:
            raise _fail(policy, statement, element, "Null has no IfExists form")
        if not isinstance(block, dict) or not block:
            raise _fail(policy, statement, element, "must be an object of {context key: value}")
        for key, raw in block.items():
            raw_values = raw if isinstance(raw, list) else [raw]
            if not raw_values or any(isinstance(v, (dict, list)) or v is None for v in raw_values):
                raise _fail(policy, statement, f"{element}.{key}",
                            "must be a string, number, boolean or a list of them")
            clauses.append(ConditionClause(
                operator=operator, base=base, set_operator=set_operator, if_exists=if_exists,
                key=key, values=tuple(_scalar(v) for v in raw_values),
            ))
    return tuple(clauses)


def _statement(raw: Any, index: int, policy: str, kind: str) -> Statement:
    label = f"#{index + 1}"
    if not isinstance(raw, dict):
        raise _fail(policy, label, None, "a statement must be a JSON object")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise _fail(policy, label, "Sid", "must be a string")
    if sid:
        label = f"#{index + 1} ({sid})"
    known = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
             "Principal", "NotPrincipal", "Condition"}
    for name in raw:
        if name not in known:
            raise _fail(policy, label, name,
                        f"unknown element; expected one of {', '.join(sorted(known))}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise _fail(policy, label, "Effect", f'must be "Allow" or "Deny", not {effect!r}')

    def pair(first: str, second: str, required: bool) -> tuple[Any, Any]:
        a, b = raw.get(first), raw.get(second)
        if a is not None and b is not None:
            raise _fail(policy, label, first, f"cannot be used together with {second}")
        if required and a is None and b is None:
            raise _fail(policy, label, first, f"missing: a statement needs {first} or {second}")
        return a, b

    action, not_action = pair("Action", "NotAction", True)
    resource, not_resource = pair("Resource", "NotResource", kind in IDENTITY_KINDS - {"scp"})
    principal, not_principal = pair("Principal", "NotPrincipal", kind in {"resource", "trust"})
    if kind in IDENTITY_KINDS and (principal is not None or not_principal is not None):
        raise _fail(policy, label, "Principal" if principal is not None else "NotPrincipal",
                    f"not allowed in a {kind} policy (only resource-based policies name "
                    "principals)")
    for name, value in (("Action", action), ("NotAction", not_action)):
        if value is not None:
            for item in _strings(value, policy, label, name):
                if item != "*" and ":" not in item:
                    raise _fail(policy, label, name,
                                f"{item!r} is not service:action (for example s3:GetObject)")
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=_strings(action, policy, label, "Action") if action is not None else None,
        not_actions=(_strings(not_action, policy, label, "NotAction")
                     if not_action is not None else None),
        resources=_strings(resource, policy, label, "Resource") if resource is not None else None,
        not_resources=(_strings(not_resource, policy, label, "NotResource")
                       if not_resource is not None else None),
        principal=(_principals(principal, policy, label, "Principal")
                   if principal is not None else None),
        not_principal=(_principals(not_principal, policy, label, "NotPrincipal")
                       if not_principal is not None else None),
        conditions=_conditions(raw["Condition"], policy, label) if "Condition" in raw else (),
    )


def parse_policy(document: Any, name: str, kind: str = "identity") -> Policy:
    """Turn one policy document (dict or JSON text) into a Policy, or raise PolicyError."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as err:
            raise _fail(name, None, None, f"is not valid JSON ({err.msg} at line {err.lineno} "
                        f"column {err.colno})") from None
    if not isinstance(document, dict):
        raise _fail(name, None, None, "a policy must be a JSON object with a Statement")
    version = document.get("Version")
    if version is not None and version not in ("2012-10-17", "2008-10-17"):
        raise _fail(name, None, "Version",
                    f'must be "2012-10-17" (or "2008-10-17"), not {version!r}')
    if "Statement" not in document:
        raise _fail(name, None, "Statement", "missing")
    raw = document["Statement"]
    raw_statements = raw if isinstance(raw, list) else [raw]
    if not raw_statements:
        raise _fail(name, None, "Statement", "is empty")
    statements = tuple(_statement(s, i, name, kind) for i, s in enumerate(raw_statements))
    return Policy(name=name, kind=kind, version=version, statements=statements, document=document)
