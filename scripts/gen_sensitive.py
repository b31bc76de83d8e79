#!/usr/bin/env python3
"""Generate awsguard/data/sensitive.tsv: which AWS CLI options carry a secret.

botocore's service models mark secret shapes with `"sensitive": true` (passwords,
secret strings, private keys, environment variables...). A secret nested anywhere
inside an option's value (a structure, list or map member) makes the whole option
sensitive: awsguard redacts the option's value in the confirmation panel, in
refusals and in the audit log, however the option is spelled (redact.py).

Output: a comment line, then one line per CLI operation that has sensitive options,
tab-separated: CLI service name, kebab-case CLI operation, space-separated option
names (`--old-password --new-password`), sorted, and the operation's other options
whose name is a prefix of a sensitive one (argparse matches those exactly, not as an
abbreviation of the secret option; empty when none).

Usage: scripts/gen_sensitive.py [--data DIR ...] [--out FILE]
  --data   a botocore `data` folder to read (repeatable; the union is written);
           default: the installed botocore's, plus the Debian AWS CLI v2's when present.
Run it again after upgrading botocore, and commit the result.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_tables import CLI_RENAMES  # noqa: E402  (a constant only: same CLI naming)

DEBIAN_V2_DATA = Path("/usr/lib/python3/dist-packages/awscli/botocore/data")


def _kebab(name: str) -> str:
    from botocore import xform_name

    return xform_name(name, "-")


def _renames() -> dict[str, str]:
    """awscli's own option renames (`service.operation.old` -> `new`)."""
    try:
        from awscli.customizations.argrename import ARGUMENT_RENAMES
    except ImportError:
        return {}
    return dict(ARGUMENT_RENAMES)


def _latest_model(service_dir: Path) -> Path | None:
    versions = sorted(p for p in service_dir.iterdir() if p.is_dir())
    for version in reversed(versions):
        for name in ("service-2.json", "service-2.json.gz"):
            if (version / name).exists():
                return version / name
    return None


def _load(path: Path) -> dict[str, Any]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    return json.loads(path.read_text(encoding="utf-8"))


def _holds_secret(shapes: dict[str, Any], name: str, seen: set[str]) -> bool:
    """True when the shape, or anything reachable inside it, is marked sensitive."""
    if name in seen:
        return False
    seen.add(name)
    shape = shapes.get(name, {})
    if shape.get("sensitive"):
        return True
    kind = shape.get("type")
    refs: list[dict[str, Any]] = []
    if kind == "structure":
        refs = list(shape.get("members", {}).values())
    elif kind == "list":
        refs = [shape.get("member", {})]
    elif kind == "map":
        refs = [shape.get("key", {}), shape.get("value", {})]
    for ref in refs:
        if ref.get("sensitive") or (
            "shape" in ref and _holds_secret(shapes, ref["shape"], seen)
        ):
            return True
    return False


def sensitive_options(
    model: dict[str, Any], cli: str, renames: dict[str, str]
) -> dict[str, tuple[set[str], set[str]]]:
    """CLI operation -> (its sensitive options, its other options)."""
    shapes = model.get("shapes", {})
    found: dict[str, tuple[set[str], set[str]]] = {}
    for op_name, op in model.get("operations", {}).items():
        input_name = op.get("input", {}).get("shape")
        if not input_name:
            continue
        members = shapes.get(input_name, {}).get("members", {})
        cli_op = _kebab(op_name)
        secret: set[str] = set()
        plain: set[str] = set()
        for member, ref in members.items():
            option = _kebab(member)
            option = "--" + renames.get(f"{cli}.{cli_op}.{option}", option)
            if ref.get("sensitive") or _holds_secret(shapes, ref.get("shape", ""), set()):
                secret.add(option)
            else:
                plain.add(option)
        if secret:
            found[cli_op] = (secret, plain)
    return found


def generate(data_dirs: list[Path]) -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    renames = _renames()
    table: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for data in data_dirs:
        for service_dir in sorted(p for p in data.iterdir() if p.is_dir()):
            model_path = _latest_model(service_dir)
            if model_path is None:
                continue
            service = service_dir.name
            cli = CLI_RENAMES.get(service, service)
            for op, (secret, plain) in sensitive_options(
                _load(model_path), cli, renames
            ).items():
                row = table.setdefault((cli, op), (set(), set()))
                row[0].update(secret)
                row[1].update(plain)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", type=Path, default=None)
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE.parent / "awsguard" / "data" / "sensitive.tsv",
    )
    args = parser.parse_args(argv)
    data_dirs = args.data
    if not data_dirs:
        import botocore

        data_dirs = [Path(os.path.dirname(botocore.__file__)) / "data"]
        if DEBIAN_V2_DATA.is_dir():
            data_dirs.append(DEBIAN_V2_DATA)
    table = generate(data_dirs)
    lines = [
        "# awsguard sensitive options, generated by scripts/gen_sensitive.py from botocore's "
        "`sensitive` shapes: do not edit. Rows: CLI service, CLI operation, sensitive "
        "options, other options that are a prefix of a sensitive one."
    ]
    for (cli, op), (secret, plain) in sorted(table.items()):
        plain -= secret
        shadows = sorted(p for p in plain if any(s.startswith(p) for s in secret))
        lines.append(f"{cli}\t{op}\t{' '.join(sorted(secret))}\t{' '.join(shadows)}")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(table)} operations", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
