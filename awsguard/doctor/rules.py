"""Group 10, confirmation rules: what awsguard will ask before destructive, permissions and
write commands.
"""

from __future__ import annotations


from .common import Check, FAIL, OK
from .credentials import _short

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..rules import Config
    from ..resolve import Resolution


# --- 10. confirmation rules ----------------------------------------------------------------


def rules_line(config: Config, res: Resolution, profile: str, account: str | None) -> Check:
    """What destructive / permissions / write / read commands will need, for this profile
    and account, from awsguard's config (rules.Config, the Situation's)."""
    if config.error is not None:
        return Check(
            "rules.confirmation",
            FAIL,
            "awsguard's config cannot be used: commands that need a confirmation are refused",
            (_short(str(config.error), 400),),
            f"fix {config.path} at the line named above, or move it aside for the defaults",
        )
    identity = {"account": account} if account else None
    parts = []
    evidence = []
    unknown_account = False
    for risk in ("destructive", "permissions", "write", "read"):
        decision = config.plan(risk, res, identity)
        parts.append(f"{risk} -> {decision.level}")
        evidence.append(f"{risk}: {decision.level} ({decision.because})")
        unknown_account = unknown_account or bool(getattr(decision, "identity_needed", False))
    specific = [r for r in config.all_rules() if r.command is not None or r.action is not None]
    if specific:
        evidence.append(
            f"{len(specific)} command-specific rule{'s' if len(specific) > 1 else ''} "
            "may ask more or less for those commands"
        )
    if unknown_account:
        evidence.append("account unknown (STS not reached): account rules may change this")
    name = config.account_name(account) if account else None
    who = f"profile {profile}"
    if account:
        who += f", account {account}" + (f" ({name})" if name else "")
    source = str(config.path) if getattr(config, "exists", False) else "built-in defaults"
    evidence.append(f"rules from {source}")
    return Check("rules.confirmation", OK, f"{who}: {', '.join(parts)}", tuple(evidence))
