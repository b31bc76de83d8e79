"""Which policy layer said no, when AWS's message does not say.

AWS names the layer in some messages ("with an explicit deny in a service control
policy") and not in others (a bare S3 "Access Denied"; moto never does). After such a
refusal the shim reads the caller's own policies with the credentials, region and
endpoint the CLI used (`awsguard.policy.online.gather`) and evaluates the refused
request with the offline engine. It is fail-soft and bounded: at most BUDGET_SECONDS,
one attempt per call, never raises, never prints, keeps nothing.

It runs only when the user asked for it (AWSGUARD_EXPLAIN_POLICIES=1, or `policies =
true` in config.toml's [explain] table): importing botocore and reading the policies
delays the CLI's exit status by about half a second. Otherwise the diagnosis is printed
from what the shim already holds, with one hint naming the switch.

`conclude` is the pure part (plain data in, Diagnosis out); `with_policies` is the edge.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from .advice import Diagnosis, with_layer

OPT_OUT_VAR = "AWSGUARD_EXPLAIN_POLICIES"  # 1: read the policies; 0: never (beats config)
SWITCH_HINT = (
    "To name the policy layer, awsguard can read this identity's own policies after a "
    "refusal (about half a second more, up to 3 s): AWSGUARD_EXPLAIN_POLICIES=1, or "
    "policies = true in the [explain] table of config.toml."
)
BUDGET_SECONDS = 3.0
CALL_TIMEOUT_SECONDS = 2
DENIALS = ("explicit-deny", "implicit-deny")
# Services whose resource policy `gather` reads, and so whose client it asks for.
RESOURCE_POLICY_SERVICES = frozenset(
    {"s3", "kms", "sqs", "sns", "lambda", "secretsmanager", "iam"}
)
# The AWS CLI's own cache of assume-role credentials (awscli/customizations/assumerole.py):
# reading it gives the very credentials the CLI just used, without a new AssumeRole call.
CLI_CACHE_DIR = os.path.join("~", ".aws", "cli", "cache")
OWN_READS = {
    "user": "iam:ListUserPolicies, iam:GetUserPolicy, iam:ListAttachedUserPolicies, "
    "iam:GetPolicy, iam:GetPolicyVersion, iam:ListGroupsForUser",
    "role": "iam:ListRolePolicies, iam:GetRolePolicy, iam:ListAttachedRolePolicies, "
    "iam:GetPolicy, iam:GetPolicyVersion",
}
DENIAL_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                          "AuthorizationError", "Forbidden"})
LISTINGS = ("inline policies of ", "managed policies of ", "groups of ")
FETCHES = ("inline policy ", "managed policy ")


class _OutOfTime(Exception):
    """Raised before a call once the budget is spent; `gather` lists it as unreadable."""


# --- the pure part -----------------------------------------------------------------------


def _caller_words(caller: Any) -> str:
    kind = {"role-session": "role", "federated-user": "federated user"}.get(caller.kind,
                                                                           caller.kind)
    return f"{kind} {caller.name}" if caller.name else kind


def _policy_label(layer: str, name: str, level: int | None, caller: Any) -> str:
    """The user's words for a policy `gather` named: "inline policy 'guard' of user x"."""
    if layer == "identity":
        if name.startswith("group "):
            group, _, policy = name[len("group "):].partition("/")
            return f"inline policy '{policy}' of group {group}"
        if name.startswith("arn:"):
            return f"managed policy '{name.rsplit('/', 1)[-1]}' ({name})"
        owner, sep, policy = name.partition("/")
        if sep:
            kind = "user" if caller.kind == "user" else "role"
            return f"inline policy '{policy}' of {kind} {owner}"
        return f"identity policy '{name}'"
    if layer == "permission-boundary":
        return f"permissions boundary '{name.rsplit('/', 1)[-1]}'"
    if layer in ("scp", "rcp"):
        where = f" (organization level {level + 1})" if level is not None else ""
        return f"{layer.upper()} '{name}'{where}"
    kind, sep, target = name.partition(" policy ")
    return f"{kind} policy of {target}" if sep else name


def _statement_words(ref: Any, caller: Any) -> str:
    sid = ref.statement if ref.statement.startswith("#") else f"'{ref.statement}'"
    return f"Statement {sid} in {_policy_label(ref.layer, ref.policy, ref.level, caller)}"


def _on(action: str, resource: str) -> str:
    return action if resource == "*" else f"{action} on {resource}"


def _why(code: str) -> str:
    if code == _OutOfTime.__name__:
        return f"not read within {BUDGET_SECONDS:g} s"
    # moto answers Organizations calls with a bare 403 where AWS says AccessDenied.
    return "AccessDenied" if code == "403" else code


def _unreadable_hint(unreadable: list[dict[str, str]]) -> str:
    items = "; ".join(f"{u['what']} ({_why(u['why'])})" for u in unreadable)
    return f"Not readable with these credentials, so not accounted for: {items}."


def _own_policies(gathered: Any, caller: Any) -> str:
    """"read", or why none of the caller's own policies could be read: "denied" (AWS
    refused the iam:List*/Get* calls) or "failed" (network, time, anything else)."""
    if not caller.has_identity_policies or caller.kind == "root":
        return "read"
    failures = [u for u in gathered.unreadable if u["what"].startswith(LISTINGS)]
    if not failures or any(r.startswith(FETCHES) for r in gathered.read):
        return "read"
    if any(_why(u["why"]) in DENIAL_CODES for u in failures):
        return "denied"
    return "failed"


def _identity_gaps(gathered: Any) -> bool:
    return any(u["what"].startswith(LISTINGS + FETCHES) for u in gathered.unreadable)


def _read_summary(gathered: Any, caller: Any) -> str:
    given = gathered.input
    policies = given.identity_policies
    if not policies:
        return f"No identity-based policy is attached to {_caller_words(caller)} or its groups"
    own = f" of {_caller_words(caller)}"
    names = ", ".join(
        _policy_label("identity", p.name, None, caller).removesuffix(own) for p in policies[:3]
    )
    more = f" and {len(policies) - 3} more" if len(policies) > 3 else ""
    return f"None of the policies awsguard read for {_caller_words(caller)} ({names}{more})"


def conclude(d: Diagnosis, gathered: Any, result: Any, argv: tuple[str, ...] = ()) -> Diagnosis:
    """The diagnosis `d` with what the local evaluation of the readable policies shows.

    gathered: awsguard.policy.online.Gathered; result: awsguard.policy.evaluate.Result.
    A local finding is used only where it is sound despite what could not be read: a
    matching Deny always is; "nothing allows it" only when every identity policy was read.
    """
    from ..policy.principals import parse_caller

    request = gathered.input.request
    caller = parse_caller(request.principal)
    action, resource = request.action, request.resource
    unreadable = gathered.unreadable
    own = _own_policies(gathered, caller)
    if own == "failed":
        return d
    if own == "denied":
        needs = OWN_READS.get("user" if caller.kind == "user" else "role", "iam:Get*, iam:List*")
        hint = (
            f"awsguard could not read the policies of {_caller_words(caller)} "
            "(AccessDenied), so it cannot say which policy layer refused "
            f"{action}; with {needs} on itself it could."
        )
        # Shown first: render() prints only the first hints.
        return replace(d, hints=[hint, *d.hints])

    found: list[str] = []
    decision = result.decision.value
    if d.principal is None:
        d = replace(d, principal=request.principal)  # from STS, asked by gather()
    new = replace(d, hints=list(d.hints))
    if decision == "explicit-deny":
        layer = result.blocked_by[0]
        deciding = next((s for s in result.statements if s.layer == layer), result.statements[0])
        new = with_layer(d, "explicit-deny", layer, argv)
        more = len(result.statements) - 1
        found.append(
            f"{_statement_words(deciding, caller)} denies {_on(action, resource)}"
            + (f" ({more} more Deny statement(s) match too)" if more > 0 else "")
            + " (awsguard's evaluation of the policies it could read)."
        )
    elif decision == "implicit-deny" and d.category == "explicit-deny":
        found.append(
            f"AWS reports an explicit deny, but no Deny statement in the policies awsguard "
            f"could read matches {_on(action, resource)}: it is in one it could not read, or "
            "in one it cannot see (an SCP, RCP, session or VPC endpoint policy)."
        )
    elif decision == "implicit-deny":
        layer = result.blocked_by[0]
        if layer == "identity" and _identity_gaps(gathered):
            found.append(
                f"No identity-based policy awsguard could read allows {_on(action, resource)}, "
                "but some could not be read (below), so the layer stays unknown."
            )
        else:
            new = with_layer(d, "implicit-deny", layer, argv)
            if layer == "identity":
                found.append(f"{_read_summary(gathered, caller)} allows {_on(action, resource)}.")
            else:
                found.append(result.explanation)
            for near in result.statements[:1]:
                found.append(f"Closest: {near.describe()}.")
    else:
        granting = result.statements[0] if result.statements else None
        by = f" ({_statement_words(granting, caller)} allows it)" if granting else ""
        found.append(
            f"The policies awsguard could read allow {_on(action, resource)}{by}; the refusal "
            "comes from one it could not read or cannot see (an SCP, RCP, session or VPC "
            "endpoint policy, another account's resource policy), or from a condition on "
            "something it cannot know (source IP, MFA, VPC endpoint)."
        )
    if unreadable:
        found.append(_unreadable_hint(unreadable))
    new.hints = list(dict.fromkeys([*found, *new.hints]))
    return new


def request_context(region: str | None, secure: bool, now: datetime | None = None
                    ) -> dict[str, Any]:
    """The context keys the shim knows of the refused request. Keys it cannot know
    (aws:SourceIp, aws:MultiFactorAuthPresent, aws:SourceVpce) stay missing."""
    now = now or datetime.now(timezone.utc)
    context: dict[str, Any] = {
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SecureTransport": "true" if secure else "false",
    }
    if region:
        context["aws:RequestedRegion"] = region
    return context


_PRINCIPAL_TYPES = {"user": "User", "role-session": "AssumedRole",
                    "federated-user": "FederatedUser", "root": "Account"}


def asked(environ: Mapping[str, str], configured: object = None) -> bool:
    """Whether the user asked for policy reading: the variable (1/0, true/false, on/off)
    wins over `policies = true|false` in config.toml's [explain]; off when neither says."""
    value = environ.get(OPT_OUT_VAR, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return configured is True


def could_help(d: Diagnosis) -> bool:
    """A denial whose layer AWS did not name, for a known action: reading helps."""
    return (
        d.category in DENIALS
        and d.policy_type is None
        and bool(d.action)
        and ":" in (d.action or "")
    )


def wanted(d: Diagnosis, environ: Mapping[str, str], configured: object = None) -> bool:
    return asked(environ, configured) and could_help(d)


def resource_for(d: Diagnosis) -> str | None:
    """The resource to evaluate: the ARN the diagnosis names, or `*` for an action that
    takes no resource; None when the resource matters but is unknown."""
    if d.resource and d.resource.startswith("arn:"):
        return d.resource
    if d.resource:
        return None
    try:
        from .. import catalog

        info = catalog.action_info(d.action or "")
    except Exception:  # noqa: BLE001 - no catalog: cannot tell
        return None
    if info is not None and not info.resource_types:
        return "*"
    return None


# --- the edge: credentials, clients, the bounded read ------------------------------------


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ as the CLI child saw it, while botocore builds the session and clients.

    botocore reads the credential chain, AWS_ENDPOINT_URL(_<SERVICE>), the config files'
    paths and the region from os.environ; the real CLI ran with `env`, so building under
    it gives the CLI's answers. Only the main thread does this, while it resolves the
    credentials and builds the clients (CPU work: botocore loads the service models).
    """
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _session_env(child_env: Mapping[str, str]) -> dict[str, str]:
    env = dict(child_env)
    # Our reads are not the user's calls: keep them out of the user's CSM listener (the
    # variable also wins over csm_enabled in the profile).
    for name in ("AWS_CSM_HOST", "AWS_CSM_PORT", "AWS_CSM_CLIENT_ID"):
        env.pop(name, None)
    env["AWS_CSM_ENABLED"] = "false"
    return env


def _profile(child_env: Mapping[str, str], invocation: Any) -> str | None:
    """The profile whose credentials the CLI used; None when environment keys won."""
    profile = getattr(invocation, "profile", None)
    if not profile:
        return None
    # The shim's MFA sessions move --profile into AWS_PROFILE and put the session's keys in
    # the child's environment: then the CLI used those keys.
    injected = child_env.get("AWS_ACCESS_KEY_ID") and child_env.get(
        "AWS_ACCESS_KEY_ID"
    ) != os.environ.get("AWS_ACCESS_KEY_ID")
    if injected and child_env.get("AWS_PROFILE") == profile:
        return None
    return profile


def _endpoint_for(service: str, refused_service: str, endpoint_url: str | None) -> str | None:
    """--endpoint-url applies to the refused call's service; an emulator's (not an
    amazonaws.com host) serves every service, so it applies to all our reads."""
    if not endpoint_url:
        return None
    import urllib.parse

    host = (urllib.parse.urlsplit(endpoint_url).hostname or "").lower()
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")):
        return endpoint_url if service == refused_service else None
    return endpoint_url


class _Clients:
    """What `gather` asks of a boto3 session (region_name, client()), served from clients
    built beforehand under the CLI's environment."""

    def __init__(self, clients: dict[str, Any], region: str) -> None:
        self._clients = clients
        self.region_name = region

    def client(self, service: str, region_name: str | None = None) -> Any:
        if service not in self._clients:
            raise LookupError(f"no client for {service}")
        return self._clients[service]


def _no_prompt(*_args: Any, **_kwargs: Any) -> str:
    raise RuntimeError("an MFA code would be needed")


class _ReadOnlyCache:
    """The AWS CLI's assume-role cache, read but never written: awsguard keeps no
    credentials anywhere (a fresh AssumeRole result stays in memory)."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def __contains__(self, key: str) -> bool:
        return key in self._cache

    def __getitem__(self, key: str) -> Any:
        return self._cache[key]

    def __setitem__(self, key: str, value: Any) -> None:
        pass


class _StopAtCredentialProcess:
    """Stands in the chain where botocore runs a profile's credential_process: that may
    ask the user something (awsguard's own prompts for MFA codes), and the diagnosis is
    not worth a prompt. Stopping (rather than skipping) keeps the chain from going on to
    the instance metadata service, which the CLI never asked."""

    METHOD = "custom-process"

    def __init__(self, core: Any) -> None:
        self._core = core

    def load(self) -> None:
        if self._core.get_scoped_config().get("credential_process"):
            raise RuntimeError("the profile's credentials come from a credential_process")
        return None


def _build_clients(
    d: Diagnosis, resource: str, child_env: Mapping[str, str], invocation: Any, deadline: float
) -> _Clients | None:
    import botocore.session
    from botocore.config import Config
    from botocore.credentials import JSONFileCache

    from ..policy.arn import parse_arn

    env = _session_env(child_env)
    arn = parse_arn(resource) if resource != "*" else None
    refused_service = (d.action or "").split(":", 1)[0].lower()
    services = {"iam", "organizations"}
    if d.principal is None:
        services.add("sts")
    if arn is not None and arn.service in RESOURCE_POLICY_SERVICES:
        services.add(arn.service)
    endpoint_url = getattr(invocation, "endpoint_url", None)
    flags = getattr(invocation, "flags", frozenset())
    ca_bundle = getattr(invocation, "globals", {}).get("--ca-bundle")
    verify: bool | str | None = False if "--no-verify-ssl" in flags else ca_bundle
    if verify is False:
        import urllib3

        urllib3.disable_warnings()  # the CLI was told so; no warning from our reads either
    config = Config(
        connect_timeout=CALL_TIMEOUT_SECONDS,
        read_timeout=CALL_TIMEOUT_SECONDS,
        retries={"total_max_attempts": 1},
    )

    def check_time(**_kwargs: Any) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime("out of time")

    with _environment(env):
        core = botocore.session.Session(profile=_profile(child_env, invocation))
        resolver = core.get_component("credential_provider")
        resolver.providers = [
            _StopAtCredentialProcess(core) if p.METHOD == "custom-process" else p
            for p in resolver.providers
        ]
        assume = resolver.get_provider("assume-role")
        assume.cache = _ReadOnlyCache(JSONFileCache(os.path.expanduser(CLI_CACHE_DIR)))
        assume._prompter = _no_prompt  # botocore would ask on the terminal
        if core.get_credentials() is None:
            return None
        region = (
            (arn.region if arn is not None and arn.region else None)
            or getattr(invocation, "region", None)
            or d.region
            or core.get_config_variable("region")
            or "us-east-1"
        )
        clients = {}
        for service in sorted(services):
            # botocore alone: boto3 would add its import and, for S3, s3transfer's.
            client = core.create_client(
                service,
                region_name=region,
                config=config,
                endpoint_url=_endpoint_for(service, refused_service, endpoint_url),
                verify=verify,
            )
            client.meta.events.register("before-call", check_time)
            clients[service] = client
    return _Clients(clients, region)


def _secure(child_env: Mapping[str, str], invocation: Any) -> bool:
    endpoint = getattr(invocation, "endpoint_url", None) or child_env.get("AWS_ENDPOINT_URL")
    return not (endpoint or "").lower().startswith("http://")


def _gather_and_evaluate(
    d: Diagnosis, resource: str, child_env: Mapping[str, str], invocation: Any
) -> tuple[Any, Any] | None:
    """Read and evaluate within BUDGET_SECONDS; None when that was not possible."""
    from ..policy.evaluate import evaluate
    from ..policy.online import gather
    from ..policy.principals import parse_caller

    start = time.monotonic()
    deadline = start + BUDGET_SECONDS - 0.2
    clients = _build_clients(d, resource, child_env, invocation, deadline)
    if clients is None:
        return None
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            context = request_context(clients.region_name, _secure(child_env, invocation))
            gathered = gather(d.action or "", resource, d.principal, context, session=clients)
            request = gathered.input.request
            kind = parse_caller(request.principal).kind
            if kind in _PRINCIPAL_TYPES:
                request.context.setdefault("aws:PrincipalType", _PRINCIPAL_TYPES[kind])
            outcome["value"] = (gathered, evaluate(gathered.input))
        except Exception:  # noqa: BLE001 - fail-soft: no finding
            pass

    # A thread, so that the budget holds even while a socket waits on its timeout; the
    # daemon thread is abandoned when the budget runs out (the shim exits soon after).
    worker = threading.Thread(target=work, name="awsguard-explain-policies", daemon=True)
    worker.start()
    worker.join(max(0.0, start + BUDGET_SECONDS - time.monotonic()))
    if worker.is_alive():
        return None
    return outcome.get("value")


def with_policies(
    diagnosis: Diagnosis, child_env: dict, invocation: Any, configured: object = None
) -> Diagnosis:
    """`diagnosis`, with the policy layer and deciding statement from a local evaluation
    of the caller's readable policies when AWS's message named no layer and the user
    asked for it (`configured`: [explain] policies in config.toml). Not asked: the same
    diagnosis with SWITCH_HINT, unless the variable says 0. Never raises, never prints;
    returns `diagnosis` unchanged when it cannot do better."""
    try:
        if not could_help(diagnosis):
            return diagnosis
        if not asked(child_env, configured):
            if child_env.get(OPT_OUT_VAR, "").strip().lower() in ("0", "false", "no", "off"):
                return diagnosis  # turned off on purpose: no advice to turn it on
            if "--no-sign-request" in getattr(invocation, "flags", frozenset()):
                return diagnosis
            return replace(diagnosis, hints=[*diagnosis.hints, SWITCH_HINT])
        if "--no-sign-request" in getattr(invocation, "flags", frozenset()):
            return diagnosis
        resource = resource_for(diagnosis)
        if resource is None:
            return diagnosis
        found = _gather_and_evaluate(diagnosis, resource, child_env, invocation)
        if found is None:
            return diagnosis
        gathered, result = found
        return conclude(diagnosis, gathered, result, tuple(getattr(invocation, "argv", ())))
    except Exception:  # noqa: BLE001 - explaining must never break the command
        return diagnosis
