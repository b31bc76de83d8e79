"""`awsguard exec [--profile P] [--server] [--] CMD …`: any program, with a checked identity."""

from __future__ import annotations

import argparse
import os
import shlex

NAME = "exec"
HELP = "run a command (or your shell) with a profile's credentials, after checking who they are"
DESCRIPTION = """\
Get the profile's credentials as the aws shim would (MFA and role sessions from
the keyring, SSO, credential_process, plain keys), show who they act as, apply
the account's rules from awsguard's config (a protected account asks on the
terminal; without one it refuses with 77 unless AWSGUARD_APPROVE names the
account), and then start CMD with them. Without CMD, starts $SHELL.

By default CMD gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION, AWS_REGION and AWS_DEFAULT_REGION, and no AWS_PROFILE;
awsguard replaces itself with CMD, so its exit status, signals and terminal are
CMD's. With --server, CMD instead gets AWS_CONTAINER_CREDENTIALS_FULL_URI and a
random AWS_CONTAINER_AUTHORIZATION_TOKEN: a credentials endpoint on 127.0.0.1
that awsguard serves while CMD runs, renewing the session as it nears its end,
so a run of hours never sees an expired token.

Examples:
  awsguard exec --profile prod --expect-account prod -- terraform apply
  awsguard exec --profile dev --server -- npx cdk deploy
  awsguard exec --profile sandbox            (a shell; `exit` to leave)
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="default: $AWS_PROFILE, else default")
    parser.add_argument(
        "--expect-account",
        metavar="ID|NAME",
        help="refuse (77) unless the identity is in this account (id, configured name or alias)",
    )
    parser.add_argument(
        "--server",
        action="store_true",
        help="serve renewing credentials on 127.0.0.1 instead of keys in the environment",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="CMD [ARGS …]")


def run(args: argparse.Namespace) -> int:
    from .. import handout, programs, realcli
    from ..errors import AwsguardError

    environ = dict(os.environ)
    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    shell = not command
    if shell:
        command = [environ.get("SHELL") or "/bin/sh"]
    path = programs.find(command[0], environ)  # before any code is asked for
    what = f"awsguard exec {shlex.join(command)}"
    if environ.get(handout.EXEC_PROFILE_VAR):
        handout.say(
            f"note: already inside `awsguard exec` for profile "
            f"{handout.shown(environ[handout.EXEC_PROFILE_VAR])}; this one replaces it."
        )
    renew = None
    if args.server:
        from .. import credserver

        renew = credserver.SERVE_AT_LEAST + 60
    out = handout.prepare(args.profile, args.expect_account, what, environ, renew)
    env = handout.env_with(environ, out.creds, out.region)
    env[handout.EXEC_PROFILE_VAR] = out.source.profile or "env"
    for var in (handout.EXEC_ACCOUNT_VAR, handout.EXEC_ARN_VAR, handout.EXEC_KEY_VAR):
        env.pop(var, None)
    if not args.server and env.get("AWS_ACCESS_KEY_ID"):
        from ..redact import mask_key

        env[handout.EXEC_KEY_VAR] = mask_key(env["AWS_ACCESS_KEY_ID"]) or ""
    if out.identity:
        env[handout.EXEC_ACCOUNT_VAR] = str(out.identity.get("account") or "")
        env[handout.EXEC_ARN_VAR] = str(out.identity.get("arn") or "")
    if shell:
        handout.say(f"starting {handout.shown(command[0])} with these credentials; "
                    "`exit` to leave.")
    if not args.server:
        realcli.exec_program(path, command, env)
        raise AwsguardError(f"could not start {command[0]}.")  # not reached
    return _run_with_server(out, path, command, env)


def _run_with_server(out, path: str, command: list[str], env: dict[str, str]) -> int:  # noqa: ANN001
    from .. import credserver, handout, realcli
    from ..errors import EXIT_REFUSED, AwsguardError
    from ..invocation import parse
    from ..resolve import resolve

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_CREDENTIAL_EXPIRATION"):
        env.pop(name, None)
    # The SDKs look at the default profile before a credentials endpoint: keys there
    # would silently win over the identity just checked.
    ahead = resolve(parse([]), env, out.source.files, 2)
    if ahead.source == "shared-credentials-file":
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        handout.say(
            f"the default profile's keys in {out.source.files.credentials_path} would come "
            "before the credentials server, so the command sees no credentials file "
            "(AWS_SHARED_CREDENTIALS_FILE=/dev/null)."
        )
    elif ahead.source not in (None, "container-role", "iam-role"):
        raise AwsguardError(
            f"refused: the default profile gets credentials from {ahead.source} "
            f"({handout.shown(ahead.source_reason)}), and the AWS SDKs use those before a "
            "credentials server: the command would not act as the identity checked. Run "
            "without --server (keys in the environment), or move the default profile's "
            "credentials into a named profile.",
            exit_code=EXIT_REFUSED,
        )
    server = credserver.CredentialsServer(out.source.current, initial=out.creds)
    with server:
        env.update(server.child_env())
        status = realcli.run_program(path, command, env)
    return realcli.exit_like(status)
