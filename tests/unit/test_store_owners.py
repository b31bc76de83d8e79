"""One owner per store: the vault index and the real-CLI cache are named by their owner
modules only; the plan cache asks them where the files are."""

from __future__ import annotations

import ast
from pathlib import Path

import awsguard
from awsguard import plancache, realcli, vaultindex
from awsguard.invocation import parse

OWNERS = {"vault-index.json": "vaultindex.py", "realcli.json": "realcli.py"}


def _code_strings(path: Path) -> set[str]:
    """String constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    }


def test_only_the_owner_names_its_store_file() -> None:
    package = Path(awsguard.__file__).parent
    for path in package.rglob("*.py"):
        if "argdata" in path.parts:
            continue
        strings = _code_strings(path)
        for name, owner in OWNERS.items():
            if path.name != owner:
                assert not any(name in s for s in strings), f"{path}: ask {owner} for {name}"


def test_the_plan_cache_key_follows_the_owners_paths(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    environ = {
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }

    def key() -> str | None:
        return plancache.key(parse(["s3", "ls"]), environ, "/bin/true")

    for where in (vaultindex.path(environ), realcli.cache_path(environ)):
        before = key()
        Path(where).parent.mkdir(parents=True, exist_ok=True)
        Path(where).write_text("{}")
        assert key() != before, where
