"""`awsguard export [--profile P] [--format F]`: a profile's session as text to eval or save."""

from __future__ import annotations

import argparse
import os
import sys

from ..redact import json_text

NAME = "export"
HELP = "print a profile's checked credentials as shell, dotenv, JSON or credential_process text"
DESCRIPTION = """\
Get the profile's credentials as `awsguard exec` does (who they act as is shown,
and the account's rules apply: a protected account asks first), then print them:

  env         export AWS_ACCESS_KEY_ID=… lines for sh, bash, zsh (eval "$(…)")
  fish        set -gx lines (… | source)
  powershell  $env:AWS_ACCESS_KEY_ID = '…' lines (… | Invoke-Expression)
  dotenv      KEY="value" lines for a .env file
  json        the variables as one JSON object
  process     the credential_process JSON (Version 1, with Expiration)

The output holds secrets: on a terminal a warning goes to stderr first. The shell
formats also unset AWS_PROFILE and AWS_DEFAULT_PROFILE, which would otherwise
make some SDKs ignore the keys.
"""

FORMATS = ("env", "fish", "powershell", "dotenv", "json", "process")
UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="default: $AWS_PROFILE, else default")
    parser.add_argument("--format", choices=FORMATS, default="env")
    parser.add_argument(
        "--expect-account",
        metavar="ID|NAME",
        help="refuse (77) unless the identity is in this account (id, configured name or alias)",
    )


def _sh(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _fish(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _powershell(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _dotenv(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def render(variables: dict[str, str], fmt: str, document: dict[str, object]) -> str:
    """The text for `fmt` (pure: the tests call it with plain dicts)."""
    if fmt == "process":
        return json_text(document, indent=1) + "\n"
    if fmt == "json":
        return json_text(variables, indent=1) + "\n"
    lines: list[str] = []
    if fmt == "env":
        lines += [f"export {k}={_sh(v)}" for k, v in variables.items()]
        lines.append("unset " + " ".join(UNSET))
    elif fmt == "fish":
        lines += [f"set -gx {k} {_fish(v)}" for k, v in variables.items()]
        lines += [f"set -e {k}" for k in UNSET]
    elif fmt == "powershell":
        lines += [f"$env:{k} = {_powershell(v)}" for k, v in variables.items()]
        lines += [f"Remove-Item Env:{k} -ErrorAction SilentlyContinue" for k in UNSET]
    else:  # dotenv
        lines += [f"{k}={_dotenv(v)}" for k, v in variables.items()]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from .. import handout

    environ = dict(os.environ)
    what = f"awsguard export --format {args.format}"
    out = handout.prepare(args.profile, args.expect_account, what, environ)
    creds = out.creds
    variables = creds.env()
    if out.region:
        variables["AWS_REGION"] = out.region
        variables["AWS_DEFAULT_REGION"] = out.region
    if sys.stdout.isatty():
        handout.say(
            "warning: the output holds secret credentials; it is meant for eval or a file "
            "only you can read, not for a screen, a log or a chat."
        )
    sys.stdout.write(render(variables, args.format, creds.process_document()))
    return 0
