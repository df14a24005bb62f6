#!/usr/bin/env bash
# Authorization interop: mcp-serve's OAuth 2.1 resource server (examples/auth_jwt) against a
# REAL authorization server, npm `oidc-provider` (tests/auth/provider.mjs), both on 127.0.0.1,
# with requests made by hand and by the official TypeScript (1.x and 2.x) and Python MCP clients.
#
#   scripts/auth-interop.sh [--verbose]
#
# The provider issues JWT access tokens (RFC 9068) for the client_credentials grant with
# `aud` = the requested resource (RFC 8707), allows dynamic registration (RFC 7591), and
# rotates its signing key on SIGUSR2. auth_jwt runs with MCP_SERVE_AUTH_ISSUER = the provider,
# so it finds the provider's keys through its metadata. tests/auth/check.mjs then plays the
# client, by hand, and checks (one `PASS name` / `FAIL name: why` line each):
#   - no token -> 401, `WWW-Authenticate: Bearer ... resource_metadata="<origin>/.well-known/
#     oauth-protected-resource/mcp"`; that metadata names the MCP URL and the issuer;
#   - the issuer's RFC 8414 metadata; a client_credentials token for resource=<MCP URL>, scope
#     tools:read -> a 2026-07-28 `tools/call whoami` answers the client as the subject;
#   - admin_reset with it -> 403 insufficient_scope, scope="admin"; a new token with
#     "tools:read admin" -> 200 (step-up);
#   - a token for another resource, and an opaque token -> 401 invalid_token;
#   - a dynamically registered client's token works (its own subject);
#   - a 2025-11-25 session (initialize, Mcp-Session-Id) with the token works, and refuses another
#     client's token;
#   - key rotation: a token signed with a newly published key is accepted once mcp-serve fetches
#     the keys again (at most every 30 s, so this check takes up to ~30 s).
# Then tests/auth/ts_client.mjs runs the official TypeScript client (npm
# @modelcontextprotocol/sdk 1.x) with an OAuthClientProvider doing the whole flow itself: on the
# 401 it discovers both metadata documents, registers dynamically, and authorizes with the
# authorization code + PKCE and `resource` (the "browser" follows the redirects headless; the
# provider signs in as `alice` and consents at once); then whoami answers alice, and
# admin_reset's 403 insufficient_scope makes the SDK step up to scope=admin and succeed.
# Then tests/auth/ts_v2_client.mjs does the same with the official TypeScript client 2.x (npm
# @modelcontextprotocol/client) in both eras over Streamable HTTP (versionNegotiation pinned to
# 2026-07-28, and 'legacy': a 2025-11-25 session): 401 + resource_metadata -> discovery, dynamic
# registration, a code + PKCE token for the MCP URL (the callback's `iss` checked by the SDK),
# whoami, and on admin_reset's 403 the transport's own step-up (scope "tools:read admin"), then
# the call again succeeds.
# Then tests/auth/py_client.py does the same with the official Python client (PyPI `mcp`, as
# pinned in tests/interop/requirements.txt) and its OAuthClientProvider, in both eras
# (2026-07-28, and a 2025-11-25 session): 401 + resource_metadata -> discovery, dynamic
# registration, a code + PKCE token for the MCP URL, whoami, and the SDK's own step-up on
# admin_reset's 403 (the headless user grants tools:read only at first).
#
# First run installs tests/auth/package-lock.json with `npm ci` into
# ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/auth-interop/oidc-<hash> (scripts/lib/npm.sh);
# oidc-provider wants Node >= 22 (ensure_node: the system node, else tests/node's). The Python
# client's venv is cached the same way, keyed by tests/interop/requirements.txt and the Python
# version, under .../auth-interop/venv-<hash>.
#
# Environment:
#   MCP_SERVE_CACHE            cache root (default $HOME/.cache/mcp-serve)
#   MCP_SERVE_NODE             a node >= 22 to use
#   AUTH_INTEROP_START_TIMEOUT seconds a server may take to listen (default 30)
#
# Output: the check lines, then exactly one line `auth-interop: N passed, M failed`. Exit status
# is non-zero on any failure. Every process the script starts is ended on exit.
set -euo pipefail

VERBOSE=0
case "${1:-}" in
    --verbose|-v) VERBOSE=1 ;;
    "") ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
START_TIMEOUT="${AUTH_INTEROP_START_TIMEOUT:-30}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/auth-interop.XXXXXX")"
PIDS=()

stop_pid() { # stop_pid PID: TERM its process group, then KILL it if it lingers
    local pid="$1" _
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do stop_pid "$pid"; done
    PIDS=()
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

die() { # a setup failure: the reason, the logs, and the summary line CI counts on
    echo "FAIL setup: $*"
    local f
    for f in "$WORK"/*.log; do
        [[ -s "$f" ]] && { echo "    $(basename "$f"):"; tail -n 20 "$f" | sed 's/^/    | /'; }
    done
    echo "auth-interop: 0 passed, 1 failed"
    exit 1
}

# ---- installs and build ---------------------------------------------------------------
# shellcheck source=lib/npm.sh
source "$ROOT/scripts/lib/npm.sh"
ensure_node 22 || die "oidc-provider needs node >= 22: set MCP_SERVE_NODE, or make the npm registry reachable once"
npm_ci_cached "$ROOT/tests/auth" "$MCP_SERVE_CACHE_ROOT/auth-interop/oidc" \
    || die "cannot install tests/auth/package-lock.json"
# The scripts run from WORK so that `import 'oidc-provider'` resolves to the cached install.
cp "$ROOT/tests/auth/provider.mjs" "$ROOT/tests/auth/check.mjs" "$ROOT/tests/auth/ts_client.mjs" \
    "$ROOT/tests/auth/ts_v2_client.mjs" "$ROOT/tests/auth/py_client.py" "$WORK/"
ln -s "$NPM_DIR/node_modules" "$WORK/node_modules"

(cd "$ROOT" && cargo build --quiet -p mcp-serve --example auth_jwt) >"$WORK/build.log" 2>&1 \
    || die "cargo build -p mcp-serve --example auth_jwt failed"
target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$target_dir" == /* ]] || target_dir="$ROOT/$target_dir"
AUTH_JWT="$target_dir/debug/examples/auth_jwt"
[[ -x "$AUTH_JWT" ]] || die "built example not found at $AUTH_JWT"

# ---- the authorization server ---------------------------------------------------------
CLIENT_ID=mcp-auth-interop
CLIENT_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Created before the background job opens it, so the wait below can read it at once.
: >"$WORK/provider.out"
setsid "$NODE" "$WORK/provider.mjs" "$CLIENT_ID" "$CLIENT_SECRET" \
    >"$WORK/provider.out" 2>"$WORK/provider.log" </dev/null &
PROVIDER_PID=$!
PIDS+=("$PROVIDER_PID")
ISSUER=""
for _ in $(seq 1 $((START_TIMEOUT * 10))); do
    ISSUER="$(awk '$1 == "issuer" {print $2; exit}' "$WORK/provider.out" || true)"
    [[ -n "$ISSUER" ]] && break
    kill -0 "$PROVIDER_PID" 2>/dev/null || break
    sleep 0.1
done
[[ -n "$ISSUER" ]] || die "oidc-provider did not start within ${START_TIMEOUT}s"

# ---- the MCP server -------------------------------------------------------------------
PORT="$("$NODE" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
MCP_URL="http://127.0.0.1:$PORT/mcp"
# Only the issuer: the caller's other auth settings would change what the checks expect.
env -u MCP_SERVE_AUTH_AUDIENCE -u MCP_SERVE_AUTH_JWKS_URI -u MCP_SERVE_API_KEYS_FILE \
    MCP_SERVE_AUTH_ISSUER="$ISSUER" RUST_LOG="${RUST_LOG:-warn}" \
    setsid "$AUTH_JWT" --http "127.0.0.1:$PORT" >"$WORK/auth_jwt.log" 2>&1 </dev/null &
PIDS+=("$!")
up=0
for _ in $(seq 1 $((START_TIMEOUT * 10))); do
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then up=1; break; fi
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
done
[[ $up == 1 ]] || die "auth_jwt did not answer /healthz on port $PORT within ${START_TIMEOUT}s"
[[ $VERBOSE == 1 ]] && echo "issuer $ISSUER, MCP server $MCP_URL"

# ---- the official Python client ------------------------------------------------------
# install_python: PY = a python with the pinned `mcp`, or a reason on stdout.
PY=""
install_python() {
    command -v python3 >/dev/null 2>&1 || { echo "python3 not found"; return 1; }
    local req="$ROOT/tests/interop/requirements.txt" key env
    key="$( { cat "$req"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
    env="$MCP_SERVE_CACHE_ROOT/auth-interop/venv-$key"
    if [[ ! -f "$env/.installed" ]]; then
        rm -rf "$env"
        if ! { python3 -m venv "$env" &&
               "$env/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"; } \
                >"$WORK/pip.log" 2>&1; then
            rm -rf "$env"
            echo "pip install -r tests/interop/requirements.txt failed: $(tail -n 3 "$WORK/pip.log" | tr '\n' ' ')"
            return 1
        fi
        touch "$env/.installed"
    fi
    PY="$env/bin/python"
}

# ---- the checks -----------------------------------------------------------------------
# run_checks NAME ARGS...: one check script, bounded; its PASS/FAIL lines are printed, and a
# script that fails without a FAIL line counts as one failure.
passed=0
failed=0
run_checks() {
    local name="$1" st p f
    shift
    set +e
    (cd "$WORK" && timeout 150 "$@") >"$WORK/$name.out" 2>"$WORK/$name.log"
    st=$?
    set -e
    grep -E '^(PASS|FAIL) ' "$WORK/$name.out" || true
    p="$(grep -c '^PASS ' "$WORK/$name.out" || true)"
    f="$(grep -c '^FAIL ' "$WORK/$name.out" || true)"
    if [[ $st -ne 0 && $f -eq 0 ]]; then
        echo "FAIL $name: exited with $st"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}
run_checks check "$NODE" check.mjs "$MCP_URL" "$ISSUER" "$CLIENT_ID" "$CLIENT_SECRET" "$PROVIDER_PID"
run_checks ts_client "$NODE" ts_client.mjs "$MCP_URL"
run_checks ts_v2_client "$NODE" ts_v2_client.mjs "$MCP_URL"
install_python >"$WORK/install_python.out" || true
if [[ -n "$PY" ]]; then
    run_checks py_client "$PY" py_client.py "$MCP_URL"
else
    echo "FAIL py_client: $(cat "$WORK/install_python.out")"
    failed=$((failed + 1))
fi
if [[ $failed -ne 0 || $VERBOSE == 1 ]]; then
    for f in check.log ts_client.log ts_v2_client.log py_client.log provider.log auth_jwt.log; do
        [[ -s "$WORK/$f" ]] && { echo "    $f:"; tail -n 30 "$WORK/$f" | sed 's/^/    | /'; }
    done
fi
echo "auth-interop: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
