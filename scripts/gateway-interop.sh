#!/usr/bin/env bash
# Gateway interop tests: `mcp-serve proxy --config FILE --http ADDR` serving OFFICIAL MCP servers
# behind one endpoint, reached with OFFICIAL MCP clients; and `Server::mount` (examples/mount.rs)
# reached with the same clients.
#
#   scripts/gateway-interop.sh [--verbose]
#
# Targets (the config's entries, each namespaced by its name):
#   ts      npm `@modelcontextprotocol/server-everything` (tests/cli/package.json), stdio, legacy era
#   py      tests/cli/python_server.py on PyPI `mcp` 2.x (MCPServer, formerly FastMCP), stdio
#   pyhttp  the same Python server over Streamable HTTP on a free port (`"type": "http"`)
# Front clients (tests/gateway/):
#   python-auto    front_client.py, PyPI `mcp` Client(mode="auto"): must end up modern; answers
#                  server-everything's sampling and elicitation requests through the gateway
#   python-legacy  front_client.py --mode legacy: an `initialize` session, the same checks
#   ts-v1          front_client.mjs, npm `@modelcontextprotocol/sdk` 1.x (tests/interop), with
#                  progress from the TypeScript target relayed through the gateway
#   ts-v2          front_client_v2.mjs, npm `@modelcontextprotocol/client` 2.x: negotiates the
#                  2026-07-28 era in front of legacy targets, progress relayed too
#   down           pyhttp's server is stopped: its namespace answers with a tool error naming it,
#                  its tools leave the list and tools/list's _meta reports it; the others serve on
#   back           pyhttp's server is started again on the same port: its tools come back
# Mounting (examples/mount.rs over Streamable HTTP: `weather` and `notes` mounted in one server):
#   mount-python-auto, mount-python-legacy   mount_client.py, both eras
#   mount-ts-v1                              mount_client.mjs (npm `@modelcontextprotocol/sdk` 1.x)
#   each: prefixed names and URIs, a template, a prompt, progress from a mounted tool, and a
#   resource the mounted server adds while serving (with list_changed in a session)
#
# Installs are shared with scripts/cli-interop.sh and scripts/interop.sh under
# ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve} (npm ci from the committed lock files; a venv keyed
# by tests/cli/requirements.txt and the Python version); later runs need no network.
#
# Environment:
#   MCP_SERVE_CACHE           cache root (default $HOME/.cache/mcp-serve)
#   MCP_SERVE_BIN             the mcp-serve binary (default: cargo build -p mcp-serve-cli)
#   GATEWAY_INTEROP_TIMEOUT   seconds one client run may take (default 90)
#
# Output: one line per case, then exactly one line `gateway-interop: N passed, M failed`. Exit
# status is non-zero if any case failed. Every process the script starts is ended on exit.
set -euo pipefail

VERBOSE=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --verbose|-v) VERBOSE=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/npm.sh
source "$ROOT/scripts/lib/npm.sh"
CACHE="$MCP_SERVE_CACHE_ROOT"
TIMEOUT="${GATEWAY_INTEROP_TIMEOUT:-90}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gateway-interop.XXXXXX")"
PASSED=0
FAILED=0
PIDS=()

stop_pid() { # TERM the process group of PID, then KILL it if it lingers
    local pid="$1" i
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do stop_pid "$pid"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

record() { # record PASS|FAIL NAME [REASON]
    if [[ "$1" == PASS ]]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
    echo "$1 $2${3:+ $3}"
}
show_log() { [[ -s "$1" ]] && tail -n "${2:-20}" "$1" | sed 's/^/    | /'; return 0; }
finish() {
    echo "gateway-interop: $PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 ]]
    exit $?
}

# ---- installs ---------------------------------------------------------------------------------

if ! npm_ci_cached "$ROOT/tests/cli" "$CACHE/cli-interop/node-everything" 2>"$WORK/npm.err"; then
    record FAIL install "npm ci tests/cli failed"; show_log "$WORK/npm.err"; finish
fi
EVERYTHING="$NPM_DIR/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
if ! npm_ci_cached "$ROOT/tests/interop" "$CACHE/interop/node-clients" 2>"$WORK/npm.err"; then
    record FAIL install "npm ci tests/interop failed"; show_log "$WORK/npm.err"; finish
fi
CLIENTS_NODE="$NPM_DIR"

key="$( { cat "$ROOT/tests/cli/requirements.txt"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
PY_ENV="$CACHE/cli-interop/venv-$key"   # the venv scripts/cli-interop.sh makes, shared
if [[ ! -f "$PY_ENV/.installed" ]]; then
    mkdir -p "$CACHE/cli-interop"
    rm -rf "$PY_ENV"
    if { python3 -m venv "$PY_ENV" &&
         timeout 600 "$PY_ENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
             -r "$ROOT/tests/cli/requirements.txt"; } >"$WORK/pip.log" 2>&1; then
        touch "$PY_ENV/.installed"
    else
        rm -rf "$PY_ENV"
        record FAIL install "pip install -r tests/cli/requirements.txt failed"; show_log "$WORK/pip.log"; finish
    fi
fi
PY="$PY_ENV/bin/python"

BIN="${MCP_SERVE_BIN:-}"
if [[ -z "$BIN" ]]; then
    if ! (cd "$ROOT" && cargo build --quiet -p mcp-serve-cli) >"$WORK/build.log" 2>&1; then
        record FAIL build "cargo build -p mcp-serve-cli failed"; show_log "$WORK/build.log" 30; finish
    fi
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/mcp-serve"
    [[ "$BIN" == /* ]] || BIN="$ROOT/$BIN"
fi
if ! (cd "$ROOT" && cargo build --quiet -p mcp-serve --example mount) >"$WORK/build-mount.log" 2>&1; then
    record FAIL build "cargo build --example mount failed"; show_log "$WORK/build-mount.log" 30; finish
fi
MOUNT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples/mount"
[[ "$MOUNT_BIN" == /* ]] || MOUNT_BIN="$ROOT/$MOUNT_BIN"

# ---- servers ----------------------------------------------------------------------------------

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
LAST_PID=""
start() { # start PORT LOG CMD...: in its own session; waits until PORT accepts connections
    local port="$1" log="$2" deadline; shift 2
    setsid "$@" >"$log" 2>&1 </dev/null &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        kill -0 "$LAST_PID" 2>/dev/null || return 1
        port_open "$port" && return 0
        sleep 0.1
    done
    return 1
}

PY_PORT="$(free_port)"
if ! start "$PY_PORT" "$WORK/pyhttp.log" "$PY" "$ROOT/tests/cli/python_server.py" http "$PY_PORT"; then
    record FAIL start-pyhttp "the Python server did not listen on $PY_PORT"; show_log "$WORK/pyhttp.log"; finish
fi
PY_PID="$LAST_PID"

python3 - "$WORK/mcp.json" "$EVERYTHING" "$PY" "$ROOT/tests/cli/python_server.py" "$PY_PORT" <<'PYEOF'
import json, sys
path, everything, py, server, port = sys.argv[1:]
json.dump({"mcpServers": {
    "ts": {"command": "node", "args": [everything, "stdio"]},
    "py": {"type": "stdio", "command": py, "args": [server, "stdio"]},
    "pyhttp": {"type": "http", "url": f"http://127.0.0.1:{port}/mcp"},
}}, open(path, "w"), indent=2)
PYEOF

GW_PORT="$(free_port)"
# A short health interval is not configurable from the CLI: the down case relies on the failing
# call waking the target's watch, as it would in production.
if ! start "$GW_PORT" "$WORK/gateway.log" "$BIN" proxy --config "$WORK/mcp.json" --http "127.0.0.1:$GW_PORT"; then
    record FAIL start-gateway "mcp-serve proxy --config did not listen on $GW_PORT"; show_log "$WORK/gateway.log"; finish
fi
URL="http://127.0.0.1:$GW_PORT/mcp"

run_case() { # run_case NAME CMD...
    local name="$1" log="$WORK/$1.log" rc=0; shift
    timeout --kill-after=5 "$TIMEOUT" "$@" >"$log" 2>&1 || rc=$?
    if [[ $rc -eq 0 ]]; then
        record PASS "$name"
        [[ $VERBOSE -eq 0 ]] || show_log "$log"
    else
        record FAIL "$name" "$(grep -m1 FAIL "$log" || echo "exit $rc")"
        show_log "$log"
        show_log "$WORK/gateway.log" 10
    fi
}

run_case python-auto "$PY" "$ROOT/tests/gateway/front_client.py" --url "$URL" --mode auto --phase up
run_case python-legacy "$PY" "$ROOT/tests/gateway/front_client.py" --url "$URL" --mode legacy --phase up
# ESM finds packages next to the script, not through NODE_PATH.
mkdir -p "$WORK/ts" && ln -s "$CLIENTS_NODE/node_modules" "$WORK/ts/node_modules"
cp "$ROOT/tests/gateway/front_client.mjs" "$ROOT/tests/gateway/checks.mjs" "$WORK/ts/"
run_case ts-v1 node "$WORK/ts/front_client.mjs" --url "$URL"
cp "$ROOT/tests/gateway/front_client_v2.mjs" "$WORK/ts/"
run_case ts-v2 node "$WORK/ts/front_client_v2.mjs" --url "$URL"

stop_pid "$PY_PID"
run_case down "$PY" "$ROOT/tests/gateway/front_client.py" --url "$URL" --phase down
echo "restarting pyhttp at $(date -u +%T.%N)"
if ! start "$PY_PORT" "$WORK/pyhttp2.log" "$PY" "$ROOT/tests/cli/python_server.py" http "$PY_PORT"; then
    record FAIL restart-pyhttp "the Python server did not listen on $PY_PORT again"; show_log "$WORK/pyhttp2.log"
else
    # The backoff may have grown to its 30 s maximum while the server was down.
    run_case back "$PY" "$ROOT/tests/gateway/front_client.py" --url "$URL" --phase back --timeout 75
    [[ $FAILED -eq 0 ]] || { show_log "$WORK/pyhttp2.log"; show_log "$WORK/gateway.log" 40; }
fi

# ---- mounting ---------------------------------------------------------------------------------

MOUNT_PORT="$(free_port)"
if ! start "$MOUNT_PORT" "$WORK/mount.log" "$MOUNT_BIN" --http "127.0.0.1:$MOUNT_PORT"; then
    record FAIL start-mount "examples/mount did not listen on $MOUNT_PORT"; show_log "$WORK/mount.log"; finish
fi
MOUNT_URL="http://127.0.0.1:$MOUNT_PORT/mcp"
run_case mount-python-auto "$PY" "$ROOT/tests/gateway/mount_client.py" --url "$MOUNT_URL" --mode auto
run_case mount-python-legacy "$PY" "$ROOT/tests/gateway/mount_client.py" --url "$MOUNT_URL" --mode legacy
cp "$ROOT/tests/gateway/mount_client.mjs" "$WORK/ts/"
run_case mount-ts-v1 node "$WORK/ts/mount_client.mjs" --url "$MOUNT_URL"
finish
