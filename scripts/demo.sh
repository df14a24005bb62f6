#!/usr/bin/env bash
# See it work: the quickstart example server in mcp-serve's web inspector (`mcp-serve dev`).
#
#   bash scripts/demo.sh [--port N] [--no-open] [--protocol auto|modern|legacy|2025-11-25…]
#
# Builds the `mcp-serve` command and runs
#   mcp-serve dev --watch -- cargo run --example quickstart
# which builds and starts the server over stdio, serves the inspector on 127.0.0.1 (default port
# 6274), prints its URL (it carries a per-run token) and opens it in a browser unless --no-open.
# Edit examples/quickstart.rs while it runs: the server is rebuilt and restarted (--watch).
# Ctrl-C stops everything. Any other `mcp-serve dev` flag is passed through.
#
# To compare with the official MCP Inspector (Node), run scripts/official-inspector.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for arg in "$@"; do
    case "$arg" in
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    esac
done

echo "[demo] building mcp-serve and the quickstart example…" >&2
cargo build --quiet -p mcp-serve-cli --bin mcp-serve
exec target/debug/mcp-serve dev --watch "$@" -- cargo run --quiet --example quickstart
