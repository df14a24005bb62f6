#!/usr/bin/env bash
# The `mcp-serve dev` web inspector in a real headless Chromium.
#
#   scripts/inspector-test.sh
#
# Installs what it needs when missing: Debian's chromium (apt-get; run as root, as CI does) and
# npm playwright-core (`npm ci` of tests/browser/package-lock.json; no browser download: it
# drives /usr/bin/chromium) into ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/playwright-<hash>.
# Builds the mcp-serve binary and the example servers, then for each scenario starts
# `mcp-serve dev --no-open --port 0 -- target/debug/examples/NAME`, reads the URL it prints, and
# runs tests/browser/inspector.mjs against it:
#   interactive  server name and era, the tool list, a number form with a progress bar and live log
#                lines, elicitation forms and sampling answered from the page, a URL elicitation,
#                cancelling a running call, a resource, the log and history panes
#   quickstart   the `add` form, the JSON switch, a tool error, an array form with structured
#                content, a resource and a template, a prompt
#   everything   images, audio and embedded resources, multi-select enum elicitation, several
#                questions at once, completions while typing a prompt argument, a resource
#                subscription and its updates, the tool list following list changes
#   NAME@REV     NAME again over a legacy session (`--protocol REV`): server→client requests
#                instead of multi round-trip retries, logging/setLevel instead of per-request levels
# Every process it starts is ended on exit. The last line is `inspector-test: PASS (N checks)` or
# `inspector-test: FAIL (M of N checks failed)`; exit status 0, 1 on a failed check, 2 on setup errors.
#
# Env: CHROMIUM (default /usr/bin/chromium), INSPECTOR_TEST_SHOTS (a directory for screenshots;
#      default a temporary one, kept and printed), INSPECTOR_TEST_SCENARIOS (default
#      "interactive quickstart everything interactive@2025-11-25"), MCP_SERVE_CACHE (cache root).
set -uo pipefail

ROOT="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)" || exit 2
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
SCENARIOS="${INSPECTOR_TEST_SCENARIOS:-interactive quickstart everything interactive@2025-11-25}"
SHOTS="${INSPECTOR_TEST_SHOTS:-$(mktemp -d "${TMPDIR:-/tmp}/mcp-serve-inspector.XXXXXX")}"
SCENARIO_LIMIT=60 # seconds for one browser run

log() { echo "[inspector-test] $*" >&2; }
die() { log "error: $*"; echo "inspector-test: FAIL (setup)"; exit 2; }

# --- what the test needs ------------------------------------------------------------------------
if [[ ! -x "$CHROMIUM" ]]; then
    [[ "$CHROMIUM" == /usr/bin/chromium ]] || die "$CHROMIUM is not an executable"
    log "installing Debian's chromium"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2 \
        || die "cannot install chromium (apt-get needs root)"
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "installing node and npm"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } >&2 \
        || die "cannot install node (apt-get needs root)"
fi
# playwright-core downloads no browser; /usr/bin/chromium is launched directly.
# shellcheck source=lib/npm.sh
source "$ROOT/scripts/lib/npm.sh"
npm_ci_cached "$ROOT/tests/browser" "$MCP_SERVE_CACHE_ROOT/playwright" || die "cannot install playwright-core"
PLAYWRIGHT_DIR="$NPM_DIR"

log "building mcp-serve and the example servers"
mkdir -p "$SHOTS" || die "cannot create $SHOTS"
if ! (cd "$ROOT" && cargo build -p mcp-serve-cli --bin mcp-serve && cargo build -p mcp-serve --examples) \
    >"$SHOTS/build.log" 2>&1; then
    tail -n 40 "$SHOTS/build.log" >&2
    die "cargo build failed (see $SHOTS/build.log)"
fi
target_root="$(cd "$ROOT" && cargo metadata --no-deps --format-version 1 2>/dev/null \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
TARGET="${target_root:-$ROOT/target}/debug"
[[ -x "$TARGET/mcp-serve" ]] || die "built binary not found at $TARGET/mcp-serve"

# --- one scenario ---------------------------------------------------------------------------------
DEV_PID=""
DEV_LOG=""
stop_dev() {
    [[ -n "$DEV_PID" ]] || return 0
    kill -TERM "$DEV_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$DEV_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DEV_PID" 2>/dev/null
    wait "$DEV_PID" 2>/dev/null
    DEV_PID=""
}
trap stop_dev EXIT INT TERM

total=0
failed=0
run_scenario() {
    local name="${1%@*}" label="${1/@/-}" protocol=()
    [[ "$1" == *@* ]] && protocol=(--protocol "${1#*@}")
    local server="$TARGET/examples/$name"
    [[ -x "$server" ]] || die "$server was not built"
    DEV_LOG="$SHOTS/dev-$label.log"
    : >"$DEV_LOG"
    "$TARGET/mcp-serve" dev --no-open --port 0 "${protocol[@]}" -- "$server" 2>"$DEV_LOG" &
    DEV_PID=$!
    local url=""
    for _ in $(seq 1 300); do
        url="$(sed -n 's/^mcp-serve dev: inspector at \(http[^ ]*\).*/\1/p' "$DEV_LOG" | head -n 1)"
        [[ -n "$url" ]] && break
        kill -0 "$DEV_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$url" ]]; then
        log "mcp-serve dev printed no URL for $label:"
        cat "$DEV_LOG" >&2
        stop_dev
        total=$((total + 1)); failed=$((failed + 1))
        return
    fi
    log "$label: $url"
    local out="$SHOTS/browser-$label.log"
    PLAYWRIGHT_DIR="$PLAYWRIGHT_DIR" CHROMIUM="$CHROMIUM" SCENARIO_LABEL="$label" \
        timeout --kill-after=5 "$SCENARIO_LIMIT" node "$ROOT/tests/browser/inspector.mjs" "$url" "$name" "$SHOTS" \
        | tee "$out"
    local status=${PIPESTATUS[0]}
    [[ $status -eq 124 ]] && echo "FAIL $label: the browser run took more than ${SCENARIO_LIMIT}s" | tee -a "$out"
    total=$((total + $(grep -cE '^(PASS|FAIL) [^ ]+: [^0-9]' "$out")))
    failed=$((failed + $(grep -cE '^FAIL [^ ]+: [^0-9]' "$out")))
    if [[ $status -ne 0 ]]; then
        log "mcp-serve dev's output for $label:"
        tail -n 40 "$DEV_LOG" >&2
    fi
    stop_dev
}

started=$SECONDS
for scenario in $SCENARIOS; do
    run_scenario "$scenario"
done
log "screenshots and logs: $SHOTS ($((SECONDS - started))s)"
if [[ $failed -eq 0 && $total -gt 0 ]]; then
    echo "inspector-test: PASS ($total checks)"
    exit 0
fi
echo "inspector-test: FAIL ($failed of $total checks failed)"
exit 1
