#!/usr/bin/env bash
# Runs the official MCP conformance suite (npm @modelcontextprotocol/conformance) against a
# server URL or a client command. Used by scripts/conformance.sh and scripts/conformance-client.sh.
#
#   tests/conformance/suite.sh server <url> [suite args...]       e.g. ... server http://localhost:3000/mcp --suite all
#   tests/conformance/suite.sh client <command> [suite args...]   e.g. ... client target/debug/examples/conformance_client --scenario initialize
#   tests/conformance/suite.sh list [--server|--client] [--spec-version V]
#   tests/conformance/suite.sh raw <any conformance CLI args...>
#   tests/conformance/suite.sh install                            (install only; prints node + suite paths)
#
# The suite version is MCP_CONFORMANCE_VERSION (default 0.1.16); each version is installed with
# `npm ci` from the lock file committed next to this script, tests/conformance/suite-<version>/
# (0.1.16 and 0.2.0-alpha.12), into ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/conformance/,
# keyed by the lock's hash (a changed lock reinstalls). The suite needs Node >= 22: the system
# node if it is new enough, else the Node pinned in tests/node (npm package node-linux-<arch>,
# from the npm registry). Needs bash, npm (for the first install only) and flock (optional).
#
# client mode: the suite starts a mock server and runs `<command> <url>` with
# MCP_CONFORMANCE_SCENARIO set; without --scenario or --suite, `--suite core` is added.
#
# Exit status = the suite's (0 = no failed check; with --expected-failures, 0 = the run matched
# the baseline), 2 on setup or usage errors.
# Env: MCP_CONFORMANCE_VERSION, MCP_SERVE_CACHE, MCP_SERVE_NODE (a node >= 22 to run the suite).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSION="${MCP_CONFORMANCE_VERSION:-0.1.16}"

log() { echo "[suite.sh] $*" >&2; }
die() { log "error: $*"; exit 2; }
usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# shellcheck source=../../scripts/lib/npm.sh
source "$HERE/../../scripts/lib/npm.sh"

[[ $# -ge 1 ]] || usage
mode="$1"
shift
case "$mode" in -h|--help|help) usage ;; esac

LOCK_DIR="$HERE/suite-$VERSION"
[[ -f "$LOCK_DIR/package-lock.json" ]] \
    || die "no lock file for suite $VERSION ($LOCK_DIR/package-lock.json); versions here: $(cd "$HERE" && ls -d suite-*/ | sed 's/^suite-//; s/\/$//' | tr '\n' ' ')"
ensure_node 22 || die "cannot get a node >= 22 for the conformance suite"
npm_ci_cached "$LOCK_DIR" "$MCP_SERVE_CACHE_ROOT/conformance/suite-$VERSION" \
    || die "cannot install @modelcontextprotocol/conformance@$VERSION"
SUITE="$NPM_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[[ -f "$SUITE" ]] || die "$SUITE is missing after the install"

case "$mode" in
    server)
        [[ $# -ge 1 ]] || usage
        url="$1"
        shift
        exec "$NODE" "$SUITE" server --url "$url" "$@" ;;
    client)
        [[ $# -ge 1 ]] || usage
        cmd="$1"
        shift
        # The suite appends the mock server's URL to <command> as its last argument and sets
        # MCP_CONFORMANCE_SCENARIO (and MCP_CONFORMANCE_CONTEXT for auth scenarios).
        if [[ " $* " != *" --scenario "* && " $* " != *" --suite "* ]]; then set -- --suite core "$@"; fi
        exec "$NODE" "$SUITE" client --command "$cmd" "$@" ;;
    list) exec "$NODE" "$SUITE" list "$@" ;;
    raw) exec "$NODE" "$SUITE" "$@" ;;
    install)
        echo "node:  $NODE ($("$NODE" -v))"
        echo "suite: $SUITE (v$VERSION)" ;;
    *) usage ;;
esac
