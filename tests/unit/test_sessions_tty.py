"""awsguard.tty: prompts on the controlling terminal, under a pseudo-terminal (pexpect)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from awsguard import tty

pexpect = pytest.importorskip("pexpect")


def spawn(code: str) -> object:
    return pexpect.spawn(sys.executable, ["-c", code], encoding="utf-8", timeout=20)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("123456", "123456"), ("123 456", "123456"), (" 123-456 ", "123456"), ("12345", None),
     ("1234567", None), ("abcdef", None), ("12\t34 56\n", "123456"),
     ("\u0661\u0662\u0663\u0664\u0665\u0666", None), ("12345\u00b2", None)],
)
def test_an_mfa_code_is_six_digits_with_optional_separators(typed: str, expected: str) -> None:
    assert tty.normalise_mfa_code(typed) == expected


def test_without_a_controlling_terminal_there_is_no_terminal() -> None:
    code = "from awsguard import tty; print(tty.has_terminal())"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, start_new_session=True
    )
    assert done.stdout.strip() == "False"


def test_prompts_use_the_terminal_even_when_stdin_and_stdout_are_redirected() -> None:
    code = (
        "import sys, os; from awsguard import tty\n"
        "sys.stdin = open(os.devnull); out = open(os.devnull, 'w')\n"
        "os.dup2(out.fileno(), 1)\n"
        "code = tty.ask_mfa_code('dev', 'arn:aws:iam::1:mfa/phone')\n"
        "sys.stderr.write('GOT ' + code + '\\n')\n"
    )
    child = spawn(code)
    child.expect(r"MFA code for dev \(phone\):")
    child.sendline("654321")
    child.expect("GOT 654321")
    child.expect(pexpect.EOF)


def test_ask_typed_is_true_only_for_the_exact_text() -> None:
    code = "from awsguard import tty; print('ANSWER', tty.ask_typed('prod-db'))"
    child = spawn(code)
    child.expect("Type 'prod-db' to continue:")
    child.sendline("prod-db")
    child.expect("ANSWER True")
    child = spawn(code)
    child.expect("Type 'prod-db' to continue:")
    child.sendline("prod")
    child.expect("ANSWER False")


def test_confirm_takes_the_default_on_enter_and_ctrl_c_aborts_with_77() -> None:
    code = (
        "from awsguard import tty\n"
        "try:\n"
        "    print('ANSWER', tty.confirm_yes_no('Proceed?', default=True))\n"
        "except tty.PromptAborted as err:\n"
        "    print('ABORTED', err.exit_code)\n"
    )
    child = spawn(code)
    child.expect(r"Proceed\? \[Y/n\]")
    child.sendline("")
    child.expect("ANSWER True")
    child = spawn(code)
    child.expect(r"Proceed\? \[Y/n\]")
    child.sendcontrol("c")
    child.expect("ABORTED 77")
