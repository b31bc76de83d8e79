"""AWS error codes by family: which ones mean "AWS said no to these credentials"."""

from __future__ import annotations

# A denial by policy evaluation. The message may name the layer.
DENY = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AccessDeniedFault",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "UnauthorizedException",
        "AuthorizationError",
        "AuthorizationErrorException",
        "AuthorizationException",
        "Forbidden",
        "ForbiddenException",
        "NotAuthorized",
        "InsufficientPermissionsException",
        "KMS.AccessDeniedException",
        "403",
    }
)
# Temporary credentials past their expiry.
EXPIRED = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "TokenRefreshRequired",
        "RequestExpired",
    }
)
# A key id or token AWS does not know (or does not accept in this region).
INVALID = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "AuthFailure",
        "InvalidToken",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "InvalidSecurity",
        "NoCredentials",
    }
)
SIGNATURE = frozenset(
    {
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "IncompleteSignature",
        "IncompleteSignatureException",
    }
)
SKEW = frozenset({"RequestTimeTooSkewed", "RequestInTheFuture"})
REGION = frozenset({"RegionDisabledException", "OptInRequired", "NoRegion"})

AUTH_CODES = DENY | EXPIRED | INVALID | SIGNATURE | SKEW | REGION

# Regions an account must opt in to before any call there works (AWS Account
# Management, "Enable or disable AWS Regions"). Calls with credentials into a
# region that is not enabled fail as if the key were unknown.
OPT_IN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)


def normalize(code: str | None) -> str | None:
    """The bare code: CloudTrail and old SDKs prefix EC2 codes with "Client."."""
    if not code:
        return None
    code = code.strip()
    if code.startswith(("Client.", "Server.")):
        code = code.split(".", 1)[1]
    return code or None


def family(code: str | None) -> str | None:
    """deny | expired | invalid | signature | skew | region, or None."""
    code = normalize(code)
    if code is None:
        return None
    for name, members in (
        ("deny", DENY),
        ("expired", EXPIRED),
        ("invalid", INVALID),
        ("signature", SIGNATURE),
        ("skew", SKEW),
        ("region", REGION),
    ):
        if code in members:
            return name
    # Services invent variants: "AccessDeniedForDependency", "S3AccessDenied"...
    if "AccessDenied" in code or code.startswith("Unauthorized"):
        return "deny"
    if code.startswith("ExpiredToken"):
        return "expired"
    return None


def is_auth_failure(code: str | None, http_status: int | None = None) -> bool:
    """True when a call failed because AWS refused the caller or the credentials.

    A HEAD request has no body, so botocore reports S3's 403 with the code "403".
    """
    if family(code) is not None:
        return True
    return code is None and http_status == 403
