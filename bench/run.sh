#!/usr/bin/env bash
# Benchmarks mcp-serve against the peers in bench/peers in one run and prints
# the issue-6 table (every figure also as a ratio to rmcp and to the bare hyper
# limit).
#
#   bash bench/run.sh            # everything: peers + ours, ~20 min
#   bash bench/run.sh rust       # ours, the hyper limit and rmcp (both modes) only: the ratios, ~8 min
#   bash bench/run.sh ours       # only our server (modern, legacy, sessions): no ratios
#   OUT=/tmp/run DUR=5 REPEATS=3 bash bench/run.sh
#
# Knobs are bench/harness.sh's (DUR, WARMUP, REPEATS, CONCURRENCY, PIN, NICE,
# PORT, ...; see bench/HARNESS.md) plus CPU_CALLS (calls over which the server's
# CPU time per call is taken for the Redis comparison, default 50000) and SESSIONS (idle legacy sessions to open,
# default 9999). The load generator and the peers are built/installed from
# their lock files under $MCP_BENCH_CACHE (default ~/.cache/mcp-bench) on
# first use (bench/run-peers.sh).
# Results: $OUT/results.jsonl, $OUT/sessions.jsonl, $OUT/table.md.
# Keep the machine otherwise idle: only ratios from one run mean anything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="$ROOT/bench/harness.sh"
CACHE="${MCP_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-bench}"
export OUT="${OUT:-$CACHE/results/mcp-serve-$(date +%Y%m%d-%H%M%S)}"
PORT="${PORT:-18400}"
SESSIONS="${SESSIONS:-9999}"
WHAT="${1:-all}"
mkdir -p "$OUT"

echo "[bench] building examples/bench_server (release)" >&2
# With the `redis` feature: inactive unless MCP_SERVE_REDIS_URL is set (the Redis rows below).
(cd "$ROOT" && cargo build --release --quiet --example bench_server --features redis)
SERVER="$ROOT/target/release/examples/bench_server"

case "$WHAT" in
  all) PEERS="all" ;;
  rust) PEERS="hyper-echo rust-rmcp rust-rmcp-stateful" ;;
  ours) PEERS="" ;;
  *) echo "bench: unknown selection '$WHAT' (use all, rust or ours)" >&2; exit 2 ;;
esac
# The harness installs each peer (cached under $CACHE) before running it.
for peer in $PEERS; do
  "$HARNESS" "$peer" >/dev/null
done
"$HARNESS" --name mcp-serve --server-cmd "$SERVER" --stdio-cmd "$SERVER --stdio" \
  --proto 2026-07-28 all >/dev/null
# The same server with one no-op middleware: what the chain costs.
"$HARNESS" --name mcp-serve-middleware --server-cmd "$SERVER --middleware" \
  --proto 2026-07-28 http >/dev/null
# The gateway (issue 15): the same server behind `--gateway`, one target over
# Streamable HTTP; the row's p50 at c=1 minus the plain server's is what the
# proxy hop adds to a tools/call.
BACKEND_PORT=$((PORT + 1))
PORT="$BACKEND_PORT" "$SERVER" >"$OUT/gateway-backend.log" 2>&1 &
BACKEND_PID=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$BACKEND_PORT") 2>/dev/null && break
  sleep 0.1
done
"$HARNESS" --name mcp-serve-gateway --server-cmd "$SERVER --gateway http://127.0.0.1:$BACKEND_PORT/mcp" \
  --tool-prefix b_ --proto 2026-07-28 http >/dev/null
# The same hop through HAProxy (bytes only, no MCP work): the machine's cost of
# one more hop, for reading the gateway's figure. Skipped without haproxy.
if command -v haproxy >/dev/null; then
  BACKEND_PORT="$BACKEND_PORT" "$HARNESS" --name haproxy-hop --server-cmd "$ROOT/bench/haproxy-hop.sh" \
    --proto 2026-07-28 http >/dev/null
else
  echo "[bench] haproxy is not installed (apt-get install haproxy): the haproxy-hop row is skipped" >&2
fi
# The same comparison interleaved: this VM's speed drifts from minute to minute,
# so rows measured minutes apart compare badly at c=1. The direct server, the
# gateway and HAProxy run side by side in front of the one backend and take
# turns, 1 s each, HOP_ROUNDS times; table.py reports the medians.
GATEWAY_PORT=$((PORT + 3))
HOP_PORT=$((PORT + 4))
LOADGEN="$CACHE/target/release/mcp-loadgen"
PORT="$GATEWAY_PORT" "$SERVER" --gateway "http://127.0.0.1:$BACKEND_PORT/mcp" >"$OUT/gateway.log" 2>&1 &
GATEWAY_PID=$!
HOP_PID=""
if command -v haproxy >/dev/null; then
  PORT="$HOP_PORT" BACKEND_PORT="$BACKEND_PORT" "$ROOT/bench/haproxy-hop.sh" >"$OUT/haproxy.log" 2>&1 &
  HOP_PID=$!
fi
for _ in $(seq 1 100); do
  "$LOADGEN" http --url "http://127.0.0.1:$GATEWAY_PORT/mcp" --proto 2026-07-28 --tool-prefix b_ \
    -c 1 -n 1 --warmup 0 >/dev/null 2>&1 && break
  sleep 0.1
done
echo "[bench] issue 15: direct, gateway and HAProxy calls interleaved (${HOP_ROUNDS:-15} rounds)" >&2
for _ in $(seq 1 "${HOP_ROUNDS:-15}"); do
  for path in direct gateway haproxy; do
    case "$path" in
      direct) port="$BACKEND_PORT"; prefix="" ;;
      gateway) port="$GATEWAY_PORT"; prefix="b_" ;;
      haproxy) [ -n "$HOP_PID" ] || continue; port="$HOP_PORT"; prefix="" ;;
    esac
    if record="$("$LOADGEN" http --url "http://127.0.0.1:$port/mcp" --proto 2026-07-28 --tool-prefix "$prefix" \
      -c 1 -d 1 --warmup 0.2 --json 2>/dev/null)"; then
      echo "{\"path\":\"$path\",\"run\":$record}" >>"$OUT/hop.jsonl"
    fi
  done
done
kill "$GATEWAY_PID" $HOP_PID 2>/dev/null || true
wait "$GATEWAY_PID" $HOP_PID 2>/dev/null || true
kill "$BACKEND_PID" 2>/dev/null || true
wait "$BACKEND_PID" 2>/dev/null || true
# Authorization (issue 13): the same server and load, every request carrying a
# credential it verifies: an HS256 JWT minted by the server for its own URI
# (warm: a static key), and an API key. The secret stays in the environment.
BENCH_AUTH_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export BENCH_AUTH_SECRET
for mode in jwt api-key; do
  cred="$(PORT="$PORT" "$SERVER" --auth "$mode" --print-credential)"
  "$HARNESS" --name "mcp-serve-$mode" --server-cmd "$SERVER --auth $mode" \
    --header "Authorization: Bearer $cred" --proto 2026-07-28 http >/dev/null
done
# Legacy-session mode: the server speaks only the session revisions, and the
# load generator runs `initialize` on every connection.
"$HARNESS" --name mcp-serve-legacy --server-cmd "$SERVER --legacy" \
  --proto 2025-11-25 http >/dev/null
"$HARNESS" --name mcp-serve-legacy --server-cmd "$SERVER --legacy" \
  --proto 2025-11-25 cold >/dev/null

# Shared state on Redis (issue 16): the same server and load with MCP_SERVE_REDIS_URL set, so
# legacy sessions live in Redis (one read per request, a write when one changes) and the
# server joins the bus; modern calls touch Redis only through the bus. Compared with the rows
# above (in-memory stores) in this run. Needs redis-server (Debian's); skipped without it.
cpu_per_call() { # name proto command...: server CPU time per call over CPU_CALLS calls at c=16
  local name="$1" proto="$2"; shift 2
  PORT="$PORT" "$@" >/dev/null 2>&1 &
  local pid=$! ok=0
  for _ in $(seq 1 100); do
    if "$HARNESS_LG" http --url "http://127.0.0.1:$PORT/mcp" --proto "$proto" -c 1 -n 1 --warmup 0 >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  if [ $ok = 1 ]; then
    local before after
    before="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    "$HARNESS_LG" http --url "http://127.0.0.1:$PORT/mcp" --proto "$proto" -c 16 -n "$CPU_CALLS" --warmup 0 >/dev/null 2>&1 || true
    after="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    # clock ticks -> microseconds per call
    echo "{\"peer\":\"$name\",\"cpu_us_per_call\":$(( (after - before) * 1000000 / $(getconf CLK_TCK) / CPU_CALLS )),\"cpu_calls\":$CPU_CALLS}" >>"$OUT/cpu.jsonl"
  else
    echo "[bench] $name: server did not come up for the CPU measurement" >&2
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
HARNESS_LG="$CACHE/target/release/mcp-loadgen"
CPU_CALLS="${CPU_CALLS:-50000}"
if command -v redis-server >/dev/null; then
  REDIS_PORT=$((PORT + 2))
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$OUT/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  for store in memory redis; do
    if [ "$store" = redis ]; then export MCP_SERVE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/"; fi
    suffix=""; [ "$store" = redis ] && suffix="-redis"
    if [ "$store" = redis ]; then
      "$HARNESS" --name "mcp-serve-redis" --server-cmd "$SERVER" --proto 2026-07-28 http >/dev/null
      "$HARNESS" --name "mcp-serve-legacy-redis" --server-cmd "$SERVER --legacy" --proto 2025-11-25 http >/dev/null
    fi
    cpu_per_call "mcp-serve$suffix" 2026-07-28 "$SERVER"
    cpu_per_call "mcp-serve-legacy$suffix" 2025-11-25 "$SERVER" --legacy
    unset MCP_SERVE_REDIS_URL
  done
  # Bytes per legacy session in Redis: MEMORY USAGE of the session hashes the runs left.
  redis-cli -p "$REDIS_PORT" --scan --pattern 'mcp-serve:session:*' 2>/dev/null | head -200 \
    | while read -r key; do redis-cli -p "$REDIS_PORT" MEMORY USAGE "$key"; done \
    | awk '{s += $1; n++} END {if (n) printf "{\"peer\":\"mcp-serve-legacy-redis\",\"redis_bytes_per_session\":%d,\"sessions_sampled\":%d}\n", s / n, n}' \
    >>"$OUT/cpu.jsonl" || true # `head` closing the pipe early is not a failure
  kill "$REDIS_PID" 2>/dev/null || true
  wait "$REDIS_PID" 2>/dev/null || true
else
  echo "[bench] redis-server not installed: the Redis rows are skipped (apt-get install redis-server)" >&2
fi

# Memory per idle legacy session: open SESSIONS sessions on a fresh server.
sessions() { # name command...
  local name="$1"; shift
  PORT="$PORT" "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
    sleep 0.1
  done
  if line="$(python3 "$ROOT/bench/legacy_sessions.py" "$pid" "$PORT" "$SESSIONS")"; then
    echo "{\"peer\":\"$name\",${line#\{}" >>"$OUT/sessions.jsonl"
  else
    echo "[bench] $name: session measurement failed" >&2
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
echo "[bench] bytes per idle legacy session ($SESSIONS sessions)" >&2
sessions mcp-serve-legacy "$SERVER" --legacy
if [ -n "$PEERS" ]; then
  sessions rust-rmcp-stateful env MODE=stateful "$CACHE/target/release/rmcp-peer" http
fi

python3 "$ROOT/bench/table.py" "$OUT" | tee "$OUT/table.md"
echo "[bench] raw results: $OUT" >&2
