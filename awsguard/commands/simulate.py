"""`awsguard simulate`: evaluate IAM's policy logic locally and name the deciding statement."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import AwsguardError
from ..redact import json_text

NAME = "simulate"
HELP = "evaluate a request against IAM policies locally and name the deciding statement"
DESCRIPTION = """\
Evaluate one request (principal, action, resource, context) against the policies
that apply to it, following AWS's documented evaluation logic, and say which
layer and which statement decided.

  awsguard simulate --input request.json [--json] [--strict]
  awsguard simulate --action s3:GetObject --resource arn:aws:s3:::bucket/key \\
      --principal arn:aws:iam::111122223333:user/alice --policy identity.json \\
      --resource-policy bucket.json --context aws:SourceIp=10.0.0.1
  awsguard simulate --action s3:GetObject --resource arn:aws:s3:::bucket/key
      (no policy given: read them from AWS for the current identity)

The input schema, flags and JSON output are described in README.md.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", metavar="FILE", help="one JSON document: request + policies")
    parser.add_argument("--action", help="the IAM action, e.g. s3:GetObject")
    parser.add_argument("--resource", help="the resource ARN (default *)")
    parser.add_argument("--principal", help="the caller's ARN (online: default current identity)")
    parser.add_argument("--resource-account", help="the account that owns the resource")
    parser.add_argument("--policy", action="append", default=[], metavar="FILE",
                        help="identity-based policy (repeat for several)")
    parser.add_argument("--resource-policy", metavar="FILE", help="resource-based policy")
    parser.add_argument("--boundary", action="append", default=[], metavar="FILE",
                        help="permissions boundary")
    parser.add_argument("--session-policy", metavar="FILE", help="session policy")
    parser.add_argument("--scp", action="append", default=[], metavar="FILE",
                        help="one organization level of SCPs, root first (repeat per level)")
    parser.add_argument("--rcp", action="append", default=[], metavar="FILE",
                        help="one organization level of RCPs, root first (repeat per level)")
    parser.add_argument("--vpc-endpoint-policy", metavar="FILE", help="VPC endpoint policy")
    parser.add_argument("--context", action="append", default=[], metavar="KEY=VALUE",
                        help="request context value; repeat a key for a multivalued key")
    parser.add_argument("--strict", action="store_true",
                        help="fail (exit 1) when a policy holds anything AWS would refuse to "
                             "store, instead of evaluating it with a warning")
    parser.add_argument("--no-lint", action="store_true", help="do not lint the policies")
    parser.add_argument("--no-compare", action="store_true",
                        help="online: do not ask IAM SimulatePrincipalPolicy")
    parser.add_argument("--json", action="store_true", help="print JSON for machines")


def _context(pairs: list[str]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise AwsguardError(f"--context {pair!r} is not KEY=VALUE (for example "
                                "aws:SourceIp=203.0.113.7)")
        if key in context:
            previous = context[key]
            context[key] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            context[key] = value
    return context


def _shorthand_document(args: argparse.Namespace) -> dict[str, Any]:
    from ..policy.load import read_json

    def named(path: str) -> dict[str, Any]:
        return {"name": path, "document": read_json(path, "policy file")}

    def level(path: str) -> list[dict[str, Any]]:
        raw = read_json(path, "policy file")
        items = raw if isinstance(raw, list) else [raw]
        return [{"name": f"{path}[{i}]" if len(items) > 1 else path, "document": item}
                if not (isinstance(item, dict) and "document" in item) else item
                for i, item in enumerate(items)]

    request: dict[str, Any] = {"principal": args.principal, "action": args.action,
                               "resource": args.resource or "*",
                               "context": _context(args.context)}
    if args.resource_account:
        request["resource_account"] = args.resource_account
    document: dict[str, Any] = {
        "request": request,
        "identity_policies": [named(p) for p in args.policy],
        "permission_boundaries": [named(p) for p in args.boundary],
    }
    if args.resource_policy:
        document["resource_policy"] = named(args.resource_policy)
    if args.session_policy:
        document["session_policy"] = named(args.session_policy)
    if args.vpc_endpoint_policy:
        document["vpc_endpoint_policy"] = named(args.vpc_endpoint_policy)
    if args.scp:
        document["scps"] = [level(p) for p in args.scp]
    if args.rcp:
        document["rcps"] = [level(p) for p in args.rcp]
    return document


def _has_policy_flags(args: argparse.Namespace) -> bool:
    return bool(args.policy or args.resource_policy or args.boundary or args.session_policy
                or args.scp or args.rcp or args.vpc_endpoint_policy)


def run(args: argparse.Namespace) -> int:
    from ..policy.evaluate import evaluate
    from ..policy.load import load_input, parse_input

    report: dict[str, Any] = {}
    if args.input:
        if _has_policy_flags(args) or args.action:
            raise AwsguardError("--input already holds the request and the policies; drop the "
                                "--action/--policy flags, or drop --input")
        given = load_input(args.input)
    elif not args.action:
        raise AwsguardError("say what to simulate: --input FILE, or --action ACTION "
                            "[--resource ARN] with --policy FILE… (or no policy to read them "
                            "from AWS)")
    elif _has_policy_flags(args):
        if not args.principal:
            from ..policy.arn import account_of

            account = args.resource_account or account_of(args.resource or "") or "123456789012"
            args.principal = f"arn:aws:iam::{account}:user/simulated-user"
            report.setdefault("warnings", []).append(
                f"no --principal given: simulating {args.principal}")
        given = parse_input(_shorthand_document(args))
    else:
        from ..policy.online import gather

        gathered = gather(args.action, args.resource or "*", args.principal,
                          _context(args.context), args.resource_account)
        given = gathered.input
        report["online"] = gathered.to_json()

    result = evaluate(given)
    if args.strict and result.validation:
        raise AwsguardError(
            "--strict: AWS would refuse to store these policies as written:\n"
            + "\n".join(f"  - {w.describe()}" for w in result.validation)
            + "\nFix them, or drop --strict to evaluate them as written.")
    output = result.to_json()
    output["warnings"] = [*report.get("warnings", []), *output["warnings"]]
    if not args.no_lint:
        from ..policy.lint import lint_policies

        output["warnings"].extend(f.describe() for f in lint_policies(given.all_policies()))
    if "online" in report:
        online = report["online"]
        if not args.no_compare:
            from ..policy.online import compare_with_iam

            online["iam_simulation"] = compare_with_iam(
                given.request, result.decision.value)
        output["online"] = online
        for item in online.get("unreadable", []):
            output["warnings"].append(f"could not read {item['what']}: {item['why']}; the "
                                      "result does not account for it")
    if args.json:
        print(json_text(output, indent=2))
    else:
        print(format_report(output, given.request))
    return 0


def format_report(output: dict[str, Any], request: Any) -> str:
    lines = [f"Request:  {request.principal} -> {request.action} on {request.resource}",
             f"Decision: {output['decision']}"
             + (f"  (blocked by: {', '.join(output['blocked_by'])})" if output["blocked_by"]
                else "")]
    lines.append("")
    lines.append(output["explanation"])
    if output["statements"]:
        title = "Deciding statements" if output["decision"] != "implicit-deny" \
            else "Closest statements (conditions not met)"
        lines.append("")
        lines.append(f"{title}:")
        for ref in output["statements"]:
            where = f"{ref['layer']} policy {ref['policy']!r}"
            if ref["level"] is not None:
                where += f" level {ref['level'] + 1}"
            lines.append(f"  - {ref['effect']} {ref['statement']} in {where}")
            for failure in ref["condition_failures"]:
                got = ("missing" if failure["request_values"] is None
                       else ", ".join(failure["request_values"]))
                lines.append(f"      {failure['operator']} {failure['key']} "
                             f"[{', '.join(failure['policy_values'])}]: request has {got}")
    online = output.get("online")
    if online:
        lines.append("")
        lines.append("Read from AWS: " + (", ".join(online["read"]) or "nothing"))
        iam = online.get("iam_simulation")
        if iam:
            lines.append(f"IAM SimulatePrincipalPolicy: {iam.get('decision') or iam.get('error')}"
                         + (" (differs from the local result)" if iam.get("differs") else ""))
    if output["warnings"]:
        lines.append("")
        lines.append("Warnings:")
        lines.extend(f"  - {w}" for w in output["warnings"])
    return "\n".join(lines)
