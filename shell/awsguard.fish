# awsguard integration for fish. Loaded by: awsguard init fish | source
# which sets AWSGUARD_BIN (the shim folder) and AWSGUARD_CMD (the awsguard program).

# Put the shim folder first on PATH exactly once, however often this is sourced.
if set -q AWSGUARD_BIN; and test -n "$AWSGUARD_BIN"
    set -gx PATH $AWSGUARD_BIN (string match -v -- $AWSGUARD_BIN $PATH)
end
