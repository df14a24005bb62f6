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
# PORT, ...; see bench/HARNESS.md) plus SESSIONS (idle legacy sessions to open,
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
(cd "$ROOT" && cargo build --release --quiet --example bench_server)
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
