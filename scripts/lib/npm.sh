# Sourced by the test scripts: npm packages installed from lock files committed in this
# repository, into a cache, and the Node >= 22 some of them need.
#
#   source scripts/lib/npm.sh
#   npm_ci_cached tests/browser "$MCP_SERVE_CACHE_ROOT/playwright" || exit 2   # sets NPM_DIR
#   ensure_node 22 19 || exit 2                                                # sets NODE
#
# Everything goes under ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve} (MCP_SERVE_CACHE_ROOT).
# Nothing is installed globally, and nothing is resolved at install time: `npm ci` installs
# exactly what package-lock.json lists (checked against its integrity hashes) from the npm
# registry. A later run with the same lock needs no network.
#
# Env: MCP_SERVE_CACHE (cache root), MCP_SERVE_NODE (a node binary to use instead of the
# system one or the one from tests/node).

MCP_SERVE_CACHE_ROOT="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}"
NPM_LIB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# npm_ci_cached SRC PREFIX: `npm ci` of SRC/package.json + SRC/package-lock.json into
# PREFIX-<hash of the two files>, unless that is already installed; sets NPM_DIR to it. A changed
# lock file is a new directory, so it reinstalls; concurrent callers wait on a flock. On failure
# prints why (with the install log's tail) on stderr and returns 1.
npm_ci_cached() {
    local src="$1" prefix="$2" key dir tmp log fd=""
    NPM_DIR=""
    if [[ ! -f "$src/package.json" || ! -f "$src/package-lock.json" ]]; then
        echo "npm_ci_cached: $src needs package.json and package-lock.json" >&2
        return 1
    fi
    key="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)"
    dir="$prefix-$key"
    if [[ -f "$dir/.installed" ]]; then NPM_DIR="$dir"; return 0; fi
    mkdir -p "$(dirname "$prefix")" || return 1
    if command -v flock >/dev/null 2>&1; then
        exec {fd}>"$prefix.lock" && flock "$fd"
    fi
    if [[ ! -f "$dir/.installed" ]]; then
        if ! command -v npm >/dev/null 2>&1; then
            echo "npm is needed (once) to install $src into $dir" >&2
            [[ -n "$fd" ]] && exec {fd}>&-
            return 1
        fi
        echo "[npm] npm ci $src -> $dir" >&2
        tmp="$dir.tmp.$$"
        log="$dir.log"
        rm -rf "$tmp"
        # --ignore-scripts: none of these packages needs an install script. --engine-strict=false:
        # the npm running this may sit on an older node than the one the packages run on.
        if ! { mkdir -p "$tmp" && cp "$src/package.json" "$src/package-lock.json" "$tmp/" &&
               (cd "$tmp" && timeout 900 npm ci --no-audit --no-fund --ignore-scripts \
                   --engine-strict=false --loglevel=error) >"$log" 2>&1; }; then
            rm -rf "$tmp"
            echo "npm ci of $src failed (log: $log):" >&2
            tail -n 20 "$log" | sed 's/^/    | /' >&2
            [[ -n "$fd" ]] && exec {fd}>&-
            return 1
        fi
        rm -rf "$dir"
        mv "$tmp" "$dir" && touch "$dir/.installed"
    fi
    [[ -n "$fd" ]] && exec {fd}>&-
    NPM_DIR="$dir"
}

# node_at_least NODE MAJOR [MINOR]: NODE runs and is at least MAJOR.MINOR.
node_at_least() {
    "$1" -e "const [a,b]=process.versions.node.split('.').map(Number);
             process.exit(a>$2||(a==$2&&b>=${3:-0})?0:1)" >/dev/null 2>&1
}

# ensure_node MAJOR [MINOR]: sets NODE to a node binary >= MAJOR.MINOR: MCP_SERVE_NODE if set,
# else the system node if new enough, else Node from the npm package node-linux-<arch> pinned in
# tests/node/package-lock.json (installed with npm_ci_cached). Returns 1 with a reason on stderr.
ensure_node() {
    local major="$1" minor="${2:-0}" arch
    NODE=""
    if [[ -n "${MCP_SERVE_NODE:-}" ]]; then
        node_at_least "$MCP_SERVE_NODE" "$major" "$minor" \
            || { echo "MCP_SERVE_NODE=$MCP_SERVE_NODE is not a working node >= $major.$minor" >&2; return 1; }
        NODE="$MCP_SERVE_NODE"
        return 0
    fi
    if command -v node >/dev/null 2>&1 && node_at_least node "$major" "$minor"; then
        NODE="$(command -v node)"
        return 0
    fi
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64|Linux-amd64) arch=x64 ;;
        Linux-aarch64|Linux-arm64) arch=arm64 ;;
        *) echo "no prebuilt node for $(uname -s) $(uname -m) in tests/node; set MCP_SERVE_NODE to a node >= $major.$minor" >&2
           return 1 ;;
    esac
    npm_ci_cached "$NPM_LIB_ROOT/tests/node" "$MCP_SERVE_CACHE_ROOT/node/node" || return 1
    NODE="$NPM_DIR/node_modules/node-linux-$arch/bin/node"
    node_at_least "$NODE" "$major" "$minor" \
        || { echo "the node from tests/node does not run or is older than $major.$minor: $NODE" >&2; NODE=""; return 1; }
}
