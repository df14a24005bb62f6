#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios)
# against examples/everything.rs, served over Streamable HTTP.
#
#   scripts/conformance.sh
#
# Builds the example, starts it with `--http 127.0.0.1:PORT` on a free port, waits until it
# answers at /mcp, then runs the suite through tests/conformance/suite.sh three ways:
#   (a) suite 0.1.16, --suite all                          tests/conformance/expected-failures-0.1.16.yml
#   (b) suite 0.2.0-alpha.12, --requirements 2025-11-25    tests/conformance/expected-failures-2025-11-25.yml
#   (c) suite 0.2.0-alpha.12, --requirements 2026-07-28    tests/conformance/expected-failures-2026-07-28.yml
# each against its expected-failures baseline (a run fails on an unexpected failure or warning,
# and on a baseline entry that now passes). Ends the server on exit. The suite is installed on
# first use from the lock files in tests/conformance/suite-<version>/ into
# ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/conformance (see tests/conformance/suite.sh).
#
# The last line is `conformance: N passed, M failed`: the suite's check counts summed over the
# three runs. Exit status 0 when every run matched its baseline, 1 otherwise, 2 on setup errors.
#
# Env: CONFORMANCE_RUN_TIMEOUT (s per run, 300), CONFORMANCE_START_TIMEOUT (s for the server to
#      answer, 30), CONFORMANCE_OUT (results dir; default a temporary dir, kept and printed),
#      CARGO_PROFILE (dev|release, dev), MCP_SERVE_CACHE (the cache root).
set -uo pipefail

ROOT="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)" || exit 2
SUITE="$ROOT/tests/conformance/suite.sh"
BASELINES="$ROOT/tests/conformance"
RUN_TIMEOUT="${CONFORMANCE_RUN_TIMEOUT:-300}"
START_TIMEOUT="${CONFORMANCE_START_TIMEOUT:-30}"
PROFILE="${CARGO_PROFILE:-dev}"
OUT="${CONFORMANCE_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/mcp-conformance.XXXXXX")}"

log() { echo "[conformance] $*" >&2; }
die() { log "error: $*"; echo "conformance: 0 passed, 0 failed"; exit 2; }

[[ -f "$SUITE" ]] || die "$SUITE not found"
command -v curl >/dev/null 2>&1 || die "curl is needed"
mkdir -p "$OUT" || die "cannot create $OUT"

# --- build --------------------------------------------------------------------------------------
log "building examples/everything.rs ($PROFILE)"
profile_flag=()
target_dir="debug"
if [[ "$PROFILE" == "release" ]]; then profile_flag=(--release); target_dir="release"; fi
(cd "$ROOT" && cargo build --quiet -p mcp-serve --example everything "${profile_flag[@]}") \
    || die "cargo build --example everything failed"
target_root="$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 2>/dev/null \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
BIN="${target_root:-$ROOT/target}/$target_dir/examples/everything"
[[ -x "$BIN" ]] || die "built binary not found at $BIN"

# --- suite --------------------------------------------------------------------------------------
# Installed up front (first use only), so that the install is not timed as part of a run.
for version in 0.1.16 0.2.0-alpha.12; do
    MCP_CONFORMANCE_VERSION="$version" bash "$SUITE" install >/dev/null \
        || die "cannot install conformance suite $version"
done

# --- server -------------------------------------------------------------------------------------
SERVER_PID=""
SERVER_LOG="$OUT/server.log"

stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    local pid="$SERVER_PID"
    SERVER_PID=""
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT
trap 'stop_server; exit 143' TERM

free_port() { # a port the kernel just handed out (start_server retries if it is taken meanwhile)
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

answers() { # answers PORT: the server gives any HTTP response at /mcp
    local code
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/mcp" 2>/dev/null)"
    [[ -n "$code" && "$code" != "000" ]]
}

PORT=""
start_server() {
    local attempt deadline
    for attempt in 1 2 3; do
        PORT="$(free_port)"
        answers "$PORT" && continue
        "$BIN" --http "127.0.0.1:$PORT" >"$SERVER_LOG" 2>&1 </dev/null &
        SERVER_PID=$!
        deadline=$((SECONDS + START_TIMEOUT))
        while ((SECONDS < deadline)); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            answers "$PORT" && return 0
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            stop_server
            log "server did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s"
            return 1
        fi
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=""
        grep -qi 'in use' "$SERVER_LOG" || { log "server exited before answering:"; tail -20 "$SERVER_LOG" >&2; return 1; }
    done
    return 1
}

start_server || die "could not start $BIN"
URL="http://localhost:$PORT/mcp"
log "server pid $SERVER_PID at $URL (log: $SERVER_LOG)"

# --- runs ---------------------------------------------------------------------------------------
TOTAL_PASSED=0
TOTAL_FAILED=0
STATUS=0
SUMMARY=()

run() { # run NAME SUITE_VERSION BASELINE ARGS...
    local name="$1" version="$2" baseline="$3"
    shift 3
    local dir="$OUT/$name" runlog="$OUT/$name.log" rc start secs totals passed failed warnings
    mkdir -p "$dir"
    log "run $name: suite $version $* (baseline $(basename "$baseline"))"
    start=$SECONDS
    MCP_CONFORMANCE_VERSION="$version" timeout --kill-after=10 "$RUN_TIMEOUT" \
        bash "$SUITE" server "$URL" "$@" --expected-failures "$baseline" -o "$dir" >"$runlog" 2>&1
    rc=$?
    secs=$((SECONDS - start))
    # The summary and baseline verdict, without the per-scenario progress lines.
    sed -n '/=== SUMMARY ===/,$p' "$runlog"
    totals="$(grep -a -o 'Total: [0-9]* passed, [0-9]* failed' "$runlog" | tail -1)"
    warnings="$(grep -a -o 'Total: [0-9]* passed, [0-9]* failed, [0-9]* warnings' "$runlog" | tail -1 | sed 's/.* \([0-9]*\) warnings/\1/')"
    if [[ -z "$totals" ]]; then
        tail -20 "$runlog"
        if ((rc == 124 || rc == 137)); then
            log "run $name timed out after ${RUN_TIMEOUT}s"
        else
            log "run $name produced no totals (exit $rc)"
        fi
        passed=0
        failed=1
    else
        passed="$(sed 's/Total: \([0-9]*\) passed.*/\1/' <<<"$totals")"
        failed="$(sed 's/.* passed, \([0-9]*\) failed/\1/' <<<"$totals")"
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    local verdict="ok"
    if ((rc != 0)); then
        verdict="FAILED (exit $rc)"
        STATUS=1
    fi
    SUMMARY+=("$name: $passed passed, $failed failed checks${warnings:+ ($warnings warnings)}; baseline $verdict; ${secs}s")
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        log "the server died during run $name:"
        tail -20 "$SERVER_LOG" >&2
        STATUS=1
        return 1
    fi
}

run a-0.1.16 0.1.16 "$BASELINES/expected-failures-0.1.16.yml" --suite all \
    && run b-2025-11-25 0.2.0-alpha.12 "$BASELINES/expected-failures-2025-11-25.yml" --requirements 2025-11-25 \
    && run c-2026-07-28 0.2.0-alpha.12 "$BASELINES/expected-failures-2026-07-28.yml" --requirements 2026-07-28

stop_server
echo
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "  results (checks.json per scenario): $OUT"
echo "conformance: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
exit "$STATUS"
