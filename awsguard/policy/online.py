"""Online mode: read the policies that apply to a request from AWS, as far as we may.

The one module of the engine that talks to AWS; boto3 is imported inside functions.
Everything it could not read is listed, because the local result cannot account for it.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from ..errors import AwsguardError
from .arn import account_of, parse_arn
from .evaluate import EvaluationInput, Request
from .model import Policy, parse_policy
from .principals import parse_caller


@dataclass
class Gathered:
    input: EvaluationInput
    read: list[str] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"principal": self.input.request.principal, "read": self.read,
                "unreadable": self.unreadable}


def _why(err: Exception) -> str:
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code", "")
        return code or type(err).__name__
    return type(err).__name__


def _document(raw: Any) -> Any:
    if isinstance(raw, str):
        text = raw if raw.lstrip().startswith("{") else urllib.parse.unquote(raw)
        return json.loads(text)
    return raw


class _Reader:
    def __init__(self, session: Any, region: str | None) -> None:
        self.session = session
        self.region = region
        self.read: list[str] = []
        self.unreadable: list[dict[str, str]] = []
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, region_name=self.region)
        return self._clients[service]

    def attempt(self, what: str, call: Any) -> Any:
        try:
            result = call()
        except Exception as err:
            self.unreadable.append({"what": what, "why": _why(err)})
            return None
        return result

    def policy(self, what: str, name: str, kind: str, call: Any) -> Policy | None:
        raw = self.attempt(what, call)
        if raw is None:
            return None
        self.read.append(what)
        return parse_policy(_document(raw), name, kind)

    def managed(self, arn: str, kind: str = "identity") -> Policy | None:
        iam = self.client("iam")

        def fetch() -> Any:
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            return iam.get_policy_version(PolicyArn=arn, VersionId=version)[
                "PolicyVersion"]["Document"]
        return self.policy(f"managed policy {arn}", arn, kind, fetch)


def _identity(reader: _Reader, caller: Any, context: dict[str, Any]) -> tuple[list, list]:
    iam = reader.client("iam")
    policies: list[Policy] = []
    boundaries: list[Policy] = []
    if caller.kind == "user":
        name = caller.name
        listing = reader.attempt(f"inline policies of user {name}",
                                 lambda: iam.list_user_policies(UserName=name)["PolicyNames"])
        for policy_name in listing or []:
            found = reader.policy(
                f"inline policy {policy_name} of user {name}", f"{name}/{policy_name}",
                "identity", lambda p=policy_name: iam.get_user_policy(
                    UserName=name, PolicyName=p)["PolicyDocument"])
            policies.extend([found] if found else [])
        attached = reader.attempt(f"managed policies of user {name}",
                                  lambda: iam.list_attached_user_policies(UserName=name)[
                                      "AttachedPolicies"])
        for item in attached or []:
            found = reader.managed(item["PolicyArn"])
            policies.extend([found] if found else [])
        groups = reader.attempt(f"groups of user {name}",
                                lambda: iam.list_groups_for_user(UserName=name)["Groups"])
        for group in groups or []:
            group_name = group["GroupName"]
            names = reader.attempt(f"inline policies of group {group_name}",
                                   lambda g=group_name: iam.list_group_policies(GroupName=g)[
                                       "PolicyNames"])
            for policy_name in names or []:
                found = reader.policy(
                    f"inline policy {policy_name} of group {group_name}",
                    f"group {group_name}/{policy_name}", "identity",
                    lambda g=group_name, p=policy_name: iam.get_group_policy(
                        GroupName=g, PolicyName=p)["PolicyDocument"])
                policies.extend([found] if found else [])
            attached = reader.attempt(
                f"managed policies of group {group_name}",
                lambda g=group_name: iam.list_attached_group_policies(GroupName=g)[
                    "AttachedPolicies"])
            for item in attached or []:
                found = reader.managed(item["PolicyArn"])
                policies.extend([found] if found else [])
        details = reader.attempt(f"user {name}", lambda: iam.get_user(UserName=name)["User"])
    elif caller.kind in ("role", "role-session"):
        name = caller.name
        names = reader.attempt(f"inline policies of role {name}",
                               lambda: iam.list_role_policies(RoleName=name)["PolicyNames"])
        for policy_name in names or []:
            found = reader.policy(
                f"inline policy {policy_name} of role {name}", f"{name}/{policy_name}",
                "identity", lambda p=policy_name: iam.get_role_policy(
                    RoleName=name, PolicyName=p)["PolicyDocument"])
            policies.extend([found] if found else [])
        attached = reader.attempt(f"managed policies of role {name}",
                                  lambda: iam.list_attached_role_policies(RoleName=name)[
                                      "AttachedPolicies"])
        for item in attached or []:
            found = reader.managed(item["PolicyArn"])
            policies.extend([found] if found else [])
        details = reader.attempt(f"role {name}", lambda: iam.get_role(RoleName=name)["Role"])
        if caller.kind == "role-session":
            reader.unreadable.append({
                "what": "the session policy of this role session",
                "why": "AWS does not expose session policies after AssumeRole"})
    else:
        return policies, boundaries
    if details:
        boundary = (details.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary:
            found = reader.managed(boundary, "permission-boundary")
            boundaries.extend([found] if found else [])
        for tag in details.get("Tags") or []:
            context.setdefault(f"aws:PrincipalTag/{tag['Key']}", tag["Value"])
    return policies, boundaries


def _resource_policy(reader: _Reader, action: str, resource: str) -> Policy | None:
    arn = parse_arn(resource)
    if arn is None:
        return None
    service, part = arn.service, arn.resource
    if service == "s3" and not arn.account:
        bucket = part.split("/", 1)[0]
        s3 = reader.client("s3")

        def bucket_policy() -> Any:
            try:
                return s3.get_bucket_policy(Bucket=bucket)["Policy"]
            except Exception as err:
                if _why(err) == "NoSuchBucketPolicy":
                    reader.read.append(f"bucket policy of {bucket} (none)")
                    return None
                raise
        return reader.policy(f"bucket policy of {bucket}", f"bucket policy {bucket}", "resource",
                             bucket_policy)
    if service == "kms" and part.startswith("key/"):
        return reader.policy(f"key policy of {resource}", "key policy", "resource",
                             lambda: reader.client("kms").get_key_policy(
                                 KeyId=resource, PolicyName="default")["Policy"])
    if service == "sqs":
        sqs = reader.client("sqs")

        def queue_policy() -> Any:
            url = sqs.get_queue_url(QueueName=part, QueueOwnerAWSAccountId=arn.account)[
                "QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
            return _none_read(reader, f"queue policy of {part}",
                              attributes.get("Attributes", {}).get("Policy"))
        return reader.policy(f"queue policy of {part}", f"queue policy {part}", "resource",
                             queue_policy)
    if service == "sns":
        return reader.policy(f"topic policy of {part}", f"topic policy {part}", "resource",
                             lambda: _none_read(reader, f"topic policy of {part}",
                                                reader.client("sns").get_topic_attributes(
                                                    TopicArn=resource)["Attributes"].get("Policy")))
    if service == "lambda" and part.startswith("function:"):
        def function_policy() -> Any:
            try:
                return reader.client("lambda").get_policy(FunctionName=resource)["Policy"]
            except Exception as err:
                if _why(err) == "ResourceNotFoundException":
                    reader.read.append(f"function policy of {part} (none)")
                    return None
                raise
        return reader.policy(f"function policy of {part}", f"function policy {part}", "resource",
                             function_policy)
    if service == "secretsmanager":
        return reader.policy(f"secret policy of {part}", f"secret policy {part}", "resource",
                             lambda: _none_read(reader, f"secret policy of {part}",
                                                reader.client("secretsmanager").get_resource_policy(
                                                    SecretId=resource).get("ResourcePolicy")))
    if service == "iam" and part.startswith("role/") and action.lower().startswith("sts:assume"):
        role = part.rsplit("/", 1)[-1]
        return reader.policy(f"trust policy of role {role}", f"trust policy {role}", "trust",
                             lambda: reader.client("iam").get_role(RoleName=role)["Role"][
                                 "AssumeRolePolicyDocument"])
    return None


def _none_read(reader: _Reader, what: str, value: Any) -> Any:
    if value is None:
        reader.read.append(f"{what} (none)")
    return value


def _organization(reader: _Reader, account: str | None, policy_type: str, label: str
                  ) -> tuple[list[list[Policy]] | None, str | None]:
    if account is None:
        return None, None
    orgs = reader.client("organizations")
    try:
        organization = orgs.describe_organization()["Organization"]
    except Exception as err:
        if _why(err) == "AWSOrganizationsNotInUseException":
            reader.read.append(f"{label}s (the account is not in an organization)")
        else:
            reader.unreadable.append({"what": f"{label}s (AWS Organizations)", "why": _why(err)})
        return None, None
    management = organization.get("MasterAccountId")

    def levels() -> list[list[Policy]]:
        chain = [account]
        child = account
        while True:
            parents = orgs.list_parents(ChildId=child)["Parents"]
            if not parents:
                break
            child = parents[0]["Id"]
            chain.append(child)
            if parents[0]["Type"] == "ROOT":
                break
        out = []
        for target in reversed(chain):
            level = []
            pages = orgs.get_paginator("list_policies_for_target").paginate(
                TargetId=target, Filter=policy_type)  # a page may end early: follow NextToken
            for summary in (item for page in pages for item in page["Policies"]):
                content = orgs.describe_policy(PolicyId=summary["Id"])["Policy"]["Content"]
                level.append(parse_policy(_document(content), summary.get("Name") or summary["Id"],
                                          "scp" if policy_type == "SERVICE_CONTROL_POLICY"
                                          else "rcp"))
            out.append(level)
        return out

    found = reader.attempt(f"{label}s of account {account}", levels)
    if found is not None:
        reader.read.append(f"{label}s of account {account} ({len(found)} levels)")
    return found, management


def gather(action: str, resource: str, principal: str | None, context: dict[str, Any],
           resource_account: str | None = None, session: Any = None) -> Gathered:
    if session is None:
        import boto3

        session = boto3.session.Session()
    arn = parse_arn(resource)
    region = (arn.region if arn and arn.region else None) or session.region_name or "us-east-1"
    reader = _Reader(session, region)
    own_account: str | None = None
    if principal is None:
        try:
            me = reader.client("sts").get_caller_identity()
        except Exception as err:
            raise AwsguardError(
                f"cannot find out who you are (STS GetCallerIdentity failed: {_why(err)}); "
                "pass --principal ARN, or give the policies with --policy/--input") from None
        principal, own_account = me["Arn"], me.get("Account")
    else:
        try:
            own_account = reader.client("sts").get_caller_identity().get("Account")
        except Exception:
            own_account = None  # unknown: read IAM as asked
    caller = parse_caller(principal)
    context = dict(context)
    if (own_account and caller.account and caller.account != own_account
            and caller.kind in ("user", "role", "role-session")):
        # IAM answers only about the credentials' own account: asking it for this name would
        # read a different (or no) principal, so say so instead.
        reader.unreadable.append({
            "what": f"the IAM policies of {principal}",
            "why": f"the credentials belong to account {own_account}, and IAM only answers "
                   "about its own account"})
        identity, boundaries = [], []
    else:
        identity, boundaries = _identity(reader, caller, context)
    resource_policy = _resource_policy(reader, action, resource)
    scps, management = _organization(reader, caller.account, "SERVICE_CONTROL_POLICY", "SCP")
    owner = resource_account or account_of(resource) or caller.account
    rcps, _ = (_organization(reader, owner, "RESOURCE_CONTROL_POLICY", "RCP")
               if scps is not None else (None, None))
    request = Request(principal=principal, action=action, resource=resource,
                      resource_account=resource_account, context=context,
                      management_account=management)
    given = EvaluationInput(request=request, identity_policies=identity,
                            resource_policy=resource_policy, permission_boundaries=boundaries,
                            scps=scps, rcps=rcps)
    return Gathered(given, reader.read, reader.unreadable)


_IAM_DECISIONS = {"allowed": "allowed", "explicitDeny": "explicit-deny",
                  "implicitDeny": "implicit-deny"}


def compare_with_iam(request: Request, local: str, session: Any = None) -> dict[str, Any]:
    """Ask IAM SimulatePrincipalPolicy (identity policies only) for a second opinion."""
    import boto3

    caller = parse_caller(request.principal)
    source = caller.arn if caller.kind in ("role", "role-session") else caller.text
    if caller.kind not in ("user", "role", "role-session"):
        return {"error": f"SimulatePrincipalPolicy does not simulate a {caller.kind}"}
    session = session or boto3.session.Session()
    entries = []
    for key, value in request.context.items():
        values = value if isinstance(value, list) else [value]
        entries.append({"ContextKeyName": key, "ContextKeyValues": [str(v) for v in values],
                        "ContextKeyType": "stringList" if isinstance(value, list) else "string"})
    arguments: dict[str, Any] = {"PolicySourceArn": source, "ActionNames": [request.action]}
    if request.resource != "*":
        arguments["ResourceArns"] = [request.resource]
    if entries:
        arguments["ContextEntries"] = entries
    try:
        answer = session.client("iam").simulate_principal_policy(**arguments)
        raw = answer["EvaluationResults"][0]["EvalDecision"]
    except Exception as err:
        return {"error": f"not available ({_why(err)})"}
    decision = _IAM_DECISIONS.get(raw, raw)
    return {"decision": decision, "differs": decision != local,
            "note": "IAM's simulator evaluates identity-based policies only"}
