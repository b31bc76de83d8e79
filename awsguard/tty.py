"""Every prompt the user sees, on the controlling terminal (/dev/tty).

Prompts open /dev/tty themselves, so they work while the AWS CLI's stdin and
stdout are pipes or files (`aws s3 cp - s3://b/k < data`, `aws ... | jq`), and
they never write to stdout. prompt_toolkit is imported only when a prompt runs.
"""

from __future__ import annotations

import os

from .errors import EXIT_REFUSED, AwsguardError

# The shim imports this module for has_terminal() on every session profile's call:
# `re`, `contextlib` and `typing` cost it milliseconds, so none is imported at the top.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TTY_PATH = "/dev/tty"
MAX_ATTEMPTS = 5


class PromptAborted(AwsguardError):
    """The person pressed Ctrl-C or Ctrl-D, or gave up: awsguard's refusal (exit 77)."""

    exit_code = EXIT_REFUSED


class NoTerminal(AwsguardError):
    """A prompt was needed but there is no controlling terminal."""

    exit_code = EXIT_REFUSED


def no_terminal(err: OSError) -> NoTerminal:
    return NoTerminal(
        f"awsguard needs to ask a question but cannot open {TTY_PATH} "
        f"({err.strerror or err}): this process has no terminal."
    )


def has_terminal() -> bool:
    """Whether this process has a controlling terminal it can open for a prompt."""
    try:
        fd = os.open(TTY_PATH, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


class _terminal:  # noqa: N801 - used as `with _terminal() as (term_in, term_out)`
    """prompt_toolkit's input and output on /dev/tty, closed on leaving."""

    def __enter__(self) -> tuple[Any, Any]:
        try:
            # Two handles: a tty is not seekable, so one read-write text file is not possible.
            self.reader = open(TTY_PATH, encoding="utf-8", errors="replace")  # noqa: SIM115
            self.writer = open(TTY_PATH, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as err:
            raise no_terminal(err) from None
        try:
            from prompt_toolkit.input.vt100 import Vt100Input
            from prompt_toolkit.output.vt100 import Vt100_Output

            return Vt100Input(self.reader), Vt100_Output.from_pty(self.writer)
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *_exc: object) -> None:
        self.reader.close()
        self.writer.close()


def _ask(message: str, secret: bool = False) -> str:
    """One line from the terminal. Ctrl-C and Ctrl-D raise PromptAborted."""
    with _terminal() as (term_in, term_out):
        from prompt_toolkit import PromptSession

        session: PromptSession[str] = PromptSession(input=term_in, output=term_out)
        try:
            return session.prompt(message, is_password=secret)
        except (KeyboardInterrupt, EOFError):
            raise PromptAborted("the question was cancelled (Ctrl-C or Ctrl-D).") from None


def say(text: str) -> None:
    """A line on the terminal (or stderr when there is none): never stdout."""
    try:
        with open(TTY_PATH, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError:
        import sys

        print(text, file=sys.stderr)


def normalise_mfa_code(text: str) -> str | None:
    """The 6 digits in `text` (spaces and dashes allowed as separators), or None."""
    code = "".join(text.split()).replace("-", "")
    return code if len(code) == 6 and code.isascii() and code.isdigit() else None


def ask_mfa_code(profile: str, mfa_serial: str) -> str:
    """Ask for a 6-digit MFA code; re-ask on a typo; Ctrl-C/EOF raise PromptAborted."""
    device = mfa_serial.rsplit("/", 1)[-1] if mfa_serial else "device"
    for _ in range(MAX_ATTEMPTS):
        answer = _ask(f"awsguard: MFA code for {profile} ({device}): ")
        code = normalise_mfa_code(answer)
        if code is not None:
            return code
        say("awsguard: an MFA code is 6 digits; try again (Ctrl-C to cancel).")
    raise PromptAborted(f"no valid MFA code after {MAX_ATTEMPTS} tries.")


def ask_text(message: str, secret: bool = False) -> str:
    """A free-text answer (secret=True: not echoed)."""
    return _ask(message, secret=secret)


def confirm_yes_no(question: str, default: bool = False) -> bool:
    """Ask a yes/no question; an empty answer takes `default`."""
    hint = "[Y/n]" if default else "[y/N]"
    for _ in range(MAX_ATTEMPTS):
        answer = _ask(f"{question} {hint} ").strip().lower()
        if not answer:
            return default
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
        say("awsguard: please answer y or n.")
    raise PromptAborted(f"no yes/no answer after {MAX_ATTEMPTS} tries.")


def ask_typed(expected: str, message: str | None = None) -> bool:
    """Ask the person to type `expected` exactly; True only for an exact match."""
    prompt = message or f"Type {expected!r} to continue: "
    return _ask(prompt).strip() == expected
