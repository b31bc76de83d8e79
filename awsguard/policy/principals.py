"""Who is asking, and whether a Principal or NotPrincipal element names them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .arn import ACCOUNT_RE, parse_arn
from .model import Principals

_ROOT = re.compile(r"^arn:[^:]+:iam::(\d{12}):root$")

# How directly a resource policy names the caller; it decides whether identity
# policies, permission boundaries and session policies still have a say.
EVERYONE = "everyone"     # "*"
ACCOUNT = "account"       # the caller's account: a delegation to its IAM policies
USER = "user"             # the IAM user's ARN
ROLE = "role"             # the role's ARN, covering every session of it
SESSION = "session"       # the assumed-role session ARN or the federated-user ARN
SERVICE = "service"       # an AWS service principal
FEDERATED = "federated"   # a web identity or SAML provider


@dataclass(frozen=True)
class Caller:
    text: str
    kind: str                 # user, role, role-session, federated-user, root, service,
                              # federated, anonymous
    account: str | None
    arn: str | None           # aws:PrincipalArn (the role's ARN for a role session)
    name: str | None = None   # user name, role name or federated user name
    session_arn: str | None = None
    service_linked: bool = False

    @property
    def has_identity_policies(self) -> bool:
        return self.kind in {"user", "role", "role-session", "federated-user", "root"}


def parse_caller(text: str, principal_type: str | None = None) -> Caller:
    text = text.strip()
    if principal_type == "Service":
        return Caller(text, "service", None, None, name=text)
    if principal_type == "Federated":
        return Caller(text, "federated", None, None, name=text)
    if text in ("*", "anonymous", ""):
        return Caller(text or "anonymous", "anonymous", None, None)
    if ACCOUNT_RE.match(text):
        return Caller(text, "root", text, f"arn:aws:iam::{text}:root")
    if text.endswith(".amazonaws.com") and not text.startswith("arn:"):
        return Caller(text, "service", None, None, name=text)
    arn = parse_arn(text)
    if arn is None:
        return Caller(text, "federated", None, None, name=text)
    account = arn.account or None
    resource = arn.resource
    if arn.service == "iam" and resource == "root":
        return Caller(text, "root", account, text)
    if arn.service == "iam" and resource.startswith("user/"):
        return Caller(text, "user", account, text, name=resource.rsplit("/", 1)[-1])
    if arn.service == "iam" and resource.startswith("role/"):
        return Caller(text, "role", account, text, name=resource.rsplit("/", 1)[-1],
                      service_linked=resource.startswith("role/aws-service-role/"))
    if arn.service == "sts" and resource.startswith("assumed-role/"):
        parts = resource.split("/")
        role = parts[1] if len(parts) > 1 else ""
        return Caller(text, "role-session", account,
                      f"arn:{arn.partition}:iam::{account}:role/{role}", name=role,
                      session_arn=text)
    if arn.service == "sts" and resource.startswith("federated-user/"):
        return Caller(text, "federated-user", account, text,
                      name=resource.split("/", 1)[1], session_arn=text)
    if arn.service == "iam" and (resource.startswith(("saml-provider/", "oidc-provider/"))):
        return Caller(text, "federated", None, None, name=text)
    return Caller(text, "user", account, text, name=resource.rsplit("/", 1)[-1])


def _aws_value_strength(value: str, caller: Caller) -> str | None:
    if value == "*":
        return EVERYONE
    if caller.account is None:
        return None
    if value == caller.account:
        return ACCOUNT
    root = _ROOT.match(value)
    if root:
        return ACCOUNT if root.group(1) == caller.account else None
    arn = parse_arn(value)
    if arn is None or arn.account != caller.account:
        return None
    if arn.service == "iam" and arn.resource.startswith("user/"):
        return USER if caller.kind == "user" and value == caller.text else None
    if arn.service == "iam" and arn.resource.startswith("role/"):
        # A role ARN names every session of the role (IAM resolves it to the role's id,
        # so the path in the ARN does not matter here).
        if caller.kind in ("role", "role-session"):
            return ROLE if arn.resource.rsplit("/", 1)[-1] == caller.name else None
        return None
    if arn.service == "sts" and caller.session_arn and value == caller.session_arn:
        return SESSION
    return None


_RANK = {ACCOUNT: 1, EVERYONE: 2, ROLE: 3, SERVICE: 4, FEDERATED: 4, USER: 5, SESSION: 5}


def principal_strength(principals: Principals, caller: Caller) -> str | None:
    """How directly `principals` names the caller; None when it does not."""
    best: str | None = EVERYONE if principals.everyone else None
    for kind, values in principals.by_type:
        for value in values:
            found: str | None = None
            if kind == "AWS":
                found = _aws_value_strength(value, caller)
            elif kind == "Service" and caller.kind == "service":
                found = SERVICE if value.lower() == caller.text.lower() else None
            elif kind == "Federated" and caller.kind == "federated":
                found = FEDERATED if value == caller.text else None
            elif kind == "CanonicalUser":
                found = USER if value == caller.text else None
            if found and (best is None or _RANK[found] > _RANK[best]):
                best = found
    return best


def not_principal_excludes(principals: Principals, caller: Caller,
                           resource_account: str | None = None) -> bool:
    """True when NotPrincipal spares the caller.

    The caller's own identity must be listed: the user's ARN, or the role session's ARN
    (a role's ARN does not stand for its sessions, and NotPrincipal takes no wildcard for
    them). For a resource in another account AWS checks the account first, so the
    account must be listed too (IAM User Guide, "NotPrincipal with Deny").
    """
    if principals.everyone:
        return True
    listed_aws = principals.values("AWS")
    if caller.kind == "service":
        return any(v.lower() == caller.text.lower() for v in principals.values("Service"))
    if caller.kind == "federated":
        return caller.text in principals.values("Federated")
    if caller.account is None:
        return False
    account_listed = any(
        v == caller.account or (_ROOT.match(v) and _ROOT.match(v).group(1) == caller.account)
        for v in listed_aws
    )
    if caller.kind == "root":
        return account_listed
    own = caller.session_arn or caller.text
    if own not in listed_aws:
        return False
    cross_account = resource_account is not None and resource_account != caller.account
    return account_listed or not cross_account
