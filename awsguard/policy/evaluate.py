"""IAM's documented evaluation logic over plain data.

1. An explicit Deny in any policy that applies wins.
2. Resource control policies: every level must allow (AWS attaches RCPFullAWSAccess at
   every level and it cannot be detached, so in practice only their Denies bite).
   They do not apply to resources in the management account, to service-linked roles,
   or to services outside RCP support.
3. Service control policies: every level from the root to the account must allow. They
   do not apply to the management account or to service-linked roles.
4. VPC endpoint policy, when the request goes through one, must allow.
5. Same account: an Allow in the identity policies or in the resource policy suffices,
   but a resource policy that names only the account delegates to IAM (an identity
   policy must allow). KMS key policies and role trust policies must allow themselves.
   Cross-account: both the caller's identity policies and the resource policy must allow.
6. Permission boundary and session policy must allow, except where a same-account
   resource policy names the IAM user, the role session or the federated user directly
   (naming the role's ARN does not lift them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import lru_cache

from .arn import (
    account_of,
    arn_matches,
    arn_pattern_regex,
    arn_patterns_meet,
    glob_to_regex,
    has_wildcard,
    parse_arn,
)
from .conditions import ConditionFailure, Context, check_conditions, make_context
from .model import Policy, PolicyWarning, Statement
from .principals import (
    ACCOUNT,
    EVERYONE,
    SESSION,
    USER,
    Caller,
    not_principal_excludes,
    parse_caller,
    principal_strength,
)
from .variables import has_variables, substitute

LAYERS = ("identity", "resource", "permission-boundary", "session", "scp", "rcp", "vpc-endpoint")

# Services whose resources RCPs govern (AWS Organizations user guide).
RCP_SERVICES = frozenset({
    "s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss", "cognito-identity", "logs",
    "dynamodb",
})
TRUST_ACTIONS = frozenset({
    "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
    "sts:tagsession", "sts:setsourceidentity", "sts:setcontext",
})


# Actions AWS answers without consulting any policy. STS API Reference, GetCallerIdentity:
# "No permissions are required to perform this operation", even under an explicit deny.
# IAM User Guide, "Permissions for GetSessionToken": no permissions are required and
# policies cannot control it (it is callable with an IAM user's or the root user's
# long-term keys only; other callers are evaluated as usual, with a warning).
NO_AUTHORIZATION = frozenset({"sts:getcalleridentity"})
LONG_TERM_ONLY_NO_AUTHORIZATION = frozenset({"sts:getsessiontoken"})

# Resources AWS owns inside IAM. AWS managed policies (account "aws") cannot be changed by
# any customer (IAM User Guide, "AWS managed policies"); service-linked roles are defined
# and changed only by their service, customers may edit only the description and delete
# them through DeleteServiceLinkedRole (IAM User Guide, "Service-linked roles"); roles under
# /aws-reserved/ belong to IAM Identity Center and are not editable in IAM.
AWS_MANAGED_POLICY_CHANGES = frozenset({
    "iam:createpolicyversion", "iam:deletepolicy", "iam:deletepolicyversion",
    "iam:setdefaultpolicyversion", "iam:tagpolicy", "iam:untagpolicy",
})
PROTECTED_ROLE_CHANGES = frozenset({
    "iam:attachrolepolicy", "iam:detachrolepolicy", "iam:putrolepolicy", "iam:deleterolepolicy",
    "iam:updateassumerolepolicy", "iam:putrolepermissionsboundary",
    "iam:deleterolepermissionsboundary", "iam:deleterole",
})
# KMS: an alias ARN in a policy's Resource never controls access to the key behind it
# (KMS Developer Guide, "Using aliases to control access to KMS keys": use kms:RequestAlias
# or kms:ResourceAliases); aliases themselves have no key policy, so the alias half of
# these operations is decided by IAM policies alone.
KMS_ALIAS_ACTIONS = frozenset({"kms:createalias", "kms:updatealias", "kms:deletealias"})


class Decision(str, Enum):
    ALLOWED = "allowed"
    IMPLICIT_DENY = "implicit-deny"
    EXPLICIT_DENY = "explicit-deny"


@dataclass
class Request:
    principal: str
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: dict = field(default_factory=dict)
    principal_type: str | None = None      # "Service" or "Federated" to say so explicitly
    management_account: str | None = None  # the organization's management account id


@dataclass
class EvaluationInput:
    request: Request
    identity_policies: list[Policy] = field(default_factory=list)
    resource_policy: Policy | None = None
    permission_boundaries: list[Policy] = field(default_factory=list)
    session_policy: Policy | None = None
    scps: list[list[Policy]] | None = None
    rcps: list[list[Policy]] | None = None
    vpc_endpoint_policy: Policy | None = None

    def all_policies(self) -> list[Policy]:
        """Every policy given, in any layer (what validation and the linter read)."""
        policies = [*self.identity_policies, *self.permission_boundaries]
        for single in (self.resource_policy, self.session_policy, self.vpc_endpoint_policy):
            if single is not None:
                policies.append(single)
        for levels in (self.scps or [], self.rcps or []):
            for level in levels:
                policies.extend(level)
        return policies


@dataclass(frozen=True)
class StatementRef:
    layer: str
    policy: str
    statement: str
    effect: str
    matched: bool
    level: int | None = None
    condition_failures: tuple[ConditionFailure, ...] = ()

    def describe(self) -> str:
        where = f"{self.layer} policy {self.policy!r}"
        if self.level is not None:
            where += f" (level {self.level + 1})"
        text = f"{self.effect} statement {self.statement} in {where}"
        if self.condition_failures:
            text += " did not apply: " + "; ".join(f.describe() for f in self.condition_failures)
        return text

    def to_json(self) -> dict:
        return {
            "layer": self.layer,
            "policy": self.policy,
            "statement": self.statement,
            "effect": self.effect,
            "matched": self.matched,
            "level": self.level,
            "condition_failures": [f.to_json() for f in self.condition_failures],
        }


@dataclass
class Result:
    decision: Decision
    blocked_by: list[str]
    statements: list[StatementRef]
    explanation: str
    warnings: list[str] = field(default_factory=list)
    # What IAM would refuse to store in the policies given (each also in `warnings`).
    validation: list[PolicyWarning] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "decision": self.decision.value,
            "blocked_by": self.blocked_by,
            "statements": [s.to_json() for s in self.statements],
            "explanation": self.explanation,
            "warnings": self.warnings,
            "validation": [w.to_json() for w in self.validation],
        }


# --- matching one statement ---------------------------------------------------------------

@lru_cache(maxsize=4096)
def _action_test(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...],
                                                      re.Pattern[str] | None]:
    """Exact names, `prefix*` prefixes, and one regex for the rest (compiled only if needed)."""
    exact, prefixes, rest = set(), [], []
    for pattern in patterns:
        lowered = pattern.lower()
        if "*" not in lowered and "?" not in lowered:
            exact.add(lowered)
        elif "?" not in lowered and lowered.count("*") == 1 and lowered.endswith("*"):
            prefixes.append(lowered[:-1])
        else:
            rest.append(pattern)
    regex = (re.compile("|".join(f"(?:{glob_to_regex(p)})" for p in rest),
                        re.IGNORECASE | re.DOTALL) if rest else None)
    return frozenset(exact), tuple(prefixes), regex


def _any_action(patterns: tuple[str, ...], action: str) -> bool:
    exact, prefixes, regex = _action_test(patterns)
    lowered = action.lower()
    if lowered in exact or lowered.startswith(prefixes):
        return True
    return regex is not None and regex.fullmatch(action) is not None


def _resource_matches(pattern: str, resource: str, context: Context, version: str | None) -> bool:
    wildcard_request = has_wildcard(resource)
    if has_variables(pattern, version):
        resolved = substitute(pattern, context.as_lists(), version)
        if resolved is None:
            return False
        if wildcard_request:
            return arn_patterns_meet(resolved.text, resource)
        if not resolved.literal_spans:
            return arn_matches(resolved.text, resource)
        regex = arn_pattern_regex(resolved.text, resolved.literal_spans)
        return regex.fullmatch(resource) is not None
    if wildcard_request:
        return arn_patterns_meet(pattern, resource)
    return arn_matches(pattern, resource)


def _any_resource(patterns: tuple[str, ...], resource: str, context: Context,
                  version: str | None, kms_key_access: bool = False) -> bool:
    if kms_key_access:
        # Access to a key is never granted or denied through an alias ARN.
        patterns = tuple(p for p in patterns if ":alias/" not in p)
    return any(_resource_matches(p, resource, context, version) for p in patterns)


def _is_kms_key_access(action: str) -> bool:
    lowered = action.lower()
    return lowered.startswith("kms:") and lowered not in KMS_ALIAS_ACTIONS


@dataclass
class _Scan:
    allows: list[tuple[StatementRef, str | None]] = field(default_factory=list)
    denies: list[StatementRef] = field(default_factory=list)
    near_misses: list[StatementRef] = field(default_factory=list)


def _scan(policies: list[Policy], layer: str, request: Request, caller: Caller, context: Context,
          level: int | None = None, has_boundary: bool = False) -> _Scan:
    scan = _Scan()
    action = request.action
    resource = request.resource
    for policy in policies:
        version = policy.version
        for statement in policy.statements:
            strength = _statement_target(statement, action, resource, caller, context, version,
                                         has_boundary, request.resource_account)
            if strength is False:
                continue
            failures = check_conditions(statement.conditions, context, version)
            ref = StatementRef(layer, policy.name, statement.label, statement.effect,
                               matched=not failures, level=level,
                               condition_failures=tuple(failures))
            if failures:
                if statement.effect == "Allow":
                    scan.near_misses.append(ref)
            elif statement.effect == "Deny":
                scan.denies.append(ref)
            else:
                scan.allows.append((ref, strength))
    return scan


def _statement_target(statement: Statement, action: str, resource: str, caller: Caller,
                      context: Context, version: str | None, has_boundary: bool,
                      resource_account: str | None = None):
    """False when action, resource or principal rule the statement out; else the
    principal strength (None for policies without a Principal element)."""
    if statement.never_applies:
        return False
    if statement.actions is not None:
        if not _any_action(statement.actions, action):
            return False
    elif _any_action(statement.not_actions or (), action):
        return False
    key_access = _is_kms_key_access(action)
    if statement.resources is not None:
        if not _any_resource(statement.resources, resource, context, version, key_access):
            return False
    elif statement.not_resources is not None and _any_resource(
            statement.not_resources, resource, context, version, key_access):
        return False
    if statement.principal is not None:
        strength = principal_strength(statement.principal, caller)
        return False if strength is None else strength
    if statement.not_principal is not None:
        # Documented quirk: Deny with NotPrincipal always applies to a caller that has a
        # permissions boundary, whatever NotPrincipal lists.
        if statement.effect == "Deny" and has_boundary:
            return EVERYONE
        if not_principal_excludes(statement.not_principal, caller, resource_account):
            return False
        return EVERYONE
    return None


# --- the request context ---------------------------------------------------------------

def _context(request: Request, caller: Caller, resource_account: str | None) -> Context:
    derived: dict[str, object] = {}
    if caller.arn:
        derived["aws:PrincipalArn"] = caller.arn
    if caller.account:
        derived["aws:PrincipalAccount"] = caller.account
    if caller.kind == "user" and caller.name:
        derived["aws:username"] = caller.name
    if resource_account:
        derived["aws:ResourceAccount"] = resource_account
    derived["aws:PrincipalIsAWSService"] = "true" if caller.kind == "service" else "false"
    if caller.kind == "service":
        derived["aws:PrincipalServiceName"] = caller.text
    lowered = {k.lower() for k in request.context}
    merged = {k: v for k, v in derived.items() if k.lower() not in lowered}
    merged.update(request.context)
    return make_context(merged)


# --- the decision ---------------------------------------------------------------------

def _resource_needs_own_allow(request: Request) -> str | None:
    action = request.action.lower()
    if action.startswith("kms:") and ":key/" in request.resource:
        return "KMS key policy"
    if _is_kms_key_access(action) and ":alias/" in request.resource:
        # A key used through its alias is still authorized by the key's own policy.
        return "KMS key policy"
    if action in TRUST_ACTIONS and ":role/" in request.resource:
        return "role trust policy"
    return None


def evaluate(given: EvaluationInput) -> Result:
    request = given.request
    caller = parse_caller(request.principal, request.principal_type)
    warnings: list[str] = []
    resource_account = request.resource_account or account_of(request.resource)
    if resource_account is None and request.resource != "*":
        resource_account = caller.account
        if given.resource_policy is not None and caller.account:
            warnings.append(
                f"the resource ARN carries no account; assuming it is in the caller's account "
                f"{caller.account} (set request.resource_account to say otherwise)")
    context = _context(request, caller, resource_account)
    service = request.action.split(":", 1)[0].lower()
    request = replace(request, resource_account=resource_account)
    validation = [w for policy in given.all_policies() for w in policy.warnings]
    warnings.extend(w.describe() for w in validation)
    free = _no_authorization(request, caller)
    if free:
        return Result(Decision.ALLOWED, [], [], f"{_what(request)} is allowed: {free}.",
                      warnings, validation)
    if request.action.lower() in LONG_TERM_ONLY_NO_AUTHORIZATION:
        warnings.append(f"{request.action} can be called only with an IAM user's or the root "
                        "user's long-term keys; AWS refuses it from other callers")
    aws_owned = _aws_owned(request, caller)

    same_account = caller.account is not None and caller.account == resource_account
    if request.resource == "*" and caller.account is not None:
        same_account = True
    has_identity = caller.has_identity_policies
    boundaries = given.permission_boundaries if caller.kind in (
        "user", "role", "role-session", "federated-user") else []
    session_policies = ([given.session_policy] if given.session_policy is not None
                        and caller.kind in ("role-session", "federated-user") else [])
    if given.session_policy is not None and not session_policies:
        warnings.append(f"session policy ignored: a {caller.kind} has no session")
    if given.permission_boundaries and not boundaries:
        warnings.append(f"permission boundary ignored: it does not apply to a {caller.kind}")
    has_boundary = bool(boundaries)

    scans: dict[str, _Scan] = {}
    identity = _scan(given.identity_policies, "identity", request, caller, context) \
        if has_identity else _Scan()
    if given.identity_policies and not has_identity:
        warnings.append(f"identity policies ignored: a {caller.kind} caller has none")
    scans["identity"] = identity
    scans["permission-boundary"] = _scan(boundaries, "permission-boundary", request, caller,
                                         context)
    scans["session"] = _scan(session_policies, "session", request, caller, context)
    resource_policies = [given.resource_policy] if given.resource_policy is not None else []
    scans["resource"] = _scan(resource_policies, "resource", request, caller, context,
                              has_boundary=has_boundary)
    vpce = [given.vpc_endpoint_policy] if given.vpc_endpoint_policy is not None else []
    scans["vpc-endpoint"] = _scan(vpce, "vpc-endpoint", request, caller, context,
                                  has_boundary=has_boundary)

    in_management = (request.management_account is not None
                     and caller.account == request.management_account)
    scp_levels: list[_Scan] = []
    if given.scps is not None:
        if caller.kind in ("service", "federated", "anonymous"):
            pass
        elif in_management:
            warnings.append("SCPs skipped: they do not apply to the management account")
        elif caller.service_linked:
            warnings.append("SCPs skipped: they do not apply to service-linked roles")
        else:
            scp_levels = [_scan(level, "scp", request, caller, context, level=i)
                          for i, level in enumerate(given.scps)]
    rcp_levels: list[_Scan] = []
    if given.rcps is not None:
        resource_in_management = (request.management_account is not None
                                  and resource_account == request.management_account)
        if resource_in_management:
            warnings.append("RCPs skipped: they do not apply to resources in the management "
                            "account")
        elif caller.service_linked:
            warnings.append("RCPs skipped: they do not apply to service-linked roles")
        elif service not in RCP_SERVICES:
            warnings.append(f"RCPs skipped: {service} is not a service RCPs apply to")
        else:
            rcp_levels = [_scan(level, "rcp", request, caller, context, level=i)
                          for i, level in enumerate(given.rcps)]

    # 1. explicit denies, and 2-6. every layer whose missing Allow blocks the request;
    # blocked_by names them all (an SCP without an Allow beside an RCP's Deny).
    denies: list[StatementRef] = []
    for scan in [*scans.values(), *scp_levels, *rcp_levels]:
        denies.extend(scan.denies)

    blocked: list[str] = []
    granting: list[StatementRef] = []
    # 2. RCPs: RCPFullAWSAccess sits at every level, so a level always has an Allow.
    # 3. SCPs: each level needs its own Allow.
    for scan in scp_levels:
        if not scan.allows:
            blocked.append("scp")
            break
    for scan in scp_levels:
        granting.extend(ref for ref, _ in scan.allows)
    # 4. VPC endpoint policy
    if vpce:
        if scans["vpc-endpoint"].allows:
            granting.extend(ref for ref, _ in scans["vpc-endpoint"].allows)
        else:
            blocked.append("vpc-endpoint")

    # 5. identity and resource policies
    resource_scan = scans["resource"]
    strengths = [s for _, s in resource_scan.allows]
    direct = [s for s in strengths if s is not None and s != ACCOUNT]
    delegated = ACCOUNT in strengths
    identity_allows = bool(identity.allows) or (caller.kind == "root" and same_account)
    needs_own_allow = _resource_needs_own_allow(request)
    if needs_own_allow and given.resource_policy is None:
        warnings.append(f"no {needs_own_allow} given: AWS requires one to allow this request")

    granted_by_resource_directly = False
    if aws_owned:
        # No customer policy can grant it: like a resource in an account nobody here
        # controls, with no resource policy for us.
        if not identity_allows and has_identity:
            blocked.append("identity")
        blocked.append("resource")
    elif not has_identity:
        if direct:
            granted_by_resource_directly = True
        else:
            blocked.append("resource")
    elif same_account:
        if needs_own_allow:
            if direct:
                granted_by_resource_directly = True
            elif delegated:
                if not identity_allows:
                    blocked.append("identity")
            else:
                blocked.append("resource")
        elif direct:
            granted_by_resource_directly = True
        elif not identity_allows:
            blocked.append("identity")
            if given.resource_policy is not None and not delegated:
                blocked.append("resource")
    else:
        if not identity_allows:
            blocked.append("identity")
        if not strengths:
            blocked.append("resource")
    if identity_allows:
        granting.extend(ref for ref, _ in identity.allows)
    granting.extend(ref for ref, _ in resource_scan.allows)

    # 6. boundary and session policy; a same-account resource policy naming the user or the
    # session itself is not limited by them.
    named = set(direct)
    boundary_exempt = same_account and granted_by_resource_directly and (
        (caller.kind == "user" and USER in named)
        or (caller.kind in ("role-session", "federated-user") and SESSION in named))
    session_exempt = same_account and granted_by_resource_directly and SESSION in named
    if boundaries:
        if scans["permission-boundary"].allows:
            granting.extend(ref for ref, _ in scans["permission-boundary"].allows)
        elif not boundary_exempt:
            blocked.append("permission-boundary")
    if session_policies:
        if scans["session"].allows:
            granting.extend(ref for ref, _ in scans["session"].allows)
        elif not session_exempt:
            blocked.append("session")

    if denies:
        layers = {d.layer for d in denies} | set(blocked)
        return Result(Decision.EXPLICIT_DENY, [layer for layer in LAYERS if layer in layers],
                      denies, _explain_explicit(request, denies), warnings, validation)
    if blocked:
        blocked = [layer for layer in LAYERS if layer in blocked]
        near = []
        for layer in blocked:
            if layer == "scp":
                for scan in scp_levels:
                    near.extend(scan.near_misses)
            elif layer in scans:
                near.extend(scans[layer].near_misses)
        text = (f"{_what(request)} is implicitly denied: {aws_owned}." if aws_owned else
                _explain_implicit(request, caller, blocked, near, same_account,
                                  needs_own_allow, delegated))
        return Result(Decision.IMPLICIT_DENY, blocked, near, text, warnings, validation)
    via = "resource policy" if granted_by_resource_directly and not identity_allows else None
    return Result(Decision.ALLOWED, [], granting,
                  _explain_allowed(request, granting, via, same_account, strengths), warnings,
                  validation)


def _aws_owned(request: Request, caller: Caller) -> str | None:
    """Why no customer principal may make this change, when the resource is AWS's."""
    if caller.kind == "service":
        return None
    arn = parse_arn(request.resource)
    if arn is None or arn.service != "iam":
        return None
    action = request.action.lower()
    if arn.account == "aws" and arn.resource.startswith("policy/") \
            and action in AWS_MANAGED_POLICY_CHANGES:
        return ("the policy is an AWS managed policy (account \"aws\"); only AWS changes it, "
                "whatever any customer policy says")
    if arn.resource.startswith("role/aws-service-role/") and action in PROTECTED_ROLE_CHANGES:
        return ("the role is a service-linked role; only its service changes its policies, "
                "and it is deleted with iam:DeleteServiceLinkedRole")
    if arn.resource.startswith("role/aws-reserved/") and action in PROTECTED_ROLE_CHANGES:
        return ("the role is reserved by AWS (IAM Identity Center); it cannot be changed in IAM")
    return None


def _no_authorization(request: Request, caller: Caller) -> str | None:
    action = request.action.lower()
    if action in NO_AUTHORIZATION:
        return (f"{request.action} needs no permission: AWS answers it whatever the policies "
                "say, even under an explicit Deny")
    if action in LONG_TERM_ONLY_NO_AUTHORIZATION and caller.kind in ("user", "root"):
        return (f"{request.action} needs no permission for an IAM user or the root user: "
                "policies cannot control it")
    return None


# --- sentences ---------------------------------------------------------------------------

_LAYER_WORDS = {
    "identity": "the caller's identity-based policies",
    "resource": "the resource-based policy",
    "permission-boundary": "the permissions boundary",
    "session": "the session policy",
    "scp": "a service control policy",
    "rcp": "a resource control policy",
    "vpc-endpoint": "the VPC endpoint policy",
}


def _what(request: Request) -> str:
    return f"{request.action} on {request.resource}"


def _explain_explicit(request: Request, denies: list[StatementRef]) -> str:
    first = denies[0]
    text = (f"{_what(request)} is explicitly denied by statement {first.statement} in "
            f"{_LAYER_WORDS[first.layer]} {first.policy!r}; an explicit Deny overrides every "
            "Allow")
    if len(denies) > 1:
        text += f" (and {len(denies) - 1} more Deny statement(s) match)"
    return text + "."


def _explain_implicit(request: Request, caller: Caller, blocked: list[str],
                      near: list[StatementRef], same_account: bool, needs_own_allow: str | None,
                      delegated: bool) -> str:
    reasons = []
    for layer in blocked:
        if layer == "scp":
            reasons.append("no statement in one level of the service control policies allows it "
                           "(every level from the root to the account must allow)")
        elif layer == "identity" and needs_own_allow and delegated:
            reasons.append(f"the {needs_own_allow} delegates to the account, but no identity-based "
                           "policy allows it")
        elif layer == "identity" and not same_account:
            reasons.append("no identity-based policy allows it (a cross-account request needs an "
                           "Allow on both sides)")
        elif layer == "resource" and needs_own_allow:
            reasons.append(f"the {needs_own_allow} does not allow this principal (it must, "
                           "whatever IAM policies say)")
        elif layer == "resource" and not same_account:
            reasons.append("the resource-based policy in the other account does not allow this "
                           "principal or its account")
        elif layer == "resource" and not caller.has_identity_policies:
            reasons.append(f"the resource-based policy does not allow this {caller.kind} caller")
        else:
            reasons.append(f"no statement in {_LAYER_WORDS[layer]} allows it")
    text = f"{_what(request)} is implicitly denied: " + "; ".join(reasons) + "."
    if near:
        text += " Closest match: " + near[0].describe() + "."
    return text


def _explain_allowed(request: Request, granting: list[StatementRef], via: str | None,
                     same_account: bool, strengths: list) -> str:
    if not granting:
        return f"{_what(request)} is allowed (the account root user has full access)."
    if via:
        return (f"{_what(request)} is allowed by the resource-based policy, which names this "
                "principal directly in the same account; no identity-based Allow is needed.")
    first = granting[0]
    cross = "" if same_account else " and the resource-based policy of the other account"
    return (f"{_what(request)} is allowed: statement {first.statement} in {first.layer} "
            f"policy {first.policy!r} allows it{cross}, and nothing denies it.")


def resource_service(resource: str) -> str | None:
    arn = parse_arn(resource)
    return arn.service if arn else None
