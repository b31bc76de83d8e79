"""AWS error messages as data: the principal, action, resource and policy layer they name.

The shapes follow AWS's documented messages ("Troubleshoot access denied error
messages" in the IAM User Guide, S3's 403 troubleshooting guide, STS, KMS, EC2):

  User: ARN is not authorized to perform: ACTION on resource: RESOURCE
      with an explicit deny in a LAYER[: POLICY-ARN]
      | because no LAYER allows the ACTION action
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

# The layer named in an AWS denial, in AWS's words, to our policy_type values.
LAYERS: dict[str, str] = {
    "service control policy": "scp",
    "service control policies": "scp",
    "resource control policy": "rcp",
    "resource control policies": "rcp",
    "permissions boundary": "permission-boundary",
    "permission boundary": "permission-boundary",
    "identity-based policy": "identity",
    "identity-based policies": "identity",
    "identity based policy": "identity",
    "resource-based policy": "resource",
    "resource-based policies": "resource",
    "resource based policy": "resource",
    "session policy": "session",
    "session policies": "session",
    "vpc endpoint policy": "vpc-endpoint",
    "vpc endpoint policies": "vpc-endpoint",
}
_LAYER_WORDS = "|".join(sorted((re.escape(k) for k in LAYERS), key=len, reverse=True))

_NOT_AUTHORIZED = re.compile(
    r"(?:User|Principal|Caller)\s*:?\s*(?P<principal>\S+?)\s+is not authorized to perform\s*:?\s*"
    r"(?P<action>[A-Za-z0-9\-]+:[A-Za-z0-9\-*]+)"
    r"(?:\s+on resource\s*:?\s*(?P<resource>.+?))?"
    r"(?=\s+because\b|\s+with an explicit\b|\s*\.?\s*Encoded authorization|\.\s|\.?\s*$|,\s|\s*$)",
    re.IGNORECASE | re.DOTALL,
)
_EXPLICIT = re.compile(
    rf"with an explicit deny(?: in (?:an? |the )?(?P<layer>{_LAYER_WORDS}))?"
    r"(?:\s*:\s*(?P<policy_arn>arn:[^\s,;]+))?",
    re.IGNORECASE,
)
_IMPLICIT = re.compile(rf"because no (?P<layer>{_LAYER_WORDS}) allows?", re.IGNORECASE)
_ENCODED = re.compile(
    r"Encoded authorization failure message\s*:?\s*(?P<encoded>[A-Za-z0-9_\-+/=]{16,})",
    re.IGNORECASE,
)
_ARN_PRINCIPAL = re.compile(
    r"\barn:aws[a-z\-]*:(?:iam|sts)::\d{12}:(?:user|role|assumed-role|federated-user|root)"
    r"[^\s\"',;]*"
)
_EXPIRY_EPOCH = re.compile(r"expiration date/time\s*(?P<epoch>\d{9,11})", re.IGNORECASE)
_EXPIRY_ISO = re.compile(
    r"expired? (?:at|on)\s*:?\s*"
    r"(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)",
    re.IGNORECASE,
)
# SigV4's own clock check (InvalidSignatureException on JSON services):
#   Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (... - 5 min.)
#   Signature not yet current: 20240101T002000Z is still later than ... (... + 5 min.)
_SIG_TIMES = re.compile(
    r"Signature (?:expired|not yet current):\s*(?P<signed>\d{8}T\d{6}Z)\s+"
    r"is (?:now earlier|still later) than\s+\d{8}T\d{6}Z\s*\((?P<server>\d{8}T\d{6}Z)",
    re.IGNORECASE,
)
_ENDPOINT_REGION = re.compile(
    r"Could not connect to the endpoint URL:\s*\"?https?://[a-z0-9\-.]*?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com",
    re.IGNORECASE,
)
_MFA = re.compile(
    r"MultiFactorAuth|multi-factor|\bMFA\b|aws:MultiFactorAuthPresent|MultiFactorAuthAge",
    re.IGNORECASE,
)
_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{8,}([A-Z0-9]{4})\b")


@dataclass(frozen=True)
class MessageFacts:
    principal: str | None = None
    action: str | None = None
    resource: str | None = None
    explicit_deny: bool = False
    implicit_deny: bool = False
    policy_type: str | None = None
    policy_arn: str | None = None
    encoded_message: str | None = None
    expires_at: str | None = None
    mentions_mfa: bool = False
    signature_skew_seconds: int | None = None
    endpoint_region: str | None = None


def mask_key_ids(text: str) -> str:
    """Access key ids in free text, shown as first4…last4 (redact.mask_key_ids)."""
    from ..redact import mask_key_ids as mask

    return mask(text)


def _clean_resource(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().strip('"').strip("'").rstrip(".,;").strip('"')
    return value or None


def _normalize_action(action: str) -> str:
    # AWS echoes the prefix as the service spells it ("SNS:Publish"); IAM compares
    # prefixes case-insensitively and writes them lower-case.
    prefix, _, name = action.partition(":")
    return f"{prefix.lower()}:{name}"


def _sigv4_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def parse_message(message: str | None) -> MessageFacts:
    if not message:
        return MessageFacts()
    flat = " ".join(message.split())
    principal = action = resource = None
    match = _NOT_AUTHORIZED.search(flat)
    if match:
        principal = match.group("principal").rstrip(",;")
        action = _normalize_action(match.group("action"))
        resource = _clean_resource(match.group("resource"))
    if not principal or not principal.startswith("arn:"):
        found = _ARN_PRINCIPAL.search(flat)
        principal = found.group(0).rstrip(".") if found else principal
    explicit = _EXPLICIT.search(flat)
    implicit = None if explicit else _IMPLICIT.search(flat)
    layer = None
    policy_arn = None
    if explicit and explicit.group("layer"):
        layer = LAYERS[explicit.group("layer").lower()]
        policy_arn = explicit.group("policy_arn")
    elif implicit:
        layer = LAYERS[implicit.group("layer").lower()]
    encoded = _ENCODED.search(flat)
    expires_at = None
    epoch = _EXPIRY_EPOCH.search(flat)
    if epoch:
        moment = datetime.fromtimestamp(int(epoch.group("epoch")), tz=timezone.utc)
        expires_at = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        iso = _EXPIRY_ISO.search(flat)
        expires_at = iso.group("iso") if iso else None
    skew = None
    sig = _SIG_TIMES.search(flat)
    if sig:
        skew = int(
            (_sigv4_time(sig.group("signed")) - _sigv4_time(sig.group("server"))).total_seconds()
        )
    endpoint = _ENDPOINT_REGION.search(flat)
    return MessageFacts(
        principal=principal,
        action=action,
        resource=resource,
        explicit_deny=bool(explicit),
        implicit_deny=bool(implicit),
        policy_type=layer,
        policy_arn=policy_arn,
        encoded_message=encoded.group("encoded") if encoded else None,
        expires_at=expires_at,
        mentions_mfa=bool(_MFA.search(flat)),
        signature_skew_seconds=skew,
        endpoint_region=endpoint.group("region") if endpoint else None,
    )


@dataclass(frozen=True)
class ErrorText:
    """What a pasted error says: the code, the API and the message, as far as found."""

    code: str | None
    message: str | None
    api: str | None = None
    service: str | None = None
    http_status: int | None = None


_CLI = re.compile(
    r"(?:An error occurred|A client error) \((?P<code>[^)]+)\)(?: occurred)?"
    r"(?: when calling the (?P<api>\w+) operation)?(?: \(reached max retries: \d+\))?"
    r":\s*(?P<message>[^\n]*)"
)
_JAVA = re.compile(
    r"(?P<message>[^\n]*?)\s*\(Service:\s*(?P<service>[^;]+);\s*Status Code:\s*(?P<status>\d+);"
    r"\s*Error Code:\s*(?P<code>[^;)]+)"
)
_GO = re.compile(
    r"operation error (?P<service>[^:]+):\s*(?P<api>\w+),.*?(?:StatusCode:\s*(?P<status>\d+))?.*?"
    r"api error (?P<code>[\w.]+):\s*(?P<message>[^\n]*)",
    re.DOTALL,
)
_XML_CODE = re.compile(r"<Code>(?P<code>[^<]+)</Code>")
_XML_MESSAGE = re.compile(r"<Message>(?P<message>[^<]*)</Message>")
_CODE_COLON = re.compile(
    r"\b(?P<code>(?:Client\.)?[A-Z][A-Za-z]+(?:\.[A-Za-z]+)?):\s*(?P<message>[^\n]*)"
)

# Errors the CLI raises before any request is sent (botocore's own exceptions).
_CLIENT_SIDE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Unable to locate credentials", re.IGNORECASE), "NoCredentials"),
    (re.compile(r"You must specify a region", re.IGNORECASE), "NoRegion"),
    (
        re.compile(
            r"(?:SSO session|SSO Token|token from sso).*?(?:expired|invalid)", re.IGNORECASE
        ),
        "ExpiredToken",
    ),
    (re.compile(r"Token has expired and refresh failed", re.IGNORECASE), "ExpiredToken"),
]


def _from_json(text: str) -> ErrorText | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if "errorCode" in data:  # a CloudTrail record
        source = str(data.get("eventSource") or "")
        return ErrorText(
            code=data.get("errorCode"),
            message=data.get("errorMessage"),
            api=data.get("eventName"),
            service=source.split(".", 1)[0] or None,
        )
    error = data.get("Error") if isinstance(data.get("Error"), dict) else data
    code = error.get("Code") or error.get("code") or error.get("__type")
    message = error.get("Message") or error.get("message")
    if not code and not message:
        return None
    if isinstance(code, str) and "#" in code:  # "com.amazonaws...#AccessDeniedException"
        code = code.rsplit("#", 1)[1]
    return ErrorText(code=code, message=message)


def extract(text: str) -> ErrorText:
    """Find the error in pasted CLI output, SDK output, an XML/JSON body or a trail record."""
    stripped = text.strip()
    if stripped.startswith("{"):
        found = _from_json(stripped)
        if found:
            return found
    match = _CLI.search(text)
    if match:
        return ErrorText(match.group("code"), match.group("message").strip(), match.group("api"))
    match = _GO.search(text)
    if match:
        status = match.group("status")
        return ErrorText(
            match.group("code"),
            match.group("message").strip(),
            match.group("api"),
            match.group("service").strip(),
            int(status) if status else None,
        )
    match = _JAVA.search(text)
    if match:
        return ErrorText(
            match.group("code").strip(),
            match.group("message").strip(),
            service=match.group("service").strip(),
            http_status=int(match.group("status")),
        )
    code = _XML_CODE.search(text)
    if code:
        message = _XML_MESSAGE.search(text)
        return ErrorText(code.group("code"), message.group("message") if message else None)
    for pattern, code_name in _CLIENT_SIDE:
        if pattern.search(text):
            return ErrorText(code_name, " ".join(stripped.split()))
    from .codes import family

    for match in _CODE_COLON.finditer(text):
        if family(match.group("code")) is not None:
            return ErrorText(match.group("code"), match.group("message").strip())
    return ErrorText(None, " ".join(stripped.split()) or None)
