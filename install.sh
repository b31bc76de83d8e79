#!/usr/bin/env bash
# awsguard installer: install, upgrade in place (run it again), or --uninstall.
# No sudo: everything goes under one prefix you own, plus one marked line per shell rc file.
set -euo pipefail
# The whole script is one block, read before it runs: editing or upgrading the checkout
# while install.sh runs cannot change what it does half-way.
{

usage() {
    cat <<'USAGE'
Usage: ./install.sh [--prefix DIR] [--no-modify-rc] [--dev] [--uninstall]

  --prefix DIR     install everything under DIR
                   (default: ${XDG_DATA_HOME:-~/.local/share}/awsguard)
  --no-modify-rc   do not touch ~/.bashrc, bash's login file, ~/.zshrc or config.fish;
                   print the line to add instead
  --dev            also install the test extras (pytest, moto, awscli, pexpect)
  --uninstall      remove everything install.sh added (the prefix and the rc lines)
  -h, --help       this text

Environment: AWSGUARD_PYTHON picks the Python interpreter (3.10 or newer).
USAGE
}

die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'install.sh: %s\n' "$*"; }

PREFIX="${XDG_DATA_HOME:-$HOME/.local/share}/awsguard"
MODIFY_RC=1
DEV=0
UNINSTALL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
        --prefix=*) PREFIX=${1#--prefix=}; shift ;;
        --no-modify-rc) MODIFY_RC=0; shift ;;
        --dev) DEV=1; shift ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
[ -n "$PREFIX" ] || die "--prefix must not be empty"
case "$PREFIX" in /*) ;; *) PREFIX="$PWD/$PREFIX" ;; esac

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENV="$PREFIX/venv"
BIN="$PREFIX/bin"
MARK="# awsguard (added by install.sh; remove with install.sh --uninstall)"

# An interactive login bash (a new terminal on macOS, ssh, `bash -l`) reads the first of
# these that exists, and not ~/.bashrc.
BASH_LOGIN_FILES=("$HOME/.bash_profile" "$HOME/.bash_login" "$HOME/.profile")

bash_login_file() {
    local file
    for file in "${BASH_LOGIN_FILES[@]}"; do
        [ -e "$file" ] && { printf '%s\n' "$file"; return 0; }
    done
    printf '%s\n' "$HOME/.bash_profile"  # none yet: install creates it
}

rc_files() {
    # The rc file of each shell the user has (zsh and fish read theirs in login shells too).
    if command -v bash >/dev/null 2>&1; then
        printf 'bash\t%s\n' "$HOME/.bashrc"
        printf 'bash-login\t%s\n' "$(bash_login_file)"
    fi
    command -v zsh >/dev/null 2>&1 && printf 'zsh\t%s\n' "${ZDOTDIR:-$HOME}/.zshrc"
    command -v fish >/dev/null 2>&1 && printf 'fish\t%s\n' "${XDG_CONFIG_HOME:-$HOME/.config}/fish/config.fish"
    return 0
}

# Every file an install may have marked, whichever shells are there now (uninstall).
rc_candidates() {
    printf '%s\n' "$HOME/.bashrc" "${BASH_LOGIN_FILES[@]}" "${ZDOTDIR:-$HOME}/.zshrc" \
        "${XDG_CONFIG_HOME:-$HOME/.config}/fish/config.fish"
}

# The marked line(s) for one rc file. The bash integration is idempotent, so a login file
# that also sources ~/.bashrc just loads it twice.
rc_line() {
    local shell=$1 file=${2:-} cmd="$VENV/bin/awsguard"
    local bash_line
    bash_line=$(printf "[ -x '%s' ] && eval \"\$('%s' init bash)\"" "$cmd" "$cmd")
    case "$shell" in
        fish) printf "test -x '%s'; and '%s' init fish | source  %s" "$cmd" "$cmd" "$MARK" ;;
        bash-login)
            if [ "$file" = "$HOME/.profile" ]; then
                # sh and dash read ~/.profile too: only bash runs the bash integration.
                printf '[ -n "${BASH_VERSION:-}" ] && %s  %s' "$bash_line" "$MARK"
            elif [ ! -e "$file" ] || { [ -f "$PREFIX/.rc-manifest" ] &&
                grep -qxF "$(printf 'created\t%s' "$file")" "$PREFIX/.rc-manifest"; }; then
                # A ~/.bash_profile of our own: it must still read what bash would have read.
                printf '%s  %s\n%s  %s' \
                    'if [ -f "$HOME/.profile" ]; then . "$HOME/.profile"; elif [ -f "$HOME/.bashrc" ]; then case $- in *i*) . "$HOME/.bashrc" ;; esac; fi' \
                    "$MARK" "$bash_line" "$MARK"
            else
                printf '%s  %s' "$bash_line" "$MARK"
            fi
            ;;
        *) printf "[ -x '%s' ] && eval \"\$('%s' init %s)\"  %s" "$cmd" "$cmd" "$shell" "$MARK" ;;
    esac
}

# Edit an rc file exactly: add (or replace) our one marked line, or remove it.
# A manifest beside the install records files we created and trailing newlines we
# added, so that uninstall leaves the user's files byte-identical.
rc_edit() {
    local action=$1 file=$2 line=${3:-}
    "$PY" - "$action" "$file" "$line" "$MARK" "$PREFIX/.rc-manifest" <<'PYEDIT'
import os, sys
action, path, line, mark, manifest = sys.argv[1:6]
records = set()
if os.path.exists(manifest):
    with open(manifest) as fh:
        records = {r.rstrip("\n") for r in fh if r.strip()}
def save():
    os.makedirs(os.path.dirname(manifest), exist_ok=True)
    with open(manifest, "w") as fh:
        fh.writelines(r + "\n" for r in sorted(records))
exists = os.path.exists(path)
data = open(path, "rb").read() if exists else b""
mode = os.stat(path).st_mode & 0o7777 if exists else 0o644
lines = data.split(b"\n")
keep = [l for l in lines if mark.encode() not in l]
had = len(keep) != len(lines)
if action == "add":
    new = line.encode()
    if had:
        # Our marked line(s) replaced in place by the new ones, once.
        result = []
        for l in lines:
            if mark.encode() in l:
                if new is not None:
                    result.extend(new.split(b"\n"))
                    new = None
                continue
            result.append(l)
        out = b"\n".join(result)
    else:
        if not exists:
            records.add("created\t" + path)
            parent = os.path.dirname(path)
            missing = []
            while parent and not os.path.isdir(parent):
                missing.append(parent)
                parent = os.path.dirname(parent)
            for d in missing:
                records.add("dir\t" + d)
            os.makedirs(os.path.dirname(path), exist_ok=True)
        elif data and not data.endswith(b"\n"):
            records.add("newline\t" + path)
            data += b"\n"
        out = data + new + b"\n"
    if out != data or not exists:
        tmp = path + ".awsguard-tmp"
        with open(tmp, "wb") as fh:
            fh.write(out)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    save()
else:  # remove
    if had:
        out = b"\n".join(keep)
        if "newline\t" + path in records and out.endswith(b"\n"):
            out = out[:-1]
        if "created\t" + path in records and out == b"":
            os.unlink(path)
            # Folders we created for it, deepest first, if nothing else moved in.
            for d in sorted((r.split("\t", 1)[1] for r in records if r.startswith("dir\t")),
                            key=len, reverse=True):
                if path.startswith(d + os.sep):
                    try:
                        os.rmdir(d)
                    except OSError:
                        pass
                    records.discard("dir\t" + d)
        else:
            tmp = path + ".awsguard-tmp"
            with open(tmp, "wb") as fh:
                fh.write(out)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
    records.discard("newline\t" + path)
    records.discard("created\t" + path)
    if os.path.isdir(os.path.dirname(manifest)):
        save()
PYEDIT
}

find_python() {
    local candidate
    for candidate in ${AWSGUARD_PYTHON:-} python3 python3.13 python3.12 python3.11 python3.10 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

PY=$(find_python) || die "awsguard needs Python 3.10 or newer with the venv module, and none was found \
(tried \$AWSGUARD_PYTHON, python3, python3.13 ... python3.10). Install one (Debian/Ubuntu: \
apt install python3 python3-venv; macOS: brew install python) or point AWSGUARD_PYTHON at it."

if [ "$UNINSTALL" = 1 ]; then
    # Profiles `awsguard import` moved into the keyring point at this install's launcher:
    # removing it would strand them. They go back first (awsguard unimport --all).
    CREDS=${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}
    case "$CREDS" in "~/"*) CREDS="$HOME/${CREDS#\~/}" ;; esac
    if [ -f "$CREDS" ] && grep -qE '^# awsguard import .* moved to the OS keyring \(service awsguard\)|^credential_process *= *.*awsguard.* credential-process ' "$CREDS"; then
        if [ -t 0 ] && [ -x "$BIN/awsguard" ]; then
            printf 'install.sh: %s holds profiles imported into the keyring by awsguard.\n' "$CREDS"
            printf 'install.sh: run `awsguard unimport --all` now to put their keys back? [y/N] '
            read -r answer || answer=""
            case "$answer" in
                y|Y|yes|YES) "$BIN/awsguard" unimport --all || die "awsguard unimport --all failed; nothing was uninstalled." ;;
                *) die "nothing was uninstalled: $CREDS still uses awsguard for imported profiles. Run \`awsguard unimport --all\` first." ;;
            esac
        else
            die "nothing was uninstalled: $CREDS holds profiles imported into the keyring by awsguard, which would stop working. Run \`awsguard unimport --all\` first (it puts the keys back), then uninstall."
        fi
    fi
    while IFS= read -r file; do
        if [ -f "$file" ] && grep -qF "$MARK" "$file"; then
            rc_edit remove "$file"
            if [ -e "$file" ]; then
                say "removed the awsguard line from $file"
            else
                say "removed $file (install.sh had created it)"
            fi
        fi
    done < <(rc_candidates)
    # Remove only what we put there: the prefix may be a folder with other things in it.
    [ -f "$VENV/pyvenv.cfg" ] && rm -rf "$VENV"
    if [ -f "$BIN/aws" ] && head -c 512 "$BIN/aws" | grep -q AWSGUARD-SHIM; then rm -f "$BIN/aws"; fi
    if [ -L "$BIN/awsguard" ] || { [ -f "$BIN/awsguard" ] && head -c 512 "$BIN/awsguard" | grep -q AWSGUARD-COMMAND; }; then
        rm -f "$BIN/awsguard"
    fi
    rmdir "$BIN" 2>/dev/null || true
    for f in awsguard.bash awsguard.zsh awsguard.fish; do rm -f "$PREFIX/shell/$f"; done
    rmdir "$PREFIX/shell" 2>/dev/null || true
    rm -f "$PREFIX/.rc-manifest" "$PREFIX/.installed-from"
    rmdir "$PREFIX" 2>/dev/null || true
    rm -rf "${XDG_CACHE_HOME:-$HOME/.cache}/awsguard"
    say "awsguard uninstalled from $PREFIX."
    say "kept: your awsguard config (${XDG_CONFIG_HOME:-$HOME/.config}/awsguard), the audit log"
    say "      (${XDG_STATE_HOME:-$HOME/.local/state}/awsguard) and keyring entries under the"
    say "      service name 'awsguard' (remove them first with: awsguard logout --all). Open a new shell."
    exit 0
fi

mkdir -p "$PREFIX" 2>/dev/null && [ -w "$PREFIX" ] ||
    die "cannot write to the prefix $PREFIX. Choose a folder you own with --prefix DIR, or fix its permissions."

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
    say "upgrading the existing install in $PREFIX"
else
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" || die "could not create a virtual environment with $PY. On Debian/Ubuntu: apt install python3-venv."
fi

# Build from a clean copy of the checkout: setuptools writes build/ and *.egg-info into
# the source folder, and a stale build/ would leak old files into the wheel.
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/awsguard-install.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
set +e
tar -C "$SRC" --exclude=./.git --exclude=./.venv --exclude=./build --exclude='*.egg-info' \
    --exclude='__pycache__' -cf - . | tar -C "$STAGE" -xf -
COPIED=("${PIPESTATUS[@]}")
set -e
# GNU tar exits 1 when a file changed while it was read (an editor saving in the
# checkout); every file is still copied whole, so only 2 and above are failures.
[ "${COPIED[0]}" -le 1 ] && [ "${COPIED[1]}" -eq 0 ] ||
    die "could not copy the checkout $SRC to a temporary folder ($STAGE)."
TARGET="$STAGE"
[ "$DEV" = 1 ] && TARGET="$STAGE[test]"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
"${PIP[@]}" install "$TARGET" || die "pip could not install awsguard from $SRC (see the messages above)."
# Same version number, new code: reinstall awsguard itself so that re-running upgrades in place.
"${PIP[@]}" install --no-deps --force-reinstall "$STAGE" || die "pip could not reinstall awsguard from $SRC."

mkdir -p "$BIN" "$PREFIX/shell"
cp "$SRC"/shell/awsguard.bash "$SRC"/shell/awsguard.zsh "$SRC"/shell/awsguard.fish "$PREFIX/shell/"
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
PLAT=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')
# The shim runs with -I (ignores PYTHONPATH and user site) and -S (skips site.py, a few
# milliseconds on every call); it adds the venv's site-packages itself.
cat >"$BIN/aws.tmp" <<SHIM
#!$VENV/bin/python -IS
# AWSGUARD-SHIM: the awsguard \`aws\` shim, written by install.sh. It runs the real AWS CLI.
import sys
sys.path[0:0] = [p for p in ("$SITE", "$PLAT") if p not in sys.path]
from awsguard.shim import main
sys.exit(main())
SHIM
chmod 755 "$BIN/aws.tmp"
mv -f "$BIN/aws.tmp" "$BIN/aws"
# bin/awsguard: the same lean start as the shim (the prompt segment runs it on every Enter).
rm -f "$BIN/awsguard"
cat >"$BIN/awsguard.tmp" <<LAUNCHER
#!$VENV/bin/python -IS
# AWSGUARD-COMMAND: the awsguard command, written by install.sh.
import sys
sys.path[0:0] = [p for p in ("$SITE", "$PLAT") if p not in sys.path]
from awsguard.cli import main
sys.exit(main())
LAUNCHER
chmod 755 "$BIN/awsguard.tmp"
mv -f "$BIN/awsguard.tmp" "$BIN/awsguard"
printf '%s\n' "$SRC" >"$PREFIX/.installed-from"

if [ "$MODIFY_RC" = 1 ]; then
    while IFS=$'\t' read -r shell file; do
        rc_edit add "$file" "$(rc_line "$shell" "$file")"
        say "loaded from $file"
    done < <(rc_files)
else
    say "rc files left alone. To load awsguard, add to your shell's rc file:"
    say "  bash/zsh: $(rc_line bash)"
    say "  fish:     $(rc_line fish)"
    say "  (bash reads ~/.bash_profile, ~/.bash_login or ~/.profile in a login shell: add it there too)"
fi

# The real CLI: the first `aws` on PATH that is not the shim.
REAL=""
IFS=: read -r -a PATH_DIRS <<<"$PATH"
for dir in "${PATH_DIRS[@]}"; do
    [ -n "$dir" ] || continue
    [ "$(cd "$dir" 2>/dev/null && pwd -P)" = "$(cd "$BIN" && pwd -P)" ] && continue
    if [ -x "$dir/aws" ] && ! head -c 512 "$dir/aws" 2>/dev/null | grep -q AWSGUARD-SHIM; then
        REAL="$dir/aws"; break
    fi
done
if [ -n "${AWSGUARD_REAL_AWS:-}" ]; then REAL=$AWSGUARD_REAL_AWS; fi
if [ -z "$REAL" ]; then
    printf 'install.sh: warning: no real AWS CLI found on PATH. awsguard is installed, but the shim has\n' >&2
    printf '  nothing to run until you install the AWS CLI (v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html,\n' >&2
    printf '  or v1: pip install awscli) or set AWSGUARD_REAL_AWS=/path/to/aws.\n' >&2
else
    say "real AWS CLI: $REAL"
fi
say "installed awsguard $("$VENV/bin/awsguard" --version | cut -d' ' -f2) in $PREFIX (shim: $BIN/aws). Open a new shell."
exit 0
}
