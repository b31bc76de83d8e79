"""Risk that depends on a call's parameters, as data: operation -> (risk, predicate) rows.

AWS decides what a call does from its parameters as much as from its name: the same
PutObject is an upload or a publication (`ACL=public-read`), the same
ChangeResourceRecordSets an UPSERT or a DELETE. `RULES` below lists, per CLI command,
the predicates that raise its risk, each a small named function over the parameters
the CLI will send (`Invocation.params`: API member names, values already decoded from
JSON, shorthand, `file://` and `--cli-input-json`). A predicate returns the reason
("ACL public-read makes the object public") or None.

Failing closed: a value awsguard could not decode (the parser's UNPARSED) makes the
row match, with a reason that says so; `risk.classify` also applies the strictest row
of an operation when the parser reports a problem with the command line.

Loaded only for commands that have rows (`risk.py` checks `COMMANDS` first, from a
frozenset literal that costs nothing to build), so the shim's common path never pays
for this module or the `json`/`ipaddress` it may import.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    Predicate = Callable[[dict[str, Any]], "str | None"]

# Risk names (the values of risk.Risk), kept as strings so this table is plain data.
DESTRUCTIVE = "destructive"
PERMISSIONS = "permissions"
EXPOSURE = "exposure"
EXECUTE = "execute"
AUDIT_OFF = "audit-off"


class Unreadable(Exception):
    """A parameter the parser could not decode (UNPARSED): the row fails closed."""

    def __init__(self, member: str) -> None:
        super().__init__(member)
        self.member = member


def _parser_sentinel() -> object:
    from . import invocation

    return getattr(invocation, "UNPARSED", object())


# The parser's marker for a value it could not decode (its identity is what counts).
UNPARSED = _parser_sentinel()


# --- reading parameters ----------------------------------------------------------------


def get(params: Any, *path: str) -> Any:
    """params[a][b]..., None when absent; raises Unreadable on an undecoded value."""
    value = params
    for name in path:
        if value is UNPARSED:
            raise Unreadable(".".join(path))
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    if value is UNPARSED:
        raise Unreadable(".".join(path))
    return value


def items(params: Any, *path: str) -> list[Any]:
    """The list at `path` (a lone value counts as a list of one), [] when absent."""
    value = get(params, *path)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        for item in value:
            if item is UNPARSED:
                raise Unreadable(".".join(path))
        return list(value)
    return [value]


def _text(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def _is_false(value: Any) -> bool:
    """False, "false", or an AttributeBooleanValue structure {"Value": false}."""
    if isinstance(value, dict):
        value = value.get("Value")
    return value is False or _text(value) == "false"


def _is_true(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("Value")
    return value is True or _text(value) == "true"


def _is_zero(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    text = _text(value)
    try:
        return text != "" and float(text) == 0
    except ValueError:
        return False


def _members(*names: str) -> Callable[[Predicate], Predicate]:
    """Record the API members a predicate reads (a unit test checks them against botocore)."""

    def mark(fn: Predicate) -> Predicate:
        fn.members = names  # type: ignore[attr-defined]
        return fn

    return mark


# --- predicate factories ---------------------------------------------------------------


def always(reason: str) -> Predicate:
    def test(params: dict[str, Any]) -> str | None:
        return reason

    test.members = ()  # type: ignore[attr-defined]
    return test


def is_false(member: str, reason: str) -> Predicate:
    path = member.split(".")

    @_members(path[0])
    def test(params: dict[str, Any]) -> str | None:
        return reason if _is_false(get(params, *path)) else None

    return test


def is_true(member: str, reason: str) -> Predicate:
    path = member.split(".")

    @_members(path[0])
    def test(params: dict[str, Any]) -> str | None:
        return reason if _is_true(get(params, *path)) else None

    return test


def is_zero(member: str, reason: str) -> Predicate:
    path = member.split(".")

    @_members(path[0])
    def test(params: dict[str, Any]) -> str | None:
        return reason if _is_zero(get(params, *path)) else None

    return test


def equals(member: str, wanted: str, reason: str) -> Predicate:
    """The member is `wanted`, compared without case (AWS enum values are upper-case,
    but a guard must not be fooled where a service is lenient)."""

    path = member.split(".")

    @_members(path[0])
    def test(params: dict[str, Any]) -> str | None:
        return reason if _text(get(params, *path)) == wanted.lower() else None

    return test


def present(member: str, reason: str) -> Predicate:
    @_members(member)
    def test(params: dict[str, Any]) -> str | None:
        value = get(params, member)
        return reason if value not in (None, "", [], {}) else None

    return test


# --- exposure: ACLs, CIDRs, policies, sharing ------------------------------------------

PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
# S3's predefined groups that mean "anyone" (AuthenticatedUsers is any AWS account).
PUBLIC_GROUPS = (
    "acs.amazonaws.com/groups/global/allusers",
    "acs.amazonaws.com/groups/global/authenticatedusers",
)
S3_GRANT_MEMBERS = ("GrantRead", "GrantWrite", "GrantReadACP", "GrantWriteACP", "GrantFullControl")


def public_acl(member: str, what: str) -> Predicate:
    @_members(member)
    def test(params: dict[str, Any]) -> str | None:
        acl = _text(get(params, member))
        if acl in PUBLIC_CANNED_ACLS:
            return f"ACL {acl} makes the {what} public"
        return None

    return test


def _grant_reason(grant: str) -> str | None:
    """S3 grant text (`uri=http://acs…/AllUsers`, `id=…`, `emailaddress=…`): whom it reaches."""
    text = _text(grant)
    if any(group in text for group in PUBLIC_GROUPS):
        return "a grant to AllUsers/AuthenticatedUsers makes it public"
    if "id=" in text or "emailaddress=" in text:
        return "a grant gives another account's user access"
    return None


def s3_grants(*members: str) -> Predicate:
    @_members(*members)
    def test(params: dict[str, Any]) -> str | None:
        for member in members:
            for grant in items(params, member):
                for part in str(grant).split(","):
                    why = _grant_reason(part)
                    if why:
                        return f"{member}: {why}"
        return None

    return test


@_members("AccessControlPolicy")
def public_access_control_policy(params: dict[str, Any]) -> str | None:
    for grant in items(params, "AccessControlPolicy", "Grants"):
        uri = _text(get(grant, "Grantee", "URI"))
        if any(group in uri for group in PUBLIC_GROUPS):
            return "the ACL grants AllUsers/AuthenticatedUsers access: public"
    return None


def _wide_open(cidr: Any) -> bool:
    """A CIDR that reaches the internet at large: 0.0.0.0/0, ::/0, or any range of a
    /8 (IPv4) or /16 (IPv6) or wider that is not wholly private. Malformed text counts
    as open (AWS would reject it; the guard must not be the one that guesses)."""
    import ipaddress

    text = str(cidr).strip()
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return True
    widest = 8 if net.version == 4 else 16
    return net.prefixlen <= widest and not net.is_private


def _open_cidrs(permissions: list[Any]) -> str | None:
    for perm in permissions:
        for entry in items(perm, "IpRanges"):
            cidr = get(entry, "CidrIp")
            if cidr is not None and _wide_open(cidr):
                return f"ingress from {cidr} opens it to the internet"
        for entry in items(perm, "Ipv6Ranges"):
            cidr = get(entry, "CidrIpv6")
            if cidr is not None and _wide_open(cidr):
                return f"ingress from {cidr} opens it to the internet"
    return None


@_members("CidrIp", "IpPermissions")
def ingress_from_anywhere(params: dict[str, Any]) -> str | None:
    # `--cidr` is the CLI's own shortcut (not an API member): the parser keeps it as an
    # option, and the CLI turns it into IpPermissions.
    for cidr in (get(params, "CidrIp"), get(params, "--cidr")):
        if cidr is not None and _wide_open(cidr):
            return f"ingress from {cidr} opens it to the internet"
    return _open_cidrs(items(params, "IpPermissions"))


@_members("SecurityGroupRules")
def modified_rule_from_anywhere(params: dict[str, Any]) -> str | None:
    for rule in items(params, "SecurityGroupRules"):
        for member in ("CidrIpv4", "CidrIpv6"):
            cidr = get(rule, "SecurityGroupRule", member)
            if cidr is not None and _wide_open(cidr):
                return f"a rule from {cidr} opens the group to the internet"
    return None


@_members("portInfo")
def lightsail_port_open(params: dict[str, Any]) -> str | None:
    return _lightsail_ports([get(params, "portInfo")])


@_members("portInfos")
def lightsail_ports_open(params: dict[str, Any]) -> str | None:
    return _lightsail_ports(items(params, "portInfos"))


def _lightsail_ports(ports: list[Any]) -> str | None:
    for port in ports:
        if not isinstance(port, dict):
            continue
        cidrs = items(port, "cidrs")
        if not cidrs and not items(port, "ipv6Cidrs") and not items(port, "cidrListAliases"):
            return "a port without cidrs is open to 0.0.0.0/0 (Lightsail's default)"
        for cidr in cidrs + items(port, "ipv6Cidrs"):
            if _wide_open(cidr):
                return f"opens a port to {cidr}"
    return None


def _policy_is_public(document: Any) -> bool:
    """An Allow statement for Principal "*" (or AWS "*") without a Condition."""
    if isinstance(document, str):
        import json

        try:
            document = json.loads(document)
        except ValueError:
            return False  # AWS rejects a policy that is not JSON: nothing is exposed
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if statement.get("Condition"):
            continue
        principal = statement.get("Principal")
        if principal == "*":
            return True
        if isinstance(principal, dict):
            values = principal.get("AWS", [])
            if values == "*" or (isinstance(values, list) and "*" in values):
                return True
    return False


def public_policy(*path: str) -> Predicate:
    @_members(path[0])
    def test(params: dict[str, Any]) -> str | None:
        document = get(params, *path)
        if document is not None and _policy_is_public(document):
            return f'{".".join(path)} allows Principal "*" without a condition: public'
        return None

    return test


@_members("AttributeName", "AttributeValue")
def public_topic_policy(params: dict[str, Any]) -> str | None:
    if _text(get(params, "AttributeName")) != "policy":
        return None
    document = get(params, "AttributeValue")
    if document is not None and _policy_is_public(document):
        return 'the topic policy allows Principal "*" without a condition: public'
    return None


def principal_anyone(member: str) -> Predicate:
    @_members(member)
    def test(params: dict[str, Any]) -> str | None:
        if _text(get(params, member)) == "*":
            return f'{member} "*" lets anyone call it'
        return None

    return test


def _sharing(added: list[Any], what: str) -> str | None:
    for entry in added:
        group = _text(get(entry, "Group")) if isinstance(entry, dict) else _text(entry)
        if group == "all":
            return f"shares the {what} publicly (group all)"
    for entry in added:
        if isinstance(entry, dict):
            for key, value in entry.items():
                if value not in (None, ""):
                    return f"shares the {what} with {key} {value}"
        elif entry not in (None, ""):
            return f"shares the {what} with {entry}"
    return None


def shares_by_attribute(
    structure: str, attribute: str, lists: tuple[str, ...], what: str
) -> Predicate:
    """EC2's two ways to share an AMI, snapshot or FPGA image: `LaunchPermission={Add=[…]}`
    or `Attribute=launchPermission, OperationType=add, UserIds=[…]` (any case)."""

    @_members(structure, "Attribute", "OperationType", *lists)
    def test(params: dict[str, Any]) -> str | None:
        why = _sharing(items(params, structure, "Add"), what)
        if why:
            return why
        if _text(get(params, "Attribute")) == attribute.lower() and _text(
            get(params, "OperationType")
        ) in ("", "add"):
            added = [value for name in lists for value in items(params, name)]
            if added:
                group_all = any(_text(value) == "all" for value in added)
                if group_all:
                    return f"shares the {what} publicly (group all)"
                return f"shares the {what} with {', '.join(map(str, added))}"
        return None

    return test


def unshares_by_attribute(structure: str, attribute: str) -> Predicate:
    @_members(structure, "Attribute")
    def test(params: dict[str, Any]) -> str | None:
        if items(params, structure, "Remove"):
            return "removes launch or volume permissions: changes who may use it"
        if _text(get(params, "Attribute")) == attribute.lower():
            return f"changes {attribute}: who may use it"
        return None

    return test


@_members("AttributeName", "ValuesToAdd")
def rds_snapshot_shared(params: dict[str, Any]) -> str | None:
    if _text(get(params, "AttributeName")) != "restore":
        return None
    added = items(params, "ValuesToAdd")
    if any(_text(value) == "all" for value in added):
        return "shares the snapshot publicly (restore: all)"
    if added:
        return f"shares the snapshot with {', '.join(map(str, added))}"
    return None


@_members("AccountIdsToAdd")
def document_shared(params: dict[str, Any]) -> str | None:
    added = items(params, "AccountIdsToAdd")
    if any(_text(value) == "all" for value in added):
        return "shares the SSM document publicly (All)"
    if added:
        return f"shares the SSM document with {', '.join(map(str, added))}"
    return None


PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


@_members("PublicAccessBlockConfiguration")
def public_access_block_weakened(params: dict[str, Any]) -> str | None:
    # PutPublicAccessBlock replaces the whole configuration: a flag left out is false.
    config = get(params, "PublicAccessBlockConfiguration")
    if not isinstance(config, dict):
        return None if config is None else "the public access block cannot be read"
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if not _is_true(get(config, flag))]
    if off:
        return f"turns off the public access block ({', '.join(off)})"
    return None


# --- remote execution --------------------------------------------------------------------

# Environment variables that make a Lambda runtime load other code.
CODE_LOADING_VARIABLES = frozenset(
    {
        "AWS_LAMBDA_EXEC_WRAPPER",
        "NODE_OPTIONS",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "PERL5OPT",
        "RUBYOPT",
        "LD_PRELOAD",
        "DOTNET_STARTUP_HOOKS",
    }
)


@_members("Layers", "Environment")
def lambda_loads_code(params: dict[str, Any]) -> str | None:
    if get(params, "Layers") is not None:
        return "changing Layers changes the code the function runs"
    variables = get(params, "Environment", "Variables")
    if isinstance(variables, dict):
        loaders = sorted(name for name in variables if name.upper() in CODE_LOADING_VARIABLES)
        if loaders:
            return f"{loaders[0]} makes the runtime load other code"
    return None


@_members("UserData", "Attribute")
def instance_user_data(params: dict[str, Any]) -> str | None:
    if get(params, "UserData") is not None:
        return "new user data runs as root when the instance next starts"
    if _text(get(params, "Attribute")) == "userdata":
        return "new user data runs as root when the instance next starts"
    return None


@_members("LaunchTemplateData")
def template_user_data(params: dict[str, Any]) -> str | None:
    if get(params, "LaunchTemplateData", "UserData") is not None:
        return "user data in the template runs as root on every instance launched from it"
    return None


# --- deletion by value ------------------------------------------------------------------


@_members("ChangeBatch")
def record_set_deleted(params: dict[str, Any]) -> str | None:
    for change in items(params, "ChangeBatch", "Changes"):
        if _text(get(change, "Action")) == "delete":
            name = get(change, "ResourceRecordSet", "Name")
            return (
                f"the change batch DELETEs record {name}"
                if name
                else ("the change batch DELETEs a record")
            )
    return None


@_members("Changes")
def cidr_deleted(params: dict[str, Any]) -> str | None:
    for change in items(params, "Changes"):
        if _text(get(change, "Action")).startswith("delete"):
            return "the change DELETEs CIDR blocks"
    return None


@_members("RequestItems")
def batch_write_deletes(params: dict[str, Any]) -> str | None:
    tables = get(params, "RequestItems")
    if not isinstance(tables, dict):
        return None
    for table, requests in tables.items():
        for request in requests if isinstance(requests, list) else [requests]:
            if request is UNPARSED:
                raise Unreadable(f"RequestItems.{table}")
            if isinstance(request, dict) and "DeleteRequest" in request:
                return f"a DeleteRequest deletes items from {table}"
    return None


@_members("TransactItems")
def transaction_deletes(params: dict[str, Any]) -> str | None:
    for item in items(params, "TransactItems"):
        if isinstance(item, dict) and "Delete" in item:
            return "the transaction deletes an item"
    return None


def _partiql_deletes(statement: Any) -> bool:
    # Fail closed: only a statement that plainly starts with a verb that deletes nothing
    # passes (a leading comment, parenthesis or anything unusual counts as a DELETE).
    text = _text(statement)
    return not text.startswith(("select", "insert", "update", "exists"))


@_members("Statement")
def statement_deletes(params: dict[str, Any]) -> str | None:
    if _partiql_deletes(get(params, "Statement")):
        return "the PartiQL statement is a DELETE"
    return None


def statements_delete(member: str) -> Predicate:
    @_members(member)
    def test(params: dict[str, Any]) -> str | None:
        for entry in items(params, member):
            if _partiql_deletes(get(entry, "Statement")):
                return "a PartiQL statement is a DELETE"
        return None

    return test


@_members("ReplicaUpdates")
def replica_deleted(params: dict[str, Any]) -> str | None:
    for update in items(params, "ReplicaUpdates"):
        if isinstance(update, dict) and "Delete" in update:
            return "deletes a replica of the table"
    return None


@_members("LifecycleConfiguration")
def lifecycle_expires(params: dict[str, Any]) -> str | None:
    for rule in items(params, "LifecycleConfiguration", "Rules"):
        if not isinstance(rule, dict) or _text(rule.get("Status")) == "disabled":
            continue
        for action in ("Expiration", "NoncurrentVersionExpiration"):
            if rule.get(action):
                return f"a lifecycle rule with {action} deletes objects"
    return None


@_members("VersioningConfiguration")
def versioning_off(params: dict[str, Any]) -> str | None:
    if _text(get(params, "VersioningConfiguration", "Status")) == "suspended":
        return "suspending versioning: later overwrites and deletes lose the old versions"
    if _text(get(params, "VersioningConfiguration", "MFADelete")) == "disabled":
        return "turns MFA delete off"
    return None


def elb_attribute(key: str, value: str, reason: str) -> Predicate:
    @_members("Attributes")
    def test(params: dict[str, Any]) -> str | None:
        for attribute in items(params, "Attributes"):
            if _text(get(attribute, "Key")) == key and _text(get(attribute, "Value")) == value:
                return reason
        return None

    return test


def _sets_true(value: Any) -> bool:
    """Whether a boolean attribute value surely says true: True, "true", {"Value": true},
    or the CLI's own text for it (`Value=true`, `{"Value": true}`, any case). EC2 reads
    anything else as false (or rejects it), so anything else counts as false."""
    if isinstance(value, dict):
        value = value.get("Value")
    if value is True:
        return True
    text = "".join(str(value).split()).lower() if isinstance(value, str) else ""
    return text in ("true", "value=true", '{"value":true}')


@_members("DisableApiTermination", "Attribute", "Value")
def termination_protection_off(params: dict[str, Any]) -> str | None:
    protection = get(params, "DisableApiTermination")
    if protection is not None and not _sets_true(protection):
        return "turns termination protection off"
    # The CLI's own boolean options (not API members; the parser keeps them as options):
    # `--no-disable-api-termination`, and `--disable-api-termination Value=false`
    # (a bare `--disable-api-termination` turns it on).
    if get(params, "--no-disable-api-termination"):
        return "turns termination protection off"
    given = get(params, "--disable-api-termination")
    if given is not None and given is not True and not _sets_true(given):
        return "turns termination protection off"
    if _text(get(params, "Attribute")) == "disableapitermination" and not _sets_true(
        get(params, "Value")
    ):
        return "turns termination protection off"
    return None


@_members("InstanceInitiatedShutdownBehavior", "Attribute", "Value")
def shutdown_terminates(params: dict[str, Any]) -> str | None:
    behaviour = get(params, "InstanceInitiatedShutdownBehavior")
    if isinstance(behaviour, dict):
        behaviour = behaviour.get("Value")
    if _text(behaviour) == "terminate":
        return "a shutdown from inside the instance will terminate it"
    if (
        _text(get(params, "Attribute")) == "instanceinitiatedshutdownbehavior"
        and _text(get(params, "Value")) == "terminate"
    ):
        return "a shutdown from inside the instance will terminate it"
    return None


def scaled_to_zero(*members: str, what: str = "capacity") -> Predicate:
    @_members(*dict.fromkeys(member.split(".")[0] for member in members))
    def test(params: dict[str, Any]) -> str | None:
        for member in members:
            path = member.split(".")
            if _is_zero(get(params, *path)):
                return f"{path[-1]} 0 stops every {what}"
        return None

    return test


# --- audit and protection off ---------------------------------------------------------------


@_members("IsMultiRegionTrail", "IncludeGlobalServiceEvents", "EnableLogFileValidation")
def trail_weakened(params: dict[str, Any]) -> str | None:
    for member in ("IsMultiRegionTrail", "IncludeGlobalServiceEvents", "EnableLogFileValidation"):
        if _is_false(get(params, member)):
            return f"{member} false: the trail records less"
    return None


@_members("EventSelectors", "AdvancedEventSelectors")
def selectors_drop_management_events(params: dict[str, Any]) -> str | None:
    if get(params, "AdvancedEventSelectors") is not None:
        return (
            "advanced event selectors replace what the trail records (may drop management events)"
        )
    selectors = items(params, "EventSelectors")
    for selector in selectors:
        if not isinstance(selector, dict):
            continue
        if (
            selector.get("IncludeManagementEvents") is not False
            and _text(selector.get("ReadWriteType") or "All") == "all"
        ):
            return None
    return "the event selectors stop recording all management events"


def finding_action(member: str, value: str) -> Predicate:
    @_members(member)
    def test(params: dict[str, Any]) -> str | None:
        if _text(get(params, member)) == value.lower():
            return f"{member} {value.upper()}: matching findings are hidden"
        return None

    return test


@_members("Enable", "Features", "DataSources")
def detector_weakened(params: dict[str, Any]) -> str | None:
    if _is_false(get(params, "Enable")):
        return "disables the GuardDuty detector"
    for feature in items(params, "Features"):
        if _text(get(feature, "Status")) == "disabled":
            return f"disables GuardDuty {get(feature, 'Name') or 'a feature'}"
    sources = get(params, "DataSources")
    if isinstance(sources, dict) and "false" in str(sources).lower():
        return "disables a GuardDuty data source"
    return None


@_members("Workflow")
def findings_suppressed(params: dict[str, Any]) -> str | None:
    if _text(get(params, "Workflow", "Status")) == "suppressed":
        return "marks findings SUPPRESSED"
    return None


@_members("StandardsControlAssociationUpdates")
def controls_disabled(params: dict[str, Any]) -> str | None:
    for update in items(params, "StandardsControlAssociationUpdates"):
        if _text(get(update, "AssociationStatus")) == "disabled":
            return "disables a Security Hub control"
    return None


@_members("BucketLoggingStatus")
def bucket_logging_off(params: dict[str, Any]) -> str | None:
    status = get(params, "BucketLoggingStatus")
    if status is not None and not get(status, "LoggingEnabled"):
        return "turns the bucket's access logging off"
    return None


# --- the table ------------------------------------------------------------------------------

PROTECTION_OFF = "turns deletion protection off"

RULES: dict[str, tuple[tuple[str, Predicate], ...]] = {
    # remote execution
    "ssm send-command": ((EXECUTE, always("runs a command on instances")),),
    "ssm start-session": ((EXECUTE, always("opens a shell or tunnel on an instance")),),
    "ssm start-automation-execution": ((EXECUTE, always("runs an automation runbook")),),
    "ssm start-change-request-execution": ((EXECUTE, always("runs an automation runbook")),),
    "ssm create-association": ((EXECUTE, always("runs an SSM document on instances")),),
    "ssm update-association": ((EXECUTE, always("runs an SSM document on instances")),),
    "ecs execute-command": ((EXECUTE, always("runs a command in a container")),),
    "ec2-instance-connect send-ssh-public-key": (
        (EXECUTE, always("lets a key log in to the instance over SSH")),
    ),
    "ec2-instance-connect send-serial-console-ssh-public-key": (
        (EXECUTE, always("lets a key log in to the instance's serial console")),
    ),
    "lambda update-function-code": ((EXECUTE, always("replaces the code the function runs")),),
    "lambda update-function-configuration": ((EXECUTE, lambda_loads_code),),
    "ec2 modify-instance-attribute": (
        (EXECUTE, instance_user_data),
        (DESTRUCTIVE, termination_protection_off),
        (DESTRUCTIVE, shutdown_terminates),
    ),
    "ec2 create-launch-template-version": ((EXECUTE, template_user_data),),
    # exposure
    "s3api put-bucket-acl": (
        (EXPOSURE, public_acl("ACL", "bucket")),
        (EXPOSURE, public_access_control_policy),
        (EXPOSURE, s3_grants(*S3_GRANT_MEMBERS)),
    ),
    "s3api put-object-acl": (
        (EXPOSURE, public_acl("ACL", "object")),
        (EXPOSURE, public_access_control_policy),
        (EXPOSURE, s3_grants(*S3_GRANT_MEMBERS)),
    ),
    "s3api put-object": (
        (EXPOSURE, public_acl("ACL", "object")),
        (EXPOSURE, s3_grants("GrantRead", "GrantReadACP", "GrantWriteACP", "GrantFullControl")),
    ),
    "s3api copy-object": (
        (EXPOSURE, public_acl("ACL", "object")),
        (EXPOSURE, s3_grants("GrantRead", "GrantReadACP", "GrantWriteACP", "GrantFullControl")),
    ),
    "s3api create-multipart-upload": (
        (EXPOSURE, public_acl("ACL", "object")),
        (EXPOSURE, s3_grants("GrantRead", "GrantReadACP", "GrantWriteACP", "GrantFullControl")),
    ),
    "s3api create-bucket": (
        (EXPOSURE, public_acl("ACL", "bucket")),
        (EXPOSURE, s3_grants(*S3_GRANT_MEMBERS)),
    ),
    # The s3 transfer commands: their --acl/--grants options (not API members).
    "s3 cp": ((EXPOSURE, public_acl("--acl", "objects")), (EXPOSURE, s3_grants("--grants"))),
    "s3 sync": (
        (EXPOSURE, public_acl("--acl", "objects")),
        (EXPOSURE, s3_grants("--grants")),
        (DESTRUCTIVE, present("--delete", "sync --delete deletes what the source lacks")),
    ),
    "s3 mv": ((EXPOSURE, public_acl("--acl", "objects")), (EXPOSURE, s3_grants("--grants"))),
    "s3api put-bucket-policy": ((EXPOSURE, public_policy("Policy")),),
    "s3control put-access-point-policy": ((EXPOSURE, public_policy("Policy")),),
    "s3api delete-public-access-block": (
        (EXPOSURE, always("removes the bucket's public access block")),
    ),
    "s3control delete-public-access-block": (
        (EXPOSURE, always("removes the account's public access block")),
    ),
    "s3api put-public-access-block": ((EXPOSURE, public_access_block_weakened),),
    "s3control put-public-access-block": ((EXPOSURE, public_access_block_weakened),),
    "ec2 authorize-security-group-ingress": ((EXPOSURE, ingress_from_anywhere),),
    "ec2 modify-security-group-rules": ((EXPOSURE, modified_rule_from_anywhere),),
    "lightsail open-instance-public-ports": ((EXPOSURE, lightsail_port_open),),
    "lightsail put-instance-public-ports": ((EXPOSURE, lightsail_ports_open),),
    "lambda create-function-url-config": (
        (EXPOSURE, equals("AuthType", "NONE", "a function URL with AuthType NONE is public")),
    ),
    "lambda update-function-url-config": (
        (EXPOSURE, equals("AuthType", "NONE", "a function URL with AuthType NONE is public")),
    ),
    "lambda add-permission": (
        (EXPOSURE, principal_anyone("Principal")),
        (EXPOSURE, equals("FunctionUrlAuthType", "NONE", "allows calls through a public URL")),
    ),
    "events put-permission": ((EXPOSURE, principal_anyone("Principal")),),
    "ec2 modify-image-attribute": (
        (
            EXPOSURE,
            shares_by_attribute(
                "LaunchPermission",
                "launchPermission",
                ("UserIds", "UserGroups", "OrganizationArns", "OrganizationalUnitArns"),
                "AMI",
            ),
        ),
        (PERMISSIONS, unshares_by_attribute("LaunchPermission", "launchPermission")),
    ),
    "ec2 modify-snapshot-attribute": (
        (
            EXPOSURE,
            shares_by_attribute(
                "CreateVolumePermission",
                "createVolumePermission",
                ("UserIds", "GroupNames"),
                "snapshot",
            ),
        ),
    ),
    "ec2 modify-fpga-image-attribute": (
        (
            EXPOSURE,
            shares_by_attribute(
                "LoadPermission",
                "loadPermission",
                ("UserIds", "UserGroups"),
                "FPGA image",
            ),
        ),
    ),
    "rds modify-db-snapshot-attribute": ((EXPOSURE, rds_snapshot_shared),),
    "rds modify-db-cluster-snapshot-attribute": ((EXPOSURE, rds_snapshot_shared),),
    "docdb modify-db-cluster-snapshot-attribute": ((EXPOSURE, rds_snapshot_shared),),
    "neptune modify-db-cluster-snapshot-attribute": ((EXPOSURE, rds_snapshot_shared),),
    "redshift authorize-snapshot-access": (
        (EXPOSURE, always("shares the snapshot with another account")),
    ),
    "ssm modify-document-permission": ((EXPOSURE, document_shared),),
    "ec2 disable-image-block-public-access": (
        (EXPOSURE, always("allows AMIs in this region to be shared publicly")),
    ),
    "ec2 disable-snapshot-block-public-access": (
        (EXPOSURE, always("allows snapshots in this region to be shared publicly")),
    ),
    "rds create-db-instance": (
        (EXPOSURE, is_true("PubliclyAccessible", "PubliclyAccessible gives it a public address")),
    ),
    "rds modify-db-instance": (
        (EXPOSURE, is_true("PubliclyAccessible", "PubliclyAccessible gives it a public address")),
        (
            DESTRUCTIVE,
            is_zero(
                "BackupRetentionPeriod", "BackupRetentionPeriod 0 deletes the automated backups"
            ),
        ),
        (DESTRUCTIVE, is_false("DeletionProtection", "turns deletion protection off")),
    ),
    "redshift create-cluster": (
        (EXPOSURE, is_true("PubliclyAccessible", "PubliclyAccessible gives it a public address")),
    ),
    "redshift modify-cluster": (
        (EXPOSURE, is_true("PubliclyAccessible", "PubliclyAccessible gives it a public address")),
        (
            DESTRUCTIVE,
            is_zero(
                "AutomatedSnapshotRetentionPeriod",
                "AutomatedSnapshotRetentionPeriod 0 deletes the automated snapshots",
            ),
        ),
    ),
    "sqs set-queue-attributes": ((EXPOSURE, public_policy("Attributes", "Policy")),),
    "sqs create-queue": ((EXPOSURE, public_policy("Attributes", "Policy")),),
    "sns set-topic-attributes": ((EXPOSURE, public_topic_policy),),
    "sns create-topic": ((EXPOSURE, public_policy("Attributes", "Policy")),),
    "kms put-key-policy": ((EXPOSURE, public_policy("Policy")),),
    "kms create-key": ((EXPOSURE, public_policy("Policy")),),
    "secretsmanager put-resource-policy": ((EXPOSURE, public_policy("ResourcePolicy")),),
    "ecr set-repository-policy": ((EXPOSURE, public_policy("policyText")),),
    "efs put-file-system-policy": ((EXPOSURE, public_policy("Policy")),),
    "backup put-backup-vault-access-policy": ((EXPOSURE, public_policy("Policy")),),
    "logs put-resource-policy": ((EXPOSURE, public_policy("policyDocument")),),
    "iam update-assume-role-policy": ((EXPOSURE, public_policy("PolicyDocument")),),
    "iam create-role": ((EXPOSURE, public_policy("AssumeRolePolicyDocument")),),
    # deletion by value
    "route53 change-resource-record-sets": ((DESTRUCTIVE, record_set_deleted),),
    "route53 change-cidr-collection": ((DESTRUCTIVE, cidr_deleted),),
    "dynamodb batch-write-item": ((DESTRUCTIVE, batch_write_deletes),),
    "dynamodb transact-write-items": ((DESTRUCTIVE, transaction_deletes),),
    "dynamodb execute-statement": ((DESTRUCTIVE, statement_deletes),),
    "dynamodb batch-execute-statement": ((DESTRUCTIVE, statements_delete("Statements")),),
    "dynamodb execute-transaction": ((DESTRUCTIVE, statements_delete("TransactStatements")),),
    "dynamodb update-table": (
        (DESTRUCTIVE, is_false("DeletionProtectionEnabled", "turns deletion protection off")),
        (DESTRUCTIVE, replica_deleted),
    ),
    "dynamodb update-continuous-backups": (
        (
            DESTRUCTIVE,
            is_false(
                "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
                "turns point-in-time recovery off and deletes its backups",
            ),
        ),
    ),
    "s3api put-bucket-lifecycle-configuration": ((DESTRUCTIVE, lifecycle_expires),),
    "s3api put-bucket-lifecycle": ((DESTRUCTIVE, lifecycle_expires),),
    "s3api put-bucket-versioning": ((DESTRUCTIVE, versioning_off),),
    "s3api put-object-retention": (
        (DESTRUCTIVE, is_true("BypassGovernanceRetention", "bypasses governance-mode retention")),
    ),
    "s3api put-object-legal-hold": (
        (
            DESTRUCTIVE,
            equals("LegalHold.Status", "OFF", "lifts the legal hold: the object can be deleted"),
        ),
    ),
    "rds modify-db-cluster": (
        (DESTRUCTIVE, is_false("DeletionProtection", "turns deletion protection off")),
        (
            DESTRUCTIVE,
            is_zero(
                "BackupRetentionPeriod", "BackupRetentionPeriod 0 deletes the automated backups"
            ),
        ),
    ),
    "docdb modify-db-cluster": (
        (DESTRUCTIVE, is_false("DeletionProtection", "turns deletion protection off")),
    ),
    "neptune modify-db-cluster": (
        (DESTRUCTIVE, is_false("DeletionProtection", "turns deletion protection off")),
    ),
    "neptune modify-db-instance": (
        (DESTRUCTIVE, is_false("DeletionProtection", "turns deletion protection off")),
        (
            DESTRUCTIVE,
            is_zero(
                "BackupRetentionPeriod", "BackupRetentionPeriod 0 deletes the automated backups"
            ),
        ),
    ),
    "elasticache modify-replication-group": (
        (
            DESTRUCTIVE,
            is_zero(
                "SnapshotRetentionLimit",
                "SnapshotRetentionLimit 0 turns automatic backups off and deletes them",
            ),
        ),
    ),
    "elasticache modify-cache-cluster": (
        (
            DESTRUCTIVE,
            is_zero(
                "SnapshotRetentionLimit",
                "SnapshotRetentionLimit 0 turns automatic backups off and deletes them",
            ),
        ),
    ),
    "cloudformation update-termination-protection": (
        (
            DESTRUCTIVE,
            is_false("EnableTerminationProtection", "turns the stack's termination protection off"),
        ),
    ),
    "cognito-idp update-user-pool": (
        (DESTRUCTIVE, equals("DeletionProtection", "INACTIVE", "turns deletion protection off")),
    ),
    "elbv2 modify-load-balancer-attributes": (
        (
            DESTRUCTIVE,
            elb_attribute("deletion_protection.enabled", "false", "turns deletion protection off"),
        ),
        (AUDIT_OFF, elb_attribute("access_logs.s3.enabled", "false", "turns access logs off")),
    ),
    "rds modify-global-cluster": ((DESTRUCTIVE, is_false("DeletionProtection", PROTECTION_OFF)),),
    "docdb modify-global-cluster": ((DESTRUCTIVE, is_false("DeletionProtection", PROTECTION_OFF)),),
    "neptune modify-global-cluster": (
        (DESTRUCTIVE, is_false("DeletionProtection", PROTECTION_OFF)),
    ),
    "eks update-cluster-config": ((DESTRUCTIVE, is_false("deletionProtection", PROTECTION_OFF)),),
    "dsql update-cluster": ((DESTRUCTIVE, is_false("deletionProtectionEnabled", PROTECTION_OFF)),),
    "neptune-graph update-graph": ((DESTRUCTIVE, is_false("deletionProtection", PROTECTION_OFF)),),
    "logs put-log-group-deletion-protection": (
        (DESTRUCTIVE, is_false("deletionProtectionEnabled", PROTECTION_OFF)),
    ),
    "opensearchserverless update-collection": (
        (DESTRUCTIVE, equals("deletionProtection", "DISABLED", PROTECTION_OFF)),
    ),
    "verifiedpermissions update-policy-store": (
        (DESTRUCTIVE, equals("deletionProtection", "DISABLED", PROTECTION_OFF)),
    ),
    "cloudtrail update-event-data-store": (
        (DESTRUCTIVE, is_false("TerminationProtectionEnabled", PROTECTION_OFF)),
    ),
    "elasticache modify-serverless-cache": (
        (
            DESTRUCTIVE,
            is_zero(
                "SnapshotRetentionLimit", "SnapshotRetentionLimit 0 turns automatic backups off"
            ),
        ),
    ),
    "memorydb update-cluster": (
        (
            DESTRUCTIVE,
            is_zero(
                "SnapshotRetentionLimit", "SnapshotRetentionLimit 0 turns automatic backups off"
            ),
        ),
    ),
    "ecs update-service": ((DESTRUCTIVE, scaled_to_zero("desiredCount", what="task")),),
    "application-autoscaling register-scalable-target": (
        (DESTRUCTIVE, scaled_to_zero("MaxCapacity", what="task or instance")),
    ),
    "autoscaling update-auto-scaling-group": (
        (DESTRUCTIVE, scaled_to_zero("DesiredCapacity", "MaxSize", what="instance")),
        (DESTRUCTIVE, equals("DeletionProtection", "none", PROTECTION_OFF)),
    ),
    "autoscaling set-desired-capacity": (
        (DESTRUCTIVE, scaled_to_zero("DesiredCapacity", what="instance")),
    ),
    "eks update-nodegroup-config": (
        (
            DESTRUCTIVE,
            scaled_to_zero("scalingConfig.desiredSize", "scalingConfig.maxSize", what="node"),
        ),
    ),
    "logs put-retention-policy": (
        (DESTRUCTIVE, always("log events older than the new retention are deleted")),
    ),
    "kinesis decrease-stream-retention-period": (
        (DESTRUCTIVE, always("records older than the new retention are deleted")),
    ),
    "ecr put-lifecycle-policy": ((DESTRUCTIVE, always("lifecycle rules expire (delete) images")),),
    # grants outside IAM
    "sso-admin create-account-assignment": (
        (PERMISSIONS, always("gives a user or group a permission set in an account")),
    ),
    "sso-admin delete-account-assignment": (
        (PERMISSIONS, always("takes a permission set in an account from a user or group")),
    ),
    "sso-admin put-inline-policy-to-permission-set": (
        (PERMISSIONS, always("changes what a permission set allows")),
    ),
    "sso-admin provision-permission-set": (
        (PERMISSIONS, always("pushes a permission set's policies to its accounts")),
    ),
    "sso-admin create-application-assignment": (
        (PERMISSIONS, always("gives a user or group access to an application")),
    ),
    "identitystore create-group-membership": (
        (PERMISSIONS, always("group membership decides IAM Identity Center access")),
    ),
    "identitystore delete-group-membership": (
        (PERMISSIONS, always("group membership decides IAM Identity Center access")),
    ),
    "eks create-access-entry": (
        (PERMISSIONS, always("gives an IAM principal access to the cluster")),
    ),
    "eks update-access-entry": ((PERMISSIONS, always("changes a principal's Kubernetes groups")),),
    "eks associate-access-policy": ((PERMISSIONS, always("grants a Kubernetes access policy")),),
    "eks disassociate-access-policy": (
        (PERMISSIONS, always("removes a Kubernetes access policy")),
    ),
    "eks create-pod-identity-association": ((PERMISSIONS, always("gives pods an IAM role")),),
    "eks update-pod-identity-association": ((PERMISSIONS, always("gives pods an IAM role")),),
    "eks associate-identity-provider-config": (
        (PERMISSIONS, always("lets an OIDC provider's users into the cluster")),
    ),
    "cognito-idp admin-add-user-to-group": (
        (PERMISSIONS, always("group membership carries the group's IAM role and app rights")),
    ),
    "cognito-idp admin-remove-user-from-group": (
        (PERMISSIONS, always("group membership carries the group's IAM role and app rights")),
    ),
    "organizations attach-policy": (
        (PERMISSIONS, always("attaches an organization policy (SCP)")),
    ),
    "organizations detach-policy": (
        (PERMISSIONS, always("detaches an organization policy (SCP)")),
    ),
    "organizations update-policy": ((PERMISSIONS, always("changes an organization policy")),),
    "organizations enable-policy-type": ((PERMISSIONS, always("turns a policy type on")),),
    "organizations disable-policy-type": (
        (PERMISSIONS, always("detaches every policy of that type in the root")),
    ),
    "ram associate-resource-share": ((PERMISSIONS, always("shares resources with principals")),),
    "ram update-resource-share": (
        (EXPOSURE, is_true("allowExternalPrincipals", "allows sharing outside the organization")),
        (PERMISSIONS, always("changes a resource share")),
    ),
    "ram associate-resource-share-permission": (
        (PERMISSIONS, always("changes what sharers may do")),
    ),
    # audit and protection off
    "cloudtrail stop-logging": ((AUDIT_OFF, always("stops the trail recording API calls")),),
    "cloudtrail delete-trail": ((AUDIT_OFF, always("deletes the trail: API calls go unrecorded")),),
    "cloudtrail update-trail": ((AUDIT_OFF, trail_weakened),),
    "cloudtrail put-event-selectors": ((AUDIT_OFF, selectors_drop_management_events),),
    "cloudtrail delete-event-data-store": ((AUDIT_OFF, always("deletes a CloudTrail Lake store")),),
    "cloudtrail stop-event-data-store-ingestion": (
        (AUDIT_OFF, always("stops CloudTrail Lake ingestion")),
    ),
    "configservice stop-configuration-recorder": (
        (AUDIT_OFF, always("stops AWS Config recording")),
    ),
    "configservice delete-configuration-recorder": (
        (AUDIT_OFF, always("deletes the AWS Config recorder")),
    ),
    "configservice delete-service-linked-configuration-recorder": (
        (AUDIT_OFF, always("deletes an AWS Config recorder")),
    ),
    "configservice delete-delivery-channel": ((AUDIT_OFF, always("AWS Config stops delivering")),),
    "configservice delete-config-rule": ((AUDIT_OFF, always("deletes a compliance rule")),),
    "configservice delete-conformance-pack": ((AUDIT_OFF, always("deletes compliance rules")),),
    "configservice delete-organization-config-rule": (
        (AUDIT_OFF, always("deletes a compliance rule")),
    ),
    "configservice delete-organization-conformance-pack": (
        (AUDIT_OFF, always("deletes compliance rules")),
    ),
    "guardduty delete-detector": (
        (AUDIT_OFF, always("turns GuardDuty off (deletes the detector)")),
    ),
    "guardduty update-detector": ((AUDIT_OFF, detector_weakened),),
    "guardduty create-filter": ((AUDIT_OFF, finding_action("Action", "ARCHIVE")),),
    "guardduty update-filter": ((AUDIT_OFF, finding_action("Action", "ARCHIVE")),),
    "guardduty create-ip-set": (
        (AUDIT_OFF, always("traffic from a trusted IP list raises no findings")),
    ),
    "guardduty disassociate-from-master-account": (
        (AUDIT_OFF, always("leaves the GuardDuty administrator")),
    ),
    "guardduty disassociate-from-administrator-account": (
        (AUDIT_OFF, always("leaves the GuardDuty administrator")),
    ),
    "guardduty disassociate-members": ((AUDIT_OFF, always("stops watching member accounts")),),
    "guardduty delete-members": ((AUDIT_OFF, always("stops watching member accounts")),),
    "guardduty stop-monitoring-members": ((AUDIT_OFF, always("stops watching member accounts")),),
    "guardduty delete-publishing-destination": ((AUDIT_OFF, always("stops exporting findings")),),
    "guardduty disable-organization-admin-account": (
        (AUDIT_OFF, always("removes the organization's GuardDuty administrator")),
    ),
    "securityhub disable-security-hub": ((AUDIT_OFF, always("turns Security Hub off")),),
    "securityhub batch-disable-standards": ((AUDIT_OFF, always("turns security standards off")),),
    "securityhub disable-import-findings-for-product": (
        (AUDIT_OFF, always("stops importing a product's findings")),
    ),
    "securityhub update-standards-control": (
        (AUDIT_OFF, equals("ControlStatus", "DISABLED", "disables a Security Hub control")),
    ),
    "securityhub batch-update-standards-control-associations": ((AUDIT_OFF, controls_disabled),),
    "securityhub batch-update-findings": ((AUDIT_OFF, findings_suppressed),),
    "securityhub disassociate-from-administrator-account": (
        (AUDIT_OFF, always("leaves the Security Hub administrator")),
    ),
    "securityhub disassociate-from-master-account": (
        (AUDIT_OFF, always("leaves the Security Hub administrator")),
    ),
    "securityhub disassociate-members": ((AUDIT_OFF, always("stops watching member accounts")),),
    "securityhub delete-members": ((AUDIT_OFF, always("stops watching member accounts")),),
    "securityhub disable-organization-admin-account": (
        (AUDIT_OFF, always("removes the organization's Security Hub administrator")),
    ),
    "macie2 disable-macie": ((AUDIT_OFF, always("turns Macie off and deletes its findings")),),
    "macie2 update-macie-session": ((AUDIT_OFF, equals("status", "PAUSED", "pauses Macie")),),
    "macie2 create-findings-filter": ((AUDIT_OFF, finding_action("action", "ARCHIVE")),),
    "macie2 update-findings-filter": ((AUDIT_OFF, finding_action("action", "ARCHIVE")),),
    "macie2 disable-organization-admin-account": (
        (AUDIT_OFF, always("removes the organization's Macie administrator")),
    ),
    "macie2 disassociate-from-administrator-account": (
        (AUDIT_OFF, always("leaves the Macie administrator")),
    ),
    "macie2 disassociate-member": ((AUDIT_OFF, always("stops watching a member account")),),
    "inspector2 disable": ((AUDIT_OFF, always("turns Inspector scanning off")),),
    "inspector2 disable-delegated-admin-account": (
        (AUDIT_OFF, always("removes the organization's Inspector administrator")),
    ),
    "inspector2 disassociate-member": ((AUDIT_OFF, always("stops scanning a member account")),),
    "inspector2 create-filter": ((AUDIT_OFF, finding_action("action", "SUPPRESS")),),
    "inspector2 update-filter": ((AUDIT_OFF, finding_action("action", "SUPPRESS")),),
    "accessanalyzer delete-analyzer": ((AUDIT_OFF, always("deletes an access analyzer")),),
    "accessanalyzer create-archive-rule": ((AUDIT_OFF, always("archives matching findings")),),
    "accessanalyzer update-archive-rule": ((AUDIT_OFF, always("archives matching findings")),),
    "detective delete-graph": ((AUDIT_OFF, always("turns Detective off")),),
    "ec2 delete-flow-logs": ((AUDIT_OFF, always("stops recording network flows")),),
    "ec2 disable-ebs-encryption-by-default": (
        (AUDIT_OFF, always("new EBS volumes are no longer encrypted by default")),
    ),
    "s3api put-bucket-logging": ((AUDIT_OFF, bucket_logging_off),),
    "cloudwatch disable-alarm-actions": ((AUDIT_OFF, always("alarms stop notifying and acting")),),
    "organizations disable-aws-service-access": (
        (
            AUDIT_OFF,
            always(
                "ends a service's organization-wide integration (CloudTrail, Config, "
                "GuardDuty, ... lose their org-wide coverage)"
            ),
        ),
    ),
}


# From the strictest: which risk a command gets when awsguard cannot be sure of it.
STRICTNESS = (DESTRUCTIVE, PERMISSIONS, EXPOSURE, EXECUTE, AUDIT_OFF)


def evaluate(command: str, params: dict[str, Any]) -> tuple[str, str] | None:
    """(risk, reason) of the first row of `command` that matches, or None."""
    for risk, test in RULES.get(command, ()):
        try:
            why = test(params)
        except Unreadable as err:
            return risk, (
                f"awsguard could not decode {err.member}, so it assumes the worst this "
                f"command can do ({risk})"
            )
        if why:
            return risk, why
    return None


def strictest(command: str) -> str | None:
    """The strictest risk any row of `command` can give, or None (no rows)."""
    risks = {risk for risk, _ in RULES.get(command, ())}
    return next((risk for risk in STRICTNESS if risk in risks), None)


def rows() -> Iterator[tuple[str, str, Predicate]]:
    """Every (command, risk, predicate), for tests and the README."""
    for command, entries in RULES.items():
        for risk, test in entries:
            yield command, risk, test
