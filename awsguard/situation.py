"""The Situation: everything one awsguard invocation works from, loaded once.

The shim, `whoami`, `doctor`, `prompt` and `config` each used to rebuild this world
their own way (the CLI's major version, config.toml, the AWS files, the resolution)
and told different stories. A Situation holds one copy of each, loaded on first use,
so the shim's `-I -S` start pays only for what its path touches:

    environ       the process environment (a plain dict; never os.environ itself)
    argv          the aws argv this situation stands for (whoami/doctor/prompt use
                  `sts get-caller-identity`, which is what they predict)
    real_cli      the real AWS CLI's facts (realcli.identify: path, major, version);
                  None when there is none (`real_cli_error` says why)
    invocation    argv parsed as that CLI would (invocation.parse)
    files         ~/.aws/config and credentials (awsconfig.load_files)
    config        awsguard's config.toml, every table, one error policy (rules)
    resolution    profile, credential source, region, endpoint, conflicts (resolve)
    conflicts     the resolution's conflicts minus those config.toml turns "off":
                  what every view reports

Each part comes from the one module that owns that store or rule; this module only
holds them together. It does no I/O of its own.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing and the stage modules load only when a part is asked for
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from .awsconfig import AwsFiles
    from .invocation import Invocation
    from .realcli import RealCli
    from .resolve import Conflict, Resolution
    from .rules import Config, ConfigError

# What whoami, doctor and the prompt stand for: the call that asks who you are.
WHOAMI_ARGV = ("sts", "get-caller-identity")
# Without any real CLI, awsguard predicts botocore's own precedence (AWS CLI v1 and the
# SDKs); whoami says so in a note.
NO_CLI_MAJOR = 1

_UNSET: object = object()


class Situation:
    __slots__ = (
        "environ", "argv", "now", "probe_cli", "self_path",
        "_real_cli", "real_cli_error", "_invocation", "_files", "_config", "_resolution",
    )

    def __init__(
        self,
        environ: Mapping[str, str],
        argv: Sequence[str] = WHOAMI_ARGV,
        *,
        now: datetime | None = None,
        real_cli: RealCli | None | object = _UNSET,
        self_path: str | None = None,
        probe_cli: bool = True,
    ) -> None:
        """`real_cli` may be handed in (the shim found it already); `probe_cli=False`
        never starts `aws --version` (the prompt): an unknown version stays unknown."""
        self.environ: dict[str, str] = dict(environ)
        self.argv: tuple[str, ...] = tuple(argv)
        self.now = now
        self.probe_cli = probe_cli
        self.self_path = self_path
        self._real_cli = real_cli
        self.real_cli_error: str | None = None
        self._invocation: Invocation | None = None
        self._files: AwsFiles | None = None
        self._config: Config | None = None
        self._resolution: Resolution | None = None

    @classmethod
    def for_options(
        cls,
        environ: Mapping[str, str],
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        **kwargs: object,
    ) -> Situation:
        """As `aws [--profile P] [--region R] [--endpoint-url U] sts get-caller-identity`."""
        argv: list[str] = []
        for option, value in (
            ("--profile", profile), ("--region", region), ("--endpoint-url", endpoint_url)
        ):
            if value is not None:
                argv += [option, value]
        return cls(environ, (*argv, *WHOAMI_ARGV), **kwargs)  # type: ignore[arg-type]

    # --- the real CLI ---------------------------------------------------------------------

    @property
    def real_cli(self) -> RealCli | None:
        if self._real_cli is _UNSET:
            from . import realcli

            try:
                path = realcli.find_real_cli(self.environ, self.self_path)
            except realcli.RealCliNotFound as err:
                self.real_cli_error = err.message().removeprefix("awsguard: ")
                self._real_cli = None
            else:
                self._real_cli = realcli.identify(path, self.environ, probe=self.probe_cli)
        return self._real_cli  # type: ignore[return-value]

    @property
    def cli_major(self) -> int:
        cli = self.real_cli
        return cli.major if cli is not None else NO_CLI_MAJOR

    @property
    def cli_version(self) -> str | None:
        cli = self.real_cli
        return cli.version if cli is not None else None

    @property
    def cli_path(self) -> str | None:
        cli = self.real_cli
        return cli.path if cli is not None else None

    # --- the stores and the stages ----------------------------------------------------------

    @property
    def invocation(self) -> Invocation:
        if self._invocation is None:
            from .invocation import parse

            self._invocation = parse(
                self.argv, major=self.cli_major, version=self.cli_version, environ=self.environ
            )
        return self._invocation

    @property
    def files(self) -> AwsFiles:
        if self._files is None:
            from .awsconfig import load_files

            self._files = load_files(self.environ)
        return self._files

    @property
    def config(self) -> Config:
        if self._config is None:
            from .rules import load_config

            self._config = load_config(self.environ)
        return self._config

    @property
    def config_error(self) -> ConfigError | None:
        return self.config.error

    @property
    def resolution(self) -> Resolution:
        if self._resolution is None:
            from .resolve import resolve

            self._resolution = resolve(
                self.invocation,
                self.environ,
                self.files,
                self.cli_major,
                now=self.now,
                cli_version=self.cli_version,
            )
        return self._resolution

    def forget_resolution(self) -> None:
        """Resolve afresh when `resolution` is next asked for: something it read has
        changed since (the SSO token cache after `aws sso login`)."""
        self._resolution = None

    # --- what every view reports --------------------------------------------------------------

    def conflict_action(self, code: str) -> str:
        """warn, block or off ([conflicts] in config.toml); warn when the file is broken,
        so a broken file never silences anything."""
        config = self.config
        if config.error is not None:
            return "warn"
        return config.conflict_action(code)

    @property
    def conflicts(self) -> list[Conflict]:
        """The resolution's conflicts that config.toml does not turn off."""
        return [c for c in self.resolution.conflicts if self.conflict_action(c.code) != "off"]

    @property
    def silenced(self) -> list[str]:
        """Codes of conflicts present but turned off in config.toml."""
        return [c.code for c in self.resolution.conflicts if self.conflict_action(c.code) == "off"]

    @property
    def imported(self) -> bool:
        """An imported profile: source custom-process, served by `awsguard
        credential-process` from the keyring. Every view says custom-process (what the
        CLI runs) and names awsguard's keyring beside it."""
        from .sessionplan import is_awsguard_process

        res = self.resolution
        return res.source == "custom-process" and is_awsguard_process(
            res.credential_process or ""
        )

    def identity_hint(self) -> dict[str, object] | None:
        """What the identity cache remembers for the key the CLI will use, offline: the
        resolution's key, or for an imported profile the key awsguard keeps (found through
        the vault index, never the keyring)."""
        from . import identitycache

        res = self.resolution
        if res.raw_access_key_id:
            return identitycache.read(res.raw_access_key_id, self.environ)
        if self.imported:
            from . import vaultindex

            entry = vaultindex.read(self.environ)["keys"].get(res.profile)
            if isinstance(entry, dict) and isinstance(entry.get("identity_cache"), str):
                return identitycache.read_digest(entry["identity_cache"], self.environ)
        return None

    def conflict_dicts(self) -> list[dict[str, object]]:
        """The one JSON form of the conflicts: whoami, doctor and prompt print this."""
        return [{**c.as_dict(), "shim": c.applies_to_shim} for c in self.conflicts]
