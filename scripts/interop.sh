#!/usr/bin/env bash
# Interop tests: run the OFFICIAL MCP clients against a stdio server command, or (--http) against
# the same command serving HTTP.
#
#   scripts/interop.sh [--lenient] [--verbose] <server command...>
#   scripts/interop.sh --http [--lenient] [--verbose] <server command...>
#   scripts/interop.sh --https [--lenient] [--verbose] <server command...>
#   scripts/interop.sh --interactive [--http] [--verbose] <server command...>
#   scripts/interop.sh --middleware [--http] [--verbose] <server command...>
#   e.g. scripts/interop.sh target/debug/examples/quickstart
#        scripts/interop.sh --http target/debug/examples/quickstart
#        scripts/interop.sh --interactive target/debug/examples/interactive
#        scripts/interop.sh --interactive --http target/debug/examples/interactive
#        scripts/interop.sh --middleware target/debug/examples/middleware
#
# Clients (tests/interop/):
#   python  python_client.py   PyPI `mcp` 2.x, Client(mode="auto"): server/discover probe on the
#                              same pipe, falls back to `initialize` on a JSON-RPC error
#   ts-v1   ts_v1_client.mjs   npm `@modelcontextprotocol/sdk` 1.x: legacy `initialize`
#   ts-v2   ts_v2_client.mjs   npm `@modelcontextprotocol/client` 2.x, versionNegotiation 'auto':
#                              server/discover probe on a sibling process, then the session process
#
# --http: starts `<server command...> --http 127.0.0.1:PORT` once on a free port (waits for it to
# accept connections, bounded by INTEROP_HTTP_START_TIMEOUT; ends it on exit) and runs
#   python-http-auto     python_client.py --url .../mcp (Streamable HTTP, mode auto; era INTEROP_EXPECT_ERA)
#   python-http-legacy   python_client.py --mode legacy --url .../mcp (initialize session; era legacy)
#   ts-v1-http           ts_v1_client.mjs --url .../mcp (StreamableHTTPClientTransport, legacy session)
#   ts-v2-http-auto      ts_v2_client.mjs --url .../mcp (mode auto; era INTEROP_EXPECT_ERA)
#   ts-v2-http-legacy    ts_v2_client.mjs --mode legacy --url .../mcp (era legacy)
#   ts-v1-sse            ts_v1_client.mjs --sse --url .../sse (SSEClientTransport, 2024-11-05 HTTP+SSE)
#   ts-v2-sse            ts_v2_client.mjs --mode legacy --sse --url .../sse (2.x SSEClientTransport)
# The clients can also be pointed at any running server by hand with --url (see each script).
#
# --https: as --http, over TLS: a test CA and a certificate for 127.0.0.1 are made with
# tests/interop/make_cert.py (in the Python client's venv), the server gets
# `--tls-cert CERT --tls-key KEY` too, and the clients trust the CA through SSL_CERT_FILE
# (Python) and NODE_EXTRA_CA_CERTS (Node), at https://127.0.0.1:PORT.
#
# --interactive: the same clients and case names, but running the checks of the interactive
# example (examples/interactive.rs) instead of the quickstart's: interactive_python.py,
# interactive_ts_v1.mjs, interactive_ts_v2.mjs. They register elicitation (form + URL), sampling
# and roots handlers, check progress and log notifications, a form + sampling + roots tool, a
# keyed raw elicitation, URL elicitation, cancellation and resource updates, and that the
# handlers were reached the era's way: server->client requests on legacy sessions,
# `input_required` round trips (MRTR) on 2026-07-28.
#
# --middleware: likewise, the checks of the middleware example (examples/middleware.rs):
# middleware_python.py, middleware_ts_v1.mjs, middleware_ts_v2.mjs. Tags (`_meta`
# "io.mcp-serve/tags") with the `admin` tag excluded, a tool made by a ToolTransform, a
# rate-limit refusal (JSON-RPC -32000 with data.retryAfterMs), and the custom extension
# com.example/call-counts: advertised in the capabilities (initialize or server/discover) and its
# method counts/get sent through each SDK's generic request. Over stdio each client has a server
# of its own and checks exact counts; over --http they share one server and one caller
# (127.0.0.1), so the rate limit may already be spent and the counts are lower bounds.
#
# First run installs the clients into ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/interop/
# (a venv keyed by requirements.txt, a node_modules dir installed with `npm ci` from
# package-lock.json and keyed by package.json + package-lock.json); later runs reuse them
# without touching the network. Install logs go to that dir and are shown on failure.
#
# Environment:
#   MCP_SERVE_CACHE      cache root (default $HOME/.cache/mcp-serve)
#   INTEROP_TIMEOUT      per-client timeout in seconds (default 60)
#   INTEROP_CLIENTS      space-separated subset of "python ts-v1 ts-v2" (default: all); with --http,
#                        a subset of the --http names above (default: all)
#   INTEROP_EXPECT_ERA   era the negotiating clients (python, ts-v2; with --http the *-auto ones)
#                        must end up in: modern (default: a server/discover answer the client
#                        rejects would otherwise fall back to legacy silently), legacy, or any
#   INTEROP_PYTHON_ARGS  extra args for python_client.py (e.g. "--mode legacy --expect-era legacy")
#   INTEROP_TS_V1_ARGS   extra args for ts_v1_client.mjs
#   INTEROP_TS_V2_ARGS   extra args for ts_v2_client.mjs (e.g. "--expect-era modern")
#   INTEROP_HTTP_START_TIMEOUT  seconds to wait for the --http server to listen (default 30)
#
# Output: one line per client (`PASS python ...` / `FAIL ts-v2 <reason>`), then exactly one
# line `interop: N passed, M failed`. Exit status is non-zero if any client failed.
set -euo pipefail

usage() {
    sed -n "2,$(grep -n '^set -euo pipefail' "$0" | cut -d: -f1)p" "$0" | sed '$d'  | sed 's/^# \{0,1\}//' >&2
    exit 2
}

LENIENT=()
VERBOSE=0
HTTP=0
HTTPS=0
INTERACTIVE=0
MIDDLEWARE=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --http) HTTP=1; shift ;;
        --https) HTTP=1; HTTPS=1; shift ;;
        --interactive) INTERACTIVE=1; shift ;;
        --middleware) MIDDLEWARE=1; shift ;;
        --lenient) LENIENT=(--lenient); shift ;;
        --verbose|-v) VERBOSE=1; shift ;;
        -h|--help) usage ;;
        --) shift; break ;;
        *) break ;;
    esac
done
[[ $# -gt 0 ]] || usage
[[ $INTERACTIVE -eq 0 || $MIDDLEWARE -eq 0 ]] || { echo "--interactive and --middleware are different example servers: pick one" >&2; exit 2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/interop"
CACHE="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/interop"
TIMEOUT="${INTEROP_TIMEOUT:-60}"
if [[ $INTERACTIVE -eq 1 ]]; then
    PY_SCRIPT=interactive_python.py V1_SCRIPT=interactive_ts_v1.mjs V2_SCRIPT=interactive_ts_v2.mjs
elif [[ $MIDDLEWARE -eq 1 ]]; then
    PY_SCRIPT=middleware_python.py V1_SCRIPT=middleware_ts_v1.mjs V2_SCRIPT=middleware_ts_v2.mjs
else
    PY_SCRIPT=python_client.py V1_SCRIPT=ts_v1_client.mjs V2_SCRIPT=ts_v2_client.mjs
fi
HTTP_CLIENTS_ALL="python-http-auto python-http-legacy ts-v1-http ts-v2-http-auto ts-v2-http-legacy ts-v1-sse ts-v2-sse"
if [[ $HTTP -eq 1 ]]; then
    CLIENTS="${INTEROP_CLIENTS:-$HTTP_CLIENTS_ALL}"
else
    CLIENTS="${INTEROP_CLIENTS:-python ts-v1 ts-v2}"
fi
RUN_DIR="$CACHE/runs"
mkdir -p "$CACHE" "$RUN_DIR"

PASSED=0
FAILED=0

hash_of() { # hash of the given files' contents; missing files are skipped
    local f
    for f in "$@"; do
        if [[ -f "$f" ]]; then cat "$f"; fi
    done | sha256sum | cut -c1-16
}

show_log() { # show_log FILE [LINES]
    [[ -f "$1" ]] || return 0
    tail -n "${2:-40}" "$1" | sed 's/^/    | /'
}

# ---- installs ---------------------------------------------------------------------------
# Each installer prints nothing on success; on failure it prints a one-line reason followed
# by the install log's tail and returns non-zero. They run in this shell (not $(...)) so the
# PY_ENV / NODE_DIR they set are kept.

prune_old() { # prune_old PREFIX KEEP: drop superseded installs (other keys) of one kind
    local d
    for d in "$CACHE/$1"-*; do
        [[ -d "$d" && "$d" != "$2" && "$d" != *.tmp.* ]] && rm -rf "$d"
    done
    return 0
}

PY_ENV=""
install_python() {
    command -v python3 >/dev/null 2>&1 || { echo "python3 not found"; return 1; }
    local key
    key="$( { cat "$SRC/requirements.txt"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
    PY_ENV="$CACHE/venv-$key"
    [[ -f "$PY_ENV/.installed" ]] && return 0
    local log="$CACHE/install-python.log"
    rm -rf "$PY_ENV"
    if { python3 -m venv "$PY_ENV" &&
         "$PY_ENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
             -r "$SRC/requirements.txt"; } >"$log" 2>&1; then
        touch "$PY_ENV/.installed"
        prune_old venv "$PY_ENV"
        return 0
    fi
    rm -rf "$PY_ENV"
    echo "pip install failed (log: $log)"
    show_log "$log"
    return 1
}

NODE_DIR=""
install_node() {
    command -v node >/dev/null 2>&1 || { echo "node not found"; return 1; }
    command -v npm >/dev/null 2>&1 || { echo "npm not found"; return 1; }
    local key
    key="$(hash_of "$SRC/package.json" "$SRC/package-lock.json")"
    NODE_DIR="$CACHE/node-$key"
    if [[ ! -f "$NODE_DIR/.installed" ]]; then
        local tmp="$NODE_DIR.tmp.$$" log="$CACHE/install-node.log" cmd=(npm ci)
        [[ -f "$SRC/package-lock.json" ]] || { echo "$SRC/package-lock.json is missing"; return 1; }
        rm -rf "$tmp"
        mkdir -p "$tmp"
        cp "$SRC/package.json" "$SRC/package-lock.json" "$tmp/"
        if (cd "$tmp" && "${cmd[@]}" --no-audit --no-fund --ignore-scripts --loglevel=error) >"$log" 2>&1; then
            rm -rf "$NODE_DIR"
            mv "$tmp" "$NODE_DIR"
            touch "$NODE_DIR/.installed"
            prune_old node "$NODE_DIR"
        else
            rm -rf "$tmp"
            echo "${cmd[*]} failed (log: $log)"
            show_log "$log"
            return 1
        fi
    fi
    # The scripts live next to node_modules so ESM resolution finds the pinned packages;
    # copying them each run keeps edits live without reinstalling.
    cp "$SRC/$V1_SCRIPT" "$SRC/$V2_SCRIPT" "$NODE_DIR/"
}

# ---- running ----------------------------------------------------------------------------

record() { # record STATUS NAME MESSAGE
    if [[ "$1" == PASS ]]; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
    fi
    echo "$1 $2${3:+ $3}"
}

reap_servers() { # reap_servers PIDFILE: end server processes a client left behind (by pid)
    local pid alive=()
    [[ -f "$1" ]] || return 0
    while read -r pid; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then alive+=("$pid"); fi
    done <"$1"
    [[ ${#alive[@]} -gt 0 ]] || return 0
    kill -TERM "${alive[@]}" 2>/dev/null || true
    sleep 1
    kill -KILL "${alive[@]}" 2>/dev/null || true
}

run_client() { # run_client NAME CLIENT-CMD... -- SERVER-CMD...
    local name="$1"; shift
    local log="$RUN_DIR/$name.log" pids="$RUN_DIR/$name.pids" rc=0
    : >"$pids"
    # Clients spawn the server themselves (ts-v2 twice: probe sibling + session) and may put it
    # in its own process group, out of reach of `timeout`. Each spawn goes through this shim,
    # which records its pid and execs the real command, so leftovers can be ended by pid.
    local shim=(bash -c 'echo $$ >>"$0"; exec "$@"' "$pids")
    local args=() seen=0 a
    for a in "$@"; do
        args+=("$a")
        if [[ $seen -eq 0 && "$a" == -- ]]; then seen=1; args+=("${shim[@]}"); fi
    done
    timeout --kill-after=5 "$TIMEOUT" "${args[@]}" >"$log" 2>&1 </dev/null || rc=$?
    reap_servers "$pids"
    local info
    info="$(grep -m1 -o 'server=.*' "$log" || true)"
    if [[ $rc -eq 0 ]]; then
        record PASS "$name" "${info:+($info)}"
        if [[ $VERBOSE -eq 1 ]]; then show_log "$log" 200; fi
    else
        local reason
        if [[ $rc -eq 124 || $rc -eq 137 ]]; then
            reason="timed out after ${TIMEOUT}s"
        else
            reason="$(grep -m1 -o 'FAIL: .*' "$log" | cut -c7- || true)"
            [[ -n "$reason" ]] || reason="exit status $rc"
        fi
        record FAIL "$name" "$reason"
        show_log "$log" 60
    fi
}

EXPECT_ERA="${INTEROP_EXPECT_ERA:-modern}"
ERA_ARGS=()
case "$EXPECT_ERA" in
    modern|legacy) ERA_ARGS=(--expect-era "$EXPECT_ERA") ;;
    any) ;;
    *) echo "INTEROP_EXPECT_ERA must be modern, legacy or any" >&2; exit 2 ;;
esac
read -r -a PY_EXTRA <<<"${INTEROP_PYTHON_ARGS:-}"
read -r -a V1_EXTRA <<<"${INTEROP_TS_V1_ARGS:-}"
read -r -a V2_EXTRA <<<"${INTEROP_TS_V2_ARGS:-}"

install_once() { # install_once python|node -> sets ${KIND}_OK / ${KIND}_ERR
    local kind="$1" errf="$CACHE/.$1-install-err"
    if "install_$kind" >"$errf" 2>&1; then
        printf -v "${kind}_OK" yes
    else
        printf -v "${kind}_OK" no
    fi
    printf -v "${kind}_ERR" '%s' "$(cat "$errf")"
}

python_OK="" python_ERR="" node_OK="" node_ERR=""
if ! command -v "$1" >/dev/null 2>&1; then
    for client in $CLIENTS; do record FAIL "$client" "server command not found: $1"; done
    echo "interop: $PASSED passed, $FAILED failed"
    exit 1
fi

ensure_installed() { # ensure_installed CLIENT KIND: records FAIL and returns 1 if the install failed
    local client="$1" kind="$2"
    local ok_var="${kind}_OK" err_var="${kind}_ERR"
    [[ -n "${!ok_var}" ]] || install_once "$kind"
    if [[ "${!ok_var}" != yes ]]; then
        record FAIL "$client" "install: $(head -n1 <<<"${!err_var}")"
        tail -n +2 <<<"${!err_var}" | tail -n 15
        printf -v "$err_var" '%s' "$(head -n1 <<<"${!err_var}")" # show the log tail once
        return 1
    fi
}

# ---- stdio ------------------------------------------------------------------------------

run_stdio() {
    local client kind
    for client in $CLIENTS; do
        case "$client" in
            python) kind=python ;;
            ts-v1|ts-v2) kind=node ;;
            *) record FAIL "$client" "unknown client (expected python, ts-v1 or ts-v2)"; continue ;;
        esac
        ensure_installed "$client" "$kind" || continue
        case "$client" in
            python)
                run_client python "$PY_ENV/bin/python" "$SRC/$PY_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} ${ERA_ARGS[@]+"${ERA_ARGS[@]}"} ${PY_EXTRA[@]+"${PY_EXTRA[@]}"} -- "$@" ;;
            ts-v1)
                run_client ts-v1 node "$NODE_DIR/$V1_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} ${V1_EXTRA[@]+"${V1_EXTRA[@]}"} -- "$@" ;;
            ts-v2)
                run_client ts-v2 node "$NODE_DIR/$V2_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} ${ERA_ARGS[@]+"${ERA_ARGS[@]}"} ${V2_EXTRA[@]+"${V2_EXTRA[@]}"} -- "$@" ;;
        esac
    done
}

# ---- HTTP -------------------------------------------------------------------------------
# One server process for all HTTP clients, started in its own session so that a wrapper
# command (e.g. `cargo run ...`) is ended together with the server it spawned: the EXIT trap
# signals that process group by its id.

SERVER_PID=""
SERVER_LOG="$RUN_DIR/http-server.log"
START_TIMEOUT="${INTEROP_HTTP_START_TIMEOUT:-30}"

stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    local pid="$SERVER_PID" i
    SERVER_PID=""
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
    for i in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

free_port() { # a port the kernel just handed out (released again; start_server retries on a race)
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

port_open() { # port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

PORT=""
START_ERR=""
start_server() { # start_server CMD...: sets PORT/SERVER_PID, or START_ERR and returns 1
    local attempt deadline
    for attempt in 1 2 3; do
        PORT="$(free_port)"
        if port_open "$PORT"; then continue; fi
        : >"$SERVER_LOG"
        if command -v setsid >/dev/null 2>&1; then
            setsid "$@" --http "127.0.0.1:$PORT" >"$SERVER_LOG" 2>&1 </dev/null &
        else
            "$@" --http "127.0.0.1:$PORT" >"$SERVER_LOG" 2>&1 </dev/null &
        fi
        SERVER_PID=$!
        deadline=$((SECONDS + START_TIMEOUT))
        while ((SECONDS < deadline)); do
            if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
            if port_open "$PORT"; then return 0; fi
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            stop_server
            START_ERR="server did not listen on 127.0.0.1:$PORT within ${START_TIMEOUT}s"
            return 1
        fi
        local rc=0
        wait "$SERVER_PID" 2>/dev/null || rc=$?
        SERVER_PID=""
        START_ERR="server exited with status $rc before listening on 127.0.0.1:$PORT"
        # A lost race for the port is worth another try; anything else is not.
        grep -qi 'in use' "$SERVER_LOG" || return 1
    done
    return 1
}

run_http() {
    trap stop_server EXIT
    trap 'stop_server; exit 130' INT
    trap 'stop_server; exit 143' TERM
    local scheme=http tls_args=()
    if [[ $HTTPS -eq 1 ]]; then
        # The certificates are made by the Python venv's `cryptography`.
        local client tls="$RUN_DIR/tls"
        if ! ensure_installed "certificates" python; then
            for client in $CLIENTS; do record FAIL "$client" "no test certificates (the Python venv did not install)"; done
            return
        fi
        rm -rf "$tls"
        if ! "$PY_ENV/bin/python" "$SRC/make_cert.py" "$tls" >"$RUN_DIR/make_cert.log" 2>&1; then
            for client in $CLIENTS; do record FAIL "$client" "make_cert.py failed"; done
            show_log "$RUN_DIR/make_cert.log" 20
            return
        fi
        export SSL_CERT_FILE="$tls/ca.pem" NODE_EXTRA_CA_CERTS="$tls/ca.pem"
        scheme=https tls_args=(--tls-cert "$tls/cert.pem" --tls-key "$tls/key.pem")
    fi
    if ! start_server "$@" ${tls_args[@]+"${tls_args[@]}"}; then
        local client
        for client in $CLIENTS; do record FAIL "$client" "$START_ERR ($*)"; done
        show_log "$SERVER_LOG" 30
        return
    fi
    local base="$scheme://127.0.0.1:$PORT" client kind
    [[ $VERBOSE -eq 1 ]] && echo "server: $* --http 127.0.0.1:$PORT (pid $SERVER_PID, log $SERVER_LOG)"
    for client in $CLIENTS; do
        case "$client" in
            python-*) kind=python ;;
            ts-v1-*|ts-v2-*) kind=node ;;
        esac
        case " $HTTP_CLIENTS_ALL " in
            *" $client "*) ;;
            *) record FAIL "$client" "unknown client (expected one of: $HTTP_CLIENTS_ALL)"; continue ;;
        esac
        ensure_installed "$client" "$kind" || continue
        if [[ -z "$SERVER_PID" ]] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
            record FAIL "$client" "HTTP server is no longer running (log: $SERVER_LOG)"
            show_log "$SERVER_LOG" 30
            continue
        fi
        local fb=$FAILED
        case "$client" in
            python-http-auto)
                run_client "$client" "$PY_ENV/bin/python" "$SRC/$PY_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} ${ERA_ARGS[@]+"${ERA_ARGS[@]}"} ${PY_EXTRA[@]+"${PY_EXTRA[@]}"} \
                    --url "$base/mcp" ;;
            python-http-legacy)
                run_client "$client" "$PY_ENV/bin/python" "$SRC/$PY_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} --mode legacy --expect-era legacy ${PY_EXTRA[@]+"${PY_EXTRA[@]}"} \
                    --url "$base/mcp" ;;
            ts-v1-http)
                run_client "$client" node "$NODE_DIR/$V1_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} ${V1_EXTRA[@]+"${V1_EXTRA[@]}"} --url "$base/mcp" ;;
            ts-v2-http-auto)
                run_client "$client" node "$NODE_DIR/$V2_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} ${ERA_ARGS[@]+"${ERA_ARGS[@]}"} ${V2_EXTRA[@]+"${V2_EXTRA[@]}"} \
                    --url "$base/mcp" ;;
            ts-v2-http-legacy)
                run_client "$client" node "$NODE_DIR/$V2_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} --mode legacy --expect-era legacy ${V2_EXTRA[@]+"${V2_EXTRA[@]}"} \
                    --url "$base/mcp" ;;
            ts-v1-sse)
                run_client "$client" node "$NODE_DIR/$V1_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} ${V1_EXTRA[@]+"${V1_EXTRA[@]}"} --sse --url "$base/sse" ;;
            ts-v2-sse)
                run_client "$client" node "$NODE_DIR/$V2_SCRIPT" \
                    ${LENIENT[@]+"${LENIENT[@]}"} --mode legacy --expect-era legacy ${V2_EXTRA[@]+"${V2_EXTRA[@]}"} \
                    --sse --url "$base/sse" ;;
        esac
        # On a failure, what the server said about it (its stderr) is part of the evidence.
        if [[ $FAILED -gt $fb && -s "$SERVER_LOG" ]]; then
            echo "    server log ($SERVER_LOG, last lines):"
            show_log "$SERVER_LOG" 15
        fi
    done
    if [[ -n "$SERVER_PID" ]] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "note: the HTTP server exited during the run (log: $SERVER_LOG)"
    fi
    stop_server
}

if [[ $HTTP -eq 1 ]]; then
    run_http "$@"
else
    run_stdio "$@"
fi

echo "interop: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
