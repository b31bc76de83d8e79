"""run_doctor: every group in the order a person troubleshoots, over one Situation."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..situation import Situation
from .clock import check_clock, clock_skew_seconds
from .common import (
    Check,
    FAIL,
    KEYRING_DEADLINE_SECONDS,
    PROBE_DEADLINE_SECONDS,
    Report,
    SKIP,
    _guard,
    _oneline,
)
from .credentials import (
    StsProbe,
    check_credentials_alive,
    diagnose_probe,
    probe_sts,
    run_with_deadline,
)
from .environment import check_environment
from .expiry import check_env_expiry, check_sessions
from .files import check_file, check_permissions, check_plaintext_keys, gather_file
from .keyring import KeyringFacts, check_keyring, gather_keyring, keyring_needed
from .network import check_ca_bundle, check_endpoints, check_fips_dualstack, check_proxy
from .profile import check_profile
from .rules import rules_line
from .shim import ShimFacts, check_shim, gather_shim
from .sso import check_sso, gather_sso_tokens

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..awsconfig import AwsFiles
    from ..invocation import Invocation
    from ..resolve import Resolution


# --- putting it together -------------------------------------------------------------------


@dataclass
class Options:
    profile: str | None = None
    region: str | None = None
    online: bool = True  # call STS
    keyring: bool = True  # probe the keyring


def run_doctor(
    environ: Mapping[str, str],
    options: Options | None = None,
    now: datetime | None = None,
) -> Report:
    options = options or Options()
    now = now or datetime.now(timezone.utc)
    report = Report()
    add = report.checks.extend
    home = environ.get("HOME") or os.path.expanduser("~")

    # 1. the shim
    shim: ShimFacts | None = None

    def shim_step() -> list[Check]:
        nonlocal shim
        shim = gather_shim(environ)
        return check_shim(shim)

    add(_guard(("shim.on-path", "shim.real-cli", "shim.loop"), shim_step))

    # The rest works from one Situation: the same files, config, real CLI and
    # resolution that `whoami` and `prompt` read, as `aws sts get-caller-identity`
    # with doctor's --profile / --region would run.
    known_cli: dict[str, Any] = {}
    if shim is not None and shim.real_cli is not None:
        known_cli["real_cli"] = shim.real_cli
    situation = Situation.for_options(
        environ, options.profile, options.region, now=now, **known_cli
    )
    report.situation = situation

    files: AwsFiles | None = None
    files_error: str | None = None
    try:
        files = situation.files
    except Exception as err:  # noqa: BLE001
        files_error = _oneline(err)

    invocation: Invocation | None = None
    res: Resolution | None = None
    res_error: str | None = None
    try:
        if files is None:
            raise RuntimeError(f"the AWS files could not be read ({files_error})")
        invocation = situation.invocation
        res = situation.resolution
    except Exception as err:  # noqa: BLE001
        res_error = _oneline(err)

    def needs_res(ids: tuple[str, ...]) -> list[Check]:
        return [
            Check(i, FAIL, f"the credential resolution did not run: {res_error}") for i in ids
        ]

    conflicts = situation.conflicts if res is not None else None

    # 2. environment
    add(_guard(
        ("env.variables", "env.precedence"),
        lambda: check_environment(environ, conflicts),
    ))

    # 3. profile and region
    if res is not None:
        imds_off = environ.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true"
        add(_guard(
            ("profile.effective", "profile.region"),
            lambda: check_profile(res, files.profile_names(), imds_off),
        ))
    else:
        add(needs_res(("profile.effective", "profile.region")))

    # 4. files
    if files is not None:
        def files_step() -> list[Check]:
            config = gather_file(files.config_path)
            creds = gather_file(files.credentials_path)
            return [
                check_file("files.config", "config file", config, files.errors),
                check_file("files.credentials", "credentials file", creds, files.errors),
                check_permissions(config, creds),
                check_plaintext_keys(files),
            ]

        add(_guard(
            ("files.config", "files.credentials", "files.permissions", "files.plaintext-keys"),
            files_step,
        ))
    else:
        add([
            Check(i, FAIL, f"the AWS files could not be read: {files_error}")
            for i in ("files.config", "files.credentials", "files.permissions",
                      "files.plaintext-keys")
        ])

    # 5. credentials alive, and 7. the clock from the same answer
    probe: StsProbe | None = None
    if not options.online:
        add([Check("credentials.alive", SKIP, "not checked (--offline)")])
    elif res is None:
        add(needs_res(("credentials.alive",)))
    else:
        def probe_step() -> list[Check]:
            nonlocal probe
            try:
                probe = run_with_deadline(
                    lambda: probe_sts(invocation, res, files, environ),
                    PROBE_DEADLINE_SECONDS,
                    "STS GetCallerIdentity",
                )
            except TimeoutError as err:
                probe = StsProbe(kind="timeout-probe", message=str(err), region=res.region)
            skew = (
                clock_skew_seconds(probe.received_at, probe.date_header)
                if probe.received_at and probe.date_header
                else None
            )
            diagnosis = None
            if probe.kind == "client":
                try:
                    diagnosis = diagnose_probe(probe, res, skew)
                except Exception:  # noqa: BLE001 - the check still says what STS answered
                    diagnosis = None
            return [check_credentials_alive(probe, res, diagnosis)]

        add(_guard(("credentials.alive",), probe_step))

    # 6. expiry
    add(_guard(("expiry.env",), lambda: [check_env_expiry(environ, res, now)]))

    def sessions_step() -> list[Check]:
        from ..sessions import list_sessions

        found = list_sessions(environ, now)
        profile = res.profile if res is not None else (options.profile or "default")
        chain = list(getattr(res, "role_chain", []) or []) if res is not None else []
        if res is not None and res.base_profile:
            chain.append(res.base_profile)
        return [check_sessions(found, profile, chain, now)]

    add(_guard(("expiry.sessions",), sessions_step))

    def sso_step() -> list[Check]:
        from ..resolve import sso_token_path

        tokens = gather_sso_tokens(home)
        wanted = (
            sso_token_path(home, res.sso_start_url, res.sso_session) if res is not None else None
        )
        return [check_sso(tokens, res, wanted, now)]

    add(_guard(("expiry.sso",), sso_step))

    # 7. clock
    if probe is not None:
        why = ""
        if not probe.date_header:
            why = {
                "connection": "STS could not be reached",
                "timeout": "STS did not answer in time",
                "timeout-probe": "STS did not answer in time",
                "no-credentials": "no credentials to call STS with",
                "awsguard": "STS was not called (an MFA session is needed)",
                "mfa": "STS was not called (an MFA code is needed)",
                "expired": "STS was not called (the credentials have expired)",
                "config": "botocore stopped before calling STS",
                "sso-refresh": "STS was not called (the SSO token needs the CLI's refresh)",
            }.get(probe.kind or "", "STS's answer had no Date header")
        add(_guard(("clock.skew",), lambda: [check_clock(probe.received_at, probe.date_header,
                                                         why)]))
    else:
        add([Check("clock.skew", SKIP, "not measured: STS was not called")])

    # 8. network
    def network_step() -> list[Check]:
        profile_name = res.profile if res is not None else (options.profile or "default")
        profile = files.profile(profile_name) if files is not None else {}
        services = files.services if files is not None else {}
        endpoint = res.endpoint_url if res is not None else None
        acknowledged = situation.conflict_action("endpoint-override") == "off"
        from ..resolve import cli_honours

        ignored_by_cli = None
        if not cli_honours("configured-endpoints", situation.cli_major, situation.cli_version):
            ignored_by_cli = situation.cli_version or f"v{situation.cli_major}"
        return [
            check_proxy(environ, endpoint),
            check_ca_bundle(environ, profile),
            check_endpoints(environ, profile, services, acknowledged, ignored_by_cli),
            check_fips_dualstack(environ, profile),
        ]

    add(_guard(
        ("network.proxy", "network.ca-bundle", "network.endpoints", "network.fips-dualstack"),
        network_step,
    ))

    # 9. keyring
    if options.keyring:
        def keyring_step() -> list[Check]:
            try:
                facts = run_with_deadline(gather_keyring, KEYRING_DEADLINE_SECONDS, "the keyring")
            except TimeoutError as err:
                facts = KeyringFacts(problem=f"no usable OS keyring: {err} (a locked keyring "
                                     "waiting for a password prompt looks like this).")
            return [check_keyring(facts, keyring_needed(situation))]

        add(_guard(("keyring.backend",), keyring_step))
    else:
        add([Check("keyring.backend", SKIP, "not checked (--no-keyring)")])

    # 10. confirmation rules
    account = probe.identity["account"] if probe is not None and probe.identity else None
    if account is None and res is not None:
        try:
            from .. import identity

            cached = identity.cached(res, environ)
            account = str(cached["account"]) if cached and cached.get("account") else None
        except Exception:  # noqa: BLE001 - no cached identity: account rules stay unknown
            account = None
    profile_name = res.profile if res is not None else (options.profile or "default")
    add(_guard(
        ("rules.confirmation",),
        lambda: [rules_line(situation.config, res, profile_name, account)],
    ))
    return report
