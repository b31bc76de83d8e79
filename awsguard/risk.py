"""Invocation -> Risk: what kind of change an `aws` command makes.

Low-level commands (`aws <service> <operation>`) are looked up in the generated
tables (API operation, IAM actions, the SAR access level); verb rules then separate
deletes from other writes, and permission changes from the rest. High-level commands
(`aws s3 rm`, `aws cloudformation deploy`, ...) have explicit rules here. Pure: no I/O
beyond reading the tables. See README.md ("What kind of command is this?") for the
rules and the reasons.
"""

from __future__ import annotations

from . import catalog
from .record import record
from .invocation import Invocation

TYPE_CHECKING = False  # collections.abc imports `collections`: milliseconds per call
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from .awsconfig import AwsFiles


class _Members(type):
    """What `Risk` needs of an Enum's class: iteration in order, Risk("read") -> the
    member (ValueError for anything else), len(). `enum` costs the shim milliseconds of
    imports (functools, collections) on every call it classifies."""

    def __iter__(cls):  # noqa: ANN204
        return iter(cls._members)

    def __len__(cls) -> int:
        return len(cls._members)

    def __call__(cls, value: object) -> Risk:
        for member in cls._members:
            if isinstance(value, str) and member.value == value:
                return member
        raise ValueError(f"{value!r} is not a valid {cls.__name__}")


class Risk(str, metaclass=_Members):
    """The kinds of command, as `class Risk(str, Enum)` had them: each member is the
    string of its value (== "read", hashes like it), with .name and .value."""

    _members: tuple[Risk, ...] = ()
    READ: Risk
    WRITE: Risk
    PERMISSIONS: Risk  # changes who may do what (IAM and its equivalents)
    DESTRUCTIVE: Risk  # removes something for good, by name or by value
    EXPOSURE: Risk  # makes a resource public or shares it with other accounts
    EXECUTE: Risk  # runs code or commands on running machines
    AUDIT_OFF: Risk  # turns logging, recording or threat detection off
    INTERACTIVE: Risk  # the command is composed inside the CLI (--cli-auto-prompt)

    name: str

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"<Risk.{self.name}: {self.value!r}>"

    def __str__(self) -> str:
        return f"Risk.{self.name}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)  # f"{risk:>10}" pads "Risk.READ", as the Enum's

    def __reduce__(self):  # noqa: ANN204 - copy and pickle give the member back
        return Risk, (self.value,)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Risk member cannot be changed")


def _define_risks() -> None:
    members = []
    for name, value in (
        ("READ", "read"), ("WRITE", "write"), ("PERMISSIONS", "permissions"),
        ("DESTRUCTIVE", "destructive"), ("EXPOSURE", "exposure"), ("EXECUTE", "execute"),
        ("AUDIT_OFF", "audit-off"), ("INTERACTIVE", "interactive"),
    ):
        member = str.__new__(Risk, value)
        object.__setattr__(member, "name", name)
        type.__setattr__(Risk, name, member)
        members.append(member)
    type.__setattr__(Risk, "_members", tuple(members))


_define_risks()


@record(frozen=True)
class Classification:
    risk: Risk
    service: str | None
    # The API operation (TerminateInstances) or the high-level command ("s3 rm").
    operation: str | None
    # The IAM action (for high-level commands, the main one: s3 rb -> s3:DeleteBucket).
    action: str | None
    reason: str


LEVEL_RISK = {
    "List": Risk.READ,
    "Read": Risk.READ,
    "Tagging": Risk.WRITE,
    "Write": Risk.WRITE,
    "Permissions management": Risk.PERMISSIONS,
}

# API names starting with these verbs remove something that cannot be brought back
# as it was (or, for Revoke/Deregister/Leave, cut a relationship the CLI cannot undo
# by itself).
DESTRUCTIVE_PREFIXES = (
    "Delete",
    "BatchDelete",
    "Terminate",
    "Purge",
    "Deregister",
    "Revoke",
    "Leave",
    "Destroy",
)
DESTRUCTIVE_NAMES = frozenset(
    {
        "ScheduleKeyDeletion",  # KMS: the key and everything encrypted with it, after 7-30 days
        "CloseAccount",  # Organizations
        "ReleaseAddress",  # EC2: an Elastic IP, once released, is usually gone for good
        "DisableSecurityHub",  # deletes findings and configuration
        "DisableMacie",  # deletes Macie's resources and findings
    }
)

# What an operation acts on when it changes who may do what. Used together with the
# SAR's "Permissions management" level, so PutScalingPolicy (Write) stays a write.
PERMISSION_SUBJECTS = (
    "Policy",
    "Policies",
    "Permission",
    "AccessKey",
    "Acl",
    "Grant",
    "LoginProfile",
    "Credential",
    "SSHPublicKey",
    "SigningCertificate",
    "MFADevice",
    "UserToGroup",
    "UserFromGroup",
    "Attribute",  # SetQueueAttributes/SetTopicAttributes carry the resource policy
    "Sharing",
    "Share",
)
# Names that change permissions whatever the SAR level (or when the SAR has no entry).
PERMISSION_NAMES_ALWAYS = (
    "AccessKey",
    "LoginProfile",
    "AssumeRolePolicy",
    "ResourcePolicy",
    "BucketPolicy",
    "KeyPolicy",
    "RolePolicy",
    "UserPolicy",
    "GroupPolicy",
    "AddPermission",
    "RemovePermission",
    "BucketAcl",
    "ObjectAcl",
)

READ_VERBS = (
    "Describe",
    "Get",
    "List",
    "Head",
    "Search",
    "Lookup",
    "Query",
    "Scan",
    "Select",
    "BatchGet",
    "BatchDescribe",
    "Check",
    "Validate",
    "Estimate",
    "Preview",
    "Simulate",
    "Detect",
    "Filter",
    "Download",
    "Verify",
    "View",
    "Count",
)


def classify(
    invocation: Invocation,
    files: AwsFiles | None = None,
    environ: Mapping[str, str] | None = None,
) -> Classification:
    """Classify one `aws` invocation. Never raises on odd input.

    `files` (the AWS config and credentials files) and `environ` matter only for
    `aws configure set`, whose risk depends on what the profile holds already.
    """
    inv = invocation
    service = inv.service
    if getattr(inv, "shell_alias", False):
        return Classification(
            Risk.DESTRUCTIVE,
            service,
            None,
            None,
            "a `!` alias runs a shell command: awsguard cannot see what it does",
        )
    if inv.is_version:
        return Classification(Risk.READ, service, None, None, "--version prints the version")
    if inv.is_help:
        return Classification(Risk.READ, service, None, None, "help: no AWS call")
    if service == "configure" and inv.operation in ("set", "import"):
        return _classify_configure(inv, files, environ)
    if service in LOCAL_SERVICES:
        return Classification(
            Risk.READ, service, None, None, f"`aws {service}`: {LOCAL_SERVICES[service]}"
        )
    if inv.operation is None:
        if getattr(inv, "unseen", None) and inv.problem:
            # A plugin may add a command of its own (`aws nuke`) that awsguard's tables
            # cannot show: what it does is unknown, so it is confirmed.
            return Classification(
                Risk.DESTRUCTIVE,
                service,
                None,
                None,
                f"`aws {service}` is not a command awsguard knows, and {inv.unseen}: "
                "a plugin's own command, confirmed like a destructive one",
            )
        return Classification(
            Risk.READ, service, None, None, "no operation given: the CLI prints its usage"
        )
    if inv.operation == "wait":
        waiter = inv.args[0] if inv.args and not inv.args[0].startswith("-") else None
        op = f"wait {waiter}" if waiter else "wait"
        return Classification(
            Risk.READ, service, op, None, "waiters only poll Describe/Get/List calls"
        )

    result = _classify_command(inv)
    if inv.has_arg("--generate-cli-skeleton"):
        return _as_read(result, "--generate-cli-skeleton prints a template; no AWS call")
    if _dry_run(inv):
        return _as_read(result, "--dry-run: AWS checks the permissions and changes nothing")
    if service == "s3" and inv.has_arg("--dryrun"):
        return _as_read(result, "--dryrun: the s3 command only prints what it would do")
    return _unseen(inv, _by_value(inv, result))


def _unseen(inv: Invocation, result: Classification) -> Classification:
    """Plugins or extra service models may change what a command does (Invocation.unseen):
    what is not a read fails closed, a write as destructive."""
    unseen = getattr(inv, "unseen", None)
    if not unseen or result.risk is Risk.READ:
        return result
    if result.risk is Risk.WRITE:
        why = (
            f"{unseen}, so awsguard cannot see what this command does: confirmed like a "
            f"destructive command (without them: {result.reason})"
        )
        return Classification(
            Risk.DESTRUCTIVE, result.service, result.operation, result.action, why
        )
    why = f"{result.reason}; and {unseen}"
    return Classification(result.risk, result.service, result.operation, result.action, why)


def _dry_run(inv: Invocation) -> bool:
    params = getattr(inv, "params", None)
    if params is not None and "DryRun" in params:
        # The CLI's own decision: --dry-run, --no-dry-run, or DryRun in --cli-input-json.
        return params["DryRun"] is True
    return inv.has_arg("--dry-run") and not inv.has_arg("--no-dry-run")


# --- risk by value (the table is awsguard/riskrules.py) --------------------------------------

# The services riskrules.RULES has rows for; the table itself is imported only for their
# writes (a unit test keeps this set equal to the table's).
VALUE_RULE_SERVICES = frozenset(
    {
        "accessanalyzer",
        "application-autoscaling",
        "autoscaling",
        "backup",
        "cloudformation",
        "cloudtrail",
        "cloudwatch",
        "cognito-idp",
        "configservice",
        "detective",
        "docdb",
        "dsql",
        "dynamodb",
        "ec2",
        "ec2-instance-connect",
        "ecr",
        "ecs",
        "efs",
        "eks",
        "elasticache",
        "elbv2",
        "events",
        "guardduty",
        "iam",
        "identitystore",
        "inspector2",
        "kinesis",
        "kms",
        "lambda",
        "lightsail",
        "logs",
        "macie2",
        "memorydb",
        "neptune",
        "neptune-graph",
        "opensearchserverless",
        "organizations",
        "ram",
        "rds",
        "redshift",
        "route53",
        "s3",
        "s3api",
        "s3control",
        "secretsmanager",
        "securityhub",
        "sns",
        "sqs",
        "ssm",
        "sso-admin",
        "verifiedpermissions",
    }
)

# From the strictest: when two risks apply, the stricter one is the command's.
STRICTNESS = (
    Risk.DESTRUCTIVE,
    Risk.PERMISSIONS,
    Risk.EXPOSURE,
    Risk.EXECUTE,
    Risk.AUDIT_OFF,
    Risk.INTERACTIVE,
    Risk.WRITE,
    Risk.READ,
)


def depends_on_values(invocation: Invocation) -> bool:
    """Whether the risk of this command depends on its values (or on files), not only on
    its name and options: such a command's answer is not remembered between calls."""
    inv = invocation
    if inv.service == "configure":
        return True
    # A file's content (file://, --cli-input-json/yaml) can change between two calls
    # with the same argv: DryRun, an ACL or a DELETE may be in it.
    if any("file://" in arg or "fileb://" in arg for arg in inv.args):
        return True
    if inv.has_arg("--cli-input-json") or inv.has_arg("--cli-input-yaml"):
        return True
    if inv.service not in VALUE_RULE_SERVICES:
        return False
    from . import riskrules

    return f"{inv.service} {inv.operation}" in riskrules.RULES


def _by_value(inv: Invocation, result: Classification) -> Classification:
    """Raise the risk by the command's parameters (riskrules.RULES); fail closed when
    the parser could not read the command line."""
    if result.risk is Risk.READ or inv.service not in VALUE_RULE_SERVICES:
        return result
    from . import riskrules

    command = f"{inv.service} {inv.operation}"
    if command not in riskrules.RULES:
        return result
    found = riskrules.evaluate(command, _values(inv))
    problem = getattr(inv, "problem", None)
    if found is None and problem:
        strict = riskrules.strictest(command)
        if strict is not None:
            found = (
                strict,
                f"awsguard cannot be sure how the CLI reads this command ({problem}), so it "
                f"assumes the worst this command can do ({strict})",
            )
    if found is None:
        return result
    risk, why = Risk(found[0]), found[1]
    if risk is not result.risk and result.risk is not Risk.WRITE:
        why += f"; and {result.risk.value}: {result.reason}"
        if problem and STRICTNESS.index(result.risk) < STRICTNESS.index(risk):
            risk = result.risk  # unsure of the value: keep the stricter name-based risk
    return Classification(risk, result.service, result.operation, result.action, why)


def _values(inv: Invocation) -> dict[str, Any]:
    """What the predicates read: the API parameters the CLI will send, and the options
    that are not API members (`--acl` of `s3 cp`, `--cidr`) under their option names."""
    values: dict[str, Any] = {}
    options = getattr(inv, "options", None)
    if options is None:
        options = _options_from_args(inv.args)
    for name, given in options.items():
        given = tuple(given)
        values[name] = True if not given else given[0] if len(given) == 1 else list(given)
    values.update(getattr(inv, "params", None) or {})
    return values


def _options_from_args(args: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Options as the parser's `options` gives them, for an Invocation without them."""
    options: dict[str, tuple[str, ...]] = {}
    name: str | None = None
    for arg in args:
        if arg.startswith("--"):
            key, eq, value = arg.partition("=")
            options[key] = (value,) if eq else ()
            name = None if eq else key
        elif name is not None:
            options[name] = options[name] + (arg,)
    return options


# --- aws configure set / import ----------------------------------------------------------------

# Settings that decide which identity a profile acts as; setting one on a profile that
# already has credentials swaps that identity (the old keys are gone from the file).
IDENTITY_SETTINGS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
        "role_arn",
        "source_profile",
        "credential_source",
        "credential_process",
        "web_identity_token_file",
        "sso_account_id",
        "sso_role_name",
        "sso_session",
        "sso_start_url",
    }
)
# Settings that decide where a profile's signed requests go, or whom its TLS trusts:
# changed on a profile that has credentials, they send those to another host.
REDIRECT_SETTINGS = frozenset({"endpoint_url", "ca_bundle"})
# Sections `aws configure set` writes as they are named (not as profiles).
_CONFIGURE_SECTIONS = ("preview", "plugins")


def _configure_set_variable(inv: Invocation) -> str | None:
    words = getattr(inv, "positionals", None)
    if words is None:
        words = tuple(a for a in inv.args if not a.startswith("-"))
    return words[0] if words else None


def configure_set_target(
    inv: Invocation, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """(profile, setting) that `aws configure set` writes, as the CLI works it out:
    `profile.NAME.key`, `default.key`, or `key` for --profile / AWS_PROFILE / default."""
    words = getattr(inv, "positionals", None)
    if words is None:
        words = tuple(a for a in inv.args if not a.startswith("-"))
    if not words:
        return None
    varname = words[0]
    environ = environ or {}
    # The profile variables in the installed CLI's own order (v1 reads AWS_DEFAULT_PROFILE
    # first, v2 AWS_PROFILE first): with both set, v2 writes AWS_PROFILE's profile.
    from .resolve import profile_vars

    named = (environ.get(var) for var in profile_vars(getattr(inv, "major", 1)))
    session_profile = inv.profile or next((name for name in named if name), None)
    parts = varname.split(".")
    if len(parts) == 1:
        return session_profile or "default", varname.lower()
    if parts[0] == "default":
        return "default", parts[1].lower()
    if parts[0] == "profile" and len(parts) >= 3:
        return parts[1], parts[2].lower()
    if parts[0] in _CONFIGURE_SECTIONS:
        return None
    return session_profile or "default", parts[0].lower()


def _classify_configure(
    inv: Invocation, files: AwsFiles | None, environ: Mapping[str, str] | None
) -> Classification:
    command = f"configure {inv.operation}"
    if inv.operation == "import":
        return Classification(
            Risk.DESTRUCTIVE,
            "configure",
            command,
            None,
            "imports access keys into the credentials file, overwriting a profile of the same name",
        )
    target = configure_set_target(inv, environ)
    problem = getattr(inv, "problem", None)
    if target is None and problem:
        return Classification(
            Risk.DESTRUCTIVE,
            "configure",
            command,
            None,
            f"awsguard cannot be sure what this sets ({problem}); it may replace a "
            "profile's credentials",
        )
    variable = (_configure_set_variable(inv) or "").lower()
    if inv.operation == "set" and variable.startswith("plugins."):
        return Classification(
            Risk.EXECUTE,
            "configure",
            command,
            None,
            f"sets {variable}: the CLI then loads and runs that Python module on every call",
        )
    watched = IDENTITY_SETTINGS | REDIRECT_SETTINGS
    if target is None or target[1] not in watched:
        return Classification(
            Risk.READ, "configure", command, None, "local configuration files; no AWS change"
        )
    profile, setting = target
    if files is not None and not files.errors:
        held = sorted(set(files.profile(profile)) & IDENTITY_SETTINGS)
        if not held:
            return Classification(
                Risk.WRITE,
                "configure",
                command,
                None,
                f"sets {setting} of profile {profile}, which has no credentials yet",
            )
        why = f"profile {profile} already has {', '.join(held)}"
    else:
        why = "the AWS config files were not read"
    if setting in REDIRECT_SETTINGS:
        return Classification(
            Risk.EXPOSURE,
            "configure",
            command,
            None,
            f"sets {setting} of profile {profile} ({why}): its signed requests then go to "
            "the host that setting names, or trust the certificates it names",
        )
    return Classification(
        Risk.DESTRUCTIVE,
        "configure",
        command,
        None,
        f"sets {setting} of profile {profile} ({why}): the profile then acts as another "
        "identity and the old value is gone from the file",
    )


def _as_read(result: Classification, why: str) -> Classification:
    return Classification(Risk.READ, result.service, result.operation, result.action, why)


def _classify_command(inv: Invocation) -> Classification:
    service = inv.service or ""
    operation = inv.operation or ""
    rule = HIGH_LEVEL.get((service, operation))
    if rule is not None:
        risk, action, reason = rule(inv) if callable(rule) else rule
        return Classification(risk, service, f"{service} {operation}", action, reason)

    info = catalog.operation_for_cli(service, operation)
    if info is None:
        return _classify_unknown(inv, service, operation)
    action = info.actions[0] if info.actions else None
    risk, why = _risk_for_api(info.api_operation, info.access_level, info.prefix, inv)
    if not info.actions:
        why += "; the call needs no IAM permission"
    if not info.verified:
        why += f" ({action} is not in the Service Authorization Reference: a guess by name)"
    return Classification(risk, service, info.api_operation, action, why)


def _risk_for_api(
    api: str, level: str | None, prefix: str, inv: Invocation | None = None
) -> tuple[Risk, str]:
    """The risk of one API operation from its SAR access level and its name."""
    level_text = f"SAR access level {level}" if level else "no SAR access level"
    reads = level in ("List", "Read") or (level is None and api.startswith(READ_VERBS))
    if not reads:
        if _changes_permissions(api, level, inv):
            return Risk.PERMISSIONS, f"{api} changes who may do what ({level_text})"
        if level != "Tagging" and _destroys(api):
            return Risk.DESTRUCTIVE, f"{api} removes something for good ({level_text})"
    if level in LEVEL_RISK:
        return LEVEL_RISK[level], f"{api}: {level_text}"
    if reads:
        return Risk.READ, f"{api}: a read by its verb ({level_text})"
    return Risk.WRITE, f"{api}: not a read by its verb, so a write ({level_text})"


def _changes_permissions(api: str, level: str | None, inv: Invocation | None) -> bool:
    if any(word in api for word in PERMISSION_NAMES_ALWAYS):
        return True
    if level == "Permissions management":
        return any(word in api for word in PERMISSION_SUBJECTS)
    return False


def _destroys(api: str) -> bool:
    if api in DESTRUCTIVE_NAMES:
        return True
    if api.startswith(DESTRUCTIVE_PREFIXES):
        # DeleteTags/UntagResource only remove labels.
        return not api.startswith(("DeleteTag", "BatchDeleteTag"))
    return False


def _pascal(kebab: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in kebab.split("-"))


def _classify_unknown(inv: Invocation, service: str, operation: str) -> Classification:
    """A service or operation that is not in awsguard's tables (a newer CLI, a plugin, a
    typo): awsguard cannot see what it does, so it fails closed (destructive) unless
    its name starts with a read verb. A line the installed CLI certainly rejects runs
    nothing, and keeps the guess by name."""
    api = getattr(inv, "api_operation", None) or _pascal(operation)
    prefix = catalog.iam_prefix_for_cli_service(service)
    if prefix is None:
        where = f"awsguard does not know the service {service!r}"
        action = None
    else:
        where = f"awsguard does not know the operation {operation!r} of {service!r}"
        action = f"{prefix}:{api}"
    verb = next((v for v in READ_VERBS if api.startswith(v)), None)
    if verb is not None:
        return Classification(
            Risk.READ, service, api, action, f"{where}; {verb}… names a read, so a read"
        )
    if getattr(inv, "cli_error", False) and not getattr(inv, "problem", None):
        risk, why = _risk_for_api(api, None, prefix or service, inv)
        return Classification(
            risk,
            service,
            api,
            action,
            f"{where}, and the installed CLI rejects this command line; by name: {why}",
        )
    return Classification(
        Risk.DESTRUCTIVE,
        service,
        api,
        action,
        f"{where}, so it cannot tell what this does: confirmed like a destructive command",
    )


# --- high-level commands (awscli customizations) ---------------------------------

Rule = tuple[Risk, "str | None", str]

# Options of the `aws s3` commands that take a value (so the next word is not a path).
S3_VALUE_OPTIONS = frozenset(
    {
        "--acl",
        "--bucket-name-prefix",
        "--bucket-region",
        "--cache-control",
        "--case-conflict",
        "--checksum-algorithm",
        "--checksum-mode",
        "--content-disposition",
        "--content-encoding",
        "--content-language",
        "--content-type",
        "--copy-props",
        "--error-document",
        "--exclude",
        "--expected-size",
        "--expires",
        "--grants",
        "--include",
        "--index-document",
        "--metadata",
        "--metadata-directive",
        "--page-size",
        "--request-payer",
        "--source-region",
        "--sse",
        "--sse-c",
        "--sse-c-copy-source",
        "--sse-c-copy-source-key",
        "--sse-c-key",
        "--sse-kms-key-id",
        "--storage-class",
        "--tags",
        "--website-redirect",
        "--expires-in",
    }
)


def _s3_paths(inv: Invocation) -> list[str]:
    positionals = getattr(inv, "positionals", None)
    if positionals:  # the parser knows which options take a value
        return list(positionals)
    paths: list[str] = []
    skip = False
    for arg in inv.args:
        if skip:
            skip = False
            continue
        if arg.startswith("--"):
            skip = arg in S3_VALUE_OPTIONS
            continue
        paths.append(arg)
    return paths


def _is_s3(path: str) -> bool:
    return path.startswith("s3://") or path.startswith("S3://")


def _s3_cp(inv: Invocation) -> Rule:
    paths = _s3_paths(inv)
    if len(paths) >= 2 and not _is_s3(paths[1]):
        return Risk.READ, "s3:GetObject", "downloads from S3; only local files change"
    return Risk.WRITE, "s3:PutObject", "writes objects to S3 (overwrites keys of the same name)"


def _s3_sync(inv: Invocation) -> Rule:
    paths = _s3_paths(inv)
    to_s3 = len(paths) < 2 or _is_s3(paths[1])
    if inv.has_arg("--delete"):
        if to_s3:
            return (
                Risk.DESTRUCTIVE,
                "s3:DeleteObject",
                "sync --delete deletes objects in the destination that the source lacks",
            )
        return (
            Risk.DESTRUCTIVE,
            "s3:GetObject",
            "sync --delete deletes local files that the bucket lacks",
        )
    if to_s3:
        return Risk.WRITE, "s3:PutObject", "writes objects to S3 (no --delete: nothing removed)"
    return Risk.READ, "s3:GetObject", "downloads from S3; only local files change"


def _s3_mv(inv: Invocation) -> Rule:
    paths = _s3_paths(inv)
    if paths and _is_s3(paths[0]):
        return Risk.DESTRUCTIVE, "s3:DeleteObject", "mv deletes the source objects after copying"
    return Risk.DESTRUCTIVE, "s3:PutObject", "mv deletes the local source files after upload"


def _s3_ls(inv: Invocation) -> Rule:
    if not _s3_paths(inv):
        return Risk.READ, "s3:ListAllMyBuckets", "lists buckets"
    return Risk.READ, "s3:ListBucket", "lists objects"


def _s3_rb(inv: Invocation) -> Rule:
    if inv.has_arg("--force"):
        return Risk.DESTRUCTIVE, "s3:DeleteBucket", "deletes every object, then the bucket"
    return Risk.DESTRUCTIVE, "s3:DeleteBucket", "deletes the bucket"


def _cfn_deploy(inv: Invocation) -> Rule:
    if inv.has_arg("--no-execute-changeset"):
        return Risk.WRITE, "cloudformation:CreateChangeSet", "creates a change set only"
    return (
        Risk.WRITE,
        "cloudformation:ExecuteChangeSet",
        "creates and executes a change set (may replace or remove resources the template "
        "no longer has; `delete-stack` is the destructive one)",
    )


def _deploy_deregister(inv: Invocation) -> Rule:
    if inv.has_arg("--no-delete-iam-user"):
        return (
            Risk.DESTRUCTIVE,
            "codedeploy:DeregisterOnPremisesInstance",
            "deregisters the on-premises instance",
        )
    return (
        Risk.DESTRUCTIVE,
        "codedeploy:DeregisterOnPremisesInstance",
        "deregisters the on-premises instance and deletes its IAM user",
    )


def _emr_modify_cluster_attributes(inv: Invocation) -> Rule:
    if inv.has_arg("--no-termination-protected") or getattr(inv, "problem", None):
        return (
            Risk.DESTRUCTIVE,
            "elasticmapreduce:SetTerminationProtection",
            "turns the cluster's termination protection off",
        )
    return (
        Risk.WRITE,
        "elasticmapreduce:SetTerminationProtection",
        "changes the cluster's attributes",
    )


_WIZARD: Rule = (
    Risk.INTERACTIVE,
    None,
    "a wizard: the calls are chosen inside the CLI's prompt and cannot be checked",
)

HIGH_LEVEL: dict[tuple[str, str], Rule | Callable[[Invocation], Rule]] = {
    ("s3", "ls"): _s3_ls,
    ("s3", "presign"): (Risk.READ, "s3:GetObject", "signs a URL locally; no AWS call"),
    ("s3", "cp"): _s3_cp,
    ("s3", "sync"): _s3_sync,
    ("s3", "mv"): _s3_mv,
    ("s3", "rm"): (Risk.DESTRUCTIVE, "s3:DeleteObject", "deletes objects"),
    ("s3", "rb"): _s3_rb,
    ("s3", "mb"): (Risk.WRITE, "s3:CreateBucket", "creates a bucket"),
    ("s3", "website"): (Risk.WRITE, "s3:PutBucketWebsite", "sets the bucket's website config"),
    ("cloudformation", "deploy"): _cfn_deploy,
    ("cloudformation", "package"): (
        Risk.WRITE,
        "s3:PutObject",
        "uploads local artifacts to S3 and writes a template locally",
    ),
    ("ecs", "deploy"): (
        Risk.WRITE,
        "codedeploy:CreateDeployment",
        "registers a task definition and starts a CodeDeploy blue/green deployment",
    ),
    ("eks", "update-kubeconfig"): (
        Risk.READ,
        "eks:DescribeCluster",
        "reads the cluster; writes only your local kubeconfig",
    ),
    ("eks", "get-token"): (Risk.READ, None, "signs a token locally; no AWS call"),
    ("deploy", "push"): (
        Risk.WRITE,
        "codedeploy:RegisterApplicationRevision",
        "uploads a revision to S3 and registers it",
    ),
    ("deploy", "register"): (
        Risk.PERMISSIONS,
        "codedeploy:RegisterOnPremisesInstance",
        "registers an on-premises instance and (without --iam-user-arn) creates an IAM "
        "user with an access key for it",
    ),
    ("deploy", "deregister"): _deploy_deregister,
    ("deploy", "install"): (
        Risk.WRITE,
        None,
        "installs the CodeDeploy agent on this machine (no AWS change)",
    ),
    ("deploy", "uninstall"): (
        Risk.WRITE,
        None,
        "removes the CodeDeploy agent from this machine (no AWS change)",
    ),
    ("ecr", "get-login-password"): (
        Risk.READ,
        "ecr:GetAuthorizationToken",
        "fetches a registry password",
    ),
    ("ecr", "get-login"): (Risk.READ, "ecr:GetAuthorizationToken", "fetches a registry login"),
    ("ecr-public", "get-login-password"): (
        Risk.READ,
        "ecr-public:GetAuthorizationToken",
        "fetches a registry password",
    ),
    ("codeartifact", "login"): (
        Risk.READ,
        "codeartifact:GetAuthorizationToken",
        "fetches a token; writes only local tool configuration",
    ),
    ("codecommit", "credential-helper"): (Risk.READ, None, "git credential helper"),
    ("rds", "generate-db-auth-token"): (
        Risk.READ,
        "rds-db:connect",
        "signs a token locally; no AWS call",
    ),
    ("cloudfront", "sign"): (Risk.READ, None, "signs a URL locally; no AWS call"),
    ("emr", "create-cluster"): (Risk.WRITE, "elasticmapreduce:RunJobFlow", "starts a cluster"),
    ("emr", "terminate-clusters"): (
        Risk.DESTRUCTIVE,
        "elasticmapreduce:TerminateJobFlows",
        "terminates clusters",
    ),
    ("emr", "create-default-roles"): (
        Risk.PERMISSIONS,
        "iam:CreateRole",
        "creates the default EMR IAM roles and attaches policies",
    ),
    ("emr", "add-steps"): (
        Risk.EXECUTE,
        "elasticmapreduce:AddJobFlowSteps",
        "runs steps (programs and scripts) on a running cluster",
    ),
    ("emr", "ssh"): (
        Risk.EXECUTE,
        "elasticmapreduce:DescribeCluster",
        "opens a shell on the cluster's master node (or runs --command there)",
    ),
    ("emr", "socks"): (Risk.READ, "elasticmapreduce:DescribeCluster", "opens a SOCKS tunnel"),
    ("emr", "get"): (Risk.READ, "elasticmapreduce:DescribeCluster", "copies a file from a node"),
    ("emr", "put"): (Risk.WRITE, "elasticmapreduce:DescribeCluster", "copies a file to the node"),
    ("emr", "modify-cluster-attributes"): _emr_modify_cluster_attributes,
    ("emr", "restore-from-hbase-backup"): (
        Risk.DESTRUCTIVE,
        "elasticmapreduce:AddJobFlowSteps",
        "replaces the cluster's HBase data with a backup",
    ),
    ("emr", "disable-hbase-backups"): (
        Risk.DESTRUCTIVE,
        "elasticmapreduce:AddJobFlowSteps",
        "turns the cluster's scheduled HBase backups off",
    ),
    ("emr-containers", "update-role-trust-policy"): (
        Risk.PERMISSIONS,
        "iam:UpdateAssumeRolePolicy",
        "changes an IAM role's trust policy so the cluster's pods can assume it",
    ),
    ("datapipeline", "create-default-roles"): (
        Risk.PERMISSIONS,
        "iam:CreateRole",
        "creates the default Data Pipeline IAM roles and attaches policies",
    ),
    ("dlm", "create-default-role"): (
        Risk.PERMISSIONS,
        "iam:CreateRole",
        "creates the default Data Lifecycle Manager IAM role and attaches a policy",
    ),
    # AWS CLI v2's wizards compose their API calls inside the CLI's own prompt, where
    # awsguard cannot see them (as with --cli-auto-prompt).
    ("iam", "wizard"): _WIZARD,
    ("lambda", "wizard"): _WIZARD,
    ("events", "wizard"): _WIZARD,
    ("dynamodb", "wizard"): _WIZARD,
    ("configservice", "subscribe"): (
        Risk.WRITE,
        "config:PutDeliveryChannel",
        "sets up the recorder and delivery channel",
    ),
    ("configservice", "get-status"): (
        Risk.READ,
        "config:DescribeConfigurationRecorderStatus",
        "reads recorder status",
    ),
    ("logs", "tail"): (Risk.READ, "logs:FilterLogEvents", "reads log events"),
    ("ddb", "select"): (Risk.READ, "dynamodb:Query", "reads items"),
    ("ddb", "put"): (Risk.WRITE, "dynamodb:PutItem", "writes items"),
    ("sso", "login"): (Risk.READ, None, "signs in to IAM Identity Center; caches a token"),
    ("sso", "logout"): (Risk.READ, None, "removes cached tokens"),
    ("cloudtrail", "validate-logs"): (Risk.READ, "cloudtrail:DescribeTrails", "reads logs"),
    ("gamelift", "upload-build"): (Risk.WRITE, "gamelift:CreateBuild", "uploads a build"),
    ("gamelift", "get-game-session-log"): (
        Risk.READ,
        "gamelift:GetGameSessionLogUrl",
        "downloads a log",
    ),
    ("opsworks", "register"): (
        Risk.PERMISSIONS,
        "opsworks:RegisterInstance",
        "registers an instance and creates an IAM user for it",
    ),
}

# Commands that only touch local files or the CLI itself.
LOCAL_SERVICES = {
    "configure": "local configuration files; no AWS change",
    "history": "the CLI's local history",
    "cli-dev": "CLI developer commands",
    "login": "signs in; caches credentials locally",
    "logout": "removes cached credentials",
}
