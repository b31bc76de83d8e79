"""The prompt segment in real bash, zsh and fish under a pseudo-terminal.

Each shell loads awsguard the way a user's rc file does (`awsguard init SHELL`) with a
clean environment and a temporary HOME. AWSGUARD_CMD is then replaced by a small
wrapper that counts how often the shell runs `awsguard prompt`.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path

import pexpect
import pytest
from fixtures.install import base_env
from fixtures.prompt_world import CONFIG, write_aws_world

AWSGUARD = Path(sys.executable).parent / "awsguard"
MARK = "MARK> "
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[=>]|[\x01\x02]|\x1b\][^\x07]*\x07")



@pytest.fixture
def user(tmp_path: Path) -> dict:
    if not AWSGUARD.exists():
        pytest.skip(f"no awsguard program at {AWSGUARD}")
    home = tmp_path / "home"
    write_aws_world(home, timedelta(hours=2, minutes=30))
    count = tmp_path / "runs"
    counter = tmp_path / "counting-awsguard"
    counter.write_text(f'#!/bin/sh\necho x >> "{count}"\nexec "{AWSGUARD}" "$@"\n')
    counter.chmod(0o755)
    env = base_env(home, "/usr/bin:/bin")
    env["LANG"] = "C.UTF-8"
    env["NO_COLOR"] = "1"
    env["TERM"] = "dumb"
    return {"home": home, "env": env, "counter": counter, "count": count, "tmp": tmp_path}


def runs(user: dict) -> int:
    try:
        return len(user["count"].read_text().splitlines())
    except FileNotFoundError:
        return 0


class Shell:
    """An interactive shell whose prompt ends in MARK; `line()` returns the text before it."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child

    def prompt(self) -> str:
        self.child.expect_exact(MARK, timeout=15)
        # fish and zsh start a prompt with a carriage return (after a no-newline mark).
        return re.split(r"[\r\n]", ANSI.sub("", self.child.before))[-1]

    def _echoed(self, command: str) -> None:
        # fish repaints the line on each key: the echo ends where the line is sent.
        # zsh turns bracketed paste off after it.
        tail = re.escape(command[-20:])
        self.child.expect(tail + r"(\x1b\[\?2004l)?\r+\n", timeout=15)

    def run(self, command: str) -> str:
        """Run `command` and return what the next prompt shows before MARK."""
        self.child.sendline(command)
        # The terminal echoes the command after the current prompt; skip past it.
        self._echoed(command)
        return self.prompt()

    def output(self, command: str) -> str:
        """Run `command` and return its output (without the next prompt)."""
        self.child.sendline(command)
        self._echoed(command)
        self.child.expect_exact(MARK, timeout=15)
        # Up to the line the next prompt starts on.
        text = ANSI.sub("", self.child.before)
        return re.split(r"[\r\n](?=[^\r\n]*$)", text)[0]

    def close(self) -> None:
        self.child.sendline("exit")
        self.child.close(force=True)


def init_line(shell: str, *options: str) -> str:
    opts = " ".join(options)
    if shell == "fish":
        return f"{AWSGUARD} init fish {opts} 2>/dev/null | source"
    return f'eval "$({AWSGUARD} init {shell} {opts} 2>/dev/null)"'


def start(user: dict, shell: str, before: str = "", options: tuple[str, ...] = ()) -> Shell:
    """Start `shell` interactively with an rc file: `before`, then awsguard init, counted."""
    tmp, env = user["tmp"], dict(user["env"])
    load = init_line(shell, *options)
    # Count the runs: point AWSGUARD_CMD at the wrapper after init set it.
    if shell == "fish":
        rc = tmp / "rc.fish"
        rc.write_text(
            f"function fish_prompt; printf '{MARK}'; end\n{before}\n{load}\n"
            f"set -g AWSGUARD_CMD {user['counter']}\n"
            "function fish_greeting; end\n"
        )
        argv = ["--no-config", "-i", "-C", f"source {rc}"]
    elif shell == "zsh":
        zdot = tmp / "zdot"
        zdot.mkdir(exist_ok=True)
        (zdot / ".zshrc").write_text(
            f"unsetopt prompt_sp prompt_cr\nPROMPT='{MARK}'\n{before}\n{load}\n"
            f"AWSGUARD_CMD={user['counter']}\n"
        )
        env["ZDOTDIR"] = str(zdot)
        argv = ["-i"]
    else:
        rc = tmp / "rc.bash"
        rc.write_text(f"PS1='{MARK}'\n{before}\n{load}\nAWSGUARD_CMD={user['counter']}\n")
        argv = ["--noprofile", "--rcfile", str(rc), "-i"]
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} is not installed")
    child = pexpect.spawn(
        exe, argv, env=env, cwd=str(user["home"]), encoding="utf-8", timeout=15,
        dimensions=(40, 200),
    )
    sh = Shell(child)
    sh.prompt()
    return sh


def export(shell: str, name: str, value: str) -> str:
    return f"set -gx {name} {value}" if shell == "fish" else f"export {name}={value}"


def unset(shell: str, *names: str) -> str:
    return f"set -e {' '.join(names)}" if shell == "fish" else f"unset {' '.join(names)}"


SHELLS = ["bash", "zsh", "fish"]


@pytest.mark.parametrize("shell", SHELLS)
def test_segment_follows_profile_keys_and_unset(user, shell):
    sh = start(user, shell)
    try:
        assert sh.run("true") == ""  # nothing in play: no segment at all
        assert sh.run(export(shell, "AWS_PROFILE", "dev")) == "dev@123456789012 eu-west-1 "
        shown = sh.run(export(shell, "AWS_PROFILE", "ops"))
        assert shown.startswith("ops@210987654321 us-west-2 2h")
        sh.run(export(shell, "AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE"))
        shown = sh.run(export(shell, "AWS_SECRET_ACCESS_KEY", "je7MtGbClwBF/2Zp9Utk"))
        assert shown.startswith("⚠env-overrides-profile env")
        everything = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        assert sh.run(unset(shell, *everything)) == ""
    finally:
        sh.close()


@pytest.mark.parametrize("shell", SHELLS)
def test_broken_awsguard_config_shows_a_mark_and_the_shell_keeps_working(user, shell):
    config = user["home"] / ".config" / "awsguard" / "config.toml"
    config.parent.mkdir(parents=True)
    sh = start(user, shell)
    try:
        assert sh.run(export(shell, "AWS_PROFILE", "dev")) == "dev@123456789012 eu-west-1 "
        config.write_text("[prompt\nformat = 'oops'\n")
        shown = sh.run("true")
        assert shown == "⚠awsguard-config dev@123456789012 eu-west-1 "
        assert "still-here" in sh.output("echo still-here")
        config.write_text('[accounts."123456789012"]\nname = "prod"\nprotected = true\n')
        assert sh.run("true") == "dev@prod eu-west-1 "
    finally:
        sh.close()


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_an_unchanged_prompt_starts_no_process(user, shell):
    sh = start(user, shell)
    try:
        sh.run(export(shell, "AWS_PROFILE", "dev"))
        after_change = runs(user)
        for _ in range(5):
            assert sh.run("") == "dev@123456789012 eu-west-1 "
        assert runs(user) == after_change
        # A file it read changes: one run, and the prompt shows it.
        config = user["home"] / ".aws" / "config"
        config.write_text(CONFIG.replace("eu-west-1", "eu-central-1"))
        assert sh.run("") == "dev@123456789012 eu-central-1 "
        assert runs(user) == after_change + 1
        sh.run(export(shell, "AWS_REGION", "ap-south-1"))
        assert runs(user) == after_change + 2
    finally:
        sh.close()


def test_fish_reruns_only_on_changes(user):
    sh = start(user, "fish")
    try:
        sh.run(export("fish", "AWS_PROFILE", "dev"))
        # fish compares whole seconds, so the stamp is dated a second back and a file
        # awsguard made (its stamp folder) looks new during that second.
        time.sleep(1.2)
        sh.run("true")
        after_change = runs(user)
        for _ in range(3):
            sh.run("true")
        assert runs(user) == after_change
        (user["home"] / ".aws" / "config").write_text(CONFIG.replace("eu-west-1", "sa-east-1"))
        assert sh.run("true") == "dev@123456789012 sa-east-1 "
    finally:
        sh.close()


@pytest.mark.parametrize("shell", SHELLS)
def test_no_prompt_option_keeps_the_prompt_off(user, shell):
    sh = start(user, shell, options=("--no-prompt",))
    try:
        assert sh.run(export(shell, "AWS_PROFILE", "dev")) == ""
        assert runs(user) == 0
    finally:
        sh.close()


def test_awsguard_prompt_variable_zero_keeps_the_prompt_off(user):
    user["env"]["AWSGUARD_PROMPT"] = "0"
    sh = start(user, "bash")
    try:
        assert sh.run("export AWS_PROFILE=dev") == ""
    finally:
        sh.close()


def test_bash_keeps_an_existing_prompt_command_string(user):
    sh = start(user, "bash", before="PROMPT_COMMAND='seen=yes'\nPS1='$seen '$PS1")
    try:
        assert sh.run("export AWS_PROFILE=dev") == "dev@123456789012 eu-west-1 yes "
        assert sh.output("echo \"$PROMPT_COMMAND\"").split() == [
            "seen=yes", "_awsguard_prompt_hook"
        ]
    finally:
        sh.close()


def test_bash_keeps_an_existing_prompt_command_array(user):
    before = "PROMPT_COMMAND=('one=1' 'two=2')\nPS1='$one$two '$PS1"
    sh = start(user, "bash", before=before)
    try:
        assert sh.run("export AWS_PROFILE=dev") == "dev@123456789012 eu-west-1 12 "
        assert sh.output('echo "${PROMPT_COMMAND[@]}"').split() == [
            "one=1", "two=2", "_awsguard_prompt_hook"
        ]
    finally:
        sh.close()


def test_bash_loaded_twice_hooks_once_and_shows_the_segment_once(user):
    sh = start(user, "bash")
    try:
        sh.run(init_line("bash"))
        sh.run("AWSGUARD_CMD=" + str(user["counter"]))
        assert sh.output('echo "$PROMPT_COMMAND"').split() == ["_awsguard_prompt_hook"]
        assert sh.run("export AWS_PROFILE=dev") == "dev@123456789012 eu-west-1 "
    finally:
        sh.close()


def test_zsh_right_prompt_by_choice(user):
    user["env"]["AWSGUARD_PROMPT_SIDE"] = "right"
    sh = start(user, "zsh")
    try:
        assert sh.run("export AWS_PROFILE=dev") == ""  # nothing on the left
        out = sh.output('print -r -- "R=$RPROMPT"; [[ $PROMPT == "MARK> " ]] || echo L=$PROMPT')
        assert "R=${_awsguard_rps1}" in out
        assert "L=" not in out
        assert sh.output('print -r -- "[$_awsguard_rps1]"').strip().endswith(
            "[ dev@123456789012 eu-west-1]"
        )
    finally:
        sh.close()


def test_fish_segment_function_for_the_right_prompt(user):
    user["env"]["AWSGUARD_PROMPT_SIDE"] = "none"
    sh = start(user, "fish")
    try:
        assert sh.run("set -gx AWS_PROFILE ops") == ""  # left prompt untouched
        out = sh.output("echo \"[\"(awsguard_prompt_segment --right)\"]\"")
        assert "[ ops@210987654321 us-west-2 2h" in out
    finally:
        sh.close()


def test_colours_reach_the_prompt_wrapped_for_readline(user):
    del user["env"]["NO_COLOR"]
    config = user["home"] / ".config" / "awsguard" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[[prompt.color]]\nprofile = "dev*"\ncolor = "red"\n')
    sh = start(user, "bash")
    try:
        sh.child.sendline("export AWS_PROFILE=dev")
        sh.child.expect_exact("AWS_PROFILE=dev")
        sh.child.expect_exact(MARK)
        # readline takes out the \001 \002 markers that keep the width right.
        assert "\x1b[31mdev@123456789012 eu-west-1\x1b[0m " in sh.child.before
    finally:
        sh.close()
