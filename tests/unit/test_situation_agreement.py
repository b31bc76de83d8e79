"""Every view tells the same story: over generated setups, `whoami --json`, `prompt --json`,
`doctor --json --offline` and the shim's own pipeline agree on the profile, credential
source, region, endpoint, CLI major version and conflicts.

The setups are drawn from a seeded generator (environment variables, profiles, the
credentials file, config.toml's [conflicts]), with the real AWS CLI v1 from the test
virtualenv, v2 from Debian (/usr/bin/aws, when installed), or no CLI at all.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import pytest

from awsguard.cli import main

V1 = Path(sys.executable).parent / "aws"
V2 = Path("/usr/bin/aws")
CASES = 36
KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ENDPOINT = "http://127.0.0.1:4566"


def _choose(rng: random.Random, *options):
    return options[rng.randrange(len(options))]


def make_setup(rng: random.Random, root: Path, shared_cache: Path) -> tuple[dict, str | None]:
    """(environment, real CLI path or None) for one generated setup under `root`."""
    home = root / "home"
    (home / ".aws").mkdir(parents=True)
    config = ["[default]"]
    if rng.random() < 0.5:
        config.append("region = eu-central-1")
    config += ["[profile dev]", "region = eu-west-1"]
    if rng.random() < 0.3:
        config.append(f"endpoint_url = {ENDPOINT}")
    config += ["[profile prod]", "role_arn = arn:aws:iam::222222222222:role/ops",
               "source_profile = dev", "region = us-east-2"]
    config += ["[profile imported]",
               "credential_process = awsguard credential-process --profile imported"]
    (home / ".aws" / "config").write_text("\n".join(config) + "\n")
    credentials = []
    if rng.random() < 0.7:
        credentials += ["[dev]", f"aws_access_key_id = {KEY}", f"aws_secret_access_key = {SECRET}"]
    if rng.random() < 0.4:
        credentials += ["[default]", "aws_access_key_id = AKIAI44QH8DHBEXAMPLE",
                        f"aws_secret_access_key = {SECRET}"]
    if credentials:
        (home / ".aws" / "credentials").write_text("\n".join(credentials) + "\n")
        os.chmod(home / ".aws" / "credentials", 0o600)

    cli_dir = root / "cli"
    cli_dir.mkdir()
    cli = _choose(rng, V1, V2, None)
    if cli is not None and cli.exists():
        (cli_dir / "aws").symlink_to(cli)
        real = str(cli_dir / "aws")
    else:
        real = None
    env = {
        "HOME": str(home),
        "PATH": f"{cli_dir}:/usr/bin/nonexistent",
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".state"),
        "XDG_CACHE_HOME": str(shared_cache),  # realcli's cache: one `aws --version` per CLI
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWSGUARD_PROMPT_CACHE": "0",
    }
    profile = _choose(rng, None, None, "dev", "prod", "imported", "missing")
    if profile:
        env["AWS_PROFILE"] = profile
    default_profile = _choose(rng, None, None, None, "dev", "default")
    if default_profile:
        env["AWS_DEFAULT_PROFILE"] = default_profile
    if rng.random() < 0.4:
        env["AWS_REGION"] = "ap-south-1"
    if rng.random() < 0.4:
        env["AWS_DEFAULT_REGION"] = "us-west-2"
    keys = _choose(rng, "none", "none", "both", "key-only")
    if keys in ("both", "key-only"):
        env["AWS_ACCESS_KEY_ID"] = "AKIAENVKEYEXAMPLE123"
    if keys == "both":
        env["AWS_SECRET_ACCESS_KEY"] = SECRET
    if rng.random() < 0.3:
        env["AWS_ENDPOINT_URL"] = ENDPOINT
    silence = _choose(rng, None, None, "endpoint-override", "profile-vars-disagree", "default")
    if silence:
        toml = home / ".config" / "awsguard" / "config.toml"
        toml.parent.mkdir(parents=True)
        toml.write_text(f'[conflicts]\n"{silence}" = "off"\n')
    return env, real


def run_json(monkeypatch, capsys, env: dict, *argv: str) -> dict:
    for name in list(os.environ):
        if name.startswith(("AWS_", "AWSGUARD_", "XDG_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    status = main(list(argv))
    out = capsys.readouterr().out
    assert status in (0, 1), (argv, status, out)
    return json.loads(out)


def shim_view(env: dict, real: str, capsys) -> dict:
    """The shim's own pipeline for `aws sts get-caller-identity`, in-process: what it
    resolved and the conflict lines it prints."""
    from awsguard import guard

    pipe = guard.Pipeline(real, ["sts", "get-caller-identity"], dict(env))
    pipe.load_config()
    pipe.resolve()
    capsys.readouterr()
    pipe.report_conflicts()
    lines = capsys.readouterr().err.splitlines()
    codes = [line.split("[", 1)[1].split("]", 1)[0] for line in lines if "warning [" in line]
    res = pipe.resolution
    return {"profile": res.profile, "source": res.source, "region": res.region,
            "endpoint_url": res.endpoint_url, "cli_major": res.cli_major, "conflicts": codes}


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.mark.parametrize("seed", range(CASES))
def test_every_view_tells_the_same_story(seed, tmp_path, shared_cache, monkeypatch, capsys):
    env, real = make_setup(random.Random(seed), tmp_path, shared_cache)
    setup = {k: v for k, v in env.items() if k.startswith("AWS_") or k == "PATH"}
    whoami = run_json(monkeypatch, capsys, env, "whoami", "--json")
    prompt = run_json(monkeypatch, capsys, env, "prompt", "--json")
    doctor = run_json(monkeypatch, capsys, env, "doctor", "--json", "--offline", "--no-keyring")

    fields = ("profile", "source", "region", "endpoint_url", "cli_major")
    story = {f: whoami[f] for f in fields}
    assert {f: doctor[f] for f in fields} == story, setup
    if prompt["shown"]:
        # The segment names `env` instead of the profile when environment keys win.
        expected = {**story, "profile": "env"} if story["source"] == "env" else story
        assert {f: prompt[f] for f in fields} == expected, setup

    codes = [c["code"] for c in whoami["conflicts"]]
    assert [c["code"] for c in doctor["conflicts"]] == codes, setup
    if prompt["shown"]:
        assert sorted(c for c in prompt["conflicts"] if c != "awsguard-config") == sorted(codes)
        assert sorted(prompt["marked"]) == sorted(c["code"] for c in whoami["conflicts"]
                                                  if c["shim"]), setup
    for silenced in whoami["silenced_conflicts"]:
        assert silenced not in codes
        assert all(silenced not in c["fix"] for c in whoami["conflicts"])

    if real is not None:
        shim = shim_view(env, real, capsys)
        assert {f: shim[f] for f in fields} == story, setup
        assert shim["conflicts"] == [c["code"] for c in whoami["conflicts"] if c["shim"]], setup


def test_aws_region_is_honoured_by_v2_only_in_every_view(tmp_path, monkeypatch, capsys):
    """The issue's case: prompt said us-west-2 where whoami and the v1 CLI said otherwise."""
    for cli, expected in ((V1, "us-west-2"), (V2, "ap-south-1")):
        if not cli.exists():
            continue
        root = tmp_path / str(cli).strip("/").replace("/", "-")
        (root / "cli").mkdir(parents=True)
        (root / "cli" / "aws").symlink_to(cli)
        home = root / "home"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws" / "config").write_text("[profile dev]\nregion = eu-west-1\n")
        env = {"HOME": str(home), "PATH": str(root / "cli"), "AWS_PROFILE": "dev",
               "AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "us-west-2",
               "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWSGUARD_PROMPT_CACHE": "0", "XDG_CACHE_HOME": str(root / "cache")}
        whoami = run_json(monkeypatch, capsys, env, "whoami", "--json")
        prompt = run_json(monkeypatch, capsys, env, "prompt", "--json")
        assert whoami["region"] == prompt["region"] == expected, cli
