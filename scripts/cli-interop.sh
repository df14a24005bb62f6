#!/usr/bin/env bash
# CLI interop tests: run the `mcp-serve` command (list, call, read, prompt) against OFFICIAL MCP
# servers, over stdio, Streamable HTTP and the 2024-11-05 HTTP+SSE transport, in both protocol
# eras, and check the JSON it prints (the actual values, with python3), its exit codes and stderr.
#
#   scripts/cli-interop.sh [--verbose]
#
# Servers (tests/cli/):
#   ts   npm `@modelcontextprotocol/server-everything` 2026.8.31 (TypeScript SDK 1.x; legacy era
#        only: `--protocol auto` must fall back to `initialize`). `stdio`, `streamableHttp`
#        (PORT env, /mcp) and `sse` (PORT env, /sse) modes. Tools echo, get-sum, get-env,
#        trigger-long-running-operation; resources demo://resource/static/document/*.md and the
#        template demo://resource/dynamic/text/{resourceId}; prompts simple-prompt, args-prompt.
#   py   tests/cli/python_server.py on PyPI `mcp` 2.3.0 (MCPServer; both eras: `--protocol auto`
#        must end up modern). `stdio`, `http PORT` (/mcp) and `sse PORT` (/sse) modes.
#
# Cases (one line each, `PASS <suite>:<case>` / `FAIL <suite>:<case> <reason>`), per suite
# `<server>-<transport>-<protocol>`:
#   stdio   auto, legacy (2025-11-25), and an older revision (ts 2025-03-26, py 2024-11-05)
#   http    auto, legacy           (the server started on a free 127.0.0.1 port, URL .../mcp)
#   sse     auto, 2024-11-05       (URL .../sse: the CLI picks the HTTP+SSE transport)
#   proxy   `mcp-serve proxy --http` in front of the stdio ts server, reached with auto
#           (modern: the proxy's front is mcp-serve's engine) and legacy
#   config  py through a temporary .mcp.json (`mcp-serve call NAME ...`, cwd and --config)
# The suites for auto and legacy run every case (list; call with typed key=value, a JSON
# object, a string-typed value, isError -> exit 1, unknown tool -> exit 4, progress; read of a
# resource and a template; prompt; -e env for stdio); the extra revisions run a short set.
#
# First run installs the servers into ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/cli-interop/
# (node-<hash>: `npm ci` of tests/cli/package-lock.json, keyed by it and package.json;
# venv-<hash> keyed by tests/cli/requirements.txt and the Python version); later runs reuse
# them without the network. The mcp-serve binary is built with cargo unless MCP_SERVE_BIN
# names one.
#
# Environment:
#   MCP_SERVE_CACHE            cache root (default $HOME/.cache/mcp-serve)
#   MCP_SERVE_BIN              the mcp-serve binary to test (default: cargo build -p mcp-serve-cli)
#   CLI_INTEROP_TIMEOUT        seconds one CLI run may take (default 60; the CLI gets --timeout 30s)
#   CLI_INTEROP_SERVERS        subset of "ts py" (default both)
#   CLI_INTEROP_TRANSPORTS     subset of "stdio http sse proxy config" (default all)
#   CLI_INTEROP_START_TIMEOUT  seconds an HTTP server may take to listen (default 30)
#
# Output: one line per case, then exactly one line `cli-interop: N passed, M failed`. Exit
# status is non-zero if any case failed. Every process the script starts is ended on exit.
set -euo pipefail

usage() {
    sed -n "2,$(grep -n '^set -euo pipefail' "$0" | cut -d: -f1)p" "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

VERBOSE=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --verbose|-v) VERBOSE=1; shift ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/cli"
CACHE="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/cli-interop"
TIMEOUT="${CLI_INTEROP_TIMEOUT:-60}"
SERVERS="${CLI_INTEROP_SERVERS:-ts py}"
TRANSPORTS="${CLI_INTEROP_TRANSPORTS:-stdio http sse proxy config}"
START_TIMEOUT="${CLI_INTEROP_START_TIMEOUT:-30}"
CLI_TIMEOUT=30s
mkdir -p "$CACHE"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cli-interop.XXXXXX")"

PASSED=0
FAILED=0
SERVER_PIDS=()

# ---- cleanup ----------------------------------------------------------------------------
# HTTP servers run in their own session (setsid), so a server and anything it spawned end
# together when its process group is signalled by the id recorded here.

stop_pid() { # stop_pid PID: TERM its process group, then KILL it if it lingers
    local pid="$1" i
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid
    for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do stop_pid "$pid"; done
    SERVER_PIDS=()
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# ---- reporting --------------------------------------------------------------------------

record() { # record PASS|FAIL NAME [REASON]
    if [[ "$1" == PASS ]]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
    echo "$1 $2${3:+ $3}"
}

show_log() { # show_log FILE [LINES]
    [[ -s "$1" ]] || return 0
    tail -n "${2:-20}" "$1" | sed 's/^/    | /'
}

hash_of() { # hash of the given files' contents; missing files are skipped
    local f
    for f in "$@"; do
        if [[ -f "$f" ]]; then cat "$f"; fi
    done | sha256sum | cut -c1-16
}

prune_old() { # prune_old PREFIX KEEP: drop superseded installs (other keys) of one kind
    local d
    for d in "$CACHE/$1"-*; do
        [[ -d "$d" && "$d" != "$2" && "$d" != *.tmp.* ]] && rm -rf "$d"
    done
    return 0
}

# ---- installs ---------------------------------------------------------------------------
# Each prints nothing on success; on failure a one-line reason and the log's tail.

NODE_DIR=""
install_node() {
    command -v node >/dev/null 2>&1 || { echo "node not found"; return 1; }
    command -v npm >/dev/null 2>&1 || { echo "npm not found"; return 1; }
    NODE_DIR="$CACHE/node-$(hash_of "$SRC/package.json" "$SRC/package-lock.json")"
    [[ -f "$NODE_DIR/.installed" ]] && return 0
    local tmp="$NODE_DIR.tmp.$$" log="$CACHE/install-node.log" cmd=(npm ci)
    [[ -f "$SRC/package-lock.json" ]] || { echo "$SRC/package-lock.json is missing"; return 1; }
    rm -rf "$tmp"
    mkdir -p "$tmp"
    cp "$SRC/package.json" "$SRC/package-lock.json" "$tmp/"
    if (cd "$tmp" && timeout 600 "${cmd[@]}" --no-audit --no-fund --ignore-scripts --loglevel=error) >"$log" 2>&1; then
        rm -rf "$NODE_DIR"
        mv "$tmp" "$NODE_DIR"
        touch "$NODE_DIR/.installed"
        prune_old node "$NODE_DIR"
        return 0
    fi
    rm -rf "$tmp"
    echo "${cmd[*]} failed (log: $log)"
    show_log "$log"
    return 1
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
         timeout 600 "$PY_ENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
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

BIN="${MCP_SERVE_BIN:-}"
build_cli() {
    if [[ -n "$BIN" ]]; then
        [[ -x "$BIN" ]] || { echo "MCP_SERVE_BIN=$BIN is not an executable"; return 1; }
        return 0
    fi
    local log="$WORK/build.log"
    if ! (cd "$ROOT" && cargo build --quiet -p mcp-serve-cli) >"$log" 2>&1; then
        echo "cargo build -p mcp-serve-cli failed"
        show_log "$log" 30
        return 1
    fi
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/mcp-serve"
    [[ "$BIN" == /* ]] || BIN="$ROOT/$BIN"
}

# ---- running one case -------------------------------------------------------------------
# A suite sets TARGET_PRE (a URL, before the command's items) or TARGET_POST (`-- cmd...`,
# after them), and EXTRA (flags such as --protocol). A case is `expect` (exit code and
# checks on the JSON), then `cli NAME SUBCOMMAND ITEMS...`.

TARGET_PRE=()
TARGET_POST=()
EXTRA=()
SUITE=""
EXP_RC=0
EXP_CHECKS=()
EXP_STDERR=""
EXP_CLEAN=0
CLI_CWD=""

expect() { # expect RC [PYTHON-EXPR...]: checks for the next `cli`
    EXP_RC="$1"; shift
    EXP_CHECKS=("$@")
    EXP_STDERR=""
    EXP_CLEAN=0
}
stderr_has() { EXP_STDERR="$1"; }   # the next `cli`'s stderr must contain this text
stderr_clean() { EXP_CLEAN=1; }     # ... and no progress-bar output (\r, escape sequences)

show_cmd() { # the command line `cli` ran, quoted for pasting
    local where=""
    [[ -z "$CLI_CWD" ]] || where="cd $(printf '%q' "$CLI_CWD") && "
    echo "    \$ $where$(printf '%q ' "${argv[@]}")"
}

cli() { # cli CASE SUBCOMMAND ITEMS...
    local name="$SUITE:$1"; shift
    local sub="$1"; shift
    local out="$WORK/out.json" err="$WORK/err.txt" rc=0 reason=""
    local argv=("$BIN" "$sub" ${TARGET_PRE[@]+"${TARGET_PRE[@]}"} "$@" --timeout "$CLI_TIMEOUT"
        ${EXTRA[@]+"${EXTRA[@]}"} ${TARGET_POST[@]+"${TARGET_POST[@]}"})
    if [[ -n "$CLI_CWD" ]]; then
        (cd "$CLI_CWD" && exec timeout --kill-after=5 "$TIMEOUT" "${argv[@]}") >"$out" 2>"$err" </dev/null || rc=$?
    else
        timeout --kill-after=5 "$TIMEOUT" "${argv[@]}" >"$out" 2>"$err" </dev/null || rc=$?
    fi
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        reason="timed out after ${TIMEOUT}s"
    elif [[ $rc -ne $EXP_RC ]]; then
        reason="exit status $rc, expected $EXP_RC: $(grep -m1 -i 'error' "$err" || head -c 300 "$err" | tr '\n' ' ')"
    elif [[ -n "$EXP_STDERR" ]] && ! grep -qF -- "$EXP_STDERR" "$err"; then
        reason="stderr lacks \"$EXP_STDERR\": $(head -c 300 "$err" | tr '\n' ' ')"
    elif [[ $EXP_CLEAN -eq 1 ]] && grep -q $'[\r\x1b]' "$err"; then
        reason="stderr has progress-bar output although it is not a terminal: $(head -c 200 "$err" | od -c | head -3 | tr '\n' ' ')"
    elif [[ ${#EXP_CHECKS[@]} -gt 0 ]]; then
        reason="$(python3 "$SRC/check.py" "$out" "${EXP_CHECKS[@]}" 2>&1)" || true
    fi
    if [[ -z "$reason" ]]; then
        record PASS "$name"
        if [[ $VERBOSE -eq 1 ]]; then
            show_cmd
            show_log "$err" 10
        fi
    else
        record FAIL "$name" "$reason"
        show_cmd
        show_log "$err" 10
    fi
    expect 0
}

# ---- the cases ----------------------------------------------------------------------------

ts_suite() { # ts_suite SUITE ERA full|short
    SUITE="$1"
    local era="$2" depth="$3"
    expect 0 'text(r) == "The sum of 2 and 3 is 5."' "era(r) == '$era'" '"isError" not in r or r["isError"] is False'
    cli call call get-sum a=2 b=3
    expect 0 'r["contents"][0]["uri"] == "demo://resource/dynamic/text/1"' \
        'r["contents"][0]["text"].startswith("Resource 1: This is a plaintext resource")' "era(r) == '$era'"
    cli read-template read demo://resource/dynamic/text/1
    [[ "$depth" == full ]] || return 0
    expect 0 '{"echo", "get-sum", "get-env", "trigger-long-running-operation"} <= set(names(r["tools"]))' \
        '[t for t in r["tools"] if t["name"] == "get-sum"][0]["inputSchema"]["properties"]["a"]["type"] == "number"' \
        '"demo://resource/static/document/features.md" in names(r["resources"], "uri")' \
        '"demo://resource/dynamic/text/{resourceId}" in names(r["resourceTemplates"], "uriTemplate")' \
        '{"simple-prompt", "args-prompt"} <= set(names(r["prompts"]))'
    cli list list
    expect 0 'list(r) == ["tools"]' '"get-sum" in names(r["tools"])'
    cli list-tools list tools
    expect 0 'text(r) == "Echo: 007"'
    cli call-string call echo message=007
    expect 0 'text(r) == "The sum of 1.5 and 2 is 3.5."'
    cli call-json call get-sum '{"a": 1.5, "b": 2}'
    expect 1 'r["isError"] is True' '"number" in text(r)'
    cli call-is-error call get-sum a=x b=3
    expect 4
    stderr_has "has: echo, get-annotated-message"
    cli call-unknown call no-such-tool
    expect 0 '"Steps: 3" in text(r)'
    stderr_clean
    cli call-progress call trigger-long-running-operation duration=0.3 steps=3
    expect 0 '"Everything Server - Features" in r["contents"][0]["text"]' \
        'r["contents"][0]["mimeType"] == "text/markdown"'
    cli read-static read demo://resource/static/document/features.md
    expect 0 'r["messages"][0]["role"] == "user"' \
        'r["messages"][0]["content"]["text"] == "What'"'"'s weather in Paris, TX?"' "era(r) == '$era'"
    cli prompt prompt args-prompt city=Paris state=TX
    expect 0 'r["messages"][0]["content"]["type"] == "text"' 'len(r["messages"][0]["content"]["text"]) > 0'
    cli prompt-no-args prompt simple-prompt
    if [[ ${#TARGET_POST[@]} -gt 0 ]]; then
        expect 0 '__import__("json").loads(text(r))["CLI_INTEROP_MARK"] == "from -e"'
        cli env call get-env -e "CLI_INTEROP_MARK=from -e"
    fi
}

py_suite() { # py_suite SUITE ERA full|short
    SUITE="$1"
    local era="$2" depth="$3"
    expect 0 'text(r) == "5.5"' 'r["structuredContent"]["result"] == 5.5' "era(r) == '$era'" 'r["isError"] is False'
    cli call call add a=2 b=3.5
    expect 0 'r["contents"] == [{"uri": "greeting://Ada", "mimeType": "text/plain", "text": "Hello, Ada!"}]' "era(r) == '$era'"
    cli read-template read greeting://Ada
    [[ "$depth" == full ]] || return 0
    expect 0 'sorted(names(r["tools"])) == ["add", "echo", "env", "fail", "steps"]' \
        '[t for t in r["tools"] if t["name"] == "add"][0]["inputSchema"]["properties"]["b"]["type"] == "number"' \
        'names(r["resources"], "uri") == ["info://server"]' \
        'names(r["resourceTemplates"], "uriTemplate") == ["greeting://{name}"]' \
        'names(r["prompts"]) == ["review"]' \
        '{a["name"]: a.get("required", False) for a in r["prompts"][0]["arguments"]} == {"code": True, "language": False}'
    cli list list
    expect 0 'list(r) == ["prompts"]' 'names(r["prompts"]) == ["review"]'
    cli list-prompts list prompts
    expect 0 'text(r) == "echo: 007"'
    cli call-string call echo text=007
    expect 0 'r["structuredContent"]["result"] == 3'
    cli call-json call add '{"a": 1, "b": 2}'
    expect 1 'r["isError"] is True' '"boom" in text(r)'
    cli call-is-error call fail reason=boom
    expect 4
    stderr_has "has: add, echo, env, fail, steps"
    cli call-unknown call no-such-tool
    expect 0 'text(r) == "did 3 steps"'
    stderr_clean
    cli call-progress call steps n=3
    expect 0 'r["contents"][0]["text"] == "python-cli-interop"' 'r["contents"][0]["uri"] == "info://server"'
    cli read read info://server
    expect 0 'r["messages"] == [{"role": "user", "content": {"type": "text", "text": "Review this rust code:\nfn main() {}"}}]' \
        "era(r) == '$era'"
    cli prompt prompt review 'code=fn main() {}' language=rust
    if [[ ${#TARGET_POST[@]} -gt 0 ]]; then
        expect 0 'text(r) == "from -e"'
        cli env call env name=CLI_INTEROP_MARK -e "CLI_INTEROP_MARK=from -e"
    fi
}

# ---- servers ------------------------------------------------------------------------------

TS_CMD=()
PY_CMD=()

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

PORT=""
START_ERR=""
LAST_PID=""
start_http() { # start_http LOG CMD... (the word @PORT@ in CMD becomes the port; PORT is set in its environment too)
    local log="$1"; shift
    local attempt deadline pid a cmd
    for attempt in 1 2 3; do
        PORT="$(free_port)"
        port_open "$PORT" && continue
        cmd=()
        for a in "$@"; do cmd+=("${a//@PORT@/$PORT}"); done
        setsid env PORT="$PORT" "${cmd[@]}" >"$log" 2>&1 </dev/null &
        pid=$!
        SERVER_PIDS+=("$pid")
        LAST_PID="$pid"
        deadline=$((SECONDS + START_TIMEOUT))
        while ((SECONDS < deadline)); do
            kill -0 "$pid" 2>/dev/null || break
            port_open "$PORT" && return 0
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            START_ERR="did not listen on 127.0.0.1:$PORT within ${START_TIMEOUT}s"
            return 1
        fi
        START_ERR="exited before listening on 127.0.0.1:$PORT"
        grep -qi 'in use' "$log" || return 1
    done
    return 1
}

http_suites() { # http_suites SERVER KIND LABEL PATH -- SERVER-CMD...: start, run the suites, stop
    local server="$1" kind="$2" path="$3"; shift 4
    local log="$WORK/$server-$kind-server.log"
    if ! start_http "$log" "$@"; then
        record FAIL "$server-$kind:start" "$START_ERR: $*"
        show_log "$log"
        return 0
    fi
    local pid="$LAST_PID" url="http://127.0.0.1:$PORT$path" before=$FAILED
    TARGET_PRE=("$url")
    TARGET_POST=()
    case "$server-$kind" in
        ts-http)
            EXTRA=(--protocol auto); ts_suite ts-http-auto legacy full
            EXTRA=(--protocol legacy); ts_suite ts-http-legacy legacy full ;;
        ts-sse)
            EXTRA=(--protocol auto); ts_suite ts-sse-auto legacy full
            EXTRA=(--protocol 2024-11-05); ts_suite ts-sse-2024-11-05 legacy short ;;
        ts-proxy)
            EXTRA=(--protocol auto); ts_suite ts-proxy-auto modern full
            EXTRA=(--protocol legacy); ts_suite ts-proxy-legacy legacy short ;;
        py-http)
            EXTRA=(--protocol auto); py_suite py-http-auto modern full
            EXTRA=(--protocol legacy); py_suite py-http-legacy legacy full ;;
        py-sse)
            EXTRA=(--protocol auto); py_suite py-sse-auto legacy full
            EXTRA=(--protocol 2024-11-05); py_suite py-sse-2024-11-05 legacy short ;;
    esac
    if [[ $FAILED -gt $before ]]; then
        echo "    server log ($*):"
        show_log "$log" 15
    fi
    stop_pid "$pid"
}

wants() { [[ " $2 " == *" $1 "* ]]; }

run_ts() {
    if ! install_node >"$WORK/install.err" 2>&1; then
        record FAIL "ts:install" "$(head -n1 "$WORK/install.err")"
        tail -n +2 "$WORK/install.err"
        return 0
    fi
    local js="$NODE_DIR/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
    TS_CMD=(node "$js")
    if wants stdio "$TRANSPORTS"; then
        TARGET_PRE=()
        TARGET_POST=(-- "${TS_CMD[@]}" stdio)
        EXTRA=(--protocol auto); ts_suite ts-stdio-auto legacy full
        EXTRA=(--protocol legacy); ts_suite ts-stdio-legacy legacy full
        EXTRA=(--protocol 2025-03-26); ts_suite ts-stdio-2025-03-26 legacy short
    fi
    if wants http "$TRANSPORTS"; then http_suites ts http /mcp -- "${TS_CMD[@]}" streamableHttp; fi
    if wants sse "$TRANSPORTS"; then http_suites ts sse /sse -- "${TS_CMD[@]}" sse; fi
    if wants proxy "$TRANSPORTS"; then
        http_suites ts proxy /mcp -- "$BIN" proxy --http "127.0.0.1:@PORT@" -- "${TS_CMD[@]}" stdio
    fi
}

run_py() {
    if ! install_python >"$WORK/install.err" 2>&1; then
        record FAIL "py:install" "$(head -n1 "$WORK/install.err")"
        tail -n +2 "$WORK/install.err"
        return 0
    fi
    PY_CMD=("$PY_ENV/bin/python" "$SRC/python_server.py")
    if wants stdio "$TRANSPORTS"; then
        TARGET_PRE=()
        TARGET_POST=(-- "${PY_CMD[@]}" stdio)
        EXTRA=(--protocol auto); py_suite py-stdio-auto modern full
        EXTRA=(--protocol legacy); py_suite py-stdio-legacy legacy full
        EXTRA=(--protocol 2024-11-05); py_suite py-stdio-2024-11-05 legacy short
    fi
    if wants http "$TRANSPORTS"; then http_suites py http /mcp -- "${PY_CMD[@]}" http @PORT@; fi
    if wants sse "$TRANSPORTS"; then http_suites py sse /sse -- "${PY_CMD[@]}" sse @PORT@; fi
    if wants config "$TRANSPORTS"; then run_config; fi
}

run_config() { # named targets from an MCP config file: looked up in the cwd, or --config FILE
    local dir="$WORK/config"
    mkdir -p "$dir/sub"
    python3 -c 'import json, sys; print(json.dumps({"mcpServers": {"pycalc": {
        "command": sys.argv[1], "args": sys.argv[2:] + ["stdio"],
        "env": {"CLI_INTEROP_MARK": "from the config"}}}}, indent=2))' "${PY_CMD[@]}" >"$dir/.mcp.json"
    cp "$dir/.mcp.json" "$dir/sub/servers.json"
    SUITE=py-config
    TARGET_PRE=(pycalc)
    TARGET_POST=()
    EXTRA=()
    CLI_CWD="$dir"
    expect 0 'text(r) == "5.5"' 'era(r) == "modern"'
    cli call-by-name call add a=2 b=3.5
    expect 0 'text(r) == "from the config"'
    cli env-from-config call env name=CLI_INTEROP_MARK
    expect 0 'text(r) == "from -e"'
    cli env-flag-wins call env name=CLI_INTEROP_MARK -e "CLI_INTEROP_MARK=from -e"
    CLI_CWD="$dir/sub" # no .mcp.json here
    EXTRA=(--config "$dir/sub/servers.json")
    expect 0 'r["contents"][0]["text"] == "Hello, Ada!"'
    cli read-with-config read greeting://Ada
    TARGET_PRE=(nosuchserver)
    expect 2
    stderr_has "no server named \`nosuchserver\`"
    cli unknown-name call add a=1 b=2
    CLI_CWD=""
    EXTRA=()
}

# ---- main ---------------------------------------------------------------------------------

if ! build_cli >"$WORK/build.err" 2>&1; then
    record FAIL "build" "$(head -n1 "$WORK/build.err")"
    tail -n +2 "$WORK/build.err"
    echo "cli-interop: $PASSED passed, $FAILED failed"
    exit 1
fi
[[ $VERBOSE -eq 1 ]] && echo "mcp-serve: $BIN"
for server in $SERVERS; do
    case "$server" in
        ts) run_ts ;;
        py) run_py ;;
        *) record FAIL "$server" "unknown server (expected ts or py)" ;;
    esac
done

echo "cli-interop: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
