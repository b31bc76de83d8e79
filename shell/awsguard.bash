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
