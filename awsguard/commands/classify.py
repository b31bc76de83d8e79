"""`awsguard classify -- <aws argv...>`: how the shim classifies an `aws` command."""

from __future__ import annotations

import argparse

from ..errors import EXIT_USAGE, AwsguardError
from ..redact import json_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NAME = "classify"
HELP = "show the risk (read, write, permissions, destructive, exposure, ...) of an aws command"
DESCRIPTION = """\
Show how the shim classifies an `aws` command, without running it: the risk
(read, write, permissions, destructive, exposure, execute, audit-off or
interactive), the API operation or high-level command, the IAM action, and why.
The parameters count: `s3 cp f s3://b/k --acl public-read` is exposure,
`ecs update-service --desired-count 0` destructive. Every risk but read and
write needs a confirmation by default.

  awsguard classify -- s3 rb s3://my-bucket --force
  awsguard classify --json -- ec2 terminate-instances --instance-ids i-123
  awsguard classify -- route53 change-resource-record-sets --cli-input-json file://c.json

With --json: one object {"risk", "service", "operation", "action", "reason"}.
A --json at the very end of the command line counts as awsguard's option too.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "argv",
        nargs=argparse.REMAINDER,
        metavar="-- AWS_ARGV",
        help="the aws command line, without `aws` itself",
    )


def _classify_as_the_shim_would(argv: list[str]) -> Any:
    """Parsed for the real CLI's major version with your aliases, and for `configure
    set` with your AWS config files, as the shim reads them."""
    import os

    from .. import awsconfig, realcli
    from ..invocation import parse
    from ..risk import classify

    environ = dict(os.environ)
    try:
        cli = realcli.identify(realcli.find_real_cli(environ), environ, probe=False)
        major, version = cli.major, cli.version
    except realcli.RealCliNotFound:
        major, version = 1, None
    invocation = parse(argv, major=major, version=version, environ=environ)
    files = awsconfig.load_files(environ) if invocation.service == "configure" else None
    result = classify(invocation, files, environ)
    # Service models the CLI loads from outside its package make any command anything:
    # the shim confirms it whatever its name says (guard._foreign_models), and so here.
    from ..guard import _foreign_models
    from ..risk import Classification, Risk

    where = _foreign_models(invocation, environ)
    if where is None and invocation.service is not None:
        from ..resolve import resolve

        files = files or awsconfig.load_files(environ)
        profile = resolve(invocation, environ, files, major, cli_version=version).profile
        data_path = str((files.profile(profile) if profile else {}).get("data_path") or "")
        where = _foreign_models(invocation, environ, data_path.strip()) if data_path else None
    if where is not None:
        result = Classification(
            Risk.DESTRUCTIVE,
            invocation.service,
            result.operation,
            result.action,
            f"the AWS CLI loads this service's model from {where}, not from its own "
            "package: awsguard cannot tell what this command calls",
        )
    return result


def run(args: argparse.Namespace) -> int:
    argv = list(args.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    as_json = args.json
    if argv[-1:] == ["--json"]:
        argv = argv[:-1]
        as_json = True
    if argv[:1] == ["aws"]:
        argv = argv[1:]
    if not argv:
        raise AwsguardError(
            "classify needs an aws command line after `--`, for example "
            "`awsguard classify -- s3 rm s3://bucket/key`.",
            exit_code=EXIT_USAGE,
        )
    result = _classify_as_the_shim_would(argv)
    if as_json:
        print(
            json_text(
                {
                    "risk": result.risk.value,
                    "service": result.service,
                    "operation": result.operation,
                    "action": result.action,
                    "reason": result.reason,
                }
            )
        )
    else:
        print(f"risk:      {result.risk.value}")
        print(f"service:   {result.service or '-'}")
        print(f"operation: {result.operation or '-'}")
        print(f"action:    {result.action or '-'}")
        print(f"reason:    {result.reason}")
    return 0
