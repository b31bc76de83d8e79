"""Diagnosis: from AWS's error (and what the shim knows) to who / what / why / next."""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass, field, replace

from .codes import OPT_IN_REGIONS, normalize
from .codes import family as code_family
from .actions import guess_service, iam_actions, service_prefix
from .parse import MessageFacts, mask_key_ids, parse_message

CATEGORIES = (
    "explicit-deny",
    "implicit-deny",
    "expired-credentials",
    "invalid-credentials",
    "no-credentials",
    "signature-mismatch",
    "clock-skew",
    "mfa-required",
    "region",
    "not-authorization",
)
POLICY_TYPES = (
    "scp",
    "rcp",
    "permission-boundary",
    "identity",
    "resource",
    "session",
    "vpc-endpoint",
)
# botocore cuts CSM messages at 512 characters (CSMSerializer._MAX_MESSAGE_LENGTH): an
# encoded authorization message that reaches the end of such a message is incomplete.
CSM_MESSAGE_LIMIT = 512
# SigV4 accepts a request time within 5 minutes of AWS's clock.
SKEW_LIMIT_SECONDS = 300

LAYER_NAMES = {
    "scp": "a service control policy (AWS Organizations)",
    "rcp": "a resource control policy (AWS Organizations)",
    "permission-boundary": "the permissions boundary",
    "identity": "an identity-based policy",
    "resource": "a resource-based policy",
    "session": "a session policy",
    "vpc-endpoint": "a VPC endpoint policy",
}


@dataclass(frozen=True)
class DiagnosisContext:
    """What the shim knows beyond AWS's message. Every field optional."""

    principal_arn: str | None = None
    credential_source: str | None = None
    profile: str | None = None
    argv: tuple[str, ...] = ()
    clock_skew_seconds: float | None = None
    region: str | None = None
    access_key: str | None = None  # masked
    expires_at: str | None = None
    # Whether the profile (or a profile it chains through) has an mfa_serial, so that
    # `awsguard mfa PROFILE` applies; None when not known.
    profile_has_mfa: bool | None = None


@dataclass
class Diagnosis:
    category: str
    policy_type: str | None = None
    action: str | None = None
    principal: str | None = None
    resource: str | None = None
    hints: list[str] = field(default_factory=list)
    next_commands: list[str] = field(default_factory=list)
    encoded_message: str | None = None
    reason: str = ""
    code: str | None = None
    message: str | None = None
    api: str | None = None
    service: str | None = None
    actions: list[str] = field(default_factory=list)
    policy_arn: str | None = None
    expires_at: str | None = None
    credential_source: str | None = None
    profile: str | None = None
    region: str | None = None
    clock_skew_seconds: float | None = None
    profile_has_mfa: bool | None = None

    @property
    def is_auth_failure(self) -> bool:
        return self.category != "not-authorization"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Diagnosis:
        known = {name for name in cls.__dataclass_fields__}
        kept = {k: v for k, v in data.items() if k in known}
        if kept.get("category") not in CATEGORIES:
            raise ValueError(f"unknown category {kept.get('category')!r}")
        return cls(**kept)


# --- classification -----------------------------------------------------------------


def _family_from_message(message: str) -> str | None:
    text = message.lower()
    if "token included in the request is expired" in text or "token has expired" in text:
        return "expired"
    if "security token included in the request is invalid" in text:
        return "invalid"
    if "does not exist in our records" in text:
        return "invalid"
    if "signature we calculated does not match" in text or "signature expired" in text:
        return "signature"
    if "difference between the request time and the current time is too large" in text:
        return "skew"
    if "not authorized to perform" in text or "access denied" in text:
        return "deny"
    return None


def _region_problem(code: str | None, message: str, facts: MessageFacts) -> bool:
    text = message.lower()
    return (
        code_family(code) == "region"
        or facts.endpoint_region is not None
        or "is not activated in this region" in text
        or "region is not enabled" in text
        or ("region" in text and "is disabled" in text)
        or "must specify a region" in text
    )


def _category(
    family: str | None,
    code: str | None,
    message: str,
    facts: MessageFacts,
    context: DiagnosisContext,
    region: str | None,
) -> str:
    skew = context.clock_skew_seconds
    skewed = skew is not None and abs(skew) >= SKEW_LIMIT_SECONDS
    if normalize(code) == "NoCredentials":
        return "no-credentials"
    if family is None:
        return "region" if _region_problem(code, message, facts) else "not-authorization"
    if _region_problem(code, message, facts):
        return "region"
    if family == "deny":
        if facts.mentions_mfa and not facts.policy_type:
            return "mfa-required"
        if facts.explicit_deny:
            return "explicit-deny"
        return "implicit-deny"
    if family == "expired":
        if normalize(code) == "RequestExpired" and skewed:
            return "clock-skew"
        return "expired-credentials"
    if family == "invalid":
        if region in OPT_IN_REGIONS:
            return "region"
        return "invalid-credentials"
    if family == "signature":
        if facts.signature_skew_seconds is not None or skewed:
            return "clock-skew"
        return "signature-mismatch"
    if family == "skew":
        return "clock-skew"
    return "region"


# --- what the call touched ------------------------------------------------------------


def _s3_target(argv: tuple[str, ...], action: str | None) -> tuple[str | None, str | None]:
    """Bucket and key named on the command line: s3:// URIs, or --bucket/--key."""
    uris = [a[5:] for a in argv if a.startswith("s3://")]
    bucket = key = None
    for i, arg in enumerate(argv):
        if arg == "--bucket" and i + 1 < len(argv):
            bucket = argv[i + 1]
        elif arg.startswith("--bucket="):
            bucket = arg.split("=", 1)[1]
        elif arg == "--key" and i + 1 < len(argv):
            key = argv[i + 1]
        elif arg.startswith("--key="):
            key = arg.split("=", 1)[1]
    if bucket is None and uris:
        # Reading uses the first s3:// argument (the source), writing the last (the target).
        writing = action in ("s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl")
        chosen = uris[-1] if writing else uris[0]
        bucket, _, rest = chosen.partition("/")
        key = rest or None
    return bucket or None, key


def _s3_resource(bucket: str | None, key: str | None, action: str | None) -> str | None:
    if not bucket:
        return None
    object_level = action is not None and "Object" in action.split(":", 1)[-1]
    if object_level and key and not key.endswith("/"):
        return f"arn:aws:s3:::{bucket}/{key}"
    return f"arn:aws:s3:::{bucket}"


def _trail_user(principal: str | None) -> str | None:
    """The name CloudTrail records as Username for this principal."""
    if not principal or not principal.startswith("arn:"):
        return None
    resource = principal.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind == "root" or resource == "root":
        return "root"
    if kind == "assumed-role":
        return rest.split("/")[-1] or None  # the role session name
    if kind in ("user", "federated-user"):
        return rest.split("/")[-1] or None
    return None


# --- advice ---------------------------------------------------------------------------


def _cmd(*words: str | None) -> str:
    return " ".join(shlex.quote(w) for w in words if w is not None)


def _opts(context: DiagnosisContext, region: str | None) -> list[str]:
    extra: list[str] = []
    if context.profile:
        extra += ["--profile", context.profile]
    if region:
        extra += ["--region", region]
    return extra


def _mfa_command(context: DiagnosisContext) -> str | None:
    """`awsguard mfa PROFILE`, only when that profile has an MFA device to use."""
    if context.profile and context.profile_has_mfa:
        return _cmd("awsguard", "mfa", context.profile)
    return None


def _configure_list(context: DiagnosisContext) -> str:
    """`aws configure list` shows where the keys in use come from; with keys from the
    environment, --profile would show the profile's instead of the ones that failed."""
    if context.credential_source == "env" or not context.profile:
        return _cmd("aws", "configure", "list")
    return _cmd("aws", "configure", "list", "--profile", context.profile)


ENV_KEYS_UNSET = "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"
# The layers where the shape of an Allow (bucket vs object ARN) can be why nothing allowed it.
_SHAPE_LAYERS = (None, "identity", "resource", "permission-boundary", "session")


def _deny_reason(d: Diagnosis, who: str) -> str:
    action = d.action or "this action"
    if d.category == "explicit-deny":
        layer = d.policy_type
        if layer == "scp":
            return (
                f"a service control policy denies {action}. SCPs attach to the account, an OU "
                "above it or the organization root; only the organization's management account "
                "can change them, and nothing in this account can override them."
            )
        if layer == "rcp":
            return (
                f"a resource control policy of the organization denies {action} on this "
                "resource, whoever asks; only the management account can change it."
            )
        if layer == "permission-boundary":
            return f"the permissions boundary on {who} has a Deny that matches {action}."
        if layer == "identity":
            return (
                f"a policy attached to {who} (or one of its groups) has a Deny statement that "
                f"matches {action}; look at its conditions first (MFA, source IP, region, tags)."
            )
        if layer == "resource":
            return (
                f"the resource's own policy (bucket, key, queue, topic or trust policy) has a "
                f"Deny statement that matches {who} and {action}."
            )
        if layer == "session":
            return (
                f"the session policy passed when this session was created (--policy or "
                f"--policy-arns on AssumeRole, or a federation token) denies {action}."
            )
        if layer == "vpc-endpoint":
            return f"the policy of the VPC endpoint the request went through denies {action}."
        return f"a Deny statement matches {action}; AWS did not name the policy layer."
    layer = d.policy_type
    if layer == "identity":
        return f"no policy attached to {who} allows {action} on this resource (an implicit deny)."
    if layer == "resource":
        return (
            f"the resource's policy does not allow {who}, and here it must: cross-account access, "
            "a KMS key policy and a role's trust policy all need the resource side to allow."
        )
    if layer == "scp":
        return (
            f"no service control policy allows {action}: every level from the root to the "
            "account needs an SCP that allows it."
        )
    if layer == "rcp":
        return f"no resource control policy allows {action} on this resource."
    if layer == "permission-boundary":
        return (
            f"the permissions boundary on {who} does not allow {action}: what you may do is "
            "what both the identity policies and the boundary allow."
        )
    if layer == "session":
        return (
            f"the session policy does not allow {action}: a session may do only what both the "
            "role's policies and the session policy allow."
        )
    if layer == "vpc-endpoint":
        return f"the policy of the VPC endpoint the request went through does not allow {action}."
    if d.encoded_message:
        return (
            f"AWS refused {action}; the encoded message says whether a statement denied it "
            "explicitly or nothing allowed it, and which one: decode it."
        )
    return (
        f"AWS refused {action} without naming the policy layer (it does so for requests "
        "from another account or organization, and for some services)."
    )


def _s3_hints(
    d: Diagnosis, bucket: str | None, key: str | None, argv: tuple[str, ...]
) -> list[str]:
    hints: list[str] = []
    action = d.action or ""
    kms_action = action.startswith("kms:")
    api = d.api or ""
    unnamed = d.policy_type is None
    if kms_action:
        need = (
            "kms:GenerateDataKey"
            if api in ("PutObject", "CreateMultipartUpload", "UploadPart", "CopyObject")
            else "kms:Decrypt"
        )
        hints.append(
            "The object is encrypted with SSE-KMS: besides the S3 permission, "
            f"{d.principal or 'the caller'} needs {need} on the KMS key, allowed by the key "
            "policy as well as by IAM."
        )
        return hints
    if action == "s3:ListBucket":
        hints.append(
            f"s3:ListBucket applies to the bucket ARN (arn:aws:s3:::{bucket or 'BUCKET'}), not to "
            "objects: a statement whose Resource is only BUCKET/* does not grant it."
        )
    elif "Object" in action:
        hints.append(
            f"{action} applies to object ARNs (arn:aws:s3:::{bucket or 'BUCKET'}/KEY): a statement "
            "whose Resource is only the bucket ARN, without /*, does not grant it."
        )
    if unnamed and (api in ("HeadObject", "GetObject") or action == "s3:GetObject"):
        hints.append(
            "S3 answers 403, not 404, for a key that does not exist when the caller lacks "
            "s3:ListBucket on the bucket: check the key exists before changing policies."
        )
        hints.append(
            "If the object is encrypted with SSE-KMS, reading it also needs kms:Decrypt on its key."
        )
    if unnamed and (api in ("PutObject", "CreateMultipartUpload") or action == "s3:PutObject"):
        hints.append(
            "If the bucket's default encryption is SSE-KMS, writing also needs kms:GenerateDataKey "
            "on the key; a bucket policy may also require encryption headers."
        )
    if unnamed and d.category == "implicit-deny":
        if not any(a.startswith("--request-payer") for a in argv):
            hints.append(
                "If the bucket is Requester Pays, requests from other accounts must say so: "
                "add --request-payer requester."
            )
        hints.append(
            'A bare "Access Denied" usually means another account\'s bucket: its bucket policy '
            "(and, with ACLs enabled, the object's owner) must allow you as well."
        )
    return hints


def _deny_advice(
    d: Diagnosis, context: DiagnosisContext, facts: MessageFacts, region: str | None
) -> None:
    who = d.principal or "the caller"
    d.reason = _deny_reason(d, who)
    prefix = (d.action or "").split(":", 1)[0]
    layer = d.policy_type
    # Hints about the shape of an Allow only help when a missing Allow is the cause and the
    # layer is one such an Allow lives in: never for an explicit Deny or an SCP/RCP/endpoint.
    missing_allow = d.category in ("implicit-deny", "mfa-required") and layer in _SHAPE_LAYERS
    is_s3 = prefix == "s3" or (d.service or "").lower() == "s3" or service_prefix(d.service) == "s3"
    if missing_allow and (
        is_s3
        or prefix == "kms"
        and (d.api or "") in ("GetObject", "PutObject", "HeadObject", "CopyObject")
    ):
        bucket, key = _s3_target(context.argv, d.action)
        if d.resource and d.resource.startswith("arn:aws") and ":s3:::" in d.resource:
            bucket = d.resource.split(":::", 1)[1].split("/", 1)[0] or bucket
        d.hints += _s3_hints(d, bucket, key, context.argv)
    elif prefix == "kms" and missing_allow and layer in (None, "resource"):
        d.hints.append(
            "KMS checks the key policy first: it must allow the caller, or delegate to IAM by "
            "allowing the account root; a grant can also allow it."
        )
    if d.action == "sts:AssumeRole" and missing_allow and layer in (None, "identity", "resource"):
        d.hints.append(
            "Two sides must agree: your identity policy must allow sts:AssumeRole on the role, "
            "and the role's trust policy must name you (and its conditions, such as MFA or "
            "an external id, must hold)."
        )
    if d.action and len(d.actions) > 1:
        d.hints.append("This call needs all of: " + ", ".join(d.actions) + ".")
    if d.category == "explicit-deny" and d.policy_type == "identity":
        d.hints.append(
            'Deny statements with "aws:MultiFactorAuthPresent": "false" refuse sessions '
            "without MFA; if that is the cause, get an MFA session."
        )
    if d.policy_type in ("scp", "rcp"):
        d.hints.append(
            "Ask the organization's administrators; the policy simulator in this account "
            "cannot show organization policies."
        )
    if d.policy_arn:
        d.hints.append(f"The denying policy is {d.policy_arn}.")
    if d.code == "403" or (d.message or "").strip() in ("Forbidden", ""):
        d.hints.append("A HEAD request carries no error body, so AWS could not say more than 403.")
    if d.action:
        d.next_commands.append(
            _cmd(
                "awsguard",
                "simulate",
                "--action",
                d.action,
                *(["--resource", d.resource] if d.resource else []),
            )
        )
    if d.encoded_message:
        d.next_commands.append(_cmd("awsguard", "decode", d.encoded_message, *_opts(context, None)))
    elif normalize(d.code) == "UnauthorizedOperation":
        d.hints.append(
            "The encoded authorization message was cut short; copy it from the CLI's error "
            "above into: awsguard decode MESSAGE"
        )
    if d.category == "mfa-required" or (
        d.category == "explicit-deny" and d.policy_type == "identity"
    ):
        mfa = _mfa_command(context)
        if mfa:
            d.next_commands.append(mfa)
    _trail_commands(d, context, region)


def _trail_commands(d: Diagnosis, context: DiagnosisContext, region: str | None) -> None:
    opts = _opts(context, region)
    if d.api:
        d.next_commands.append(
            _cmd(
                "aws",
                "cloudtrail",
                "lookup-events",
                "--lookup-attributes",
                f"AttributeKey=EventName,AttributeValue={d.api}",
                "--max-results",
                "20",
                *opts,
            )
        )
    user = _trail_user(d.principal)
    if user:
        d.next_commands.append(
            _cmd(
                "aws",
                "cloudtrail",
                "lookup-events",
                "--lookup-attributes",
                f"AttributeKey=Username,AttributeValue={user}",
                "--max-results",
                "20",
                *opts,
            )
        )
    is_s3 = service_prefix(d.service) == "s3" or (d.action or "").startswith("s3:")
    if is_s3 and ("Object" in (d.action or "") or "Object" in (d.api or "")):
        d.hints.append(
            "S3 object calls are data events: CloudTrail's event history (lookup-events) "
            "has them only if a trail records data events."
        )


def _credential_advice(d: Diagnosis, context: DiagnosisContext, region: str | None) -> None:
    source = context.credential_source
    profile = context.profile
    if d.category == "expired-credentials":
        when = f" at {d.expires_at}" if d.expires_at else ""
        d.reason = f"the temporary credentials expired{when}; AWS no longer accepts them."
        if normalize(d.code) == "RequestExpired":
            d.hints.append(
                "RequestExpired also means the request's timestamp was more than 5 minutes off: "
                "if fresh credentials do not help, check the clock (date -u)."
            )
        if source == "sso":
            d.next_commands.append(
                _cmd("aws", "sso", "login", *(["--profile", profile] if profile else []))
            )
        elif source == "env":
            d.hints.append(
                "They come from AWS_ACCESS_KEY_ID / AWS_SESSION_TOKEN in this shell: get fresh "
                "ones, or unset them to use your profile."
            )
            d.next_commands.append(ENV_KEYS_UNSET)
        elif _mfa_command(context):
            d.next_commands.append(_mfa_command(context))
        else:
            d.next_commands.append(_configure_list(context))
    elif d.category == "invalid-credentials":
        key = f" ({context.access_key})" if context.access_key else ""
        if normalize(d.code) == "MissingAuthenticationToken":
            d.reason = "the request was not signed: AWS saw no credentials at all."
        else:
            d.reason = (
                f"AWS does not know the access key{key}, or the session token that goes with it: "
                "it was deleted, deactivated, mistyped, or paired with the wrong token."
            )
        if source == "env":
            d.hints.append(
                "The key comes from AWS_ACCESS_KEY_ID in this shell and wins over any profile; "
                "a leftover AWS_SESSION_TOKEN with a long-term key also fails this way."
            )
        d.hints.append("A key of one partition (aws, aws-cn, aws-us-gov) is unknown in the others.")
        d.next_commands.append(_configure_list(context))
    elif d.category == "no-credentials":
        where = f"profile {profile}" if profile else "the environment, the default profile"
        d.reason = (
            f"the CLI found no credentials ({where}, SSO, container or instance role), so no "
            "request reached AWS."
        )
        d.hints.append(
            "Set up keys or SSO for the profile (aws configure, aws configure sso), or pick a "
            "profile that has them with --profile or AWS_PROFILE."
        )
        d.next_commands.append(_configure_list(context))
        d.next_commands.append(_cmd("aws", "configure", "list-profiles"))
    elif d.category == "signature-mismatch":
        d.reason = (
            "AWS knows the key id but the signature does not match: the secret key does not "
            "belong to this key id, or something changed the request on the way."
        )
        d.hints.append(
            "Check the secret for a typo or stray whitespace"
            + ("." if source == "env" else "; re-enter it with aws configure.")
        )
        d.hints.append(
            "A proxy that rewrites requests or a wrong --endpoint-url gives the same error."
        )
        if source == "env":
            d.hints.append(
                "The key pair comes from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in this "
                "shell, not from the profile."
            )
        d.next_commands.append(_configure_list(context))
        d.next_commands.append("date -u")
    elif d.category == "clock-skew":
        skew = d.clock_skew_seconds
        how = f" by {abs(int(skew))} s" if skew is not None else ""
        d.reason = (
            f"this machine's clock is off{how}; AWS refuses a signature more than 5 minutes "
            "away from its own time."
        )
        d.hints.append("Turn on time synchronisation (NTP), then retry.")
        d.next_commands.append("date -u")
        d.next_commands.append("timedatectl status")
    elif d.category == "region":
        if (
            normalize(d.code) == "NoRegion"
            or "must specify a region" in (d.message or "").lower()
        ):
            d.reason = "no region is configured for this profile, and the command needs one."
            d.hints.append("Pass --region, set AWS_REGION, or set region in the profile.")
            d.next_commands.append(
                _cmd(
                    "aws",
                    "configure",
                    "get",
                    "region",
                    *(["--profile", profile] if profile else []),
                )
            )
            return
        where = region or "this region"
        d.reason = (
            f"{where} is not usable by this account: opt-in regions must be enabled first, "
            "and credentials are refused there until they are."
        )
        if (
            region
            and region not in OPT_IN_REGIONS
            and d.message
            and "Could not connect" in d.message
        ):
            d.reason = f"there is no endpoint for {region}: check the region name for a typo."
        d.hints.append(
            "Tokens from the global STS endpoint (v1) do not work in opt-in regions: use the "
            "regional STS endpoint (AWS_STS_REGIONAL_ENDPOINTS=regional)."
        )
        if region:
            d.next_commands.append(
                _cmd(
                    "aws",
                    "account",
                    "get-region-opt-status",
                    "--region-name",
                    region,
                    *(["--profile", profile] if profile else []),
                )
            )


# STS's ValidationError when a role assumed with role credentials asks for more than an
# hour (AssumeRole, DurationSeconds: "if you assume a role using role chaining and provide
# a DurationSeconds parameter value greater than one hour, the operation fails";
# https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
ROLE_CHAINING_LIMIT = "session limit for roles assumed by role chaining"


def _role_chaining_advice(d: Diagnosis, context: DiagnosisContext) -> None:
    d.reason = (
        "the role is assumed with role credentials (role chaining: a role sourced from "
        "another role, SSO, web identity, an instance profile or a task role), and AWS caps "
        "such a session at 1 hour; the requested DurationSeconds (duration_seconds in the "
        "profile) is longer, so STS refused the AssumeRole."
    )
    d.hints.append(
        "Set duration_seconds to 3600 or less, or assume the role with an IAM user's keys "
        "(not chained) to get up to the role's maximum session duration."
    )
    d.hints.append("AWS: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html")
    if context.profile:
        d.next_commands.append(
            _cmd("aws", "configure", "set", "duration_seconds", "3600", "--profile",
                 context.profile)
        )


def diagnose(
    code: str | None,
    message: str | None,
    api: str | None = None,
    service: str | None = None,
    context: DiagnosisContext | None = None,
) -> Diagnosis:
    """Why AWS refused a call, and what to run next. Pure: no I/O."""
    context = context or DiagnosisContext()
    message = mask_key_ids(message) if message else message
    text = message or ""
    facts = parse_message(text)
    bare = normalize(code)
    family = code_family(bare) if bare else _family_from_message(text)
    if family is None and bare is None and facts.action:
        family = "deny"
    region = facts.endpoint_region or context.region
    category = _category(family, bare, text, facts, context, region)

    if service is None and api:
        service = guess_service(api, facts.resource)
    actions = [facts.action] if facts.action else iam_actions(service, api)
    action = actions[0] if actions else None
    if facts.action:
        extra = [a for a in iam_actions(service, api) if a != facts.action]
        # The message names the refused action; keep the call's other needs for a hint only
        # when they belong to the same service.
        actions += [a for a in extra if a.split(":")[0] == facts.action.split(":")[0]]
    principal = facts.principal if facts.principal and facts.principal.startswith("arn:") else None
    principal = principal or context.principal_arn
    resource = facts.resource
    if resource is None and action and action.startswith("s3:"):
        bucket, key = _s3_target(context.argv, action)
        resource = _s3_resource(bucket, key, action)

    encoded = facts.encoded_message
    if encoded and len(text) >= CSM_MESSAGE_LIMIT and text.rstrip().endswith(encoded):
        encoded = None  # cut short by CSM: decoding a prefix would fail
    skew = context.clock_skew_seconds
    if facts.signature_skew_seconds is not None:
        skew = facts.signature_skew_seconds
    d = Diagnosis(
        category=category,
        policy_type=facts.policy_type
        if category in ("explicit-deny", "implicit-deny", "mfa-required")
        else None,
        action=action,
        principal=principal,
        resource=resource,
        encoded_message=encoded,
        code=code,
        message=message,
        api=api,
        service=service,
        actions=actions,
        policy_arn=facts.policy_arn,
        expires_at=facts.expires_at
        or (context.expires_at if category == "expired-credentials" else None),
        credential_source=context.credential_source,
        profile=context.profile,
        region=region,
        clock_skew_seconds=skew,
        profile_has_mfa=context.profile_has_mfa,
    )
    if category in ("explicit-deny", "implicit-deny", "mfa-required"):
        _deny_advice(d, context, facts, region)
        if category == "mfa-required":
            d.reason = (
                f"the request needs MFA: a policy condition (aws:MultiFactorAuthPresent or "
                f"aws:MultiFactorAuthAge) refused {d.action or 'it'} for a session without a "
                "fresh MFA code, or the MFA code itself was refused."
            )
            mfa = _mfa_command(context)
            if mfa:
                d.next_commands.insert(0, mfa)
            elif context.credential_source == "env":
                d.hints.insert(0, "The keys come from the environment: get an MFA session "
                               "(aws sts get-session-token --serial-number … --token-code …) "
                               "and export its keys.")
            else:
                d.hints.insert(0, "Add mfa_serial to the profile, then `awsguard mfa PROFILE` "
                               "gets and keeps an MFA session for it.")
            d.next_commands = list(dict.fromkeys(d.next_commands))
    elif category == "not-authorization" and ROLE_CHAINING_LIMIT in text.lower():
        _role_chaining_advice(d, context)
    elif category == "not-authorization":
        d.reason = "this is not an authentication or authorization failure."
    else:
        _credential_advice(d, context, region)
        if category == "region" and region in OPT_IN_REGIONS and family == "invalid":
            d.hints.insert(
                0, f"{region} is an opt-in region; if it is enabled, the key itself is unknown."
            )
    if skew is not None and abs(skew) >= SKEW_LIMIT_SECONDS and category != "clock-skew":
        d.hints.append(f"This machine's clock is {abs(int(skew))} s off AWS's; fix it first.")
    d.hints = list(dict.fromkeys(d.hints))
    return d


def diagnose_text(text: str, context: DiagnosisContext | None = None) -> Diagnosis:
    """Diagnose pasted CLI or SDK output, an XML or JSON error body, or a CloudTrail record."""
    from .parse import extract

    found = extract(text)
    message = found.message
    # The CLI prints the message on one line, but a paste may wrap it: read the facts
    # from the whole text when the line alone does not name them.
    if message and "not authorized" not in message and "not authorized to perform" in text:
        message = " ".join(text.split())
    code = found.code
    if code is None and found.http_status == 403:
        code = "403"
    return diagnose(code, message, api=found.api, service=found.service, context=context)


def with_layer(
    d: Diagnosis, category: str, policy_type: str | None, argv: tuple[str, ...] = ()
) -> Diagnosis:
    """A copy of the access denial `d` with the category and layer found elsewhere (the
    offline engine), its reason, hints and next commands rebuilt for them. Pure."""
    if category not in ("explicit-deny", "implicit-deny") or policy_type not in (
        None,
        *POLICY_TYPES,
    ):
        raise ValueError(f"not an access denial layer: {category!r}, {policy_type!r}")
    context = DiagnosisContext(
        principal_arn=d.principal,
        credential_source=d.credential_source,
        profile=d.profile,
        argv=tuple(argv),
        clock_skew_seconds=d.clock_skew_seconds,
        region=d.region,
        profile_has_mfa=d.profile_has_mfa,
    )
    new = replace(d, category=category, policy_type=policy_type, hints=[], next_commands=[])
    _deny_advice(new, context, parse_message(d.message or ""), d.region)
    skew = d.clock_skew_seconds
    if skew is not None and abs(skew) >= SKEW_LIMIT_SECONDS:
        new.hints.append(f"This machine's clock is {abs(int(skew))} s off AWS's; fix it first.")
    new.hints = list(dict.fromkeys(new.hints))
    return new


# --- rendering --------------------------------------------------------------------------


def _who(d: Diagnosis) -> str:
    parts = [d.principal or "unknown principal"]
    source = d.credential_source
    if source or d.profile:
        detail = f"credentials: {source or 'unknown'}"
        if d.profile:
            detail += f", profile {d.profile}"
        parts.append(f"({detail})")
    return " ".join(parts)


def _what(d: Diagnosis) -> str:
    text = d.action or "unknown action"
    if d.resource:
        text += f" on {d.resource}"
    if d.api:
        service = f"{d.service} " if d.service else ""
        text += f"  [{service}{d.api}]"
    return text


def _headline(d: Diagnosis) -> str:
    label = {
        "explicit-deny": "explicit deny",
        "implicit-deny": "no policy allows it",
        "expired-credentials": "expired credentials",
        "invalid-credentials": "credentials AWS does not accept",
        "no-credentials": "no credentials",
        "signature-mismatch": "signature mismatch",
        "clock-skew": "clock skew",
        "mfa-required": "MFA required",
        "region": "region problem",
        "not-authorization": "not an access problem",
    }[d.category]
    if d.policy_type and d.category == "explicit-deny":
        label += f" in {LAYER_NAMES[d.policy_type]}"
    elif d.policy_type and d.category == "implicit-deny":
        layer = LAYER_NAMES[d.policy_type].split(" ", 1)[1]  # without "a"/"the"
        label = f"no {layer} allows it"
    code = f" ({d.code})" if d.code else ""
    if d.category == "no-credentials":
        return "awsguard: no credentials: the CLI found none, so no request reached AWS"
    if d.category == "not-authorization":
        return f"awsguard: AWS error{code}: not an access problem"
    if normalize(d.code) == "NoRegion":
        return "awsguard: no region: the CLI sent no request"
    return f"awsguard: access refused{code}: {label}"


def render(d: Diagnosis, max_hints: int = 3) -> str:
    """The short block the shim prints on stderr after the CLI's own error.

    Each line is escaped as a whole (redact.escape): the reason, principal and
    resource quote AWS's message, and a newline or escape sequence in it must neither
    draw on the terminal nor start a line of its own."""
    from ..redact import escape

    lines = [_headline(d)]
    lines.append(f"  who:  {_who(d)}")
    if d.category in ("explicit-deny", "implicit-deny", "mfa-required") or d.action:
        lines.append(f"  what: {_what(d)}")
    lines.append(f"  why:  {d.reason}")
    for hint in d.hints[:max_hints]:
        lines.append(f"        - {hint}")
    if d.next_commands:
        lines.append(f"  next: {d.next_commands[0]}")
        for command in d.next_commands[1:]:
            lines.append(f"        {command}")
    return "\n".join(escape(line) for line in lines)
