#!/usr/bin/env bash
# Several replicas behind a real load balancer: three replicas of examples/interactive on
# 127.0.0.1, and HAProxy in front of them in round-robin with no stickiness
# (tests/replicas/haproxy.cfg, run as `haproxy -db`; nginx with tests/replicas/nginx.conf in the
# last phase), so consecutive requests reach different replicas (each answer names its replica
# in an X-Replica header).
#
#   scripts/replicas-test.sh
#
# Scenarios, with two stdlib-only Python clients (tests/replicas/mrtr_across.py for a modern
# call, legacy_session.py for a legacy session) and the official Python SDK client
# (official_mrtr.py, from the venv scripts/interop.sh installs, installed here when missing):
#   - shared key: every replica has the same MCP_SERVE_REQUEST_STATE_KEY; a modern-era
#     (2026-07-28) call answered `input_required` on one replica is retried, with the answer and
#     the requestState, on another, and finishes; the official client's `book_trip` (a form,
#     sampling and roots: three retries) is booked across replicas;
#   - rotation: replicas in the middle of a key rotation ("OLD,NEW" on one, "NEW,OLD" on the
#     others) finish each other's retries, in every direction;
#   - per-process keys (no MCP_SERVE_REQUEST_STATE_KEY) and different keys per replica: the same
#     retry is refused with "integrity check failed", and the client reports the failure (this
#     shows the harness catches a replica that cannot resume another's request);
#   - a legacy session in plain round-robin is lost at its next message (404): what shared
#     session stores are for;
#   - tests/replicas/haproxy-sticky.cfg, the alternative without them: a legacy session stays on
#     the replica that created it (Mcp-Session-Id in a stick table) while modern calls still
#     spread; `kill -9` of that replica loses the session (404 from another replica) and a new
#     session serves on;
#   - shared stores on Redis (MCP_SERVE_REDIS_URL; each block below with a redis-server of its
#     own, start_redis/stop_redis): a legacy session served by every replica and outliving its
#     first one; legacy server->client answers routed on the bus (official_legacy.py); tasks
#     polled on any replica and a dead owner detected (shared_tasks.py); a resumable stream
#     resumed elsewhere after kill -9 and SIGTERM (events_resume.py);
#   - a Redis restart in the middle of a run: /readyz, clear errors while it is down, recovery
#     after, and a listener hearing changes again (listen_across.py);
#   - nginx (tests/replicas/nginx.conf) in place of HAProxy: MRTR retries, a legacy session over
#     the three replicas (checked in nginx's access log too) and a kill -9 resume through it;
#   - Redis over TLS with a password, both from a rediss:// URL (the CA trusted through
#     SSL_CERT_FILE): a legacy session over the three replicas; a wrong password and an untrusted
#     certificate keep a replica unready with the reason in /readyz.
# Each phase starts its replicas and load balancer, and stops them by process id (also on exit).
#
# Installs what it needs when missing, with Debian's apt-get (as root, as CI runs): haproxy,
# nginx, redis-server and openssl, with their services kept from starting. The apt log goes to
# ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/replicas/, with the replicas' and load balancers'
# logs (nginx's under nginx/).
#
# Environment:
#   REPLICAS_START_TIMEOUT   seconds to wait for a replica, load balancer or redis-server to
#                            listen, or for the replicas' /readyz to change (default 30)
#   REPLICAS_STEP_TIMEOUT    seconds a client run may take (default 60)
#
# The last line is `replicas: N passed, M failed`; the exit status is non-zero on a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/replicas"
CACHE="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/replicas"
START_TIMEOUT="${REPLICAS_START_TIMEOUT:-30}"
STEP_TIMEOUT="${REPLICAS_STEP_TIMEOUT:-60}"
mkdir -p "$CACHE"
cd "$ROOT"

PASSED=0
FAILED=0
finish() {
    echo "replicas: $PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 ]]
}
pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
die() { fail "$*"; finish || true; exit 1; }

# ---- installs ------------------------------------------------------------------------------
apt_install() { # apt_install PKG...: installs the missing ones
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v apt-get >/dev/null 2>&1 || { echo "apt-get not found to install ${missing[*]}"; return 1; }
    echo "[replicas] installing ${missing[*]} with apt-get (log: $CACHE/apt.log)"
    # The packages' services (redis-server, nginx on port 80) must not start: Debian's
    # policy-rc.d, which containers have, forbids it; made for the install where missing.
    local policy=/usr/sbin/policy-rc.d made="" st=0
    if [[ ! -e "$policy" ]] && printf '#!/bin/sh\nexit 101\n' >"$policy" 2>/dev/null; then
        chmod +x "$policy"
        made=1
    fi
    # Waits for a dpkg lock another install holds instead of failing at once.
    { timeout 300 apt-get -o DPkg::Lock::Timeout=120 update -qq &&
      DEBIAN_FRONTEND=noninteractive timeout 600 apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
          "${missing[@]}"; } >"$CACHE/apt.log" 2>&1 || st=$?
    [[ -z "$made" ]] || rm -f "$policy"
    if [[ $st -ne 0 ]]; then
        tail -n 20 "$CACHE/apt.log" | sed 's/^/    | /'
        return 1
    fi
}
command -v python3 >/dev/null 2>&1 || die "python3 not found"
command -v curl >/dev/null 2>&1 || apt_install curl || die "cannot install curl"
command -v openssl >/dev/null 2>&1 || apt_install openssl || die "cannot install openssl"
apt_install haproxy redis-server || die "cannot install haproxy and redis-server (apt-get needs root)"
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"
[[ -x "$HAPROXY" ]] || die "haproxy is not on PATH after installing it"
apt_install nginx || die "cannot install nginx (apt-get needs root)"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$NGINX" ]] || die "nginx is not on PATH after installing it"

# The official Python SDK client, in the venv scripts/interop.sh keeps (same key, same place).
PY_ENV=""
install_python() {
    local src="$ROOT/tests/interop" dir key log
    dir="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/interop"
    key="$( { cat "$src/requirements.txt"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
    PY_ENV="$dir/venv-$key"
    [[ -f "$PY_ENV/.installed" ]] && return 0
    mkdir -p "$dir"
    log="$CACHE/install-python.log"
    rm -rf "$PY_ENV"
    if { python3 -m venv "$PY_ENV" &&
         "$PY_ENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
             -r "$src/requirements.txt"; } >"$log" 2>&1; then
        touch "$PY_ENV/.installed"
        return 0
    fi
    rm -rf "$PY_ENV"
    tail -n 20 "$log" | sed 's/^/    | /'
    PY_ENV=""
    return 1
}
install_python || fail "pip install of the official Python client failed (log: $CACHE/install-python.log)"

echo "[replicas] $("$HAPROXY" -v | head -1); $("$NGINX" -v 2>&1)"
echo "[replicas] cargo build --example interactive (all features: the Redis stores too)"
# All features, as `cargo test --workspace --all-features` built it: nothing to rebuild in CI.
cargo build --quiet -p mcp-serve --all-features --example interactive
SERVER="$ROOT/target/debug/examples/interactive"

# ---- processes -----------------------------------------------------------------------------
PIDS=()
# stop_all: SIGTERM to every process this script started, then SIGKILL to those still there
# after 10 s (a replica drains its streams first).
stop_all() {
    local pid deadline=$((SECONDS + 10))
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
new_key() { head -c 32 /dev/urandom | base64; }

# wait_ready PID URL LOG NAME: waits until URL answers 200, bounded by START_TIMEOUT.
wait_ready() {
    local deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        kill -0 "$1" 2>/dev/null || break
        if curl -fsS -o /dev/null --max-time 2 "$2" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    tail -n 30 "$3" | sed 's/^/    | /'
    echo "$4 did not answer $2 within ${START_TIMEOUT}s"
    return 1
}

# start_redis NAME LOG [PORT]: a redis-server of its own on 127.0.0.1 (on PORT, else a free
# port), with nothing saved to disk, logging to $CACHE/LOG; sets ${NAME}_PORT and ${NAME}_PID and
# waits, bounded by START_TIMEOUT, until it answers PING. stop_redis NAME stops it by process id.
REDIS_PIDS=()
start_redis() {
    local name="$1" log="$2" port="${3:-}" pid deadline=$((SECONDS + START_TIMEOUT))
    [[ -n "$port" ]] || { port="$(free_port)"; : >"$CACHE/$log"; }
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no </dev/null >>"$CACHE/$log" 2>&1 &
    pid=$!
    REDIS_PIDS+=("$pid")
    printf -v "${name}_PORT" '%s' "$port"
    printf -v "${name}_PID" '%s' "$pid"
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || break
        if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then return 0; fi
        sleep 0.1
    done
    tail -n 20 "$CACHE/$log" | sed 's/^/    | /'
    echo "redis-server ($name) did not answer on port $port within ${START_TIMEOUT}s"
    return 1
}
stop_redis() {
    local var="${1}_PID" pid deadline=$((SECONDS + 10)) kept=() p
    pid="${!var:-}"
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${REDIS_PIDS[@]}"; do [[ "$p" == "$pid" ]] || kept+=("$p"); done
    REDIS_PIDS=("${kept[@]}")
}
# On exit: the replicas and load balancers, then every redis-server still running.
cleanup() {
    local pid
    stop_all
    for pid in "${REDIS_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${REDIS_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# start CFG KEY1 KEY2 KEY3: three replicas, replica i with MCP_SERVE_REQUEST_STATE_KEY=KEYi
# (unset when "-") and its process id in REPLICA_PID[i], and in front of them at $LB HAProxy
# with tests/replicas/CFG, or nginx when CFG is nginx.conf; $LB_LOG is the load balancer's log
# of requests, one line per request naming the replica.
REPLICA_PID=()
start() {
    local cfg="$1" i key port pid
    shift
    for i in 1 2 3; do
        key="${!i}"
        port="$(free_port)"
        export "MCP_REPLICA_$i=127.0.0.1:$port"
        (
            if [[ "$key" == "-" ]]; then unset MCP_SERVE_REQUEST_STATE_KEY; else export MCP_SERVE_REQUEST_STATE_KEY="$key"; fi
            exec "$SERVER" --http "127.0.0.1:$port" </dev/null >"$CACHE/replica$i.log" 2>&1
        ) &
        pid=$!
        PIDS+=("$pid")
        REPLICA_PID[i]=$pid
        wait_ready "$pid" "http://127.0.0.1:$port/readyz" "$CACHE/replica$i.log" "replica $i" || return 1
    done
    port="$(free_port)"
    export MCP_LB_ADDR="127.0.0.1:$port"
    LB="http://127.0.0.1:$port/mcp"
    if [[ "$cfg" == nginx.conf ]]; then
        start_nginx || return 1
        return 0
    fi
    LB_LOG="$CACHE/haproxy.log"
    "$HAPROXY" -db -f "$SRC/$cfg" </dev/null >"$LB_LOG" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    # HAProxy has no probe of its own: a replica's /readyz through it says it forwards.
    wait_ready "$pid" "http://127.0.0.1:$port/readyz" "$LB_LOG" "HAProxy" || return 1
}

# start_nginx: nginx in the foreground with tests/replicas/nginx.conf, the addresses written in
# place of its ${...} placeholders, everything it writes (pid, logs, temporary files) under
# $CACHE/nginx, so it runs as root without touching /etc, /var or /run.
start_nginx() {
    local dir="$CACHE/nginx" pid global="daemon off;"
    rm -rf "$dir"
    mkdir -p "$dir/temp"
    sed -e "s|\${MCP_LB_ADDR}|$MCP_LB_ADDR|g" -e "s|\${MCP_REPLICA_1}|$MCP_REPLICA_1|g" \
        -e "s|\${MCP_REPLICA_2}|$MCP_REPLICA_2|g" -e "s|\${MCP_REPLICA_3}|$MCP_REPLICA_3|g" \
        "$SRC/nginx.conf" >"$dir/nginx.conf"
    # As root, nginx's workers would run as `nobody`, who cannot reach $HOME/.cache.
    [[ $(id -u) -ne 0 ]] || global="$global user root;"
    LB_LOG="$dir/access.log"
    : >"$LB_LOG"
    "$NGINX" -p "$dir/" -e stderr -c "$dir/nginx.conf" -g "$global" </dev/null >"$CACHE/nginx.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_ready "$pid" "http://$MCP_LB_ADDR/readyz" "$CACHE/nginx.log" "nginx" || return 1
}

# lb_spread FROM: how many replicas the POST /mcp lines of $LB_LOG after its first FROM lines
# name.
lb_spread() {
    tail -n +"$(($1 + 1))" "$LB_LOG" | grep '"POST /mcp' | grep -oE '(replicas/| )r[0-9]( |$)' \
        | tr -d ' ' | sed 's|^replicas/||' | sort -u | wc -l
}

# across NAME EXPECT: runs mrtr_across.py against $LB; EXPECT is `ok`, or `refused` when the
# client must fail because the retry was refused with "integrity check failed".
across() {
    local name="$1" expect="$2" out st
    out="$(mktemp)"
    set +e
    timeout "$STEP_TIMEOUT" python3 "$SRC/mrtr_across.py" "$LB" >"$out" 2>&1
    st=$?
    set -e
    sed 's/^/    | /' "$out"
    case "$expect" in
        ok) if [[ $st -eq 0 ]]; then pass "$name"; else fail "$name (client exit $st)"; fi ;;
        refused)
            if [[ $st -ne 0 ]] && grep -q 'FAIL the retry was refused: -32602 .*integrity check failed' "$out"; then
                pass "$name"
            else
                fail "$name: the retry was not refused as expected (client exit $st)"
            fi ;;
    esac
    rm -f "$out"
}

# official NAME EXPECT: the official Python client books a trip through $LB (three multi
# round-trip retries, which round-robin spreads); EXPECT is `ok` (booked, and HAProxy's log shows
# the calls reached at least two replicas) or `refused` (a retry refused: integrity check).
official() {
    local name="$1" expect="$2" out st before spread
    [[ -n "$PY_ENV" ]] || { fail "$name: no official Python client"; return; }
    before=$(wc -l <"$LB_LOG")
    out="$(mktemp)"
    set +e
    timeout "$STEP_TIMEOUT" "$PY_ENV/bin/python" "$SRC/official_mrtr.py" "$LB" >"$out" 2>&1
    st=$?
    set -e
    sed 's/^/    | /' "$out"
    spread=$(lb_spread "$before")
    echo "    | POST /mcp reached $spread replicas"
    case "$expect" in
        ok) if [[ $st -eq 0 && $spread -ge 2 ]] && grep -q '^PASS ' "$out"; then pass "$name"
            else fail "$name (client exit $st, $spread replicas)"; fi ;;
        refused)
            if [[ $st -ne 0 ]] && grep -q '^REFUSED -32602 .*integrity check failed' "$out"; then pass "$name"
            else fail "$name: the retry was not refused as expected (client exit $st)"; fi ;;
    esac
    rm -f "$out"
}

# legacy NAME ARGS...: runs legacy_session.py $LB ARGS..., its output in $OUT and its status in
# $ST.
legacy() {
    set +e
    OUT="$(timeout "$STEP_TIMEOUT" python3 "$SRC/legacy_session.py" "$LB" "$@" 2>&1)"
    ST=$?
    set -e
    sed 's/^/    | /' <<<"$OUT"
}

# phase NAME CFG KEY1 KEY2 KEY3: starts the replicas and HAProxy for the checks that follow
# (false when they did not start, counted as a failure).
phase() {
    echo "[replicas] $1"
    stop_all
    start "$2" "$3" "$4" "$5" || { fail "$1: could not start the replicas and HAProxy"; stop_all; return 1; }
}

OLD="$(new_key)"
NEW="$(new_key)"

if phase "round-robin, one shared key" haproxy.cfg "$OLD" "$OLD" "$OLD"; then
    for n in 1 2 3; do across "shared key: an MRTR retry finishes on another replica (run $n)" ok; done
    official "shared key: the official Python client's elicitation, sampling and roots retries cross replicas" ok
    # What the shared stores are for: a legacy session lives in one replica's memory, so its
    # very next message (notifications/initialized) reaches a replica that does not know it.
    legacy init
    if [[ $ST -ne 0 ]] && grep -q '^SESSION ' <<<"$OUT" && grep -q '^LOST 404 .*unknown or expired session' <<<"$OUT"; then
        pass "round-robin without stickiness: a legacy session is unknown on the next replica (404)"
    else
        fail "round-robin without stickiness: expected the legacy session to be lost on another replica"
    fi
fi

# Mid-rotation: one replica still signs with OLD (verifying NEW), the others sign with NEW
# (verifying OLD); in round-robin, three runs make the three hops between them (r2->r3,
# r1->r2, r3->r1: the readiness check through HAProxy took r1), so a state signed with each key
# is verified by a replica signing with the other.
if phase "round-robin, a key rotation under way" haproxy.cfg "$OLD,$NEW" "$NEW,$OLD" "$NEW,$OLD"; then
    for n in 1 2 3; do
        across "rotation: replicas signing with the old and the new key finish each other's retries (run $n)" ok
    done
fi

if phase "round-robin, per-process keys (MCP_SERVE_REQUEST_STATE_KEY unset)" haproxy.cfg - - -; then
    across "per-process keys: the retry on another replica is refused, and the client says so" refused
    official "per-process keys: the official Python client's retry is refused too" refused
fi

if phase "round-robin, a different key per replica" haproxy.cfg "$(new_key)" "$(new_key)" "$(new_key)"; then
    across "a different key per replica: the retry on another replica is refused, and the client says so" refused
fi

# The no-shared-store alternative for legacy sessions, and its failure mode.
if phase "sticky legacy sessions (Mcp-Session-Id), one shared key" haproxy-sticky.cfg "$OLD" "$OLD" "$OLD"; then
    across "sticky config: a modern MRTR retry still finishes on another replica" ok
    legacy init
    session="$(awk '/^SESSION/ {print $2}' <<<"$OUT")"
    home="$(awk '/^SESSION/ {print $3}' <<<"$OUT")"
    if [[ $ST -eq 0 ]]; then
        legacy use "$session" 6
        if [[ $ST -eq 0 ]] && [[ "$(grep '^OK' <<<"$OUT")" == "OK $home $home $home $home $home $home" ]]; then
            pass "sticky: a legacy session's requests all reach the replica that created it ($home)"
        else
            fail "sticky: the legacy session's requests did not all reach $home"
        fi
        # Its replica dies: the session is gone, and the client is told to start a new one.
        kill -KILL "${REPLICA_PID[${home#r}]}" 2>/dev/null || true
        wait "${REPLICA_PID[${home#r}]}" 2>/dev/null || true
        legacy use "$session" 1
        if [[ $ST -ne 0 ]] && grep -q '^LOST 404 .*unknown or expired session' <<<"$OUT" \
            && ! grep -q "^LOST 404 $home" <<<"$OUT"; then
            pass "sticky, its replica killed: the session is unknown elsewhere (404, start a new one)"
        else
            fail "sticky, its replica killed: expected a 404 from another replica"
        fi
        legacy init
        again="$(awk '/^SESSION/ {print $3}' <<<"$OUT")"
        if [[ $ST -eq 0 && -n "$again" && "$again" != "$home" ]]; then
            legacy use "$(awk '/^SESSION/ {print $2}' <<<"$OUT")" 3
            if [[ $ST -eq 0 ]]; then
                pass "sticky, its replica killed: a new session on $again serves on"
            else
                fail "sticky: the new session on $again did not serve"
            fi
        else
            fail "sticky: no new session on a live replica after $home was killed"
        fi
    else
        fail "sticky: the legacy session did not start"
    fi
fi

# Shared stores: the replicas keep legacy sessions in Redis (MCP_SERVE_REDIS_URL), so plain
# round-robin serves them, and a session outlives the replica that started it.
start_redis REDIS redis.log || fail "Redis: redis-server did not start"
export MCP_SERVE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/"
if phase "round-robin, legacy sessions in Redis (MCP_SERVE_REDIS_URL), one shared key" haproxy.cfg "$OLD" "$OLD" "$OLD"; then
    legacy init
    session="$(awk '/^SESSION/ {print $2}' <<<"$OUT")"
    home="$(awk '/^SESSION/ {print $3}' <<<"$OUT")"
    if [[ $ST -eq 0 ]]; then
        pass "Redis: a legacy session's notifications/initialized is accepted by another replica"
        legacy use "$session" 6
        served="$(grep '^OK' <<<"$OUT" | tr ' ' '\n' | grep '^r' | sort -u | wc -l)"
        if [[ $ST -eq 0 && $served -ge 2 ]]; then
            pass "Redis: one legacy session served by $served replicas in turn"
        else
            fail "Redis: the legacy session was not served by several replicas"
        fi
        # Its replica dies: the session lives on in Redis, and the others serve it.
        kill -KILL "${REPLICA_PID[${home#r}]}" 2>/dev/null || true
        wait "${REPLICA_PID[${home#r}]}" 2>/dev/null || true
        # HAProxy takes the dead replica out after two failed checks, 1 s apart.
        sleep 3
        legacy use "$session" 4
        if [[ $ST -eq 0 ]] && ! grep -q "^OK.*$home" <<<"$OUT"; then
            pass "Redis, its first replica killed: the session is served on by the others"
        else
            fail "Redis, its first replica killed: the session was not served on"
        fi
    else
        fail "Redis: the legacy session did not survive its first hop to another replica"
    fi
fi
unset MCP_SERVE_REDIS_URL
stop_all
stop_redis REDIS

# ---- bus routing (issue 16): a legacy session's server->client requests across replicas -------
# Self-contained: its own redis-server, replicas with MCP_SERVE_REDIS_URL (sessions in Redis, the
# cluster bus on pub/sub), and the official Python client in a legacy session calling
# `book_trip` (tests/replicas/official_legacy.py). The call runs on one replica; round-robin
# sends the client's three answers (form, sampling, roots) on to the next replicas, which forward
# them on the bus. The replicas log the routing (RUST_LOG), so the check sees answers taken on
# the replica that asked after another one received them.
if [[ -n "$PY_ENV" ]]; then
    start_redis BUS_REDIS bus-redis.log || fail "bus: redis-server did not start"
    export MCP_SERVE_REDIS_URL="redis://127.0.0.1:$BUS_REDIS_PORT/"
    export RUST_LOG="warn,mcp_serve::engine::routes=debug"
    if phase "round-robin, legacy server->client requests routed on the Redis bus" haproxy.cfg "$OLD" "$OLD" "$OLD"; then
        out="$(mktemp)"
        set +e
        timeout "$STEP_TIMEOUT" "$PY_ENV/bin/python" "$SRC/official_legacy.py" "$LB" >"$out" 2>&1
        st=$?
        set -e
        sed 's/^/    | /' "$out"
        taken=$(cat "$CACHE"/replica[123].log | grep -c 'took an answer another replica received' || true)
        echo "    | answers taken after another replica received them: $taken"
        if [[ $st -eq 0 ]] && grep -q '^PASS ' "$out" && [[ $taken -ge 1 ]]; then
            pass "bus: the official Python client's legacy elicitation, sampling and roots answers reach the replica that asked"
        else
            fail "bus: legacy answers across replicas (client exit $st, $taken forwarded answers taken)"
        fi
        rm -f "$out"
    fi
    stop_all
    stop_redis BUS_REDIS
    unset MCP_SERVE_REDIS_URL RUST_LOG
else
    fail "bus: no official Python client"
fi
# ---- end of bus routing --------------------------------------------------------------------

# ---- shared tasks (issue 16): tasks in Redis, polled on any replica; a dead owner detected ----
# Self-contained: its own redis-server, replicas with MCP_SERVE_REDIS_URL (which puts tasks of both
# eras in Redis too), and tests/replicas/shared_tasks.py on examples/interactive's slow_task.
start_redis TASKS_REDIS redis-tasks.log || fail "Redis tasks: redis-server did not start"
export MCP_SERVE_REDIS_URL="redis://127.0.0.1:$TASKS_REDIS_PORT/"
# tasks CMD...: runs shared_tasks.py against $LB; output in $OUT, exit status in $ST.
tasks() {
    set +e
    OUT="$(timeout "$STEP_TIMEOUT" python3 "$SRC/shared_tasks.py" "$LB" "$@" 2>&1)"
    ST=$?
    set -e
    sed 's/^/    | /' <<<"$OUT"
}
if phase "round-robin, tasks in Redis (MCP_SERVE_REDIS_URL)" haproxy.cfg "$OLD" "$OLD" "$OLD"; then
    tasks start 2
    task="$(awk '/^CREATED/ {print $2}' <<<"$OUT")"
    if [[ $ST -eq 0 && -n "$task" ]]; then
        tasks wait "$task" completed 30
        polled="$(awk '/^OK/ {for (i = 2; $i != "|"; i++) print $i}' <<<"$OUT" | sort -u | wc -l)"
        if [[ $ST -eq 0 && $polled -ge 2 ]] && grep -q '^OK.*| done after 2 s' <<<"$OUT"; then
            pass "Redis tasks: a task created through HAProxy was polled on $polled replicas to its result"
        else
            fail "Redis tasks: the task was not polled to completion across replicas"
        fi
    else
        fail "Redis tasks: slow_task did not start as a task"
    fi
    # The replica running a task dies: once its lease (10 s) runs out, the others fail the task.
    tasks start 600
    task="$(awk '/^CREATED/ {print $2}' <<<"$OUT")"
    owner="$(awk '/^CREATED/ {print $3}' <<<"$OUT")"
    if [[ $ST -eq 0 && -n "$task" && "$owner" == r[123] ]]; then
        kill -KILL "${REPLICA_PID[${owner#r}]}" 2>/dev/null || true
        wait "${REPLICA_PID[${owner#r}]}" 2>/dev/null || true
        tasks wait "$task" failed 40
        if [[ $ST -eq 0 ]] && grep -q '^OK.*the replica running this task stopped' <<<"$OUT" &&
            ! grep -q "^OK.* $owner " <<<"$OUT"; then
            pass "Redis tasks: kill -9 of the task's replica ($owner) is seen by the others as failed"
        else
            fail "Redis tasks: the task of the killed replica $owner was not failed"
        fi
    else
        fail "Redis tasks: the long slow_task did not start as a task"
    fi
fi
unset MCP_SERVE_REDIS_URL
stop_all
stop_redis TASKS_REDIS
# ---- end of shared tasks -------------------------------------------------------------------

# ---- events: resumable streams on a shared event store (tests/replicas/events_resume.py) ----
# The replicas keep resumable streams in Redis too (MCP_SERVE_REDIS_URL): the replica running a
# legacy call (examples/interactive's long_task, progress every 100 ms) stops mid-stream, and
# the client resumes with Last-Event-ID on another replica.
#   - kill -9: every event the dead replica stored comes once, in order, then the call's
#     JSON-RPC error (-32603) once the dead replica's lease (6 s) has expired;
#   - SIGTERM: the draining replica ends the stream with `retry:`, the client resumes elsewhere
#     and gets the remaining events once each and the result the draining replica still wrote.
# Its own redis-server, stopped by process id at the end of the block.
start_redis EVENTS_REDIS events-redis.log || fail "Redis events: redis-server did not start"
export MCP_SERVE_REDIS_URL="redis://127.0.0.1:$EVENTS_REDIS_PORT/"
# events_resume MODE NAME: runs events_resume.py against $LB with the replicas' process ids.
events_resume() {
    local out st
    out="$(mktemp)"
    set +e
    timeout "$STEP_TIMEOUT" python3 "$SRC/events_resume.py" "$LB" "$1" \
        "${REPLICA_PID[1]}" "${REPLICA_PID[2]}" "${REPLICA_PID[3]}" >"$out" 2>&1
    st=$?
    set -e
    sed 's/^/    | /' "$out"
    if [[ $st -eq 0 ]] && grep -q '^PASS ' "$out"; then pass "$2"; else fail "$2 (client exit $st)"; fi
    rm -f "$out"
}
if phase "events in Redis: kill -9 of the replica running a resumable stream" haproxy.cfg "$OLD" "$OLD" "$OLD"; then
    events_resume kill "Redis events, kill -9 mid-stream: resumed on another replica, nothing lost or repeated, then the owner-died error"
fi
if phase "events in Redis: SIGTERM of the replica running a resumable stream" haproxy.cfg "$OLD" "$OLD" "$OLD"; then
    events_resume term "Redis events, SIGTERM mid-stream: told to retry, resumed elsewhere with the full result"
fi
unset MCP_SERVE_REDIS_URL
stop_all
stop_redis EVENTS_REDIS
# ---- end of events -------------------------------------------------------------------------

# ---- a Redis restart in the middle of a run --------------------------------------------------
# Replicas with MCP_SERVE_REDIS_URL behind HAProxy; a legacy session served by all of them; then
# redis-server is stopped (by process id) and started again on the same port. It keeps nothing on
# disk (--save ''), so what it held is gone, as after a failover to an empty replica. Expected:
#   - while it is down, every replica's /readyz answers 503 naming the session store (HAProxy
#     takes them out); a replica asked for a session it does not hold answers 503 at once with
#     the same reason (no hang, no misleading 404); one that holds the session goes on serving
#     it from its copy;
#   - once it is back, every replica is ready again by itself (the connection reconnects);
#   - the old session is gone from Redis, so every replica answers it 404 "unknown or expired
#     session" (dropping its own copy too), which tells the client to initialize again; a new
#     session is served by the replicas in turn, and a `subscriptions/listen` stream on one
#     replica hears a change made on another (tests/replicas/listen_across.py): the cluster bus
#     subscribed again.
# ready_all STATUS: waits, bounded by START_TIMEOUT, until every replica's /readyz answers
# STATUS; prints what each answered last.
ready_all() {
    local deadline=$((SECONDS + START_TIMEOUT)) i code ok addr
    while :; do
        ok=1
        for i in 1 2 3; do
            addr="MCP_REPLICA_$i"
            code="$(curl -sS -o "$CACHE/readyz$i" -w '%{http_code}' --max-time 5 "http://${!addr}/readyz" 2>/dev/null || true)"
            [[ "$code" == "$1" ]] || ok=0
        done
        if [[ $ok -eq 1 ]] || ((SECONDS >= deadline)); then break; fi
        sleep 0.2
    done
    for i in 1 2 3; do echo "    | r$i /readyz: $(head -c 200 "$CACHE/readyz$i" 2>/dev/null)"; done
    [[ $ok -eq 1 ]]
}
start_redis RESTART_REDIS restart-redis.log || fail "Redis restart: redis-server did not start"
export MCP_SERVE_REDIS_URL="redis://127.0.0.1:$RESTART_REDIS_PORT/"
if phase "round-robin, Redis restarted in the middle of a run" haproxy.cfg "$OLD" "$OLD" "$OLD"; then
    legacy init
    session="$(awk '/^SESSION/ {print $2}' <<<"$OUT")"
    if [[ $ST -eq 0 ]]; then legacy use "$session" 3; fi
    if [[ $ST -eq 0 ]] && [[ "$(grep '^OK' <<<"$OUT" | tr ' ' '\n' | grep '^r' | sort -u | wc -l)" -eq 3 ]]; then
        stop_redis RESTART_REDIS
        if ready_all 503 && grep -q 'session store is unreachable' "$CACHE/readyz1"; then
            pass "Redis down: every replica's /readyz answers 503, naming the session store"
        else
            fail "Redis down: the replicas' /readyz did not all answer 503"
        fi
        # Straight to a replica: HAProxy has taken them all out by now.
        started=$SECONDS
        LB_SAVED="$LB"
        LB="http://$MCP_REPLICA_1/mcp"
        legacy use "no-such-session-$RANDOM" 1
        unknown_out="$OUT" unknown_st=$ST
        legacy use "$session" 1
        LB="$LB_SAVED"
        echo "    | both answered within $((SECONDS - started)) s"
        if [[ $unknown_st -ne 0 ]] && grep -q '^LOST 503 .*session store is unreachable' <<<"$unknown_out" &&
            [[ $ST -eq 0 ]] && ((SECONDS - started <= 10)); then
            pass "Redis down: a session the replica does not hold gets 503 (store unreachable) at once; the one it holds is served from its copy"
        else
            fail "Redis down: expected 503 for an unknown session and the held session served on"
        fi
        start_redis RESTART_REDIS restart-redis.log "$RESTART_REDIS_PORT" || fail "Redis restart: redis-server did not start again"
        if ready_all 200; then
            pass "Redis back: every replica is ready again by itself"
        else
            fail "Redis back: the replicas did not all become ready again within ${START_TIMEOUT}s"
        fi
        # HAProxy takes a replica back after one passed check, 1 s apart.
        sleep 3
        lost=""
        for _ in 1 2 3; do
            legacy use "$session" 1
            lost="$lost $(awk '/^LOST 404 .*unknown or expired session/ {print $3}' <<<"$OUT" | tr -d :)"
        done
        lost="$(tr ' ' '\n' <<<"$lost" | grep '^r' | sort -u | wc -l)"
        if [[ $lost -eq 3 ]]; then
            pass "Redis back, empty: the old session is 404 on every replica (the client initializes again)"
        else
            fail "Redis back, empty: expected 404 for the old session on the three replicas ($lost did)"
        fi
        legacy init
        session="$(awk '/^SESSION/ {print $2}' <<<"$OUT")"
        if [[ $ST -eq 0 ]]; then legacy use "$session" 6; fi
        served="$(grep '^OK' <<<"$OUT" | tr ' ' '\n' | grep '^r' | sort -u | wc -l)"
        if [[ $ST -eq 0 && $served -eq 3 ]]; then
            pass "Redis back: a new legacy session is served by the three replicas in turn"
        else
            fail "Redis back: the new legacy session was not served across the replicas"
        fi
        # The cluster bus: each replica's subscriber connection was cut with Redis.
        set +e
        OUT="$(timeout "$STEP_TIMEOUT" python3 "$SRC/listen_across.py" \
            "http://$MCP_REPLICA_1/mcp" "http://$MCP_REPLICA_2/mcp" 20 2>&1)"
        ST=$?
        set -e
        sed 's/^/    | /' <<<"$OUT"
        if [[ $ST -eq 0 ]] && grep -q '^PASS ' <<<"$OUT"; then
            pass "Redis back: a subscriptions/listen stream on r1 hears a change made on r2 (the bus subscribed again)"
        else
            fail "Redis back: the listener on r1 did not hear the change made on r2 (exit $ST)"
        fi
    else
        fail "Redis restart: the legacy session was not served by the three replicas before the restart"
    fi
fi
unset MCP_SERVE_REDIS_URL
stop_all
stop_redis RESTART_REDIS
# ---- end of the Redis restart --------------------------------------------------------------

# ---- nginx (tests/replicas/nginx.conf): the same round-robin, with sessions in Redis -----------
# nginx in front instead of HAProxy, with the settings SSE needs (no buffering, long reads), its
# access log naming the replica of each request. Its own redis-server.
start_redis NGINX_REDIS nginx-redis.log || fail "nginx: redis-server did not start"
export MCP_SERVE_REDIS_URL="redis://127.0.0.1:$NGINX_REDIS_PORT/"
if phase "nginx in round-robin, sessions and events in Redis, one shared key" nginx.conf "$OLD" "$OLD" "$OLD"; then
    across "nginx: an MRTR retry finishes on another replica" ok
    official "nginx: the official Python client's elicitation, sampling and roots retries cross replicas" ok
    before=$(wc -l <"$LB_LOG")
    legacy init
    session="$(awk '/^SESSION/ {print $2}' <<<"$OUT")"
    if [[ $ST -eq 0 ]]; then
        legacy use "$session" 6
        served="$(grep '^OK' <<<"$OUT" | tr ' ' '\n' | grep '^r' | sort -u | wc -l)"
        spread=$(lb_spread "$before")
        echo "    | nginx's access log: the session's POST /mcp reached $spread replicas"
        if [[ $ST -eq 0 && $served -eq 3 && $spread -eq 3 ]]; then
            pass "nginx: one legacy session served by all three replicas in turn (X-Replica and the access log agree)"
        else
            fail "nginx: the legacy session was not served by the three replicas ($served by X-Replica, $spread in the log)"
        fi
    else
        fail "nginx: the legacy session did not survive its first hop to another replica"
    fi
    # Last: it kills a replica. nginx skips the dead one (connection refused) for the resume.
    events_resume kill "nginx, kill -9 mid-stream: the SSE stream resumed on another replica, nothing lost or repeated"
fi
unset MCP_SERVE_REDIS_URL
stop_all
stop_redis NGINX_REDIS
# ---- end of nginx --------------------------------------------------------------------------

# ---- Redis over TLS with a password, both from the URL -----------------------------------------
# A redis-server that speaks only TLS (a certificate from a CA made here) and wants a password;
# the replicas get both from MCP_SERVE_REDIS_URL (rediss://:PASSWORD@HOST:PORT/) and trust the CA
# through SSL_CERT_FILE, as they would a private CA in production. A wrong password, or a CA the
# replica does not trust, keeps it unready with the reason in /readyz.
tls_dir="$CACHE/redis-tls"
rm -rf "$tls_dir"
mkdir -p "$tls_dir"
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.pem" -days 2 \
        -subj "/CN=mcp-serve test CA" >"$tls_dir/openssl.log" 2>&1 \
    && openssl req -newkey rsa:2048 -nodes -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" \
        -subj "/CN=127.0.0.1" >>"$tls_dir/openssl.log" 2>&1 \
    && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls_dir/ext.cnf" \
    && openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" \
        -CAcreateserial -out "$tls_dir/server.pem" -days 2 -extfile "$tls_dir/ext.cnf" >>"$tls_dir/openssl.log" 2>&1; then
    TLS_PORT="$(free_port)"
    TLS_PASSWORD="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    redis-server --port 0 --tls-port "$TLS_PORT" --bind 127.0.0.1 --tls-cert-file "$tls_dir/server.pem" \
        --tls-key-file "$tls_dir/server.key" --tls-ca-cert-file "$tls_dir/ca.pem" --tls-auth-clients no \
        --requirepass "$TLS_PASSWORD" --save '' --appendonly no </dev/null >"$CACHE/redis-tls.log" 2>&1 &
    TLS_REDIS_PID=$!
    REDIS_PIDS+=("$TLS_REDIS_PID")
    tls_up=0
    for _ in $(seq 1 $((START_TIMEOUT * 10))); do
        if REDISCLI_AUTH="$TLS_PASSWORD" redis-cli --tls --cacert "$tls_dir/ca.pem" -p "$TLS_PORT" ping 2>/dev/null | grep -q PONG; then
            tls_up=1
            break
        fi
        sleep 0.1
    done
    if [[ $tls_up -eq 1 ]]; then
        export SSL_CERT_FILE="$tls_dir/ca.pem"
        export MCP_SERVE_REDIS_URL="rediss://:$TLS_PASSWORD@127.0.0.1:$TLS_PORT/"
        if phase "round-robin, Redis over TLS with a password (rediss:// URL)" haproxy.cfg "$OLD" "$OLD" "$OLD"; then
            pass "TLS Redis: three replicas ready with the password and the CA from the URL and SSL_CERT_FILE"
            legacy init
            session="$(awk '/^SESSION/ {print $2}' <<<"$OUT")"
            if [[ $ST -eq 0 ]]; then legacy use "$session" 6; fi
            served="$(grep '^OK' <<<"$OUT" | tr ' ' '\n' | grep '^r' | sort -u | wc -l)"
            if [[ $ST -eq 0 && $served -eq 3 ]]; then
                pass "TLS Redis: one legacy session served by all three replicas in turn"
            else
                fail "TLS Redis: the legacy session was not served by the three replicas (exit $ST, $served replicas)"
            fi
        fi
        stop_all
        # unready PORT WANT LOG: waits, bounded, for /readyz on PORT to answer 503 with WANT in it.
        unready() {
            local deadline=$((SECONDS + START_TIMEOUT)) body=""
            while ((SECONDS < deadline)); do
                body="$(curl -s --max-time 3 "http://127.0.0.1:$1/readyz" || true)"
                if grep -qi "$2" <<<"$body"; then echo "    | /readyz: $body"; return 0; fi
                sleep 0.2
            done
            echo "    | /readyz said: ${body:-nothing}"
            tail -n 10 "$3" | sed 's/^/    | /'
            return 1
        }
        port="$(free_port)"
        MCP_SERVE_REDIS_URL="rediss://:wrong@127.0.0.1:$TLS_PORT/" "$SERVER" --http "127.0.0.1:$port" \
            </dev/null >"$CACHE/replica-badpass.log" 2>&1 &
        PIDS+=("$!")
        if unready "$port" "authentication failed" "$CACHE/replica-badpass.log"; then
            pass "TLS Redis: a wrong password keeps the replica unready, saying so in /readyz"
        else
            fail "TLS Redis: a wrong password was not reported in /readyz"
        fi
        port="$(free_port)"
        (unset SSL_CERT_FILE; exec "$SERVER" --http "127.0.0.1:$port" </dev/null >"$CACHE/replica-untrusted.log" 2>&1) &
        PIDS+=("$!")
        if unready "$port" "certificate" "$CACHE/replica-untrusted.log"; then
            pass "TLS Redis: a CA the replica does not trust keeps it unready, saying so in /readyz"
        else
            fail "TLS Redis: an untrusted certificate was not reported in /readyz"
        fi
        unset SSL_CERT_FILE MCP_SERVE_REDIS_URL
    else
        tail -n 20 "$CACHE/redis-tls.log" | sed 's/^/    | /'
        fail "TLS Redis: redis-server with TLS did not answer within ${START_TIMEOUT}s"
    fi
    stop_all
    stop_redis TLS_REDIS
else
    sed 's/^/    | /' "$tls_dir/openssl.log"
    fail "TLS Redis: could not make the test certificates with openssl"
fi
# ---- end of TLS Redis ----------------------------------------------------------------------

stop_all
finish
