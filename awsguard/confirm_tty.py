"""The confirmation prompt on the controlling terminal.

The identity panel must appear within 100 ms of the shim starting, and importing
prompt_toolkit alone takes longer than that. So the panel is written straight to
/dev/tty first, and the answer is then read with prompt_toolkit (awsguard/tty.py)
while the person reads the panel: keys typed meanwhile wait in the terminal's
buffer. /dev/tty is opened directly, so the prompt works while stdin and stdout
are pipes or files, and nothing is written to stdout.
"""

from __future__ import annotations

import os

from .tty import TTY_PATH, no_terminal


def show(text: str) -> None:
    """Write `text` to the terminal now, without waiting for anything.

    Each line is escaped (redact.escape_lines): whatever outside text reached it, it
    cannot move the cursor, hide text or add a line of its own."""
    from .redact import escape_lines

    text = escape_lines(text)
    try:
        fd = os.open(TTY_PATH, os.O_WRONLY | os.O_NOCTTY)
    except OSError as err:
        raise no_terminal(err) from None
    try:
        os.write(fd, text.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def ask_line(text: str) -> str:
    """Show `text` (panel lines, then the question on its last line); return the answer.

    Ctrl-C and Ctrl-D raise tty.PromptAborted.
    """
    from . import tty

    panel, _, question = text.rpartition("\n")
    if panel:
        show(panel + "\n")
    return tty.ask_text(question).strip()


def say(text: str) -> None:
    """One line on the terminal (stderr when there is none)."""
    from . import tty

    tty.say(text)
