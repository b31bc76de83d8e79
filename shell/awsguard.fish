# awsguard integration for fish. Loaded by: awsguard init fish | source
# which sets AWSGUARD_BIN (the shim folder) and AWSGUARD_CMD (the awsguard program).

# Put the shim folder first on PATH exactly once, however often this is sourced.
if set -q AWSGUARD_BIN; and test -n "$AWSGUARD_BIN"
    set -gx PATH $AWSGUARD_BIN (string match -v -- $AWSGUARD_BIN $PATH)
end

# --- Prompt segment -------------------------------------------------------------------------
# `awsguard_prompt_segment` prints who the next `aws` command acts as (see docs/prompt.md),
# followed by a space (`--right`: preceded by one), or nothing. It is put in front of
# fish_prompt (AWSGUARD_PROMPT_SIDE=right: after fish_right_prompt; =none: nowhere, call it
# yourself). AWSGUARD_PROMPT=0 leaves the prompt alone. `awsguard prompt` runs again only
# when one of its inputs changed: an AWS_* variable, a file it read (it lists them, and stamps
# a file of ours with the time it started reading; `path mtime` compares), or the minute its
# countdown shows. fish runs builtins in-process, so an unchanged prompt starts no process.
if test "$AWSGUARD_PROMPT" != 0; and set -q AWSGUARD_CMD; and test -n "$AWSGUARD_CMD"
    set -g _awsguard_segment ''
    set -g _awsguard_plain ''
    set -g _awsguard_key ''
    set -g _awsguard_until 0
    set -g _awsguard_watch
    if string match -q -- '/*' "$XDG_CACHE_HOME"
        set -g _awsguard_stamp $XDG_CACHE_HOME/awsguard/prompt/stamp.$fish_pid
    else
        set -g _awsguard_stamp $HOME/.cache/awsguard/prompt/stamp.$fish_pid
    end

    function _awsguard_stale --argument-names key
        test "$_awsguard_key" != "$key"; and return 0
        contains -- path (builtin --names); or return 0 # fish < 3.5: no `path mtime`
        set -l stamp (path mtime -- $_awsguard_stamp); or return 0
        set -l age (path mtime --relative -- $_awsguard_stamp)
        set -l now (math $stamp + $age)
        test $_awsguard_until -gt 0 -a $now -ge $_awsguard_until; and return 0
        test (count $_awsguard_watch) -eq 0; and return 1
        for mtime in (path mtime -- $_awsguard_watch)
            test $mtime -gt $stamp; and return 0
        end
        return 1
    end

    function awsguard_prompt_segment --description 'the awsguard prompt segment: profile, account, region, time left'
        set -l key "$HOME|$XDG_CONFIG_HOME|$XDG_CACHE_HOME|$XDG_STATE_HOME|$NO_COLOR|$PATH|$LANG|$LC_ALL|$LC_CTYPE"
        for name in (set --names --export | string match -- 'AWS*')
            set key "$key|$name=$$name"
        end
        if _awsguard_stale $key
            set -l lines ("$AWSGUARD_CMD" prompt --shell fish --stamp $_awsguard_stamp 2>/dev/null)
            if test $status -eq 0
                set -g _awsguard_until 0
                string match -qr '^[0-9]+$' -- "$lines[1]"; and set -g _awsguard_until $lines[1]
                set -g _awsguard_segment "$lines[2]"
                set -g _awsguard_plain "$lines[3]"
                set -g _awsguard_watch $lines[4..-1]
            else
                set -g _awsguard_segment '!awsguard'
                set -g _awsguard_plain '!awsguard'
                set -g _awsguard_until 0
                set -g _awsguard_watch
            end
            set -g _awsguard_key $key
        end
        test -n "$_awsguard_segment"; or return 0
        if test "$argv[1]" = --right
            printf ' %s' $_awsguard_segment
        else
            printf '%s ' $_awsguard_segment
        end
    end

    function _awsguard_status --argument-names code
        return $code
    end

    switch "$AWSGUARD_PROMPT_SIDE"
        case none
        case right
            if functions -q fish_right_prompt; and not functions -q _awsguard_orig_fish_right_prompt
                functions -c fish_right_prompt _awsguard_orig_fish_right_prompt
            end
            function fish_right_prompt
                set -l last $status
                if functions -q _awsguard_orig_fish_right_prompt
                    _awsguard_status $last
                    _awsguard_orig_fish_right_prompt $argv
                end
                awsguard_prompt_segment --right
            end
        case '*'
            if functions -q fish_prompt; and not functions -q _awsguard_orig_fish_prompt
                functions -c fish_prompt _awsguard_orig_fish_prompt
            end
            function fish_prompt
                set -l last $status
                awsguard_prompt_segment
                _awsguard_status $last
                _awsguard_orig_fish_prompt $argv
            end
    end
end
