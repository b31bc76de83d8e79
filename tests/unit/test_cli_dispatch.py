"""`awsguard credential-process PROFILE` skips argparse and the command scan (an SDK runs it
for every client), and every other spelling still goes through argparse."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
sys.path[:0] = {path!r}
from awsguard import cli
from awsguard.commands import credential_process
seen = []
credential_process.run = lambda args: seen.append((args.profile, 'argparse' in sys.modules)) or 3
status = cli.main({argv!r})
print(status, seen)
"""


def run(*argv: str) -> subprocess.CompletedProcess:
    code = CODE.format(path=sys.path, argv=list(argv))
    return subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True)


def test_the_one_profile_form_is_dispatched_without_argparse():
    done = run("credential-process", "dev")
    assert done.stdout.strip() == "3 [('dev', False)]", done.stderr


def test_other_forms_go_through_argparse_as_before():
    assert run("credential-process", "--", "dev").stdout.strip() == "3 [('dev', True)]"
    helped = run("credential-process", "--help")
    assert helped.returncode == 0 and "PROFILE" in helped.stdout
    assert run("credential-process").returncode == 2
    assert run("credential-process", "a", "b").returncode == 2
