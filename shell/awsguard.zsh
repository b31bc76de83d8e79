# awsguard integration for zsh. Loaded by: eval "$(awsguard init zsh)"
# which sets AWSGUARD_BIN (the shim folder) and AWSGUARD_CMD (the awsguard program).

# Put the shim folder first on PATH exactly once, however often this is sourced.
if [[ -n "${AWSGUARD_BIN:-}" ]]; then
    path=("$AWSGUARD_BIN" "${(@)path:#$AWSGUARD_BIN}")
    export PATH
    rehash 2>/dev/null
fi

# --- Prompt segment -------------------------------------------------------------------------
# Shows who the next `aws` command acts as (see docs/prompt.md). AWSGUARD_PROMPT=0 leaves the
# prompt alone; AWSGUARD_PROMPT_SIDE=right puts it in RPROMPT, =none only computes
# $_awsguard_segment (for your theme). `awsguard prompt` runs again only when one of its inputs
# changed: an AWS_* variable, a file it read (it lists them, and stamps a file of ours with the
# time it started reading, so a builtin `-nt` test tells), or the minute its countdown shows.
# Otherwise a prompt starts no process at all: everything below is builtins.
if [[ ${AWSGUARD_PROMPT:-1} != 0 && -n ${AWSGUARD_CMD:-} ]]; then
    typeset -g _awsguard_segment='' _awsguard_plain='' _awsguard_ps1='' _awsguard_rps1='' _awsguard_key=''
    typeset -g _awsguard_now_key=''
    typeset -gi _awsguard_until=0
    typeset -ga _awsguard_watch
    _awsguard_watch=()
    if [[ ${XDG_CACHE_HOME:-} == /* ]]; then
        typeset -g _awsguard_stamp="$XDG_CACHE_HOME/awsguard/prompt/stamp.$$"
    else
        typeset -g _awsguard_stamp="$HOME/.cache/awsguard/prompt/stamp.$$"
    fi
    zmodload zsh/datetime 2>/dev/null

    _awsguard_stale() {
        [[ $_awsguard_key != "$_awsguard_now_key" ]] && return 0
        (( _awsguard_until > 0 && $1 >= _awsguard_until )) && return 0
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
        if out=$("$AWSGUARD_CMD" prompt --shell zsh --stamp "$_awsguard_stamp" 2>/dev/null); then
            lines=("${(@f)out}")
            _awsguard_until=0
            [[ ${lines[1]:-} == <-> ]] && _awsguard_until=${lines[1]}
            _awsguard_segment=${lines[2]:-}
            _awsguard_plain=${lines[3]:-}
            _awsguard_watch=("${(@)lines[4,-1]}")
        else
            # awsguard itself is missing or broken: say so, and look again in a minute.
            _awsguard_segment='!awsguard'
            _awsguard_plain=$_awsguard_segment
            _awsguard_until=$(( now + 60 ))
            _awsguard_watch=()
        fi
        _awsguard_ps1=${_awsguard_segment:+$_awsguard_segment }
        _awsguard_rps1=${_awsguard_segment:+ $_awsguard_segment}
        _awsguard_key=$_awsguard_now_key
    }

    _awsguard_precmd() {
        local now name
        if (( ${+EPOCHSECONDS} )); then
            now=$EPOCHSECONDS
        else
            now=${(%):-%D\{%s\}}
        fi
        _awsguard_now_key="$HOME|${XDG_CONFIG_HOME-}|${XDG_CACHE_HOME-}|${XDG_STATE_HOME-}|${NO_COLOR-}|$PATH|${LANG-}|${LC_ALL-}|${LC_CTYPE-}"
        for name in ${(ok)parameters[(I)AWS_*]} ${(ok)parameters[(I)AWSGUARD_*]}; do
            _awsguard_now_key+="|$name=${(P)name}"
        done
        _awsguard_stale $now && _awsguard_refresh $now
        # A theme that rebuilt the prompt since we were loaded: put the segment back.
        case ${AWSGUARD_PROMPT_SIDE:-left} in
            none) ;;
            right) [[ $RPROMPT == *'${_awsguard_rps1}'* ]] || RPROMPT=$RPROMPT'${_awsguard_rps1}' ;;
            *) [[ $PROMPT == *'${_awsguard_ps1}'* ]] || PROMPT='${_awsguard_ps1}'$PROMPT ;;
        esac
    }

    setopt prompt_subst
    autoload -Uz add-zsh-hook
    add-zsh-hook precmd _awsguard_precmd
fi
