"""Group 5, credentials alive: STS GetCallerIdentity with exactly the CLI's credentials."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..deadline import call_within
from .common import Check, FAIL, OK, STS_TIMEOUT_SECONDS, WARN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..awsconfig import AwsFiles
    from ..invocation import Invocation
    from ..resolve import Resolution


# --- 5. credentials alive (STS GetCallerIdentity) -----------------------------------------


@dataclass
class StsProbe:
    ok: bool = False
    identity: dict[str, str] | None = None
    method: str | None = None  # botocore's credential method, or awsguard's session kind
    region: str | None = None
    region_note: str | None = None
    endpoint: str | None = None
    kind: str | None = None  # client | connection | timeout | no-credentials | config | awsguard
    code: str | None = None
    message: str | None = None
    date_header: str | None = None
    received_at: datetime | None = None
    elapsed: float | None = None


def probe_sts(
    invocation: Invocation, res: Resolution, files: AwsFiles, environ: Mapping[str, str]
) -> StsProbe:
    """GetCallerIdentity with exactly the credentials, region and endpoint the CLI would use.

    botocore reads the process environment; `environ` must be it (doctor runs in the
    user's environment). Like the shim, awsguard's own MFA/keyring sessions are used
    for profiles awsguard manages; otherwise botocore's provider chain decides.
    """
    import botocore.exceptions
    import botocore.session
    from botocore.config import Config

    from ..clisession import MfaNeeded, SsoTokenNeedsRefresh

    probe = StsProbe(endpoint=res.endpoint_url)
    probe.region = res.region
    if not res.region:
        # Liveness is worth knowing even when the region is missing (profile.region says so).
        probe.region = "us-east-1"
        probe.region_note = "no region configured: asked STS in us-east-1"

    explicit = None
    if res.source != "env":
        from .. import sessions
        from ..errors import AwsguardError

        try:
            explicit = sessions.credentials_for(
                res.profile, files, environ, interactive=False,
                cli=(res.cli_major, getattr(res, "cli_version", None)),
            )
        except AwsguardError as err:
            probe.kind, probe.message = "awsguard", str(err)
            return probe

    from ..resolve import session_vars

    # The variables this CLI version reads for the profile and the region.
    session = botocore.session.Session(
        session_vars=session_vars(res.cli_major, getattr(res, "cli_version", None))
    )
    if invocation.profile is not None:
        session.set_config_variable("profile", invocation.profile)
    config = Config(
        connect_timeout=STS_TIMEOUT_SECONDS,
        read_timeout=STS_TIMEOUT_SECONDS,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    started = time.monotonic()
    try:
        kwargs: dict[str, Any] = {}
        if explicit is not None:
            kwargs = {
                "aws_access_key_id": explicit.access_key_id,
                "aws_secret_access_key": explicit.secret_access_key,
                "aws_session_token": explicit.session_token,
            }
            # One story with whoami and the panel: an imported profile is custom-process
            # (awsguard credential-process serves the key from the keyring).
            probe.method = res.source if explicit.source == "keyring" else (
                f"awsguard-{explicit.source}")
        else:
            _prepare_providers(session)
            creds = session.get_credentials()
            if creds is None:
                probe.kind = "no-credentials"
                probe.message = "botocore found no credentials"
                return probe
            probe.method = getattr(creds, "method", None)
        client = session.create_client(
            "sts",
            region_name=probe.region,
            endpoint_url=res.endpoint_url,
            config=config,
            **kwargs,
        )
        answer = client.get_caller_identity()
        probe.received_at = datetime.now(timezone.utc)
        probe.ok = True
        probe.identity = {
            "account": answer.get("Account", ""),
            "arn": answer.get("Arn", ""),
            "user_id": answer.get("UserId", ""),
        }
        headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        probe.date_header = headers.get("date")
    except botocore.exceptions.ClientError as err:
        probe.received_at = datetime.now(timezone.utc)
        error = err.response.get("Error", {})
        probe.kind = "client"
        probe.code = error.get("Code") or str(
            err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        )
        probe.message = error.get("Message") or str(err)
        headers = err.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        probe.date_header = headers.get("date")
    except (
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
    ) as err:
        probe.kind, probe.message = "timeout", str(err)
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectionError,
        botocore.exceptions.HTTPClientError,
    ) as err:
        probe.kind, probe.message = "connection", str(err)
    except botocore.exceptions.NoCredentialsError as err:
        probe.kind, probe.message = "no-credentials", str(err)
    except SsoTokenNeedsRefresh as err:
        probe.kind, probe.message = "sso-refresh", str(err)
    except MfaNeeded as err:
        probe.kind, probe.message = "mfa", str(err)
    except botocore.exceptions.BotoCoreError as err:
        probe.kind, probe.code, probe.message = "config", type(err).__name__, str(err)
    except RuntimeError as err:
        # botocore's RefreshableCredentials: "refreshed credentials are still expired".
        probe.kind, probe.code, probe.message = "expired", "ExpiredToken", str(err)
    finally:
        probe.elapsed = time.monotonic() - started
    return probe


def _prepare_providers(session: Any) -> None:
    """Use the CLI's assume-role cache, and never stop to read an MFA code from stdin."""
    from ..clisession import refuse_mfa_prompt, use_cli_cache

    use_cli_cache(session, prompter=refuse_mfa_prompt, read_only=True)  # the CLI's to write


def run_with_deadline(step: Callable[[], Any], seconds: float, what: str) -> Any:
    """Run `step` in a daemon thread; raise TimeoutError when it does not end in time."""
    return call_within(seconds, step, f"doctor-{what}", lambda: TimeoutError(
        f"{what} did not finish within {seconds:g} s"
    ))


def check_credentials_alive(probe: StsProbe, res: Resolution, diagnosis: Any = None) -> Check:
    """`diagnosis` is explain.diagnose()'s answer for a refused call, when there is one."""
    target = probe.endpoint or f"STS in {probe.region}"
    if probe.ok and probe.identity:
        ident = probe.identity
        evidence = [
            f"account {ident['account']}",
            # moto (and some SDK stubs) answer with the access key id as the user id.
            f"user id {_short(ident['user_id'])}",
            f"credentials: {probe.method or '?'}",
            f"asked {target}",
        ]
        if probe.region_note:
            evidence.append(probe.region_note)
        status = OK
        fix = None
        predicted = res.source
        if (
            probe.method
            and predicted
            and not probe.method.startswith("awsguard")
            and probe.method != predicted
        ):
            evidence.append(
                f"botocore used {probe.method}, awsguard predicted {predicted}: "
                "please report this with `awsguard whoami --json`"
            )
            status = WARN
            fix = "report the mismatch (awsguard whoami --json)"
        return Check(
            "credentials.alive", status, f"STS knows you: {ident['arn']}", tuple(evidence), fix
        )

    profile = res.profile
    if probe.kind == "client":
        summary = f"STS GetCallerIdentity refused: {probe.code}: {_short(probe.message)}"
        if diagnosis is not None:
            evidence = tuple(_render_diagnosis(diagnosis))
            fix = (
                diagnosis.next_commands[0]
                if diagnosis.next_commands
                else (diagnosis.hints[0] if diagnosis.hints else None)
            )
        else:
            evidence, fix = (), None
        return Check("credentials.alive", FAIL, summary, evidence, fix or "see the diagnosis")
    if probe.kind == "sso-refresh":
        login = (
            f"aws sso login --sso-session {res.sso_session}" if res.sso_session
            else f"aws sso login --profile {profile}"
        )
        return Check(
            "credentials.alive",
            WARN,
            "the SSO token needs a refresh (OIDC CreateToken with the cached refresh token), "
            "which the AWS CLI does on its next call: doctor leaves the CLI's token cache "
            "alone, so STS was not asked",
            (_short(probe.message),),
            f"`aws sts get-caller-identity --profile {profile}` (the CLI refreshes the "
            f"token), then doctor again; if that fails, `{login}`",
        )
    if probe.kind in ("connection", "timeout"):
        return Check(
            "credentials.alive",
            FAIL,
            f"cannot reach {_failed_step(probe.message, target)}: {_short(probe.message)}",
            (f"region {probe.region}", f"endpoint {probe.endpoint or '(AWS default)'}"),
            "check the network, proxy (network.proxy) and endpoint overrides (network.endpoints)",
        )
    if probe.kind == "no-credentials":
        return Check(
            "credentials.alive",
            FAIL,
            "no credentials: botocore found none for this profile",
            (probe.message or "",),
            f"`awsguard add {profile}`, `aws configure --profile {profile}`, or "
            f"`aws sso login --profile {profile}`",
        )
    if probe.kind in ("awsguard", "mfa"):
        return Check(
            "credentials.alive",
            FAIL,
            f"profile {profile} needs a fresh MFA session before any call",
            (_short(probe.message, 400),),
            f"`awsguard mfa {profile}`",
        )
    if probe.kind == "expired":
        return Check(
            "credentials.alive",
            FAIL,
            "the credentials have expired: botocore refuses to sign with them",
            (_short(probe.message),),
            "get fresh credentials (see expiry.env / expiry.sso / expiry.sessions)",
        )
    if probe.kind == "timeout-probe":
        return Check("credentials.alive", FAIL, _short(probe.message), (), "check the network")
    code = probe.code or "error"
    fix = {
        "UnauthorizedSSOTokenError": f"`aws sso login --profile {profile}`",
        "SSOTokenLoadError": f"`aws sso login --profile {profile}`",
        "TokenRetrievalError": f"`aws sso login --profile {profile}`",
        "ConfigParseError": "fix the config file first (see files.config)",
        "ProfileNotFound": "use an existing profile (see profile.effective)",
        "NoRegionError": "set a region (see profile.region)",
        "PartialCredentialsError": "complete or remove the partial credentials "
        "(see env.precedence and profile.effective)",
    }.get(code, "fix the profile or variables named in the message")
    return Check(
        "credentials.alive",
        FAIL,
        f"botocore stopped before the call: {code}: {_short(probe.message)}",
        (),
        fix,
    )


def _failed_step(message: str | None, target: str) -> str:
    """What a connection failure was for: botocore names the URL it could not reach,
    and before STS an SSO profile talks to two other services."""
    text = message or ""
    if "://oidc." in text:
        return "the SSO OIDC service to refresh the SSO token (CreateToken)"
    if "://portal.sso." in text:
        return "the SSO portal for the role credentials (GetRoleCredentials)"
    return target


def _short(text: str | None, limit: int = 200) -> str:
    value = " ".join((text or "").split())
    try:
        from ..explain.parse import mask_key_ids

        value = mask_key_ids(value)
    except Exception:  # noqa: BLE001
        pass
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _render_diagnosis(diagnosis: Any) -> list[str]:
    try:
        from ..explain import render

        lines = [line.strip() for line in render(diagnosis).splitlines() if line.strip()]
        return [line.removeprefix("awsguard: ") for line in lines]
    except Exception:  # noqa: BLE001
        return [f"category: {getattr(diagnosis, 'category', '?')}"]


def diagnose_probe(probe: StsProbe, res: Resolution, skew: float | None) -> Any:
    from .. import explain

    context = explain.DiagnosisContext(
        credential_source=res.source,
        profile=res.profile,
        argv=("sts", "get-caller-identity"),
        clock_skew_seconds=skew,
        region=probe.region,
        access_key=res.access_key_id,
        expires_at=res.expires_at,
    )
    return explain.diagnose(
        probe.code, probe.message, api="GetCallerIdentity", service="sts", context=context
    )
