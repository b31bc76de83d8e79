"""`awsguard whoami`: who the AWS CLI will act as, where each value comes from, what conflicts."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from ..errors import AwsguardError

NAME = "whoami"
HELP = "who the AWS CLI will act as and why (offline; --online asks STS)"
DESCRIPTION = """\
Predict, without a network call, the profile, credential source, access key id
(masked), region and endpoint the AWS CLI will use for the same options and
environment, with where each value comes from and every conflict in the setup.

  awsguard whoami                      as `aws sts get-caller-identity` would run
  awsguard whoami --profile prod       as `aws --profile prod ...` would run
  awsguard whoami --online             also ask STS GetCallerIdentity
  awsguard whoami --json               one JSON object on stdout
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="as the CLI's --profile")
    parser.add_argument("--region", help="as the CLI's --region")
    parser.add_argument("--endpoint-url", help="as the CLI's --endpoint-url")
    parser.add_argument(
        "--online",
        action="store_true",
        help="call STS GetCallerIdentity with the credentials the CLI would use",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _real_cli(environ: Mapping[str, str]) -> tuple[Any, str | None]:
    """(the real CLI or None, note when we had to assume)."""
    from ..realcli import RealCliNotFound, find_real_cli, identify

    try:
        path = find_real_cli(environ)
    except RealCliNotFound:
        return None, "no real AWS CLI found: assuming AWS CLI v1 (botocore) precedence"
    return identify(path, environ), None


def _argv(args: argparse.Namespace) -> list[str]:
    argv = ["sts", "get-caller-identity"]
    for option, value in (
        ("--profile", args.profile),
        ("--region", args.region),
        ("--endpoint-url", args.endpoint_url),
    ):
        if value is not None:
            argv += [option, value]
    return argv


def online_identity(
    args: argparse.Namespace, cli_major: int, region: str | None, endpoint: str | None = None
) -> tuple[dict[str, str], str | None]:
    """STS GetCallerIdentity exactly as the CLI would call it; (identity, botocore's method)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ..clisession import cli_session, use_cli_cache

    session = cli_session(args.profile, args.region, cli_major)
    # Exactly the endpoint the real CLI's version uses: awsguard's botocore may read
    # settings (AWS_ENDPOINT_URL, endpoint_url) that the real CLI does not.
    session.set_config_variable("ignore_configured_endpoint_urls", True)
    try:
        use_cli_cache(session)
        creds = session.get_credentials()
        method = creds.method if creds else None
        client = session.create_client(
            "sts", region_name=region or None, endpoint_url=args.endpoint_url or endpoint
        )
        answer = client.get_caller_identity()
    except (BotoCoreError, ClientError) as err:
        raise AwsguardError(
            f"STS GetCallerIdentity failed: {err}. The offline prediction above shows "
            "which profile and credentials were tried; fix them, or run without --online."
        ) from None
    identity = {
        "account": answer.get("Account", ""),
        "arn": answer.get("Arn", ""),
        "user_id": answer.get("UserId", ""),
    }
    return identity, method


def _rows(res: Any, cli_path: str | None, files: Any) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    cli_type = res.cli_version or f"v{res.cli_major}"
    rows.append(("cli", cli_path or "(not found)", cli_type, "assumed" if not cli_path else ""))
    if res.profile_from in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        profile_type, profile_loc = "env", res.profile_from
    elif res.profile_from == "--profile":
        profile_type, profile_loc = "option", "--profile"
    else:
        profile_type, profile_loc = "default", ""
    rows.append(("profile", res.profile, profile_type, profile_loc))
    rows.append(("source", res.source or "(none)", "", res.source_location or ""))
    rows.append(("why", res.source_reason, "", ""))
    if res.access_key_id:
        rows.append(("access_key", res.access_key_id, res.source or "", res.source_location or ""))
    elif res.source:
        rows.append(("access_key", "(known only after the call)", res.source, ""))
    if res.role_arn:
        rows.append(("role_arn", res.role_arn, "profile", res.profile))
        if res.source_profile:
            rows.append(("source_profile", res.source_profile, "profile", ""))
        if res.credential_source:
            rows.append(("credential_source", res.credential_source, "profile", ""))
        if res.base_source:
            base = res.base_access_key_id or ""
            rows.append(("base", f"{res.base_source} {base}".strip(), "", res.base_profile or ""))
        if len(res.role_chain) > 1:
            rows.append(("role_chain", " -> ".join(res.role_chain), "", ""))
    if res.mfa_serial:
        rows.append(("mfa_serial", res.mfa_serial, "profile", ""))
    if res.sso_start_url or res.sso_session:
        rows.append(("sso", res.sso_session or res.sso_start_url or "", "profile", ""))
    if res.credential_process:
        rows.append(("credential_process", res.credential_process, "profile", ""))
    region_type = {"--region": "option", "profile": "config-file"}.get(
        res.region_from or "", "env" if res.region_from else ""
    )
    region_loc = res.region_location or (res.region_from if region_type == "env" else "")
    rows.append(("region", res.region or "(none)", region_type, region_loc or ""))
    if res.endpoint_url:
        rows.append(("endpoint_url", res.endpoint_url, "", res.endpoint_url_from or ""))
    if res.sts_endpoint_url and res.sts_endpoint_url != res.endpoint_url:
        rows.append(("sts_endpoint", res.sts_endpoint_url, "", res.sts_endpoint_url_from or ""))
    for setting in res.ignored_settings:
        rows.append(("ignored", setting, res.cli_version or f"v{res.cli_major}", ""))
    if res.expires_at:
        rows.append(("expires", res.expires_at, "", res.expires_from or ""))
    return rows


def format_report(res: Any, cli_path: str | None, files: Any, identity: dict | None) -> str:
    rows = _rows(res, cli_path, files)
    if identity:
        rows += [
            ("account", identity["account"], "sts", "GetCallerIdentity"),
            ("arn", identity["arn"], "sts", "GetCallerIdentity"),
            ("user_id", identity["user_id"], "sts", "GetCallerIdentity"),
        ]
    header = ("Name", "Value", "Type", "Location")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = []
    for row in [header, tuple("-" * len(h) for h in header), *rows]:
        name, value, kind, location = row
        line = f"{name:>{widths[0]}}  {value:<{widths[1]}}  {kind:<{widths[2]}}  {location}"
        lines.append(line.rstrip())
    lines.append("")
    if res.conflicts:
        lines.append("Conflicts:")
        for conflict in res.conflicts:
            lines.append(f"  [{conflict.code}] {conflict.message}")
            lines.append(f"      fix: {conflict.fix}")
    else:
        lines.append("No conflicts.")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from ..awsconfig import load_files
    from ..invocation import parse
    from ..resolve import resolve

    environ = os.environ
    cli, note = _real_cli(environ)
    major = cli.major if cli is not None else 1
    cli_path = cli.path if cli is not None else None
    if note and not args.json:
        print(f"awsguard: {note}", file=sys.stderr)
    files = load_files(environ)
    res = resolve(
        parse(_argv(args)), environ, files, major,
        cli_version=cli.version if cli is not None else None,
    )

    identity = None
    if args.online:
        identity, method = online_identity(args, major, res.region, res.sts_endpoint_url)
        if method != res.source:
            print(
                f"awsguard: botocore chose credentials from {method}, awsguard predicted "
                f"{res.source}; please report this with `awsguard whoami --json`",
                file=sys.stderr,
            )

    if args.json:
        out = res.as_dict()
        out["cli_path"] = cli_path
        if identity is not None:
            out["identity"] = identity
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(format_report(res, cli_path, files, identity))
    return 0
