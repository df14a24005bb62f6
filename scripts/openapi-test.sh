#!/usr/bin/env bash
# `mcp-serve openapi` against a real HTTP API: tests/openapi/app.py (FastAPI + uvicorn) serves
# its own generated OpenAPI 3.1 document on 127.0.0.1; `mcp-serve openapi <its /openapi.json>`
# turns it into tools, and the official MCP Python SDK client (tests/openapi/driver.py) lists
# them and calls each kind (path, query, header, cookie parameters, a JSON body, an API key
# from the environment, a 4xx answer), over stdio; then `--resources --http ADDR` serves the
# GET routes as resources and templates over Streamable HTTP and the client reads them. Last,
# GitHub's REST API description (npm @octokit/openapi, tests/openapi-large) is converted whole
# and called against a local stand-in, by the #[ignore]d Rust tests in
# crates/mcp-serve/tests/integration/openapi_github.rs.
#
#   scripts/openapi-test.sh
#
# First run installs FastAPI, uvicorn and mcp (pinned in tests/openapi/requirements.txt) into a
# venv under ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/openapi/, keyed by that file and the
# Python version, and @octokit/openapi (tests/openapi-large/package-lock.json) beside it with
# `npm ci`; later runs reuse them. The last line is `openapi: N passed, M failed`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/openapi"
CACHE="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/openapi"
START_TIMEOUT="${OPENAPI_START_TIMEOUT:-30}"
mkdir -p "$CACHE"
cd "$ROOT"

PASSED=0
FAILED=0
finish() {
    echo "openapi: $PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 ]]
}
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }

# ---- installs -----------------------------------------------------------------------------
command -v python3 >/dev/null 2>&1 || { fail "python3 not found"; finish; exit 1; }
key="$( { cat "$SRC/requirements.txt"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
VENV="$CACHE/venv-$key"
if [[ ! -f "$VENV/.installed" ]]; then
    log="$CACHE/install.log"
    rm -rf "$VENV"
    if { python3 -m venv "$VENV" &&
         "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
             -r "$SRC/requirements.txt"; } >"$log" 2>&1; then
        touch "$VENV/.installed"
        for old in "$CACHE"/venv-*; do [[ "$old" != "$VENV" ]] && rm -rf "$old"; done
    else
        rm -rf "$VENV"
        tail -n 40 "$log" | sed 's/^/    | /'
        fail "pip install failed (log: $log)"
        finish
        exit 1
    fi
fi
PY="$VENV/bin/python"

echo "[openapi] cargo build -p mcp-serve-cli"
cargo build --quiet -p mcp-serve-cli
CLI="$ROOT/target/debug/mcp-serve"

# ---- processes ----------------------------------------------------------------------------
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PID PORT LOG NAME: waits until PID listens on PORT, bounded by START_TIMEOUT.
wait_port() {
    local deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        kill -0 "$1" 2>/dev/null || break
        if port_open "$2"; then return 0; fi
        sleep 0.1
    done
    tail -n 30 "$3" | sed 's/^/    | /'
    fail "$4 did not listen on 127.0.0.1:$2 within ${START_TIMEOUT}s"
    return 1
}

# The API key the app checks, given to mcp-serve through the environment only.
export APP_API_KEY="key-$RANDOM$RANDOM"

API_PORT="$(free_port)"
API_LOG="$CACHE/app.log"
"$PY" -m uvicorn app:app --app-dir "$SRC" --host 127.0.0.1 --port "$API_PORT" --log-level warning \
    >"$API_LOG" 2>&1 </dev/null &
PIDS+=("$!")
wait_port "$!" "$API_PORT" "$API_LOG" "the FastAPI app" || { finish; exit 1; }
SPEC="http://127.0.0.1:$API_PORT/openapi.json"

# count OUTPUT_FILE: adds its PASS/FAIL lines to the totals.
count() {
    local p f
    p=$(grep -c '^PASS ' "$1" || true)
    f=$(grep -c '^FAIL ' "$1" || true)
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
}

echo "[openapi] official Python client over stdio: mcp-serve openapi $SPEC --api-key-env APP_API_KEY"
out="$(mktemp)"
set +e
timeout 120 "$PY" "$SRC/driver.py" -- "$CLI" openapi "$SPEC" --api-key-env APP_API_KEY 2>&1 | tee "$out"
st=${PIPESTATUS[0]}
set -e
count "$out"
if [[ $st -ne 0 ]] && ! grep -q '^FAIL ' "$out"; then fail "the stdio driver exited with status $st"; fi

echo "[openapi] official Python client over Streamable HTTP: mcp-serve openapi $SPEC --resources --http ADDR"
MCP_PORT="$(free_port)"
MCP_LOG="$CACHE/mcp-serve.log"
"$CLI" openapi "$SPEC" --api-key-env APP_API_KEY --resources --http "127.0.0.1:$MCP_PORT" >"$MCP_LOG" 2>&1 </dev/null &
PIDS+=("$!")
if wait_port "$!" "$MCP_PORT" "$MCP_LOG" "mcp-serve openapi --http"; then
    set +e
    timeout 120 "$PY" "$SRC/driver.py" --resources --url "http://127.0.0.1:$MCP_PORT/mcp" 2>&1 | tee "$out"
    st=${PIPESTATUS[0]}
    set -e
    count "$out"
    if [[ $st -ne 0 ]] && ! grep -q '^FAIL ' "$out"; then fail "the HTTP driver exited with status $st"; fi
fi
rm -f "$out"

# A bad key is the API's 401, seen as a tool error; a missing variable stops the CLI with a usage error.
set +e
msg="$(APP_API_KEY= "$CLI" openapi "$SPEC" --api-key-env APP_API_KEY </dev/null 2>&1)"
st=$?
set -e
if [[ $st -eq 2 && "$msg" == *"APP_API_KEY is not set"* ]]; then
    PASSED=$((PASSED + 1)); echo "PASS a missing credential variable is a usage error"
else
    fail "a missing credential variable: exit $st, $msg"
fi

# ---- a large real-world document: GitHub's REST API description -------------------------
# @octokit/openapi (pinned with its integrity in tests/openapi-large/package-lock.json, installed
# into the cache) ships api.github.com.json, 13 MB and 1,200 operations. The Rust tests in
# crates/mcp-serve/tests/integration/openapi_github.rs, #[ignore]d in a plain `cargo test`, convert
# it whole, compile every schema and run calls against a local stand-in; this runs them with the
# document's path and a token in their environment, and counts each test that reports `ok`.
GITHUB_TESTS=(
    openapi_github::every_github_operation_converts_and_every_schema_compiles
    openapi_github::github_calls_run_end_to_end_against_a_local_stand_in
)
echo "[openapi] GitHub's REST API description (@octokit/openapi, tests/openapi-large) converted whole"
# shellcheck source=lib/npm.sh
source "$ROOT/scripts/lib/npm.sh"
if npm_ci_cached "$ROOT/tests/openapi-large" "$CACHE/github"; then
    out="$(mktemp)"
    set +e
    # The flags of scripts/test.sh's `cargo test`, so CI reuses the test binary it built.
    MCP_SERVE_GITHUB_OPENAPI="$NPM_DIR/node_modules/@octokit/openapi/generated/api.github.com.json" \
    MCP_SERVE_GITHUB_TOKEN="ghp_test$RANDOM$RANDOM" \
        timeout 900 cargo test --workspace --all-features --test integration -- \
        --ignored --exact --show-output "${GITHUB_TESTS[@]}" 2>&1 | tee "$out"
    st=${PIPESTATUS[0]}
    set -e
    for t in "${GITHUB_TESTS[@]}"; do
        if grep -qE "^test $t \.\.\. ok\$" "$out"; then
            PASSED=$((PASSED + 1)); echo "PASS $t"
        else
            fail "$t"
        fi
    done
    if [[ $st -ne 0 ]] && ! grep -qE '^test openapi_github::.* FAILED$' "$out"; then
        fail "cargo test of the GitHub document exited with status $st"
    fi
    rm -f "$out"
else
    fail "cannot install tests/openapi-large (@octokit/openapi)"
fi

finish
