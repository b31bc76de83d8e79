"""The real CLI's major and exact version, from the files alone, for every install shape.

Each shape is built in a temporary folder (a fake interpreter, a site folder with an
`awscli` package) and must be read without starting a process; the real installs
(Debian's v2 at /usr/bin/aws, PyPI's v1 in the venv) are the oracles at the end.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from awsguard import realcli

V1_SCRIPT = (
    "#!{python}\n# Copyright Amazon\nimport sys\nimport awscli.clidriver\n\n"
    "def main():\n    return awscli.clidriver.main()\n"
)


@pytest.fixture(autouse=True)
def fresh_memo():
    realcli._memo.clear()
    yield
    realcli._memo.clear()


def _exe(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text)
    else:
        path.write_bytes(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _package(site: Path, version: str, *, dist_info: bool = True, init: bool = True) -> None:
    if init:
        (site / "awscli").mkdir(parents=True, exist_ok=True)
        (site / "awscli" / "__init__.py").write_text(f"import os\n\n__version__ = '{version}'\n")
    if dist_info:
        (site / f"awscli-{version}.dist-info").mkdir(parents=True, exist_ok=True)


def _env(home: Path, **more: str) -> dict[str, str]:
    return {"HOME": str(home), "PATH": os.environ.get("PATH", ""), **more}


def _no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a, **_k):
        raise AssertionError("the version must come from the files, not from running aws")

    monkeypatch.setattr(subprocess, "run", refuse)


def test_debian_style_v2_python_script_is_v2_with_its_exact_version(tmp_path, monkeypatch):
    # Debian's awscli 2.x: /usr/bin/aws imports awscli.clidriver, like v1's script does.
    prefix = tmp_path / "usr"
    python = _exe(prefix / "bin" / "python3", "#!/bin/sh\n")
    _package(prefix / "lib" / "python3" / "dist-packages", "2.9.19")
    aws = _exe(prefix / "bin" / "aws", V1_SCRIPT.format(python=python))
    _no_process(monkeypatch)
    info = realcli.identify(str(aws), _env(tmp_path / "home"))
    assert (info.major, info.version) == (2, "2.9.19")
    assert "dist-packages" in info.how


def test_pip_v1_in_a_virtualenv_is_v1(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    (venv / "pyvenv.cfg").parent.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\n")
    python = _exe(venv / "bin" / "python3", "#!/bin/sh\n")
    _package(venv / "lib" / "python3.12" / "site-packages", "1.36.4")
    aws = _exe(venv / "bin" / "aws", V1_SCRIPT.format(python=python))
    _no_process(monkeypatch)
    info = realcli.identify(str(aws), _env(tmp_path / "home"))
    assert (info.major, info.version) == (1, "1.36.4")


def test_homebrew_formula_libexec_python_is_read_through_the_symlink(tmp_path, monkeypatch):
    cellar = tmp_path / "Cellar" / "awscli" / "2.15.30"
    python = _exe(cellar / "libexec" / "bin" / "python", "#!/bin/sh\n")
    (cellar / "libexec" / "pyvenv.cfg").write_text("home = /opt/homebrew/bin\n")
    _package(cellar / "libexec" / "lib" / "python3.12" / "site-packages", "2.15.30")
    script = _exe(cellar / "bin" / "aws", V1_SCRIPT.format(python=python))
    link = tmp_path / "bin" / "aws"
    link.parent.mkdir()
    link.symlink_to(script)
    _no_process(monkeypatch)
    info = realcli.identify(str(link), _env(tmp_path / "home"))
    assert (info.major, info.version) == (2, "2.15.30")
    assert info.path == str(link)


def test_env_shebang_finds_the_interpreter_on_path(tmp_path, monkeypatch):
    prefix = tmp_path / "py"
    _exe(prefix / "bin" / "python3", "#!/bin/sh\n")
    _package(prefix / "lib" / "python3.11" / "site-packages", "2.0.61")
    aws = _exe(tmp_path / "src" / "bin" / "aws", V1_SCRIPT.format(python="/usr/bin/env python3"))
    _no_process(monkeypatch)
    env = _env(tmp_path / "home", PATH=f"{prefix / 'bin'}:/usr/bin")
    assert realcli.identify(str(aws), env).version == "2.0.61"


def test_user_site_wins_over_the_system_site_as_python_imports_it(tmp_path, monkeypatch):
    prefix = tmp_path / "usr"
    python = _exe(prefix / "bin" / "python3", "#!/bin/sh\n")
    _package(prefix / "lib" / "python3" / "dist-packages", "2.9.19")
    home = tmp_path / "home"
    _package(home / ".local" / "lib" / "python3.11" / "site-packages", "1.29.0")
    aws = _exe(home / ".local" / "bin" / "aws", V1_SCRIPT.format(python=python))
    _no_process(monkeypatch)
    assert realcli.identify(str(aws), _env(home)).version == "1.29.0"


def test_editable_source_install_reads_the_dist_info(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    python = _exe(venv / "bin" / "python", "#!/bin/sh\n")
    _package(venv / "lib" / "python3.12" / "site-packages", "2.22.0", init=False)
    aws = _exe(
        venv / "bin" / "aws",
        f"#!{python}\nimport re\nimport sys\nfrom awscli.clidriver import main\n",
    )
    _no_process(monkeypatch)
    assert realcli.identify(str(aws), _env(tmp_path / "home")).version == "2.22.0"


def test_official_installer_folder_names_the_version(tmp_path, monkeypatch):
    dist = tmp_path / "aws-cli" / "v2" / "2.17.4" / "dist"
    binary = _exe(dist / "aws", b"\x7fELF\x02\x01\x01" + b"\0" * 64)
    current = tmp_path / "aws-cli" / "v2" / "current"
    current.symlink_to(dist.parent)
    link = tmp_path / "bin" / "aws"
    link.parent.mkdir()
    link.symlink_to(current / "dist" / "aws")
    _no_process(monkeypatch)
    info = realcli.identify(str(link), _env(tmp_path / "home"))
    assert (info.major, info.version) == (2, "2.17.4")
    assert binary.exists()


def test_a_frozen_binary_elsewhere_is_v2_and_asked_once(tmp_path):
    # An ELF file that is also a shell script would be odd; a stand-in binary prints
    # its version the way `aws --version` does and counts its runs.
    counter = tmp_path / "runs"
    aws = _exe(
        tmp_path / "aws-macos-pkg" / "aws",
        f"#!/bin/sh\necho x >> {counter}\necho 'aws-cli/2.31.2 Python/3.13.7 Darwin/24'\n",
    )
    env = _env(tmp_path / "home")
    assert realcli.identify(str(aws), env).version == "2.31.2"
    realcli._memo.clear()
    assert realcli.identify(str(aws), env).version == "2.31.2"
    assert counter.read_text().count("x") == 1  # cached by path, size and mtime
    aws.write_text(aws.read_text().replace("2.31.2", "2.32.0"))
    realcli._memo.clear()
    assert realcli.identify(str(aws), env).version == "2.32.0"


def test_pyenv_shim_is_followed_to_the_selected_version(tmp_path, monkeypatch):
    root = tmp_path / "pyenv"
    shim = _exe(root / "shims" / "aws", '#!/usr/bin/env bash\nexec "/x/libexec/pyenv" exec "$@"\n')
    for version, cli in (("3.11.9", "1.33.0"), ("3.12.4", "2.15.0")):
        prefix = root / "versions" / version
        (prefix / "bin").mkdir(parents=True)
        python = _exe(prefix / "bin" / "python", "#!/bin/sh\n")
        _package(prefix / "lib" / "python3.12" / "site-packages", cli)
        _exe(prefix / "bin" / "aws", V1_SCRIPT.format(python=python))
    (root / "version").write_text("3.11.9\n")
    _no_process(monkeypatch)
    env = _env(tmp_path / "home", PYENV_ROOT=str(root))
    assert realcli.identify(str(shim), env).version == "1.33.0"
    assert realcli.identify(str(shim), {**env, "PYENV_VERSION": "3.12.4"}).version == "2.15.0"


def test_an_unknown_wrapper_is_asked_and_remembered_per_selector(tmp_path):
    counter = tmp_path / "runs"
    wrapper = _exe(
        tmp_path / "asdf" / "shims" / "aws",
        f"#!/bin/sh\necho x >> {counter}\n"
        'echo "aws-cli/${ASDF_AWSCLI_VERSION:-2.13.0} Python/3.11"\n',
    )
    env = _env(tmp_path / "home")
    assert realcli.identify(str(wrapper), env).version == "2.13.0"
    realcli._memo.clear()
    assert realcli.identify(str(wrapper), env).version == "2.13.0"
    assert realcli.identify(str(wrapper), {**env, "ASDF_AWSCLI_VERSION": "1.32.1"}).major == 1
    assert counter.read_text().count("x") == 2


def test_without_probing_an_unknown_binary_is_v2_with_no_version(tmp_path):
    aws = _exe(tmp_path / "aws", b"\x7fELF\x02\x01\x01" + b"\0" * 64)
    info = realcli.identify(str(aws), _env(tmp_path / "home"), probe=False)
    assert (info.major, info.version) == (2, None)


def test_the_cache_is_private_and_a_planted_one_is_ignored(tmp_path, monkeypatch):
    prefix = tmp_path / "usr"
    python = _exe(prefix / "bin" / "python3", "#!/bin/sh\n")
    _package(prefix / "lib" / "python3" / "dist-packages", "2.9.19")
    aws = _exe(prefix / "bin" / "aws", V1_SCRIPT.format(python=python))
    env = _env(tmp_path / "home")
    realcli.identify(str(aws), env)
    cache = Path(realcli._cache_file(env))
    assert cache.stat().st_mode & 0o777 == 0o600
    text = cache.read_text().replace('"major": 2', '"major": 1').replace("2.9.19", "1.0.0")
    cache.unlink()
    cache.write_text(text)
    cache.chmod(0o666)  # writable by others: not trusted
    realcli._memo.clear()
    from awsguard import safefs

    monkeypatch.setattr(safefs, "quiet", True)
    assert realcli.identify(str(aws), env).version == "2.9.19"


def test_version_stamp_changes_when_the_cli_is_upgraded(tmp_path):
    prefix = tmp_path / "usr"
    python = _exe(prefix / "bin" / "python3", "#!/bin/sh\n")
    _package(prefix / "lib" / "python3" / "dist-packages", "2.9.19")
    aws = _exe(prefix / "bin" / "aws", V1_SCRIPT.format(python=python))
    env = _env(tmp_path / "home")
    before = realcli.version_stamp(str(aws), env)
    assert realcli.version_stamp(str(aws), env) == before
    aws.write_text(aws.read_text() + "\n# upgraded\n")
    assert realcli.version_stamp(str(aws), env) != before


REAL_V2 = "/usr/bin/aws"
REAL_V1 = str(Path(sys.executable).parent / "aws")


@pytest.mark.skipif(not os.path.exists(REAL_V2), reason="Debian's awscli (v2) not installed")
def test_debian_awscli_v2_is_known_without_running_it(tmp_path, monkeypatch):
    said = subprocess.run([REAL_V2, "--version"], capture_output=True, text=True).stdout
    _no_process(monkeypatch)
    info = realcli.identify(REAL_V2, _env(tmp_path))
    assert info.major == 2
    assert said.startswith(f"aws-cli/{info.version} ")


def test_pypi_awscli_v1_is_known_without_running_it(tmp_path, monkeypatch):
    said = subprocess.run([REAL_V1, "--version"], capture_output=True, text=True)
    _no_process(monkeypatch)
    info = realcli.identify(REAL_V1, _env(tmp_path))
    assert info.major == 1
    assert (said.stdout + said.stderr).startswith(f"aws-cli/{info.version} ")


@pytest.mark.parametrize("interpreter,version", [("python3", "2.9.19"), ("bash", None)])
def test_only_a_python_script_is_read_as_an_awscli_install(
    tmp_path: Path, interpreter: str, version: str | None
) -> None:
    # A shell wrapper or stand-in that mentions awscli, next to a Python with awscli in
    # its site folder, is not that install: only running it can tell.
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    program = prefix / "bin" / interpreter
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    package = prefix / "lib" / "python3" / "dist-packages" / "awscli"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "2.9.19"\n')
    script = tmp_path / "aws"
    script.write_text(f"#!{program}\n# stand-in for awscli\n")
    script.chmod(0o755)
    environ = {"HOME": str(tmp_path / "home"), "PATH": "/nonexistent"}
    info = realcli.identify(str(script), environ, probe=False)
    assert info.version == version


def test_a_cli_that_prints_no_version_is_asked_once_until_it_changes(tmp_path):
    # `/bin/true` as the real CLI (the benchmark's), or a wrapper that prints nothing:
    # before, every call of the shim started it again.
    counter = tmp_path / "runs"
    silent = _exe(tmp_path / "bin" / "aws", f"#!/bin/sh\necho x >> {counter}\n")
    env = _env(tmp_path / "home")
    for _ in range(3):
        realcli._memo.clear()
        info = realcli.identify(str(silent), env)
        assert (info.major, info.version) == (2, None)
    assert counter.read_text().count("x") == 1
    silent.write_text(silent.read_text() + 'echo "aws-cli/1.40.0 Python/3.11"\n')
    realcli._memo.clear()
    assert realcli.identify(str(silent), env).version == "1.40.0"  # changed: asked again
    with pytest.raises(realcli.RealCliNotFound):
        silent.write_text(f"#!/bin/sh\necho x >> {counter}\n")
        realcli._memo.clear()
        realcli.describe(str(silent), env)  # `awsguard real` always asks
