"""The IAM action behind an API call, for when AWS's message does not name it.

awsguard.catalog (generated from the Service Authorization Reference and botocore's
models) is asked first; this module keeps the fallback: CSM service ids to IAM
prefixes and the API calls whose action is not "prefix:ApiName".
"""

from __future__ import annotations

# CSM's "Service" is botocore's service id; IAM prefixes differ for some.
SERVICE_PREFIXES: dict[str, str] = {
    "api gateway": "apigateway",
    "apigatewayv2": "apigateway",
    "application auto scaling": "application-autoscaling",
    "auto scaling": "autoscaling",
    "cloudwatch": "cloudwatch",
    "cloudwatch logs": "logs",
    "cloudwatch events": "events",
    "eventbridge": "events",
    "cognito identity provider": "cognito-idp",
    "cognito identity": "cognito-identity",
    "dynamodb streams": "dynamodb",
    "elastic load balancing": "elasticloadbalancing",
    "elastic load balancing v2": "elasticloadbalancing",
    "elasticache": "elasticache",
    "route 53": "route53",
    "route 53 domains": "route53domains",
    "s3 control": "s3",
    "secrets manager": "secretsmanager",
    "sesv2": "ses",
    "sfn": "states",
    "step functions": "states",
    "sso oidc": "sso-oauth",
    "lambda": "lambda",
}

# Hand-kept: API operations whose IAM action is not named after them.
API_ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "HeadObject"): ("s3:GetObject",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3", "ListBuckets"): ("s3:ListAllMyBuckets",),
    ("s3", "CopyObject"): ("s3:PutObject", "s3:GetObject"),
    ("s3", "UploadPart"): ("s3:PutObject",),
    ("s3", "UploadPartCopy"): ("s3:PutObject", "s3:GetObject"),
    ("s3", "CreateMultipartUpload"): ("s3:PutObject",),
    ("s3", "CompleteMultipartUpload"): ("s3:PutObject",),
    ("s3", "ListMultipartUploads"): ("s3:ListBucketMultipartUploads",),
    ("s3", "ListParts"): ("s3:ListMultipartUploadParts",),
    ("s3", "DeleteObjects"): ("s3:DeleteObject",),
    ("s3", "GetObjectAttributes"): ("s3:GetObject", "s3:GetObjectAttributes"),
    ("s3", "GetBucketEncryption"): ("s3:GetEncryptionConfiguration",),
    ("s3", "PutBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "GetBucketLifecycleConfiguration"): ("s3:GetLifecycleConfiguration",),
    ("s3", "PutBucketLifecycleConfiguration"): ("s3:PutLifecycleConfiguration",),
    ("s3", "PutBucketVersioning"): ("s3:PutBucketVersioning",),
    ("lambda", "Invoke"): ("lambda:InvokeFunction",),
    ("lambda", "InvokeAsync"): ("lambda:InvokeFunction",),
    ("lambda", "ListFunctions"): ("lambda:ListFunctions",),
    ("sts", "GetCallerIdentity"): (),  # never denied by policy
}


# For pasted messages, which name the API but not the service: common calls only.
_API_SERVICE: dict[str, str] = {}
for _service, _apis in {
    "S3": "GetObject PutObject HeadObject DeleteObject DeleteObjects CopyObject ListObjects "
    "ListObjectsV2 ListObjectVersions HeadBucket ListBuckets CreateBucket DeleteBucket "
    "GetBucketPolicy PutBucketPolicy GetBucketLocation CreateMultipartUpload UploadPart "
    "CompleteMultipartUpload GetObjectAcl PutObjectAcl GetBucketAcl GetObjectAttributes",
    "EC2": "RunInstances DescribeInstances StartInstances StopInstances TerminateInstances "
    "RebootInstances AuthorizeSecurityGroupIngress CreateSecurityGroup DescribeRegions "
    "DescribeVpcs CreateVpc DescribeSubnets CreateTags DescribeImages CreateSnapshot "
    "AttachVolume DescribeSecurityGroups ModifyInstanceAttribute AssociateIamInstanceProfile",
    "STS": "AssumeRole AssumeRoleWithWebIdentity AssumeRoleWithSAML GetSessionToken "
    "GetCallerIdentity DecodeAuthorizationMessage GetFederationToken",
    "KMS": "Decrypt Encrypt GenerateDataKey GenerateDataKeyWithoutPlaintext ReEncrypt "
    "DescribeKey CreateGrant",
    "DynamoDB": "PutItem GetItem UpdateItem DeleteItem Query Scan BatchWriteItem "
    "BatchGetItem DescribeTable CreateTable",
    "IAM": "ListUsers CreateUser DeleteUser ListRoles CreateRole PassRole GetRole "
    "AttachRolePolicy PutRolePolicy ListAttachedRolePolicies CreateAccessKey",
    "SNS": "Publish Subscribe CreateTopic",
    "SQS": "SendMessage ReceiveMessage DeleteMessage GetQueueUrl",
    "Lambda": "Invoke GetFunction CreateFunction UpdateFunctionCode",
    "Secrets Manager": "GetSecretValue PutSecretValue",
    "SSM": "GetParameter GetParameters GetParametersByPath PutParameter",
    "CloudTrail": "LookupEvents",
}.items():
    for _api in _apis.split():
        _API_SERVICE[_api] = _service


def guess_service(api: str | None, resource: str | None = None) -> str | None:
    """The service of a call known only by its API name (or its resource's ARN)."""
    if api in _API_SERVICE:
        return _API_SERVICE[api]
    if resource and resource.startswith("arn:"):
        parts = resource.split(":")
        if len(parts) > 2 and parts[2]:
            return parts[2]
    return None


def service_prefix(service: str | None) -> str | None:
    if not service:
        return None
    key = service.strip().lower()
    if key in SERVICE_PREFIXES:
        return SERVICE_PREFIXES[key]
    return key.replace(" ", "")


def iam_actions(service: str | None, api: str | None) -> list[str]:
    """IAM actions a call to `api` of `service` needs, best first; [] if unknown."""
    if not service or not api:
        return []
    from .. import catalog

    try:
        found = list(catalog.iam_actions_for_api(service, api))
    except Exception:  # unreadable generated tables must not hide the diagnosis
        found = []
    if found:
        return found
    prefix = service_prefix(service)
    if prefix is None:
        return []
    if (prefix, api) in API_ACTIONS:
        return list(API_ACTIONS[(prefix, api)])
    return [f"{prefix}:{api}"]
