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
class PolicyWarning:
    """Something IAM would refuse to store, though the policy can still be evaluated.

    `statement_index` is 0-based (None for the whole policy); `field` names the element.
    """

    policy: str
    statement_index: int | None
    statement: str | None      # the label people see: "#2" or "#2 (Sid)"
    field: str | None
    message: str

    def describe(self) -> str:
        return f"{_where(self.policy, self.statement, self.field)}: {self.message}"

    def to_json(self) -> dict:
        return {"policy": self.policy, "statement_index": self.statement_index,
                "statement": self.statement, "field": self.field, "message": self.message}


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
    # A Condition IAM would reject (unknown operator, malformed block): the statement can
    # never apply, since no request could satisfy a condition nobody can evaluate.
    never_applies: bool = False

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
    # What IAM would reject when storing the policy; evaluation goes on without it.
    warnings: tuple[PolicyWarning, ...] = field(compare=False, default=())


def _where(policy: str, statement: str | None, element: str | None) -> str:
    place = f"policy {policy!r}"
    if statement is not None:
        place += f", statement {statement}"
    if element is not None:
        place += f", field {element!r}"
    return place


def _fail(policy: str, statement: str | None, element: str | None, problem: str) -> PolicyError:
    return PolicyError(f"{_where(policy, statement, element)}: {problem}")


class _Problems:
    """Collects what IAM would reject; in strict mode the first one is an error."""

    def __init__(self, policy: str, strict: bool) -> None:
        self.policy = policy
        self.strict = strict
        self.found: list[PolicyWarning] = []

    def warn(self, index: int | None, label: str | None, element: str | None,
             problem: str) -> None:
        if self.strict:
            raise _fail(self.policy, label, element, problem)
        self.found.append(PolicyWarning(self.policy, index, label, element, problem))


def _lenient_strings(value: Any, problems: _Problems, index: int, label: str,
                     element: str) -> tuple[str, ...]:
    """The strings in `value`; anything else is reported and left out (matches nothing)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.warn(index, label, element, "must be a string or a non-empty list of strings; "
                  "the values that are not strings are ignored")
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bare_principal(value: str) -> Principals:
    """How a bare-string Principal reads: "*" everyone, a service principal, else AWS."""
    if value == "*":
        return Principals(everyone=True)
    if value.endswith(".amazonaws.com") and not value.startswith("arn:"):
        return Principals(by_type=(("Service", (value,)),))
    return Principals(by_type=(("AWS", (value,)),))


def _principals(value: Any, problems: _Problems, index: int, label: str,
                element: str) -> Principals:
    if value == "*":
        return Principals(everyone=True)
    if isinstance(value, str) and value:
        # IAM stores only "*" as a bare string; anything else must sit under a type.
        problems.warn(index, label, element,
                      f'a bare string other than "*" is not valid; write {{"AWS": "{value}"}}')
        return _bare_principal(value)
    if not isinstance(value, dict) or not value:
        problems.warn(index, label, element,
                      'must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}; '
                      "as written it names no principal")
        return Principals()
    by_type = []
    everyone = False
    for name, raw in value.items():
        if name not in PRINCIPAL_TYPES:
            problems.warn(index, label, f"{element}.{name}",
                          f"unknown principal type {name!r} (use one of "
                          f"{', '.join(PRINCIPAL_TYPES)}); it names no principal")
            continue
        values = _lenient_strings(raw, problems, index, label, f"{element}.{name}")
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


def _conditions(value: Any, problems: _Problems, index: int,
                label: str) -> tuple[tuple[ConditionClause, ...], bool]:
    """The clauses, and whether a malformed part makes the statement never apply."""
    if not isinstance(value, dict):
        problems.warn(index, label, "Condition", "must be an object of operator: {key: value}")
        return (), True
    clauses = []
    broken = False
    for operator, block in value.items():
        set_operator, base, if_exists = split_operator(operator)
        element = f"Condition.{operator}"
        if base not in BASE_OPERATORS or (set_operator and set_operator not in SET_OPERATORS):
            problems.warn(index, label, element, f"unknown condition operator {operator!r}")
            broken = True
            continue
        if base == "Null" and if_exists:
            problems.warn(index, label, element, "Null has no IfExists form")
            broken = True
            continue
        if not isinstance(block, dict) or not block:
            problems.warn(index, label, element, "must be an object of {context key: value}")
            broken = True
            continue
        for key, raw in block.items():
            raw_values = raw if isinstance(raw, list) else [raw]
            if not raw_values or any(isinstance(v, (dict, list)) or v is None for v in raw_values):
                problems.warn(index, label, f"{element}.{key}",
                              "must be a string, number, boolean or a list of them")
                broken = True
                continue
            clauses.append(ConditionClause(
                operator=operator, base=base, set_operator=set_operator, if_exists=if_exists,
                key=key, values=tuple(_scalar(v) for v in raw_values),
            ))
    return tuple(clauses), broken


KNOWN_ELEMENTS = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                            "Principal", "NotPrincipal", "Condition"})


def _statement(raw: Any, index: int, policy: str, kind: str,
               problems: _Problems) -> Statement | None:
    label = f"#{index + 1}"
    if not isinstance(raw, dict):
        problems.warn(index, label, None, "a statement must be a JSON object; it is ignored")
        return None
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        problems.warn(index, label, "Sid", "must be a string")
        sid = None
    if sid:
        label = f"#{index + 1} ({sid})"
    for name in raw:
        if name not in KNOWN_ELEMENTS:
            problems.warn(index, label, name, f"unknown element (ignored); expected one of "
                          f"{', '.join(sorted(KNOWN_ELEMENTS))}")
    effect = raw.get("Effect")
    if isinstance(effect, str) and effect.capitalize() in ("Allow", "Deny") \
            and effect not in ("Allow", "Deny"):
        problems.warn(index, label, "Effect", f'must be written "Allow" or "Deny", not {effect!r}')
        effect = effect.capitalize()
    if effect not in ("Allow", "Deny"):
        raise _fail(policy, label, "Effect", f'must be "Allow" or "Deny", not {effect!r}')

    def pair(first: str, second: str) -> tuple[Any, Any]:
        a, b = raw.get(first), raw.get(second)
        if a is not None and b is not None:
            raise _fail(policy, label, first, f"cannot be used together with {second}")
        return a, b

    action, not_action = pair("Action", "NotAction")
    if action is None and not_action is None:
        raise _fail(policy, label, "Action", "missing: a statement needs Action or NotAction")
    resource, not_resource = pair("Resource", "NotResource")
    principal, not_principal = pair("Principal", "NotPrincipal")

    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    if resource is not None:
        resources = _lenient_strings(resource, problems, index, label, "Resource")
    elif not_resource is not None:
        not_resources = _lenient_strings(not_resource, problems, index, label, "NotResource")
    elif kind in IDENTITY_KINDS - {"scp"}:
        problems.warn(index, label, "Resource",
                      "missing: a statement needs Resource or NotResource; as written it "
                      "matches no resource")
        resources = ()

    principals = not_principals = None
    if kind in IDENTITY_KINDS and (principal is not None or not_principal is not None):
        name = "Principal" if principal is not None else "NotPrincipal"
        problems.warn(index, label, name,
                      f"not allowed in a {kind} policy (only resource-based policies name "
                      "principals); it is ignored")
    elif principal is not None:
        principals = _principals(principal, problems, index, label, "Principal")
        if kind == "rcp" and not principals.everyone:
            problems.warn(index, label, "Principal", 'resource control policies accept only '
                          '"Principal": "*"')
    elif not_principal is not None:
        not_principals = _principals(not_principal, problems, index, label, "NotPrincipal")
        if kind in ("trust", "rcp"):
            problems.warn(index, label, "NotPrincipal", f"not supported in a {kind} policy")
        elif effect == "Allow":
            problems.warn(index, label, "NotPrincipal", 'is supported only with "Effect": '
                          '"Deny"; with Allow it grants everyone not listed')
    elif kind in ("resource", "trust"):
        problems.warn(index, label, "Principal",
                      "missing: a resource-based policy statement must name a Principal; as "
                      "written it applies to no one")
        principals = Principals()
    elif kind == "rcp":
        problems.warn(index, label, "Principal", 'missing: resource control policies need '
                      '"Principal": "*"')

    actions = not_actions = None
    for name, value in (("Action", action), ("NotAction", not_action)):
        if value is None:
            continue
        items = _lenient_strings(value, problems, index, label, name)
        for item in items:
            if item != "*" and ":" not in item:
                problems.warn(index, label, name, f"{item!r} is not service:action (for "
                              "example s3:GetObject); it matches no action")
        if name == "Action":
            actions = items
        else:
            not_actions = items
    conditions: tuple[ConditionClause, ...] = ()
    broken = False
    if "Condition" in raw:
        conditions, broken = _conditions(raw["Condition"], problems, index, label)
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        principal=principals,
        not_principal=not_principals,
        conditions=conditions,
        never_applies=broken,
    )


def parse_policy(document: Any, name: str, kind: str = "identity", *,
                 strict: bool = False) -> Policy:
    """Turn one policy document (dict or JSON text) into a Policy.

    What IAM would refuse to store but can still be evaluated becomes `Policy.warnings`
    (or, with `strict`, a PolicyError); what cannot be evaluated at all raises PolicyError.
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as err:
            raise _fail(name, None, None, f"is not valid JSON ({err.msg} at line {err.lineno} "
                        f"column {err.colno})") from None
    if not isinstance(document, dict):
        raise _fail(name, None, None, "a policy must be a JSON object with a Statement")
    problems = _Problems(name, strict)
    for key in document:
        if key not in ("Version", "Statement", "Id"):
            problems.warn(None, None, key, "unknown top-level element (ignored); expected "
                          "Version, Id, Statement")
    version = document.get("Version")
    if version is not None and version not in ("2012-10-17", "2008-10-17"):
        problems.warn(None, None, "Version",
                      f'must be "2012-10-17" (or "2008-10-17"), not {version!r}; read as if '
                      "absent (policy variables stay literal text)")
        version = None
    if "Statement" not in document:
        raise _fail(name, None, "Statement", "missing")
    raw = document["Statement"]
    raw_statements = raw if isinstance(raw, list) else [raw]
    if not raw_statements:
        problems.warn(None, None, "Statement", "is empty: the policy allows and denies nothing")
    parsed = [_statement(s, i, name, kind, problems) for i, s in enumerate(raw_statements)]
    statements = tuple(s for s in parsed if s is not None)
    return Policy(name=name, kind=kind, version=version, statements=statements, document=document,
                  warnings=tuple(problems.found))
