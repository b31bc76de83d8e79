"""How long `awsguard prompt` takes, and how many processes a prompt starts in bash and zsh.

Times `awsguard prompt` against `python3 -c pass` (the python3 on PATH) and against
the interpreter awsguard runs on (`-c pass` and `-S -c pass`), alternating, and prints
medians. awsguard is installed with install.sh into a temporary prefix (as a user
has it: not an editable install), or taken from --prefix / --awsguard.

Then starts bash and zsh under strace in a pseudo-terminal, with the awsguard prompt
loaded, and counts the processes (clone/fork/vfork) started per prompt when nothing
changed and when AWS_PROFILE changes at every prompt.

    .venv/bin/python bench/prompt_speed.py [--runs 60] [--prefix DIR | --awsguard PATH]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fixtures.install import base_env, run_install  # noqa: E402
from fixtures.prompt_world import write_aws_world  # noqa: E402

AWSGUARD_TOML = """\
[prompt]
format = "[{conflict} ]{profile}[@{account_label}][ {region}][ {expires_in}]"

[[prompt.color]]
profile = "*prod*"
color = "red"

[accounts."123456789012"]
name = "dev-account"
"""


DIRECT = (
    "import sys; from awsguard.commands.prompt import fast_main; sys.exit(fast_main([]))"
)


def make_home(home: Path) -> None:
    write_aws_world(home, timedelta(hours=8))
    (home / ".config" / "awsguard").mkdir(parents=True)
    (home / ".config" / "awsguard" / "config.toml").write_text(AWSGUARD_TOML)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the child and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def speed(awsguard: Path, env: dict[str, str], runs: int) -> None:
    # The launcher's own interpreter (install.sh writes `#!…/venv/bin/python -IS`).
    with open(awsguard, encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
    if first.startswith("#!"):
        interpreter = Path(first[2:].split()[0])
    else:
        interpreter = Path(os.path.realpath(awsguard)).parent / "python"
    python3 = shutil.which("python3") or "python3"
    cases = {
        "python3 -c pass (PATH)": [python3, "-c", "pass"],
        "awsguard's python -c pass": [str(interpreter), "-c", "pass"],
        "awsguard's python -S -c pass": [str(interpreter), "-S", "-c", "pass"],
        "awsguard --version (argparse path)": [str(awsguard), "--version"],
        "awsguard prompt (cached)": [str(awsguard), "prompt"],
        # What the cached path costs without the pip launcher's `import re` and cli.py's
        # top-level argparse/pkgutil imports (see README.md, "What it costs").
        "direct fast_main (cached)": [str(interpreter), "-c", DIRECT],
        "awsguard prompt (computed, role)": [str(awsguard), "prompt"],
        "awsguard prompt (computed, SSO)": [str(awsguard), "prompt"],
        "awsguard prompt --shell bash (comp.)": [str(awsguard), "prompt", "--shell", "bash"],
    }
    envs = {name: env for name in cases}
    no_cache = {**env, "AWSGUARD_PROMPT_CACHE": "0"}
    envs["awsguard prompt (computed, role)"] = no_cache
    envs["awsguard prompt (computed, SSO)"] = {**no_cache, "AWS_PROFILE": "ops"}
    envs["awsguard prompt --shell bash (comp.)"] = no_cache
    out = subprocess.run(cases["awsguard prompt (cached)"], env=env, capture_output=True,
                         text=True)
    print(f"segment: {out.stdout.strip()!r}  stderr: {out.stderr.strip()!r}")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    names = list(cases)
    for name in names:  # warm the page cache
        timed(cases[name], envs[name])
    for i in range(runs):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            times[name].append(timed(cases[name], envs[name]))
    print(f"\n{'command':38} {'wall median':>11} {'wall min':>9} {'CPU median':>11}  (ms)"
          f"  runs={runs}")

    def med(name: str, i: int) -> float:
        return statistics.median(t[i] for t in times[name]) * 1000

    for name in names:
        print(f"{name:38} {med(name, 0):11.1f} {min(t[0] for t in times[name]) * 1000:9.1f} "
              f"{med(name, 1):11.1f}")
    base = "awsguard's python -c pass"
    for name in ("awsguard prompt (cached)", "awsguard prompt (computed, role)"):
        print(f"{name + ' - python -c pass':38} {med(name, 0) - med(base, 0):+11.1f} "
              f"{'':9} {med(name, 1) - med(base, 1):+11.1f}")


def count_processes(shell: str, awsguard: Path, env: dict[str, str], work: Path,
                    prompts: int) -> tuple[float, float] | None:
    import pexpect

    exe = shutil.which(shell)
    strace = shutil.which("strace")
    if exe is None or strace is None:
        return None
    log = work / f"strace-{shell}.log"
    mark = "BENCH> "
    env = dict(env)
    if shell == "zsh":
        zdot = work / "zdot"
        zdot.mkdir(exist_ok=True)
        (zdot / ".zshrc").write_text(
            f"unsetopt prompt_sp\nPROMPT='{mark}'\neval \"$({awsguard} init zsh 2>/dev/null)\"\n"
        )
        env["ZDOTDIR"] = str(zdot)
        argv = ["-i"]
    else:
        rc = work / "rc.bash"
        rc.write_text(f"PS1='{mark}'\neval \"$({awsguard} init bash 2>/dev/null)\"\n")
        argv = ["--noprofile", "--rcfile", str(rc), "-i"]
    child = pexpect.spawn(
        strace, ["-f", "-qq", "-e", "trace=clone,clone3,fork,vfork", "-o", str(log), exe, *argv],
        env=env, encoding="utf-8", timeout=30,
    )

    def forks() -> int:
        return sum(1 for line in log.read_text().splitlines()
                   if re.search(r"\b(clone3?|v?fork)\(", line))

    def step(command: str) -> None:
        child.sendline(command)
        child.expect_exact(mark)

    child.expect_exact(mark)
    step("export AWS_PROFILE=dev")
    time.sleep(0.2)
    first = forks()
    for _ in range(prompts):
        child.sendline("")
        child.expect_exact(mark)
    quiet = (forks() - first) / prompts
    first = forks()
    for n in range(prompts):
        child.sendline(f"export AWS_PROFILE={'ops' if n % 2 == 0 else 'dev'}")
        child.expect_exact(mark)
    changed = (forks() - first) / prompts
    child.sendline("exit")
    child.close(force=True)
    return quiet, changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--prefix", type=Path, help="an existing install.sh prefix")
    parser.add_argument("--awsguard", type=Path, help="an awsguard program (e.g. .venv/bin)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="awsguard-prompt-bench-"))
    home = work / "home"
    make_home(home)
    awsguard = args.awsguard
    if awsguard is None:
        prefix = args.prefix
        if prefix is None:
            prefix = work / "prefix"
            print("installing awsguard with install.sh ...", file=sys.stderr)
            run_install(prefix, work / "install-home", "--no-modify-rc", path="/usr/bin:/bin")
        awsguard = prefix / "bin" / "awsguard"
    print(f"awsguard: {awsguard}")
    env = base_env(home, os.environ.get("PATH", "/usr/bin:/bin"))
    env["AWS_PROFILE"] = "dev"
    speed(awsguard, env, args.runs)

    print(f"\nprocesses started per prompt (strace -f, clone/fork), {args.prompts} prompts each:")
    shell_env = base_env(home, "/usr/bin:/bin")
    shell_env["TERM"] = "dumb"
    for shell in ("bash", "zsh"):
        counted = count_processes(shell, awsguard, shell_env, work, args.prompts)
        if counted is None:
            print(f"  {shell}: skipped (no {shell} or no strace)")
            continue
        quiet, changed = counted
        print(f"  {shell}: nothing changed {quiet:.2f}; "
              f"AWS_PROFILE changed each time {changed:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
