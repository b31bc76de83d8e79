"""Shared fixtures. Each fixture family lives in tests/fixtures/ as a pytest plugin.

`clean_env` runs for every test: nothing from the developer's AWS or awsguard setup
reaches a test, and HOME is a fresh folder, so no test reads the real `~/.aws`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytest_plugins = ["fixtures.moto", "fixtures.install", "fixtures.keyring", "fixtures.realclis"]

# Variables that change what awsguard or the AWS CLI read or print. XDG_* go too, so
# every state folder follows the fresh HOME unless a test sets one on purpose.
SCRUBBED_PREFIXES = ("AWS_", "AWSGUARD_", "XDG_")
SCRUBBED_NAMES = ("NO_COLOR", "LC_ALL", "CI")


def scrubbed(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """`environ` without the variables `clean_env` removes (for subprocess envs)."""
    return {
        name: value
        for name, value in environ.items()
        if not name.startswith(SCRUBBED_PREFIXES) and name not in SCRUBBED_NAMES
    }


@pytest.fixture(autouse=True)
def clean_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The one environment scrub: no AWS_/AWSGUARD_/XDG_ variable from the developer's
    shell, HOME a fresh folder holding an empty .aws/. Returns that HOME."""
    for name in list(os.environ):
        if name.startswith(SCRUBBED_PREFIXES) or name in SCRUBBED_NAMES:
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")  # beside tmp_path, so tests own tmp_path whole
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    return home
