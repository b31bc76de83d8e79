"""The house's import rules, read from the source: no circles between awsguard's
modules, and no module guarding against another awsguard module being missing."""

from __future__ import annotations

import ast
from pathlib import Path

import awsguard

PACKAGE = Path(awsguard.__file__).parent
# Nothing may join a circle, and no module guards an import of its own package.
KNOWN_CIRCLES: list[set[str]] = []
KNOWN_GUARDS: set[str] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "argdata" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every awsguard module `name` imports, lazily or not. `from . import x` counts as
    importing the package, as it runs the package's __init__ (and as tools read it)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if node.module and sub in modules:
                    found.add(sub)
                elif target in modules:
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
    found.discard(name)
    return found


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return circles


def test_no_import_circles_between_awsguard_modules() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    unexpected = [c for c in _circles(graph) if c not in KNOWN_CIRCLES]
    assert unexpected == []


def test_the_finder_sees_a_circle_through_a_package() -> None:
    graph = {"p": {"p.a"}, "p.a": {"p"}, "q": set()}
    assert _circles(graph) == [{"p", "p.a"}]


def test_no_module_guards_against_an_awsguard_module_being_missing() -> None:
    modules = _modules()
    guarded = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            catches = {
                getattr(h.type, "id", None) for h in node.handlers
            } | {getattr(e, "id", None) for h in node.handlers
                 if isinstance(h.type, ast.Tuple) for e in h.type.elts}
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            for inner in (n for stmt in node.body for n in ast.walk(stmt)):
                own = isinstance(inner, ast.ImportFrom) and (
                    inner.level or (inner.module or "").startswith("awsguard")
                )
                if own and name not in KNOWN_GUARDS:
                    guarded.append(f"{name}:{inner.lineno}")
    assert guarded == []
