"""The confirmation prompt on the controlling terminal, without prompt_toolkit.

The identity prompt must appear within 100 ms of the shim starting; importing
prompt_toolkit alone takes longer than that. A confirmation is one short line, so
the kernel's line discipline (canonical mode: echo, backspace, Ctrl-U) is all the
editing it needs. /dev/tty is opened directly, so the prompt works while stdin and
stdout are pipes or files, and nothing is written to stdout.
"""

from __future__ import annotations

import os

from .tty import TTY_PATH, NoTerminal, PromptAborted


def ask_line(text: str) -> str:
    """Write `text` (panel and question) to the terminal; return the answer line.

    Ctrl-C (SIGINT) and Ctrl-D (end of input) raise PromptAborted.
    """
    try:
        fd = os.open(TTY_PATH, os.O_RDWR | os.O_NOCTTY)
    except OSError as err:
        raise NoTerminal(
            f"awsguard needs to ask a question but cannot open {TTY_PATH} "
            f"({err.strerror or err}): this process has no terminal."
        ) from None
    saved = None
    try:
        try:
            import termios

            saved = termios.tcgetattr(fd)
            wanted = list(saved)
            # Line editing, echo and Ctrl-C, whatever mode a previous program left.
            wanted[3] |= termios.ICANON | termios.ECHO | termios.ISIG
            termios.tcsetattr(fd, termios.TCSANOW, wanted)
        except (ImportError, OSError):
            saved = None
        os.write(fd, text.encode("utf-8", "replace"))
        chunks: list[bytes] = []
        while True:
            chunk = os.read(fd, 1024)
            if not chunk:  # Ctrl-D
                os.write(fd, b"\n")
                raise PromptAborted("the question was cancelled (Ctrl-D).")
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                break
        return b"".join(chunks).decode("utf-8", "replace").strip()
    except KeyboardInterrupt:
        try:
            os.write(fd, b"\n")
        except OSError:
            pass
        raise PromptAborted("the question was cancelled (Ctrl-C).") from None
    finally:
        if saved is not None:
            try:
                import termios

                termios.tcsetattr(fd, termios.TCSANOW, saved)
            except OSError:
                pass
        os.close(fd)


def say(text: str) -> None:
    """One line on the terminal (stderr when there is none)."""
    from . import tty

    tty.say(text)
