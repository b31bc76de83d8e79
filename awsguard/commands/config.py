"""`awsguard config`: the effective confirmation rules and where each comes from."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..redact import json_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..rules import Config
    from ..situation import Situation

NAME = "config"
HELP = "show the effective confirmation rules and where each one comes from"
DESCRIPTION = """\
Show the rules the shim uses to decide when to ask before a command runs, read
from ${XDG_CONFIG_HOME:-~/.config}/awsguard/config.toml (or $AWSGUARD_CONFIG),
with where each one comes from (the file and table, or the built-in default).

  awsguard config                         the rules, most specific first
  awsguard config --json                  the same as one JSON object
  awsguard config -- s3 rb s3://b         which rule decides this aws command
                                          (and for which profile; accounts only
                                          match once the shim knows the identity)

A file that is not valid TOML is reported with its line and column, and the
command exits 1; the shim then refuses commands that need a confirmation.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "argv",
        nargs=argparse.REMAINDER,
        metavar="-- AWS_ARGV",
        help="an aws command line: show the decision for it",
    )


def describe(config: Config) -> dict[str, Any]:
    from ..rules import CONFLICT_ACTIONS, DEFAULT_CONFLICT_ACTION, RISKS

    return {
        "file": str(config.path),
        "exists": config.exists,
        "risk": {
            risk: {"confirm": config.risk_levels[risk], "from": config.risk_origins[risk]}
            for risk in RISKS
        },
        "accounts": [
            {
                "account": a.id,
                "name": a.name,
                "protected": a.protected,
                "confirm": a.level,
                "from": f'[accounts."{a.id}"]',
            }
            for a in config.accounts.values()
        ],
        "rules": [
            {
                "match": rule.selectors(),
                "confirm": rule.level,
                "rank": rule.tier,
                "from": rule.origin,
            }
            for rule in config.all_rules()
        ],
        "conflicts": {
            "default": config.conflicts.get("default", DEFAULT_CONFLICT_ACTION),
            "codes": {k: v for k, v in config.conflicts.items() if k != "default"},
            "choices": list(CONFLICT_ACTIONS),
        },
    }


def _decision_for(situation: Situation) -> dict[str, Any]:
    from ..risk import classify

    classification = classify(situation.invocation)
    resolution = situation.resolution
    decision = situation.config.plan(classification, resolution, None, situation.invocation)
    return {
        "argv": list(situation.argv),
        "risk": classification.risk.value,
        "operation": classification.operation,
        "action": classification.action,
        "profile": resolution.profile,
        "confirm": decision.level,
        "because": decision.because,
        "depends_on_account": decision.identity_needed,
    }


def _print_table(report: dict[str, Any]) -> None:
    state = "" if report["exists"] else "  (not found: built-in defaults)"
    print(f"config file  {report['file']}{state}")
    print()
    print("by risk")
    for risk, row in report["risk"].items():
        print(f"  {risk:<12} {row['confirm']:<8} {row['from']}")
    if report["accounts"]:
        print()
        print("accounts")
        for a in report["accounts"]:
            tag = "protected" if a["protected"] else ""
            print(
                f"  {a['account']}  {a['name'] or '-':<16} {tag:<10} "
                f"{a['confirm'] or '(name only)':<12} {a['from']}"
            )
    print()
    print("rules (most specific first; within a rank the stricter wins)")
    if not report["rules"]:
        print("  (none)")
    for rule in report["rules"]:
        print(f"  {rule['confirm']:<8} {rule['match']:<50} {rule['from']}")
    conflicts = report["conflicts"]
    print()
    print(f"conflicts    default {conflicts['default']}")
    for code, action in sorted(conflicts["codes"].items()):
        print(f"  {code:<30} {action}")


def run(args: argparse.Namespace) -> int:
    from ..situation import Situation

    argv = list(args.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if argv[-1:] == ["--json"]:
        argv, args.json = argv[:-1], True
    if argv[:1] == ["aws"]:
        argv = argv[1:]
    situation = Situation(os.environ, argv or ("sts", "get-caller-identity"))
    config = situation.config
    config.raise_for_error()
    if argv:
        decision = _decision_for(situation)
        if args.json:
            print(json_text(decision, indent=2))
        else:
            print(f"{decision['risk']} ({decision['operation']}) -> {decision['confirm']}")
            print(f"  because {decision['because']}")
            if decision["depends_on_account"]:
                print("  (an account rule may change this once the identity is known)")
        return 0
    report = describe(config)
    if args.json:
        print(json_text(report, indent=2))
    else:
        _print_table(report)
    return 0
