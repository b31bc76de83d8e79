"""Policy linter: shapes that can never match, and conditions that do not do what they seem.

Resource types per action come from the Service Authorization Reference through
`awsguard.catalog` (the same generated tables the risk classifier reads). A resource
written in a statement is compared with each ARN pattern the action accepts; the
question is whether any ARN could match both, answered by intersecting the two
patterns (the policy's `*`/`?` against the reference's `${Variable}` slots).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .arn import glob_matcher, parse_arn
from .model import Policy, Statement

SEVERITIES = ("error", "warning", "info")

# Slots in Service Authorization Reference ARNs that never hold a slash.
_NO_SLASH_SLOTS = {"Partition", "Region", "Account", "AccountId", "BucketName"}
_SLOT = re.compile(r"\$\{([^}]+)\}")
_POLICY_VARIABLE = re.compile(r"\$\{[^}]*\}")

# Context keys that carry several values in one request (IAM global condition keys).
MULTIVALUED_KEYS = {
    "aws:tagkeys", "aws:calledvia", "aws:principalservicenameslist", "aws:principalorgpaths",
    "aws:resourceorgpaths", "aws:sourceorgpaths",
}
SINGLE_VALUED_PREFIXES = ("aws:sourceip", "aws:principaltag/", "aws:resourcetag/",
                          "aws:requestedregion", "aws:principalarn", "aws:sourcevpc",
                          "aws:sourcevpce", "aws:securetransport", "aws:multifactorauthpresent",
                          "aws:principalaccount", "aws:principalorgid")


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    policy: str
    statement: str
    message: str
    fix: str | None = None

    def to_json(self) -> dict:
        return {"severity": self.severity, "code": self.code, "policy": self.policy,
                "statement": self.statement, "message": self.message, "fix": self.fix}

    def describe(self) -> str:
        text = f"{self.severity}: [{self.code}] policy {self.policy!r}, statement " \
               f"{self.statement}: {self.message}"
        return text + (f" Fix: {self.fix}" if self.fix else "")


# --- pattern intersection -----------------------------------------------------------------
# A token is (kind, char, forbidden): kind "lit" (one given char), "one" (any one char not
# forbidden) or "star" (any run of chars not forbidden).

def _policy_tokens(pattern: str) -> tuple:
    pattern = _POLICY_VARIABLE.sub("*", pattern)
    tokens = []
    for char in pattern:
        if char == "*":
            tokens.append(("star", "", frozenset()))
        elif char == "?":
            tokens.append(("one", "", frozenset()))
        else:
            tokens.append(("lit", char, frozenset()))
    return tuple(tokens)


def _reference_tokens(pattern: str) -> tuple:
    tokens = []
    position = 0
    for match in _SLOT.finditer(pattern):
        tokens.extend(("lit", c, frozenset()) for c in pattern[position:match.start()])
        forbidden = frozenset("/:") if match.group(1) in _NO_SLASH_SLOTS else frozenset()
        tokens.append(("one", "", forbidden))    # a slot holds at least one character
        tokens.append(("star", "", forbidden))
        position = match.end()
    tokens.extend(("lit", c, frozenset()) for c in pattern[position:])
    return tuple(tokens)


def _joint_char(a: tuple, b: tuple) -> bool:
    if a[0] == "lit" and b[0] == "lit":
        return a[1] == b[1]
    if a[0] == "lit":
        return a[1] not in b[2]
    if b[0] == "lit":
        return b[1] not in a[2]
    return True


@lru_cache(maxsize=16384)
def patterns_intersect(policy_pattern: str, reference_pattern: str) -> bool:
    """Could one ARN match both the policy's Resource and the reference's ARN format?"""
    policy_service = policy_pattern.split(":", 3)[2:3]
    reference_service = reference_pattern.split(":", 3)[2:3]
    if (policy_service and reference_service and policy_service != reference_service
            and not any(c in policy_service[0] for c in "*?$")
            and "$" not in reference_service[0]):
        return False    # different services never meet
    a, b = _policy_tokens(policy_pattern), _reference_tokens(reference_pattern)
    seen = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i][0] == "star":
            stack.append((i + 1, j))
        if j < len(b) and b[j][0] == "star":
            stack.append((i, j + 1))
        if i < len(a) and j < len(b) and _joint_char(a[i], b[j]):
            stack.append((i if a[i][0] == "star" else i + 1, j if b[j][0] == "star" else j + 1))
    return False


# --- the checks ---------------------------------------------------------------------------

def default_catalog() -> Any | None:
    from .. import catalog

    # Tables not generated (or being regenerated): no catalog rather than false alarms.
    if not catalog.service_known("s3"):
        return None
    return catalog


def _expand(action: str, catalog: Any) -> list[str] | None:
    """Known actions an Action entry names; None when the service itself is unknown."""
    prefix, _, name = action.partition(":")
    if not catalog.service_known(prefix.lower()):
        return None
    if "*" not in name and "?" not in name:
        info = catalog.action_info(action)
        return [f"{info.service}:{info.name}"] if info else []
    matcher = glob_matcher(action, ignore_case=True)
    return [a for a in catalog.service_actions(prefix.lower()) if matcher.fullmatch(a)]


def nearest_action(entry: str, catalog: Any) -> str | None:
    """The known action closest in spelling to `entry` ("s3:GetObjekt" -> "s3:GetObject"),
    or None when nothing is close. Also mends a misspelled service prefix."""
    import difflib

    prefix, _, name = entry.partition(":")
    prefix = prefix.lower()
    if not name or "*" in name or "?" in name:
        return None
    if not catalog.service_known(prefix):
        known_prefixes = getattr(catalog, "_iam_prefixes", None)
        if known_prefixes is None:
            return None
        prefixes = sorted(known_prefixes())
        close = difflib.get_close_matches(prefix, prefixes, n=1, cutoff=0.75)
        if not close:
            return None
        prefix = close[0]
        if catalog.action_info(f"{prefix}:{name}"):
            info = catalog.action_info(f"{prefix}:{name}")
            return f"{info.service}:{info.name}"
    known = catalog.service_actions(prefix)
    by_lower = {a.split(":", 1)[1].lower(): a for a in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.8)
    return by_lower[close[0]] if close else None


def _render_reference(pattern: str, sample: str) -> str:
    arn = parse_arn(sample)
    partition = arn.partition if arn and arn.partition and "*" not in arn.partition else "aws"
    values = {"Partition": partition}
    if arn:
        values["Region"] = arn.region or "*"
        values["Account"] = arn.account or "*"
    return _SLOT.sub(lambda m: values.get(m.group(1), "*"), pattern)


def _suggest(resources: tuple[str, ...], patterns: list[str]) -> str | None:
    for resource in resources:
        if resource == "*":
            continue
        longer = resource.rstrip("/") + "/*"
        if any(patterns_intersect(longer, p) for p in patterns):
            return longer
        shorter = resource
        while "/" in shorter.split(":", 5)[-1]:
            shorter = shorter.rsplit("/", 1)[0]
            if any(patterns_intersect(shorter, p) for p in patterns):
                return shorter
    if patterns:
        return _render_reference(patterns[0], resources[0] if resources else "")
    return None


def _check_actions(policy: Policy, statement: Statement, catalog: Any) -> list[Finding]:
    findings: list[Finding] = []
    entries = statement.actions or statement.not_actions or ()
    resources = statement.resources
    for entry in entries:
        if entry == "*":
            continue
        expanded = _expand(entry, catalog)
        if expanded is None or not expanded:
            nearest = nearest_action(entry, catalog)
            fix = (f"Did you mean {nearest!r}?" if nearest else
                   "Check the spelling in the Service Authorization Reference.")
            if expanded is None:
                findings.append(Finding("error", "unknown-service", policy.name, statement.label,
                                        f"{entry!r}: no AWS service has the prefix "
                                        f"{entry.split(':', 1)[0]!r}.", fix))
            else:
                findings.append(Finding("error", "unknown-action", policy.name, statement.label,
                                        f"{entry!r} names no action of that service.", fix))
            continue
        if statement.actions is None or resources is None or "*" in resources:
            continue
        usable = False
        star_only = True
        patterns: list[str] = []
        checked: set[str] = set()
        for name in expanded:
            info = catalog.action_info(name)
            if info is None:
                continue
            action_patterns = [p for ref in info.resource_types for p in ref.arn_patterns]
            if not action_patterns:
                continue
            star_only = False
            fresh = [p for p in action_patterns if p not in checked]
            checked.update(fresh)
            patterns.extend(fresh)
            if any(patterns_intersect(r, p) for r in resources for p in fresh):
                usable = True
                break
        if usable:
            continue
        if star_only:
            findings.append(Finding(
                "error", "star-only-action", policy.name, statement.label,
                f"{entry!r} takes no resource ARN: it only matches Resource \"*\", so this "
                "statement never applies to it.",
                f'Move {entry} into a statement with "Resource": "*".'))
        elif patterns:
            shown = ", ".join(resources)
            findings.append(Finding(
                "error", "resource-mismatch", policy.name, statement.label,
                f"{entry!r} can never match {shown}: it acts on "
                f"{', '.join(sorted(set(patterns))[:3])}.",
                f"Use {_suggest(resources, patterns)!r} for {entry}."))
    return findings


def _check_conditions(policy: Policy, statement: Statement) -> list[Finding]:
    findings = []
    for clause in statement.conditions:
        key = clause.key.lower()
        if key == "aws:multifactorauthpresent" and clause.base == "Bool":
            values = {v.lower() for v in clause.values}
            if statement.effect == "Deny" and not clause.if_exists and values == {"false"}:
                findings.append(Finding(
                    "warning", "mfa-bool-deny", policy.name, statement.label,
                    "Deny with Bool aws:MultiFactorAuthPresent false does not deny requests made "
                    "with long-term access keys: the key is absent from them, so the condition is "
                    "false.",
                    'Use "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}.'))
            if statement.effect == "Allow" and clause.if_exists and values == {"true"}:
                findings.append(Finding(
                    "warning", "mfa-ifexists-allow", policy.name, statement.label,
                    "Allow with BoolIfExists aws:MultiFactorAuthPresent true also allows requests "
                    "made with long-term access keys, which carry no MFA at all.",
                    'Use "Bool": {"aws:MultiFactorAuthPresent": "true"}.'))
        if clause.set_operator is None and key in MULTIVALUED_KEYS and clause.base != "Null":
            findings.append(Finding(
                "warning", "missing-set-operator", policy.name, statement.label,
                f"{clause.key} can carry several values, but {clause.operator} has no "
                "ForAllValues/ForAnyValue qualifier.",
                f"Write ForAnyValue:{clause.operator} or ForAllValues:{clause.operator}."))
        if clause.set_operator and key.startswith(SINGLE_VALUED_PREFIXES):
            findings.append(Finding(
                "warning", "set-operator-on-single-value", policy.name, statement.label,
                f"{clause.key} has one value per request; {clause.set_operator} on it can be more "
                "permissive than intended (ForAllValues is true when the key is missing).",
                f"Drop the {clause.set_operator}: qualifier."))
        elif (clause.set_operator == "ForAllValues" and statement.effect == "Allow"
              and not any(c.base == "Null" and c.key.lower() == key for c in statement.conditions)):
            findings.append(Finding(
                "info", "for-all-values-allow", policy.name, statement.label,
                f"ForAllValues on {clause.key} is true when the request has no {clause.key} "
                "at all, so this Allow also covers requests without it.",
                f'Add "Null": {{"{clause.key}": "false"}} if the key must be present.'))
    return findings


def _check_shape(policy: Policy, statement: Statement) -> list[Finding]:
    findings = []
    label = statement.label
    if statement.effect == "Allow" and statement.not_actions is not None:
        findings.append(Finding(
            "warning", "allow-not-action", policy.name, label,
            "Allow with NotAction grants every action of every service except those listed, "
            "including services added later.",
            "List the actions to allow in Action instead."))
    if statement.effect == "Allow" and statement.not_resources is not None:
        findings.append(Finding(
            "warning", "allow-not-resource", policy.name, label,
            "Allow with NotResource grants the actions on every resource except those listed, "
            "including resources created later and in other accounts.",
            "List the resources to allow in Resource instead."))
    if statement.effect == "Allow" and statement.actions is not None:
        resources = statement.resources or ("*",) if statement.not_resources is None else ()
        if "*" in statement.actions and "*" in resources and not statement.conditions:
            findings.append(Finding(
                "warning", "broad-wildcard", policy.name, label,
                'Action "*" on Resource "*" grants full administrator access.',
                "Grant the specific actions and resources needed."))
        else:
            wide = [a for a in statement.actions if a.endswith(":*")]
            if wide and "*" in resources and not statement.conditions:
                findings.append(Finding(
                    "warning", "broad-wildcard", policy.name, label,
                    f"{', '.join(wide)} on Resource \"*\" grants every action of the service on "
                    "every resource.",
                    "Name the actions (or at least an access level such as Get*/List*) and the "
                    "resource ARNs."))
    principal = statement.principal
    if (statement.effect == "Allow" and principal is not None and principal.everyone
            and not statement.conditions and policy.kind in ("resource", "trust")):
        findings.append(Finding(
            "warning", "public-principal", policy.name, label,
            'Principal "*" without a Condition lets anyone, in any account or none, make these '
            "requests.",
            "Name the principals, or add a condition such as aws:PrincipalOrgID or "
            "aws:SourceAccount."))
    if statement.resources is None and statement.not_resources is None and policy.kind in (
            "identity", "permission-boundary", "session"):
        findings.append(Finding("error", "missing-resource", policy.name, label,
                                "An identity-based statement needs Resource or NotResource.",
                                'Add "Resource": "*" or the ARNs it applies to.'))
    return findings


def _rejected(policy: Policy) -> list[Finding]:
    """What IAM would refuse to store, as error findings."""
    findings = []
    for warning in policy.warnings:
        code = ("missing-resource" if warning.field == "Resource"
                and warning.message.startswith("missing") else "invalid-policy")
        where = f"field {warning.field!r}: " if warning.field else ""
        findings.append(Finding("error", code, policy.name, warning.statement or "-",
                                f"{where}{warning.message}.",
                                "AWS refuses to store the policy until this is fixed."))
    return findings


def lint_policy(policy: Policy, catalog: Any | None = None, *, use_catalog: bool = True,
                include_rejected: bool = True) -> list[Finding]:
    if catalog is None and use_catalog:
        catalog = default_catalog()
    findings: list[Finding] = _rejected(policy) if include_rejected else []
    for statement in policy.statements:
        findings.extend(_check_shape(policy, statement))
        findings.extend(_check_conditions(policy, statement))
        if catalog is not None:
            findings.extend(_check_actions(policy, statement, catalog))
    return findings


def lint_policies(policies: list[Policy], catalog: Any | None = None) -> list[Finding]:
    catalog = catalog if catalog is not None else default_catalog()
    findings: list[Finding] = []
    for policy in policies:
        # `simulate` reports what IAM would reject on its own (`validation`).
        findings.extend(lint_policy(policy, catalog, use_catalog=catalog is not None,
                                    include_rejected=False))
    return findings
