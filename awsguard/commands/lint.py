"""`awsguard lint`: ARN shapes an action can never match, and conditions that mislead."""

from __future__ import annotations

import argparse
import sys

from ..redact import json_text

NAME = "lint"
HELP = "check IAM policies for ARN shapes that never match and misleading conditions"
DESCRIPTION = """\
Check policy documents against the Service Authorization Reference: actions and
services that do not exist, resources an action can never match (s3:GetObject on
a bucket ARN), actions that only take Resource "*", Allow with NotAction or
NotResource, MFA conditions that miss long-term keys, and broad wildcards.
Exit status 1 when any finding is an error.

  awsguard lint policy.json [more.json ...] [--json]
"""

KINDS = ("auto", "identity", "resource", "trust", "permission-boundary", "session", "scp",
         "rcp", "vpc-endpoint")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="POLICY.json")
    parser.add_argument("--kind", choices=KINDS, default="auto",
                        help="policy type (auto: resource-based when a statement names a "
                             "Principal, else identity-based)")
    parser.add_argument("--json", action="store_true", help="print JSON for machines")


def _kind_of(document: object) -> str:
    statements = document.get("Statement") if isinstance(document, dict) else None
    statements = statements if isinstance(statements, list) else [statements]
    named = any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s)
                for s in statements)
    return "resource" if named else "identity"


def run(args: argparse.Namespace) -> int:
    from ..policy.lint import default_catalog, lint_policy
    from ..policy.load import read_json
    from ..policy.model import parse_policy

    catalog = default_catalog()
    findings = []
    for path in args.files:
        raw = read_json(path, "policy file")
        name = path
        if isinstance(raw, dict) and "document" in raw and "Statement" not in raw:
            name, raw = raw.get("name") or path, raw["document"]
        kind = _kind_of(raw) if args.kind == "auto" else args.kind
        findings.extend(lint_policy(parse_policy(raw, name, kind), catalog,
                                    use_catalog=catalog is not None))
    notes = [] if catalog is not None else [
        "the action catalog is not installed: action names and ARN shapes were not checked"]
    if args.json:
        print(json_text({"findings": [f.to_json() for f in findings], "notes": notes}, indent=2))
    else:
        for note in notes:
            print(f"awsguard: {note}", file=sys.stderr)
        if not findings:
            count = len(args.files)
            print(f"No findings in {count} polic{'y' if count == 1 else 'ies'}.")
        for finding in findings:
            print(finding.describe())
    if any(f.severity == "error" for f in findings):
        return 1
    return 0

