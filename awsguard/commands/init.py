"""`awsguard init SHELL`: the code a shell rc file evaluates to load awsguard."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from .. import realcli
from ..errors import AwsguardError

NAME = "init"
HELP = "print the shell code that puts the shim first on PATH (and loads the prompt)"
DESCRIPTION = """\
Print the code your shell evaluates to load awsguard. install.sh adds one line
to your rc file that does this:

  bash/zsh:  eval "$(awsguard init bash)"      (or zsh)
  fish:      awsguard init fish | source

The shim folder is put first on PATH exactly once, however often it is loaded.
"""

SHELLS = ("bash", "zsh", "fish")


def install_prefix() -> Path:
    """The install.sh prefix: the folder that holds venv/, bin/ and shell/."""
    # sys.executable is PREFIX/venv/bin/python, also under `python -S` (the launcher),
    # where sys.prefix is the base interpreter's: site.py is what points it at the venv.
    # Not resolved: the venv's python is a link to the base interpreter.
    return Path(os.path.abspath(sys.executable)).parent.parent.parent


def shell_dir() -> Path:
    candidates = []
    if os.environ.get("AWSGUARD_SHELL_DIR"):
        candidates.append(Path(os.environ["AWSGUARD_SHELL_DIR"]))
    candidates.append(install_prefix() / "shell")
    candidates.append(Path(__file__).resolve().parents[2] / "shell")
    for candidate in candidates:
        if (candidate / "awsguard.bash").is_file():
            return candidate
    raise AwsguardError(
        "cannot find the awsguard shell files (looked in "
        + ", ".join(str(c) for c in candidates)
        + "). Re-run ./install.sh from the awsguard checkout."
    )


def shim_dir() -> Path | None:
    candidate = install_prefix() / "bin"
    if realcli.is_shim(candidate / "aws"):
        return candidate
    return None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS)
    parser.add_argument(
        "--no-prompt",
        action="store_true",
        help="load only the shim on PATH, not the prompt segment "
        "(same as AWSGUARD_PROMPT=0 in the environment)",
    )


def render(shell: str, bin_dir: Path | None, command: str, script: Path, prompt: bool) -> str:
    q = shlex.quote
    lines = []
    if shell == "fish":
        if bin_dir is not None:
            lines.append(f"set -gx AWSGUARD_BIN {q(str(bin_dir))}")
        lines.append(f"set -g AWSGUARD_CMD {q(command)}")
        if not prompt:
            lines.append("set -g AWSGUARD_PROMPT 0")
        lines.append(f"source {q(str(script))}")
    else:
        if bin_dir is not None:
            lines.append(f"export AWSGUARD_BIN={q(str(bin_dir))}")
        lines.append(f"AWSGUARD_CMD={q(command)}")
        if not prompt:
            lines.append("AWSGUARD_PROMPT=0")
        lines.append(f". {q(str(script))}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    script = shell_dir() / f"awsguard.{args.shell}"
    bin_dir = shim_dir()
    if bin_dir is None:
        print(
            "awsguard: no installed shim found next to this awsguard "
            f"({install_prefix() / 'bin' / 'aws'}); run ./install.sh. Loading the rest.",
            file=sys.stderr,
        )
    # The launcher install.sh writes beside the shim starts faster than pip's script.
    launcher = bin_dir / "awsguard" if bin_dir is not None else None
    if launcher is not None and launcher.is_file():
        command = str(launcher)
    else:
        command = str(Path(os.path.abspath(sys.executable)).parent / "awsguard")
    prompt = not args.no_prompt and os.environ.get("AWSGUARD_PROMPT", "1") != "0"
    sys.stdout.write(render(args.shell, bin_dir, command, script, prompt))
    return 0
