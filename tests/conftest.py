"""Shared fixtures. Each fixture family lives in tests/fixtures/ as a pytest plugin."""

import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

pytest_plugins = [
    name
    for name in ("fixtures.moto", "fixtures.install", "fixtures.keyring", "fixtures.shells")
    if importlib.util.find_spec(name) is not None
]
