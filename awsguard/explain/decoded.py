"""STS DecodeAuthorizationMessage output, made readable.

The decoded document (STS API Reference) holds `allowed`, `explicitDeny`,
`matchedStatements.items[]` (statementId, effect, actions, resources, conditions),
and `context` (principal, action, resource, conditions: the request's key values).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Statement:
    statement_id: str | None
    effect: str | None
    actions: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    conditions: dict[str, list[str]] = field(default_factory=dict)
    source_policy: str | None = None


@dataclass
class DecodedAuthorization:
    allowed: bool
    explicit_deny: bool
    principal: str | None
    action: str | None
    resource: str | None
    conditions: dict[str, list[str]] = field(default_factory=dict)
    matched_statements: list[Statement] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _items(node: object) -> list:
    if isinstance(node, dict):
        items = node.get("items", [])
        return items if isinstance(items, list) else []
    return node if isinstance(node, list) else []


def _values(node: object) -> list[str]:
    out = []
    for item in _items(node):
        if isinstance(item, dict) and "value" in item:
            out.append(str(item["value"]))
        elif isinstance(item, str):
            out.append(item)
    return out


def _conditions(node: object) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in _items(node):
        if isinstance(item, dict) and item.get("key"):
            found[str(item["key"])] = _values(item.get("values"))
    return found


def summarize(decoded: dict) -> DecodedAuthorization:
    context = decoded.get("context") if isinstance(decoded.get("context"), dict) else {}
    principal = context.get("principal") if isinstance(context.get("principal"), dict) else {}
    statements = []
    for item in _items(decoded.get("matchedStatements")):
        if not isinstance(item, dict):
            continue
        source = item.get("sourcePolicyId") or item.get("sourcePolicyType")
        statements.append(
            Statement(
                statement_id=item.get("statementId") or None,
                effect=(item.get("effect") or "").upper() or None,
                actions=_values(item.get("actions")),
                resources=_values(item.get("resources")),
                conditions=_conditions(item.get("conditions")),
                source_policy=str(source) if source else None,
            )
        )
    return DecodedAuthorization(
        allowed=bool(decoded.get("allowed")),
        explicit_deny=bool(decoded.get("explicitDeny")),
        principal=principal.get("arn") or principal.get("name") or principal.get("id"),
        action=context.get("action"),
        resource=context.get("resource"),
        conditions=_conditions(context.get("conditions")),
        matched_statements=statements,
        failures=[str(f) for f in _values(decoded.get("failures"))],
    )


def render(summary: DecodedAuthorization) -> str:
    if summary.allowed:
        verdict = "allowed"
    elif summary.explicit_deny:
        verdict = "denied by an explicit Deny statement"
    else:
        verdict = "denied: no statement allows it (implicit deny)"
    lines = [
        f"decision:  {verdict}",
        f"principal: {summary.principal or '-'}",
        f"action:    {summary.action or '-'}",
        f"resource:  {summary.resource or '-'}",
    ]
    if summary.matched_statements:
        lines.append("matched statements:")
        for st in summary.matched_statements:
            name = st.statement_id or "(no Sid)"
            source = f" in {st.source_policy}" if st.source_policy else ""
            lines.append(f"  {st.effect or '?'} {name}{source}")
            if st.actions:
                lines.append(f"    actions:   {', '.join(st.actions)}")
            if st.resources:
                lines.append(f"    resources: {', '.join(st.resources)}")
            for key, values in st.conditions.items():
                lines.append(f"    condition: {key} = {', '.join(values) or '-'}")
    else:
        lines.append("matched statements: none (nothing allowed or denied this request)")
    if summary.conditions:
        lines.append("request context:")
        width = max(len(k) for k in summary.conditions)
        for key in sorted(summary.conditions):
            values = ", ".join(summary.conditions[key]) or "-"
            lines.append(f"  {key.ljust(width)}  {values}")
    for failure in summary.failures:
        lines.append(f"failure: {failure}")
    return "\n".join(lines)
