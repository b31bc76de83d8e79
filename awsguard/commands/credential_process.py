"""`awsguard credential-process PROFILE`: the profile's session for AWS SDKs, outside the shim."""

from __future__ import annotations

import os
import sys

from ..errors import EXIT_REFUSED, AwsguardError

# An SDK runs this for every client it builds (cli.py dispatches it before argparse):
# argparse, json, shutil and subprocess are imported only where they are needed.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

NAME = "credential-process"
HELP = "print a profile's credentials (MFA or role session, or keyring key) for AWS SDKs"
DESCRIPTION = """\
For `credential_process = /path/to/awsguard credential-process PROFILE` in an
AWS profile (what `awsguard import` writes): prints the JSON the AWS SDKs and
CLIs read from a credential process (Version 1). For a profile whose sessions
awsguard manages it is the MFA or role session the aws shim would use, renewed
when it nears its end, with its Expiration; otherwise the long-term key kept in
the keyring.

When a new MFA session needs a code: from `mfa_process` in awsguard's config,
else the terminal, else a graphical prompt (zenity, kdialog, or osascript on
macOS) when there is a display; otherwise it fails with one line saying to run
`awsguard mfa PROFILE`. It refuses to print to a terminal.
"""

GUI_TIMEOUT = 120


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("profile", metavar="PROFILE")


def run(args: argparse.Namespace) -> int:
    from .. import awsconfig
    from ..sessionplan import plan_chain

    if sys.stdout.isatty():
        raise AwsguardError(
            "awsguard credential-process prints a secret for an AWS SDK to read through a "
            "pipe; it does not print it to a terminal. Use `awsguard sessions` or "
            "`aws sts get-caller-identity` to see which key is in use."
        )
    environ = os.environ
    profile = args.profile
    files = awsconfig.load_files(environ)
    chain = plan_chain(profile, files, environ)
    quick = _key_straight_from_keyring(profile, chain, environ)
    if quick is not None:
        _print(quick)
        return 0
    from .. import sessions, tty, vault
    from ..envfacts import in_ci

    if chain is None:
        key = vault.load_key(profile)
        if key is None:
            raise AwsguardError(
                f"the keyring holds no key for profile {profile!r}. Store it with "
                f"`awsguard add {profile}`."
            )
        keyring = sessions.ChildCredentials(
            profile, "keyring", key.access_key_id, key.secret_access_key
        )
        _print(keyring.process_document())
        return 0
    settings = sessions.load_settings(environ)
    ci = in_ci(environ)
    interactive = not ci and tty.has_terminal()
    ask_code = None
    if not interactive and not settings.mfa_process and not ci:
        ask_code = graphical_prompt(environ)
        interactive = ask_code is not None
    # The Broker's default endpoint rules (the newest CLI, as the SDKs read them), not
    # the installed CLI's: whoever runs this process (boto3, Terraform, the JS SDK) uses
    # the session against the endpoints it reads, e.g. AWS_ENDPOINT_URL, which AWS CLI
    # 2.9 ignores.
    broker = sessions.Broker(chain, files, environ, settings, interactive, ask_code=ask_code)
    try:
        creds = broker.credentials()
    except AwsguardError as err:
        if err.exit_code == EXIT_REFUSED and str(err) == str(
            sessions.needs_code_error(profile, chain)
        ):
            raise AwsguardError(
                f"profile {profile!r} needs a new MFA session and nothing here can ask for "
                f"the code: run `awsguard mfa {profile}` in a terminal.",
                exit_code=EXIT_REFUSED,
            ) from None
        raise
    _print(creds.process_document())
    return 0


def _key_straight_from_keyring(profile: str, chain, environ) -> dict[str, object] | None:  # noqa: ANN001
    """For a long-term key in the keyring (an imported profile, the usual case), the
    document the code below prints, read straight from the Secret Service (secretbus) and
    without loading the session machinery (vault, sessions: json, pathlib, datetime).
    None whenever the code below could do anything else: a session to serve, a config
    file it would check ([sessions] or an error), an item the fast read cannot give, or
    one that is not a well-formed key. Then the code below runs as before."""
    if chain is not None and (chain.mfa_serial or chain.roles or not chain.key_in_keyring):
        return None
    if chain is not None:
        from ..rules import load_config  # what sessions.load_settings reads and checks

        config = load_config(environ)
        if config.error is not None or "sessions" in config.data:
            return None
        profile = chain.root
    from .. import jsonlite, secretbus

    try:
        blob = secretbus.read_secret("awsguard", f"key:{profile}", environ)
        raw = jsonlite.loads(blob) if blob is not None else None
    except (secretbus.Unavailable, ValueError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    key_id, secret = raw.get("aws_access_key_id"), raw.get("aws_secret_access_key")
    if not (isinstance(key_id, str) and key_id and isinstance(secret, str) and secret):
        return None
    return {"Version": 1, "AccessKeyId": key_id, "SecretAccessKey": secret}


def _print(document: dict[str, object]) -> None:
    sys.stdout.write(_json_text(document) + "\n")
    sys.stdout.flush()


def _json_text(document: dict[str, object]) -> str:
    """json.dumps(document) for a flat object of strings and integers, without `json`
    (whose import costs milliseconds): the same C string encoder, the same separators."""
    try:
        from _json import encode_basestring_ascii as quote
    except ImportError:  # not CPython
        import json

        return json.dumps(document)
    parts = []
    for key, value in document.items():
        text = str(value) if type(value) is int else quote(str(value))
        parts.append(f"{quote(key)}: {text}")
    return "{" + ", ".join(parts) + "}"


# --- a code without a terminal ---------------------------------------------------------------


def graphical_prompt(environ: os._Environ[str] | dict[str, str]):  # noqa: ANN201
    """A function asking for the code in a desktop dialog, or None when there is none."""
    path = environ.get("PATH", os.defpath)
    if sys.platform != "darwin" and not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return None
    import shutil

    if sys.platform == "darwin":
        found = shutil.which("osascript", path=path)
        if found:
            return lambda profile, serial: _osascript(found, profile, serial)
        return None
    for name in ("zenity", "kdialog"):
        found = shutil.which(name, path=path)
        if found:
            return lambda profile, serial, f=found, n=name: _dialog(f, n, profile, serial)
    return None


def _question(profile: str, serial: str) -> str:
    device = serial.rsplit("/", 1)[-1] if serial else "device"
    safe = "".join(ch for ch in f"{profile} ({device})" if ch.isprintable())
    return f"awsguard: MFA code for {safe}"


def _dialog(program: str, name: str, profile: str, serial: str) -> str:
    text = _question(profile, serial)
    if name == "zenity":
        argv = [program, "--entry", "--title", "awsguard", "--text", text]
    else:
        argv = [program, "--title", "awsguard", "--inputbox", text]
    return _read_code(argv)


def _osascript(program: str, profile: str, serial: str) -> str:
    text = _question(profile, serial).replace("\\", "").replace('"', "'")
    script = (
        f'text returned of (display dialog "{text}" default answer "" '
        'with title "awsguard" buttons {"Cancel", "OK"} default button "OK")'
    )
    return _read_code([program, "-e", script])


def _read_code(argv: list[str]) -> str:
    import subprocess

    from ..tty import PromptAborted, normalise_mfa_code

    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, timeout=GUI_TIMEOUT, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PromptAborted(f"the MFA code dialog failed ({type(err).__name__}).") from None
    if done.returncode != 0:
        raise PromptAborted("the MFA code dialog was cancelled.")
    code = normalise_mfa_code(done.stdout.decode(errors="replace").strip())
    if code is None:
        raise PromptAborted("the MFA code dialog did not return 6 digits.")
    return code
