# awsguard integration for bash. Loaded by: eval "$(awsguard init bash)"
# which sets AWSGUARD_BIN (the shim folder) and AWSGUARD_CMD (the awsguard program).

# Put the shim folder first on PATH exactly once, however often this is sourced.
_awsguard_path_first() {
    local dir=$1 entry out=""
    local -a entries
    IFS=: read -r -a entries <<<"$PATH"
    for entry in "${entries[@]}"; do
        [ "$entry" = "$dir" ] && continue
        out=${out:+$out:}$entry
    done
    PATH=$dir${out:+:$out}
    export PATH
}
[ -n "${AWSGUARD_BIN:-}" ] && _awsguard_path_first "$AWSGUARD_BIN"

# --- Prompt segment -------------------------------------------------------------------------
# Shows who the next `aws` command acts as (see docs/prompt.md). AWSGUARD_PROMPT=0 leaves the
# prompt alone; AWSGUARD_PROMPT_SIDE=none computes $_awsguard_segment without touching PS1.
# `awsguard prompt` runs again only when one of its inputs changed: an AWS_* variable, a file
# it read (it lists them, and stamps a file of ours with the time it started reading, so a
# builtin `-nt` test tells), or the minute its countdown shows. Otherwise a prompt starts no
# process at all: everything below is builtins.
if [ "${AWSGUARD_PROMPT:-1}" != 0 ] && [ -n "${AWSGUARD_CMD:-}" ]; then
    _awsguard_segment=''
    _awsguard_plain=''
    _awsguard_ps1=''
    _awsguard_key=''
    _awsguard_until=0
    _awsguard_watch=()
    _awsguard_stamp="${XDG_CACHE_HOME:-$HOME/.cache}/awsguard/prompt/stamp.$$"
    case ${XDG_CACHE_HOME:-} in /*) ;; *) _awsguard_stamp="$HOME/.cache/awsguard/prompt/stamp.$$" ;; esac

    _awsguard_inputs() {
        local name
        _awsguard_now_key="$HOME|${XDG_CONFIG_HOME-}|${XDG_CACHE_HOME-}|${XDG_STATE_HOME-}|${NO_COLOR-}|${PATH}|${LANG-}|${LC_ALL-}|${LC_CTYPE-}"
        for name in ${!AWS_*} ${!AWSGUARD_*}; do
            _awsguard_now_key+="|$name=${!name}"
        done
    }

    _awsguard_stale() {
        [[ $_awsguard_key != "$_awsguard_now_key" ]] && return 0
        ((_awsguard_until > 0 && $1 >= _awsguard_until)) && return 0
        [[ -e $_awsguard_stamp ]] || return 0
        local file
        for file in "${_awsguard_watch[@]}"; do
            [[ $file -nt $_awsguard_stamp ]] && return 0
        done
        return 1
    }

    _awsguard_refresh() {
        local out now=$1
        local -a lines
        # `exec`: the command substitution's subshell becomes awsguard (one process, not two).
        if out=$(exec "$AWSGUARD_CMD" prompt --shell bash --stamp "$_awsguard_stamp" 2>/dev/null); then
            mapfile -t lines <<<"$out"
            _awsguard_until=${lines[0]:-0}
            [[ $_awsguard_until =~ ^[0-9]+$ ]] || _awsguard_until=0
            _awsguard_segment=${lines[1]-}
            _awsguard_plain=${lines[2]-}
            _awsguard_watch=("${lines[@]:3}")
        else
            # awsguard itself is missing or broken: say so, and look again in a minute.
            _awsguard_segment='!awsguard'
            _awsguard_plain=$_awsguard_segment
            _awsguard_until=$((now + 60))
            _awsguard_watch=()
        fi
        _awsguard_ps1=${_awsguard_segment:+$_awsguard_segment }
        _awsguard_key=$_awsguard_now_key
    }

    _awsguard_prompt_hook() {
        local status=$? now
        printf -v now '%(%s)T' -1
        _awsguard_inputs
        _awsguard_stale "$now" && _awsguard_refresh "$now"
        # Themes that rebuild PS1 on each prompt (ours runs after them) lose the segment: re-add.
        if [[ ${AWSGUARD_PROMPT_SIDE:-left} != none && $PS1 != *'${_awsguard_ps1}'* ]]; then
            PS1='${_awsguard_ps1}'$PS1
        fi
        return $status
    }

    # Append to PROMPT_COMMAND (a string, or an array in bash 5.1+), once.
    if [[ ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
        _awsguard_found=0
        for _awsguard_entry in "${PROMPT_COMMAND[@]}"; do
            [[ $_awsguard_entry == _awsguard_prompt_hook ]] && _awsguard_found=1
        done
        ((_awsguard_found)) || PROMPT_COMMAND+=(_awsguard_prompt_hook)
        unset _awsguard_found _awsguard_entry
    elif [[ ${PROMPT_COMMAND:-} != *_awsguard_prompt_hook* ]]; then
        PROMPT_COMMAND=${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}_awsguard_prompt_hook
    fi
    shopt -s promptvars
fi
