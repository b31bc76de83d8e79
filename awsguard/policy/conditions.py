"""Condition operators, with IAM's rules for missing and multivalued keys.

- A missing key makes a positive operator false and a negated one (StringNotEquals,
  NotIpAddress, ArnNotLike, ...) true; `...IfExists` makes any operator true when the
  key is missing; `Null` tests presence itself.
- Several values under one key are ORed; under a negated operator they are NORed.
- ForAnyValue: true when at least one request value matches; false when the key is
  missing. ForAllValues: true when every request value matches, and true when the key
  is missing or empty.
- Variables are substituted in String* and Arn* values only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from .arn import arn_pattern_regex, glob_to_regex
from .model import ConditionClause
from .variables import Substituted, substitute

NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
SUBSTITUTING = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}


@dataclass(frozen=True)
class Context:
    """Request context: lower-cased key -> values; `multivalued` were given as lists."""

    values: dict[str, tuple[str, ...]]
    multivalued: frozenset[str] = frozenset()

    def get(self, key: str) -> tuple[str, ...] | None:
        found = self.values.get(key.lower())
        return found if found else None

    def as_lists(self) -> dict[str, list[str]]:
        """Keys usable as policy variables: multivalued keys never are."""
        return {k: list(v) for k, v in self.values.items() if k not in self.multivalued}


def make_context(raw: dict[str, object]) -> Context:
    values: dict[str, tuple[str, ...]] = {}
    multivalued = set()
    for key, value in raw.items():
        if isinstance(value, list):
            values[key.lower()] = tuple(_text(v) for v in value)
            multivalued.add(key.lower())
        elif value is not None:
            values[key.lower()] = (_text(value),)
    return Context(values, frozenset(multivalued))


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class ConditionFailure:
    operator: str
    key: str
    policy_values: tuple[str, ...]
    request_values: tuple[str, ...] | None   # None: the key was not in the request

    def describe(self) -> str:
        wanted = ", ".join(self.policy_values)
        if self.request_values is None:
            return f"{self.operator} {self.key} [{wanted}]: the key is not in the request"
        got = ", ".join(self.request_values)
        return f"{self.operator} {self.key} [{wanted}]: request has {got}"

    def to_json(self) -> dict:
        return {
            "operator": self.operator,
            "key": self.key,
            "policy_values": list(self.policy_values),
            "request_values": None if self.request_values is None else list(self.request_values),
        }


# --- positive comparisons: (policy value after substitution, request value) -> bool ----------

def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _date(text: str) -> datetime | None:
    text = text.strip()
    number = _number(text)
    if number is not None and re.fullmatch(r"-?\d+(\.\d+)?", text):
        return datetime.fromtimestamp(number, tz=timezone.utc)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        net = _network(text)
        return net.network_address if net is not None and net.num_addresses == 1 else None


def _ordered(compare: Callable[[float, float], bool], parse: Callable) -> Callable:
    def test(policy: Substituted, request: str) -> bool:
        left, right = parse(request), parse(policy.text)
        return left is not None and right is not None and compare(left, right)
    return test


def _string_like(policy: Substituted, request: str) -> bool:
    if not policy.literal_spans and "*" not in policy.text and "?" not in policy.text:
        return policy.text == request
    return _glob_regex(policy.text, policy.literal_spans).fullmatch(request) is not None


@lru_cache(maxsize=8192)
def _glob_regex(text: str, spans: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    return re.compile(glob_to_regex(text, literal_spans=spans), re.DOTALL)


def _arn_like(policy: Substituted, request: str) -> bool:
    if not policy.literal_spans and "*" not in policy.text and "?" not in policy.text:
        return policy.text == request
    return arn_pattern_regex(policy.text, policy.literal_spans).fullmatch(request) is not None


def _ip(policy: Substituted, request: str) -> bool:
    network, address = _network(policy.text), _address(request)
    return (network is not None and address is not None
            and network.version == address.version and address in network)


POSITIVE: dict[str, Callable[[Substituted, str], bool]] = {
    "StringEquals": lambda p, r: p.text == r,
    "StringEqualsIgnoreCase": lambda p, r: p.text.casefold() == r.casefold(),
    "StringLike": _string_like,
    "NumericEquals": _ordered(lambda a, b: a == b, _number),
    "NumericLessThan": _ordered(lambda a, b: a < b, _number),
    "NumericLessThanEquals": _ordered(lambda a, b: a <= b, _number),
    "NumericGreaterThan": _ordered(lambda a, b: a > b, _number),
    "NumericGreaterThanEquals": _ordered(lambda a, b: a >= b, _number),
    "DateEquals": _ordered(lambda a, b: a == b, _date),
    "DateLessThan": _ordered(lambda a, b: a < b, _date),
    "DateLessThanEquals": _ordered(lambda a, b: a <= b, _date),
    "DateGreaterThan": _ordered(lambda a, b: a > b, _date),
    "DateGreaterThanEquals": _ordered(lambda a, b: a >= b, _date),
    "Bool": lambda p, r: p.text.lower() == r.lower(),
    "BinaryEquals": lambda p, r: p.text == r,
    "IpAddress": _ip,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
}


def _policy_values(clause: ConditionClause, positive: str, context: Context,
                   version: str | None) -> list[Substituted]:
    if positive not in SUBSTITUTING:
        return [Substituted(v) for v in clause.values]
    lists = None
    out = []
    for value in clause.values:
        if "${" not in value:
            out.append(Substituted(value))
            continue
        if lists is None:
            lists = context.as_lists()
        resolved = substitute(value, lists, version)
        if resolved is not None:   # an unresolved variable matches nothing
            out.append(resolved)
    return out


def check_clause(clause: ConditionClause, context: Context,
                 version: str | None) -> ConditionFailure | None:
    """None when the clause holds; otherwise what failed."""
    present = context.get(clause.key)
    if clause.base == "Null":
        wants_missing = [v.lower() == "true" for v in clause.values]
        ok = any((present is None) == wanted for wanted in wants_missing)
        return None if ok else ConditionFailure(clause.operator, clause.key, clause.values, present)

    negated = clause.base in NEGATED
    if present is None:
        if clause.if_exists or clause.set_operator == "ForAllValues":
            return None
        if clause.set_operator == "ForAnyValue":
            ok = False
        else:
            ok = negated
        return None if ok else ConditionFailure(clause.operator, clause.key, clause.values, None)

    positive = NEGATED.get(clause.base, clause.base)
    test = POSITIVE[positive]
    policy_values = _policy_values(clause, positive, context, version)

    def one(request_value: str) -> bool:
        hit = any(test(p, request_value) for p in policy_values)
        return not hit if negated else hit

    if clause.set_operator == "ForAllValues":
        ok = all(one(v) for v in present)
    elif clause.set_operator == "ForAnyValue":
        ok = any(one(v) for v in present)
    elif negated:
        # No set operator on several request values: none may match.
        ok = all(one(v) for v in present)
    else:
        ok = any(one(v) for v in present)
    return None if ok else ConditionFailure(clause.operator, clause.key, clause.values, present)


def check_conditions(clauses: tuple[ConditionClause, ...], context: Context,
                     version: str | None) -> list[ConditionFailure]:
    failures = []
    for clause in clauses:
        failure = check_clause(clause, context, version)
        if failure is not None:
            failures.append(failure)
    return failures
