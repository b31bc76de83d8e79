"""`awsguard trail`: the current identity's recent failed calls, from CloudTrail."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from ..errors import AwsguardError
from ..redact import json_text

NAME = "trail"
HELP = "list the current identity's recent access failures from CloudTrail"
DESCRIPTION = """\
Look up CloudTrail event history (LookupEvents: management events of the last 90 days,
one region) for calls by the current identity that failed with AccessDenied*,
UnauthorizedOperation or Client.* errors. One line each: time, event source and name,
error, resource.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", default="1h", help="how far back: 30m, 1h, 2d or an ISO time")
    parser.add_argument("--profile", help="the profile to look up (and to call CloudTrail with)")
    parser.add_argument("--region", help="the CloudTrail region (default: the profile's)")
    parser.add_argument("--json", action="store_true", help="print the failures as JSON")
    parser.add_argument("--max", type=int, default=500, help="stop after reading this many events")


def make_clients(profile: str | None, region: str | None):
    """(sts, cloudtrail) clients and the access key id of the credentials in use."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile)
    except botocore.exceptions.ProfileNotFound as err:
        raise AwsguardError(f"{err}. List profiles with: aws configure list-profiles") from None
    region = region or session.region_name or "us-east-1"
    credentials = session.get_credentials()
    key_id = credentials.access_key if credentials else None
    return (
        session.client("sts", region_name=region),
        session.client("cloudtrail", region_name=region),
        key_id,
    )


def _lookup_attribute(arn: str, key_id: str | None) -> dict:
    from ..explain.advice import _trail_user

    user = _trail_user(arn)
    if user:
        return {"AttributeKey": "Username", "AttributeValue": user}
    if key_id:
        return {"AttributeKey": "AccessKeyId", "AttributeValue": key_id}
    raise AwsguardError(f"cannot tell CloudTrail's user name for {arn}.")


def lookup_failures(sts, cloudtrail, key_id: str | None, since: datetime, limit: int = 500):
    import botocore.exceptions

    from ..explain import trail

    try:
        arn = sts.get_caller_identity()["Arn"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        raise AwsguardError(
            f"cannot tell who you are (STS GetCallerIdentity failed: {err}); "
            "run `awsguard explain --message` on that error."
        ) from None
    attribute = _lookup_attribute(arn, key_id)
    events: list[dict] = []
    try:
        pages = cloudtrail.get_paginator("lookup_events").paginate(
            LookupAttributes=[attribute],
            StartTime=since,
            EndTime=datetime.now(timezone.utc),
        )
        for page in pages:
            events.extend(page.get("Events", []))
            if len(events) >= limit:
                break
    except botocore.exceptions.ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("AccessDenied", "AccessDeniedException"):
            raise AwsguardError(
                f"{arn} may not read CloudTrail event history: it needs cloudtrail:LookupEvents."
            ) from None
        raise AwsguardError(f"CloudTrail LookupEvents failed: {err}") from None
    except botocore.exceptions.BotoCoreError as err:
        raise AwsguardError(f"CloudTrail LookupEvents failed: {err}") from None
    return arn, trail.failures(events, caller_arn=arn)


def run(args: argparse.Namespace) -> int:
    from ..explain.failures import world_failures_in_one_line

    with world_failures_in_one_line("reading CloudTrail"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from ..explain import trail

    now = datetime.now(timezone.utc)
    try:
        since = trail.parse_since(args.since, now)
    except ValueError:
        raise AwsguardError(
            f"--since {args.since!r} is not a duration (30m, 1h, 2d, 1w) or an ISO time."
        ) from None
    sts, cloudtrail, key_id = make_clients(args.profile, args.region)
    arn, found = lookup_failures(sts, cloudtrail, key_id, since, args.max)
    if args.json:
        print(
            json_text(
                {
                    "principal": arn,
                    "since": since.isoformat(),
                    "failures": [f.as_dict() for f in found],
                },
                indent=2,
            )
        )
        return 0
    if not found:
        print(
            f"no access failures for {arn} since {since:%Y-%m-%d %H:%M}Z "
            "(CloudTrail event history lags by up to 15 minutes)"
        )
        return 0
    for failure in found:
        print(failure.line())
    return 0
