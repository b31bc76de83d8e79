"""`awsguard whoami`: who the AWS CLI will act as, where each value comes from, what conflicts."""

from __future__ import annotations

import argparse
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


def online_identity(
    args: argparse.Namespace,
    cli_major: int,
    region: str | None,
    endpoint: str | None = None,
    given: Any = None,
) -> tuple[dict[str, str], str | None]:
    """STS GetCallerIdentity exactly as the CLI would call it; (identity, botocore's method).
    `given`: the session credentials the shim would hand the CLI (sessions.ChildCredentials)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ..clisession import cli_session, use_cli_cache

    session = cli_session(args.profile, args.region, cli_major)
    # Exactly the endpoint the real CLI's version uses: awsguard's botocore may read
    # settings (AWS_ENDPOINT_URL, endpoint_url) that the real CLI does not.
    session.set_config_variable("ignore_configured_endpoint_urls", True)
    try:
        keys: dict[str, Any] = {}
        if given is not None:
            method: str | None = f"awsguard-{given.source}"
            keys = {
                "aws_access_key_id": given.access_key_id,
                "aws_secret_access_key": given.secret_access_key,
                "aws_session_token": given.session_token,
            }
        else:
            use_cli_cache(session, read_only=True)  # the CLI's caches: read, never written
            creds = session.get_credentials()
            method = creds.method if creds else None
        client = session.create_client(
            "sts", region_name=region or None, endpoint_url=args.endpoint_url or endpoint, **keys
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


class ShimSession:
    """What the shim hands the CLI instead of the profile's own credentials: the MFA or
    role session awsguard manages for this profile (guard.Pipeline.sessions)."""

    def __init__(self, source: str, root: str, mfa_serial: str, session: Any) -> None:
        self.source = source  # awsguard-mfa-session | awsguard-role-session
        self.root = root  # the profile holding the long-term key
        self.mfa_serial = mfa_serial
        self.session = session  # sessions.SessionInfo from the vault index, or None


def shim_fields(shim: ShimSession | None) -> dict[str, object]:
    """The JSON keys of the substitution (all null when the shim substitutes nothing)."""
    info = shim.session if shim is not None else None
    return {
        "shim_source": shim.source if shim is not None else None,
        "shim_root_profile": shim.root if shim is not None else None,
        "shim_session_expires_at": info.to_json()["expiration"] if info else None,
        "shim_session_access_key_id": info.access_key_id if info else None,
    }


def shim_session(res: Any, files: Any, environ: Mapping[str, str]) -> ShimSession | None:
    """The session the shim substitutes for `res`'s profile, or None (the same test as
    guard.Pipeline.sessions: environment keys win, else the profile's chain)."""
    if not res.profile or res.source == "env":
        return None
    from ..sessionplan import plan_chain

    chain = plan_chain(res.profile, files, environ)
    if chain is None or not (chain.roles or chain.mfa_serial):
        return None  # nothing, or only the keyring's key (shown as custom-process)
    from ..sessions import list_sessions

    best = None
    for info in list_sessions(environ):
        if chain.roles:
            wanted = info.kind == "role" and info.role_arn == chain.roles[-1].role_arn
            wanted = wanted and info.profile == res.profile
        else:
            wanted = info.kind == "mfa" and info.mfa_serial == chain.mfa_serial
        if wanted and info.seconds_left > 0 and (best is None or info.expiration > best.expiration):
            best = info
    source = "awsguard-role-session" if chain.roles else "awsguard-mfa-session"
    return ShimSession(source, chain.root, chain.mfa_serial, best)


Row = tuple[str, str, str, str]  # Name, Value, Type, Location: `aws configure list`'s columns


def _setting_row(name: str, setting: Any, none: str = "(none)") -> Row:
    """One resolve.Setting as a row: the value, its kind and where it came from."""
    if setting is None:
        return (name, none, "", "")
    return (name, setting.value or none, setting.kind, setting.location or "")


def _source_rows(res: Any, shim: ShimSession | None) -> list[Row]:
    own = f"{res.source or '(none)'} {res.source_location or ''}".strip()
    if shim is None:
        rows = [("source", res.source or "(none)", "", res.source_location or "")]
        rows.append(("why", res.source_reason, "", ""))
        if res.access_key_id:
            rows.append(_setting_row("access_key", res.credentials))
        elif res.source:
            rows.append(("access_key", "(known only after the call)", res.source, ""))
        return rows
    rows = [
        ("source", shim.source, "shim", f"instead of the profile's {own}"),
        ("why", f"the shim hands the CLI the session awsguard keeps for {res.profile}", "", ""),
    ]
    info = shim.session
    if info is not None:
        rows.append(("access_key", info.access_key_id, shim.source, "awsguard session"))
        rows.append(("session", info.to_json()["expiration"], "expires", info.arn or ""))
    else:
        rows.append(
            ("access_key", f"(a new session's: `awsguard mfa {res.profile}`)", shim.source, "")
        )
    rows.append(("profile_source", res.source or "(none)", "", res.source_location or ""))
    rows.append(("profile_why", res.source_reason, "", ""))
    if res.access_key_id:
        rows.append(("profile_key", res.access_key_id, res.source or "", shim.root))
    return rows


def _rows(res: Any, cli_path: str | None, files: Any, shim: ShimSession | None = None) -> list[Row]:
    rows: list[Row] = []
    cli_type = res.cli_version or f"v{res.cli_major}"
    rows.append(("cli", cli_path or "(not found)", cli_type, "assumed" if not cli_path else ""))
    rows.append(_setting_row("profile", res.profile_setting))
    rows += _source_rows(res, shim)
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
    rows.append(_setting_row("region", res.region_setting))
    if res.endpoint_url:
        rows.append(_setting_row("endpoint_url", res.endpoint_setting))
    if res.sts_endpoint_url and res.sts_endpoint_url != res.endpoint_url:
        rows.append(_setting_row("sts_endpoint", res.sts_endpoint_setting))
    for setting in res.ignored_settings:
        rows.append(("ignored", setting, res.cli_version or f"v{res.cli_major}", ""))
    if res.expires_at:
        rows.append(_setting_row("expires", res.expiry))
    return rows


def format_report(
    res: Any,
    cli_path: str | None,
    files: Any,
    identity: dict | None,
    shim: ShimSession | None = None,
    conflicts: list | None = None,
) -> str:
    from ..redact import escape

    rows = _rows(res, cli_path, files, shim)
    if identity:
        rows += [
            ("account", identity["account"], "sts", "GetCallerIdentity"),
            ("arn", identity["arn"], "sts", "GetCallerIdentity"),
            ("user_id", identity["user_id"], "sts", "GetCallerIdentity"),
        ]
    header = ("Name", "Value", "Type", "Location")
    # Profile names, ARNs, paths and values come from outside: escaped before they are
    # measured and printed, so none of them can draw on the terminal.
    shown_rows = [tuple(escape(cell) for cell in row) for row in rows]
    widths = [max(len(r[i]) for r in [header, *shown_rows]) for i in range(3)]
    lines = []
    for row in [header, tuple("-" * len(h) for h in header), *shown_rows]:
        name, value, kind, location = row
        line = f"{name:>{widths[0]}}  {value:<{widths[1]}}  {kind:<{widths[2]}}  {location}"
        lines.append(line.rstrip())
    lines.append("")
    shown = res.conflicts if conflicts is None else conflicts
    if shown:
        lines.append("Conflicts:")
        for conflict in shown:
            lines.append(f"  [{escape(conflict.code)}] {escape(conflict.message)}")
            lines.append(f"      fix: {escape(conflict.fix)}")
    else:
        lines.append("No conflicts.")
    return "\n".join(lines) + "\n"


def _shim_credentials(res: Any, files: Any, environ: Mapping[str, str], cli: Any) -> Any:
    """The session the shim would hand the CLI: started or renewed as the shim would (a
    code is asked for on a terminal; without one, the shim's refusal is the error)."""
    from .. import sessions, tty
    from ..envfacts import in_ci

    version = (cli.major, cli.version) if cli is not None else None
    interactive = not in_ci(environ) and tty.has_terminal()
    return sessions.credentials_for(res.profile, files, environ, interactive, cli=version)


def run(args: argparse.Namespace) -> int:
    from ..redact import escape, json_text
    from ..situation import Situation

    environ = os.environ
    # The same Situation doctor and prompt start from (the real CLI, the files, config.toml).
    situation = Situation.for_options(environ, args.profile, args.region, args.endpoint_url)
    cli = situation.real_cli
    major = situation.cli_major
    cli_path = situation.cli_path
    if cli is None and not args.json:
        print(
            "awsguard: no real AWS CLI found: assuming AWS CLI v1 (botocore) precedence",
            file=sys.stderr,
        )
    files = situation.files
    res = situation.resolution

    shim = shim_session(res, files, environ)
    identity = None
    if args.online:
        given = _shim_credentials(res, files, environ, cli) if shim is not None else None
        identity, method = online_identity(
            args, major, res.region, res.sts_endpoint_url, given
        )
        if given is None and method != res.source:
            print(
                escape(
                    f"awsguard: botocore chose credentials from {method}, awsguard "
                    f"predicted {res.source}; please report this with `awsguard whoami --json`"
                ),
                file=sys.stderr,
            )

    if args.json:
        out = res.as_dict()
        out["cli_path"] = cli_path
        # config.toml's [conflicts] "off" silences a conflict here as in the shim, doctor
        # and the prompt; "shim" says whether the shim warns about it on each call.
        out["conflicts"] = situation.conflict_dicts()
        out["silenced_conflicts"] = situation.silenced
        out["imported"] = situation.imported
        out.update(shim_fields(shim))
        if identity is not None:
            out["identity"] = identity
        # Values from outside stay readable, but C0/C1 controls and bidi overrides are
        # \u escapes (redact.json_text): valid JSON either way, and terminals see text.
        print(json_text(out, indent=2))
    else:
        sys.stdout.write(
            format_report(res, cli_path, files, identity, shim, situation.conflicts)
        )
    return 0
