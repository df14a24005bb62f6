#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance), CLIENT scenarios,
# against examples/conformance_client.rs (mcp-serve's client, era detection always on).
#
#   scripts/conformance-client.sh [SCENARIO...]
#
# Builds the example, then runs each scenario through tests/conformance/suite.sh:
#   (a) suite 0.1.16:                           initialize tools_call
#                                               elicitation-sep1034-client-defaults sse-retry
#   (b) suite 0.2.0-alpha.12 at 2025-11-25:     the same four, and json-schema-2020-12-preservation
#   (c) suite 0.2.0-alpha.12 at 2026-07-28:     tools_call request-metadata
#                                               sep-2322-client-request-state http-standard-headers
#                                               http-custom-headers http-invalid-tool-headers
#                                               json-schema-ref-no-deref json-schema-2020-12-preservation
# That is every non-auth client scenario the suites list (auth/* need an OAuth client, which
# mcp-serve does not have). With SCENARIO arguments, only those run (in every run that has them).
#
# One line per scenario run (`PASS <run>:<scenario>` / `FAIL <run>:<scenario> ...`); the last
# line is `conformance-client: N passed, M failed`, the suite's check counts summed (a warning
# counts as a failure, as the suite's exit code does). Exit status 0 when every scenario passed,
# 1 otherwise, 2 on setup errors.
#
# The suite (and Node >= 22 when the system node is older) is installed on first use from the
# lock files in tests/conformance/suite-<version>/ (and tests/node/) into
# ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve} (see tests/conformance/suite.sh). Env:
# CONFORMANCE_RUN_TIMEOUT (seconds per scenario, default 120), CONFORMANCE_OUT (keep the suite's
# results there), CONFORMANCE_CLIENT_BIN (test this client binary instead of building the
# example), MCP_SERVE_CACHE (the cache root).
set -uo pipefail

ROOT="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)" || exit 2
SUITE="$ROOT/tests/conformance/suite.sh"
RUN_TIMEOUT="${CONFORMANCE_RUN_TIMEOUT:-120}"

log() { echo "[conformance-client] $*" >&2; }
die() { log "error: $*"; echo "conformance-client: 0 passed, 0 failed"; exit 2; }

[[ -f "$SUITE" ]] || die "$SUITE not found"

if [[ -n "${CONFORMANCE_CLIENT_BIN:-}" ]]; then
    BIN="$CONFORMANCE_CLIENT_BIN"
else
    log "building examples/conformance_client.rs"
    (cd "$ROOT" && cargo build --quiet -p mcp-serve --example conformance_client) \
        || die "cargo build --example conformance_client failed"
    target_root="$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 2>/dev/null \
        | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    BIN="${target_root:-$ROOT/target}/debug/examples/conformance_client"
fi
[[ -x "$BIN" ]] || die "client binary not found at $BIN"

# Installed up front (first use only), so that the install is not timed as part of a scenario.
for version in 0.1.16 0.2.0-alpha.12; do
    MCP_CONFORMANCE_VERSION="$version" bash "$SUITE" install >/dev/null \
        || die "cannot install conformance suite $version"
done

LEGACY=(initialize tools_call elicitation-sep1034-client-defaults sse-retry)
ALPHA_LEGACY=("${LEGACY[@]}" json-schema-2020-12-preservation)
MODERN=(tools_call request-metadata sep-2322-client-request-state http-standard-headers
        http-custom-headers http-invalid-tool-headers json-schema-ref-no-deref
        json-schema-2020-12-preservation)

ONLY=("$@")
wanted() {
    [[ ${#ONLY[@]} -eq 0 ]] && return 0
    local w
    for w in "${ONLY[@]}"; do [[ "$w" == "$1" ]] && return 0; done
    return 1
}

passed=0
failed=0
bad=0

# run <label> <suite version> <spec version or ""> <scenario>
run() {
    local label="$1" version="$2" spec="$3" scenario="$4"
    local args=(--scenario "$scenario")
    [[ -n "$spec" ]] && args+=(--spec-version "$spec")
    [[ -n "${CONFORMANCE_OUT:-}" ]] && args+=(-o "$CONFORMANCE_OUT/$label")
    local out rc
    out="$(MCP_CONFORMANCE_VERSION="$version" timeout "$RUN_TIMEOUT" \
        bash "$SUITE" client "$BIN" "${args[@]}" 2>&1)"
    rc=$?
    # "Passed: 3/3, 0 failed, 0 warnings"
    local line p f w
    line="$(grep -E '^Passed: [0-9]+/[0-9]+, [0-9]+ failed, [0-9]+ warnings' <<<"$out" | tail -1)"
    p="$(sed -E 's/^Passed: ([0-9]+)\/.*/\1/' <<<"$line")"
    f="$(sed -E 's/.*, ([0-9]+) failed.*/\1/' <<<"$line")"
    w="$(sed -E 's/.*, ([0-9]+) warnings.*/\1/' <<<"$line")"
    [[ "$p" =~ ^[0-9]+$ ]] || p=0
    [[ "$f" =~ ^[0-9]+$ ]] || f=0
    [[ "$w" =~ ^[0-9]+$ ]] || w=0
    passed=$((passed + p))
    failed=$((failed + f + w))
    if [[ $rc -eq 0 && -n "$line" ]]; then
        echo "PASS $label:$scenario ($p checks)"
    else
        bad=$((bad + 1))
        # A failed run (the client exited non-zero, timed out) counts even with no failed check.
        [[ $((f + w)) -eq 0 ]] && failed=$((failed + 1))
        echo "FAIL $label:$scenario (exit $rc; ${line:-no result line})"
        grep -E 'FAILURE|WARNING|Client exited|timed out|error' <<<"$out" | head -20 | sed 's/^/    /'
    fi
}

for s in "${LEGACY[@]}"; do
    wanted "$s" && run "0.1.16" "0.1.16" "" "$s"
done
for s in "${ALPHA_LEGACY[@]}"; do
    wanted "$s" && run "alpha12-2025-11-25" "0.2.0-alpha.12" "2025-11-25" "$s"
done
for s in "${MODERN[@]}"; do
    wanted "$s" && run "alpha12-2026-07-28" "0.2.0-alpha.12" "2026-07-28" "$s"
done

ran=$((passed + failed))
[[ $ran -gt 0 || $bad -gt 0 ]] || die "no scenario ran (unknown name in: ${ONLY[*]})"
echo "conformance-client: $passed passed, $failed failed"
[[ $bad -eq 0 ]]
