"""Group 4, the AWS config and credentials files: parse errors, permissions, plaintext keys."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import Check, FAIL, OK, WARN, mask_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..awsconfig import AwsFiles


# --- 4. files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    path: Path
    exists: bool
    mode: int | None  # permission bits, None when the file is missing or unreadable


def gather_file(path: Path) -> FileFacts:
    try:
        st = os.stat(path)
    except OSError:
        return FileFacts(path, False, None)
    return FileFacts(path, stat.S_ISREG(st.st_mode), stat.S_IMODE(st.st_mode))


def check_file(check_id: str, what: str, facts: FileFacts, problems: list[Any]) -> Check:
    mine = [p for p in problems if Path(p.path) == facts.path]
    if mine:
        first = mine[0]
        return Check(
            check_id,
            FAIL,
            f"{what} {facts.path} has {len(mine)} problem{'s' if len(mine) > 1 else ''}: "
            f"the AWS CLI may refuse the whole file",
            tuple(str(p) for p in mine),
            f"edit {facts.path} at line {first.line if first.line is not None else '?'}",
        )
    if not facts.exists:
        return Check(check_id, OK, f"{what} {facts.path} is not present (optional)")
    return Check(check_id, OK, f"{what} {facts.path} parses cleanly")


def check_permissions(config: FileFacts, credentials: FileFacts) -> Check:
    wide = []
    worst = OK
    for facts, what, status in ((credentials, "credentials", FAIL), (config, "config", WARN)):
        if facts.mode is None or not facts.mode & 0o077:
            continue
        readable = "world-readable" if facts.mode & 0o004 else "group-accessible"
        wide.append((facts, f"{what} file {facts.path} is {oct(facts.mode)[2:]:0>4} ({readable})"))
        if status == FAIL or worst == OK:
            worst = status
    if not wide:
        shown = [
            f"{f.path}: {oct(f.mode)[2:]:0>4}" for f in (config, credentials) if f.mode is not None
        ]
        summary = "files are private (0600 or narrower)" if shown else "no files to check"
        return Check("files.permissions", OK, summary, tuple(shown))
    fix = "; ".join(f"chmod 600 {facts.path}" for facts, _ in wide)
    summary = "permissions wider than 0600: " + "; ".join(line for _, line in wide)
    return Check("files.permissions", worst, summary, tuple(line for _, line in wide), fix)


def check_plaintext_keys(files: AwsFiles) -> Check:
    found = []
    for source, path in (
        (files.credentials_profiles, files.credentials_path),
        (files.config_profiles, files.config_path),
    ):
        for name, section in source.items():
            key = section.get("aws_access_key_id")
            if isinstance(key, str) and key.startswith("AKIA"):
                found.append(f"profile {name}: long-term key {mask_key(key)} in {path}")
    if not found:
        return Check("files.plaintext-keys", OK, "no long-term access keys stored in plain text")
    return Check(
        "files.plaintext-keys",
        WARN,
        f"{len(found)} long-term access key{'s' if len(found) > 1 else ''} stored in plain text",
        tuple(found),
        "`awsguard import` moves them into the OS keyring; then rotate the keys",
    )
