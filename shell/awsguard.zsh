# awsguard integration for zsh. Loaded by: eval "$(awsguard init zsh)"
# which sets AWSGUARD_BIN (the shim folder) and AWSGUARD_CMD (the awsguard program).

# Put the shim folder first on PATH exactly once, however often this is sourced.
if [[ -n "${AWSGUARD_BIN:-}" ]]; then
    path=("$AWSGUARD_BIN" "${(@)path:#$AWSGUARD_BIN}")
    export PATH
    rehash 2>/dev/null
fi
