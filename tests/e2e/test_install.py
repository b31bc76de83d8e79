"""install.sh as a user runs it: rc files, real shells, upgrade, uninstall, clear errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures.install import PIP_CACHE_DIR, REPO, base_env, make_real_bin

SHELLS = {
    "bash": (".bashrc", ["bash", "-i", "-c"]),
    "zsh": (".zshrc", ["zsh", "-i", "-c"]),
    "fish": (".config/fish/config.fish", ["fish", "-i", "-c"]),
}


def install(prefix: Path, home: Path, *options: str, path: str) -> subprocess.CompletedProcess[str]:
    env = base_env(home, path)
    env["PIP_CACHE_DIR"] = PIP_CACHE_DIR
    return subprocess.run(
        ["bash", str(REPO / "install.sh"), "--prefix", str(prefix), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """A user with existing rc files (one without a final newline), before install."""
    base = tmp_path_factory.mktemp("user")
    home = base / "home"
    (home / ".config" / "fish").mkdir(parents=True)
    (home / ".bashrc").write_bytes(b"# my bashrc\nexport EDITOR=vi\n")
    (home / ".zshrc").write_bytes(b"setopt no_beep\nalias ll='ls -l'")  # no final newline
    # fish's config.fish does not exist yet: install creates it, uninstall removes it.
    real_bin = make_real_bin(base / "real-bin")
    return {"home": home, "prefix": base / "prefix", "real_bin": real_bin}


# What an interactive login bash reads instead of ~/.bashrc: the first that exists.
BASH_LOGIN_FILES = (".bash_profile", ".bash_login", ".profile")


def snapshot(home: Path) -> dict[str, bytes | None]:
    out = {}
    for rc in [*(rc for rc, _ in SHELLS.values()), *BASH_LOGIN_FILES]:
        p = home / rc
        out[rc] = p.read_bytes() if p.exists() else None
    return out


def _path_without_aws(where: Path) -> str:
    """A PATH with every program of /usr/local/bin, /usr/bin and /bin except `aws`
    (Debian's awscli, which CI installs, lives in /usr/bin)."""
    where.mkdir(parents=True, exist_ok=True)
    for folder in ("/bin", "/usr/bin", "/usr/local/bin"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name in ("aws", "aws_completer") or (where / name).exists():
                continue
            target = os.path.join(folder, name)
            if os.access(target, os.X_OK) and not os.path.isdir(target):
                (where / name).symlink_to(target)
    return str(where)


def test_install_without_a_real_cli_warns_and_succeeds(user, tmp_path):
    before = snapshot(user["home"])
    user["before"] = before
    proc = install(user["prefix"], user["home"], path=_path_without_aws(tmp_path / "bin"))
    assert proc.returncode == 0, proc.stderr
    assert "no real AWS CLI found" in proc.stderr
    assert "pip install awscli" in proc.stderr
    for rc, _ in SHELLS.values():
        text = (user["home"] / rc).read_text()
        assert text.count("# awsguard (added by install.sh") == 1, rc


def test_reinstall_upgrades_in_place_with_one_rc_line(user):
    proc = install(user["prefix"], user["home"], path=f"{user['real_bin']}:/usr/bin:/bin")
    assert proc.returncode == 0, proc.stderr
    assert "upgrading" in proc.stdout
    for rc, _ in SHELLS.values():
        assert (user["home"] / rc).read_text().count("added by install.sh") == 1


@pytest.mark.parametrize("shell", list(SHELLS))
def test_a_new_shell_resolves_aws_to_the_shim(user, shell):
    if not shutil.which(shell):
        pytest.skip(f"{shell} is not installed")
    _, command = SHELLS[shell]
    env = base_env(user["home"], f"{user['real_bin']}:/usr/bin:/bin")
    script = {
        "bash": "source ~/.bashrc; type -P aws; "
        "echo PATHCOUNT=$(tr : '\\n' <<<\"$PATH\" | grep -c /prefix/bin)",
        "zsh": "source ~/.zshrc; whence -p aws; echo PATHCOUNT=${#${(M)path:#*/prefix/bin}}",
        "fish": "source ~/.config/fish/config.fish; command -s aws; "
        "echo PATHCOUNT=(count (string match '*/prefix/bin' $PATH))",
    }[shell]
    proc = subprocess.run([*command, script], env=env, capture_output=True, text=True, timeout=120)
    lines = proc.stdout.strip().splitlines()
    assert lines[-2] == str(user["prefix"] / "bin" / "aws"), proc.stdout + proc.stderr
    # Sourced twice (once at startup, once by hand): still first, still once.
    assert lines[-1] == "PATHCOUNT=1"


def test_an_interactive_login_bash_finds_the_shim(user):
    """macOS terminals and ssh start login shells, which read ~/.bash_profile and not
    ~/.bashrc. This user had no login file: install created one that still reads
    ~/.bashrc (their aliases) and loads awsguard."""
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    created = (user["home"] / ".bash_profile").read_text()
    assert created.count("added by install.sh") == 2 and ".bashrc" in created
    env = base_env(user["home"], f"{user['real_bin']}:/usr/bin:/bin")
    proc = subprocess.run(
        ["bash", "-l", "-i", "-c",
         "type -P aws; echo EDITOR=$EDITOR; "
         "echo PATHCOUNT=$(tr : '\\n' <<<\"$PATH\" | grep -c /prefix/bin)"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines[-3] == str(user["prefix"] / "bin" / "aws"), proc.stdout + proc.stderr
    assert lines[-2] == "EDITOR=vi"  # ~/.bashrc was read too
    assert lines[-1] == "PATHCOUNT=1"


def test_uninstall_restores_rc_files_byte_for_byte(user):
    proc = install(user["prefix"], user["home"], "--uninstall", path="/usr/bin:/bin")
    assert proc.returncode == 0, proc.stderr
    assert snapshot(user["home"]) == user["before"]
    assert not (user["home"] / ".config" / "fish" / "config.fish").exists()
    assert not (user["home"] / ".bash_profile").exists()  # created by install, removed
    assert not user["prefix"].exists()


def test_a_debian_style_profile_is_wired_for_bash_only_and_restored(tmp_path):
    """Only ~/.profile (Debian's default, read by sh and dash too): the line runs only
    under bash, a login sh still starts cleanly, and uninstall restores it exactly."""
    home = tmp_path / "home"
    home.mkdir()
    profile = (b'# ~/.profile\nif [ -n "$BASH_VERSION" ]; then\n'
               b'    [ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"\nfi\nexport PAGER=less')
    (home / ".profile").write_bytes(profile)  # no final newline
    (home / ".bashrc").write_bytes(b"export EDITOR=vi\n")
    before = snapshot(home)
    real_bin = make_real_bin(tmp_path / "real-bin")
    prefix = tmp_path / "prefix"
    proc = install(prefix, home, path=f"{real_bin}:/usr/bin:/bin")
    assert proc.returncode == 0, proc.stderr
    assert not (home / ".bash_profile").exists()  # bash reads ~/.profile: wire that one
    wired = (home / ".profile").read_text()
    assert wired.count("added by install.sh") == 1 and "BASH_VERSION" in wired.splitlines()[-1]
    env = base_env(home, f"{real_bin}:/usr/bin:/bin")
    if shutil.which("bash"):
        login = subprocess.run(["bash", "-l", "-i", "-c", "type -P aws"], env=env,
                               capture_output=True, text=True, timeout=120)
        assert login.stdout.strip().splitlines()[-1] == str(prefix / "bin" / "aws"), login.stderr
    if shutil.which("sh"):
        plain = subprocess.run(["sh", "-l", "-c", "echo PAGER=$PAGER"], env=env,
                               capture_output=True, text=True, timeout=60)
        assert plain.stdout.strip() == "PAGER=less" and plain.stderr == "", plain.stderr
    proc = install(prefix, home, "--uninstall", path="/usr/bin:/bin")
    assert proc.returncode == 0, proc.stderr
    assert snapshot(home) == before


def test_no_modify_rc_prints_the_line_instead(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proc = install(tmp_path / "p", home, "--no-modify-rc", path="/usr/bin:/bin")
    assert proc.returncode == 0, proc.stderr
    assert "init bash" in proc.stdout
    assert not (home / ".bashrc").exists()
    assert (tmp_path / "p" / "bin" / "aws").read_bytes().find(b"AWSGUARD-SHIM") > 0


def test_unwritable_prefix_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    proc = install(blocker / "prefix", tmp_path, "--no-modify-rc", path="/usr/bin:/bin")
    assert proc.returncode == 1
    assert "cannot write to the prefix" in proc.stderr and "--prefix" in proc.stderr


def test_no_suitable_python_is_a_clear_error(tmp_path):
    # A PATH with every tool of /usr/bin and /bin except Python.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in ("/usr/bin", "/bin"):
        for entry in os.scandir(folder):
            if entry.name.startswith("python") or (bin_dir / entry.name).exists():
                continue
            (bin_dir / entry.name).symlink_to(entry.path)
    proc = install(tmp_path / "p", tmp_path, "--no-modify-rc", path=str(bin_dir))
    assert proc.returncode == 1
    assert "Python 3.10 or newer" in proc.stderr
    assert not (tmp_path / "p").exists()


def test_unknown_option_is_rejected(tmp_path):
    proc = install(tmp_path / "p", tmp_path, "--frobnicate", path="/usr/bin:/bin")
    assert proc.returncode == 1 and "unknown option: --frobnicate" in proc.stderr
