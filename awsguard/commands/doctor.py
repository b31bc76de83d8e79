"""`awsguard doctor`: the whole authentication and authorization checklist in one command."""

from __future__ import annotations

import argparse
import os
import sys

from ..redact import json_text

NAME = "doctor"
HELP = "check the shim, environment, profile, files, credentials, expiry, clock, network, keyring"
DESCRIPTION = """\
Run, in order, every check of the usual AWS CLI troubleshooting path and say
what is wrong and how to fix it:

  shim         the first `aws` on PATH is the awsguard shim; the real CLI (path,
               version, v1/v2) is found; no loop
  env          every AWS_* variable (secrets hidden), precedence conflicts
  profile      the effective profile, credential source and why; the region
  files        config and credentials files: parse errors, permissions, plaintext keys
  credentials  STS GetCallerIdentity with exactly the CLI's credentials
  expiry       environment credentials, awsguard sessions, the SSO token cache
  clock        skew against AWS's clock (from the STS answer)
  network      proxies, AWS_CA_BUNDLE, endpoint overrides, FIPS / dual-stack
  keyring      the OS keyring backend can store and read a test secret
  rules        what awsguard will ask before destructive, permissions and write commands

Exit status 0 when nothing failed, 1 when a check failed.

  awsguard doctor                      as `aws ...` would run now
  awsguard doctor --profile prod       as `aws --profile prod ...` would run
  awsguard doctor --json               {"checks": [...], "status": ...} on stdout
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="as the CLI's --profile")
    parser.add_argument("--region", help="as the CLI's --region")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--offline", action="store_true", help="skip the STS call (and so the clock check)"
    )
    parser.add_argument(
        "--no-keyring", action="store_true", help="skip the keyring store/read test"
    )
    parser.add_argument(
        "--brief", action="store_true", help="show evidence only for warnings and failures"
    )


def run(args: argparse.Namespace) -> int:
    from .. import doctor

    environ = dict(os.environ)
    options = doctor.Options(
        profile=args.profile,
        region=args.region,
        online=not args.offline,
        keyring=not args.no_keyring,
    )
    report = doctor.run_doctor(environ, options)
    if args.json:
        print(json_text(report.as_dict(), indent=2))
    else:
        colour = doctor.use_colour(environ, sys.stdout.isatty())
        sys.stdout.write(doctor.format_report(report, colour=colour, verbose=not args.brief))
    sys.stdout.flush()
    return report.exit_code
