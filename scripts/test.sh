#!/usr/bin/env bash
# Runs every test of mcp-serve: formatting, lints, docs, unit/integration/doc/golden
# tests, the official Python and TypeScript clients against the quickstart example
# (stdio, Streamable HTTP, HTTP+SSE; both protocol eras), and the official MCP
# conformance suite against the everything example. Installs what it needs (client
# SDKs) into ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve} on first use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --all-features --quiet

step "the lean build: mcp-serve without default features compiles no HTTP stack, TLS or validator"
lean_out="$(mktemp)"
bash scripts/lean-build.sh 2>&1 | tee "$lean_out"
lean_passed=$(grep -oE '^lean-build: [0-9]+ passed' "$lean_out" | awk '{print $2}')
rm -f "$lean_out"

step "system packages the tests start (redis-server)"
# The shared-session tests run a real redis-server on 127.0.0.1 (Debian's package).
if ! command -v redis-server >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is needed by the tests: install it (Debian/Ubuntu: sudo apt-get install redis-server)" >&2
    exit 1
  fi
fi
redis-server --version

step "cargo test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --all-features 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[[ $status -eq 0 ]] || { echo "cargo test failed" >&2; exit 1; }
cargo_passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')

step "official clients over stdio (Python mcp, TypeScript sdk 1.x and client 2.x)"
cargo build --quiet --example quickstart
server=target/debug/examples/quickstart
interop_passed=0
run_interop() {
  local out
  out="$(mktemp)"
  set +e
  "$@" scripts/interop.sh ${INTEROP_FLAGS:-} "$server" 2>&1 | tee "$out"
  local st=${PIPESTATUS[0]}
  set -e
  [[ $st -eq 0 ]] || { rm -f "$out"; echo "interop tests failed" >&2; exit 1; }
  interop_passed=$((interop_passed + $(grep -oE '^interop: [0-9]+ passed' "$out" | awk '{print $2}')))
  rm -f "$out"
}
# Modern era where the client supports it (auto-detected), legacy for TS 1.x.
run_interop env
# The negotiating clients forced into the legacy era.
run_interop env INTEROP_CLIENTS=python INTEROP_PYTHON_ARGS="--mode legacy" INTEROP_EXPECT_ERA=legacy
run_interop env INTEROP_CLIENTS=ts-v2 INTEROP_TS_V2_ARGS="--mode legacy" INTEROP_EXPECT_ERA=legacy

step "official clients over Streamable HTTP (both eras) and the 2024-11-05 HTTP+SSE transport"
INTEROP_FLAGS=--http run_interop env

step "official clients over HTTPS (the quickstart's --tls-cert/--tls-key, a test CA)"
INTEROP_FLAGS=--https run_interop env INTEROP_CLIENTS="python-http-auto python-http-legacy ts-v2-http-auto ts-v1-sse"

step "official clients answering elicitation, sampling and roots (examples/interactive; MRTR and server-to-client requests)"
cargo build --quiet --example interactive
server=target/debug/examples/interactive
INTEROP_FLAGS=--interactive run_interop env
INTEROP_FLAGS=--interactive run_interop env INTEROP_CLIENTS="python ts-v2" INTEROP_EXPECT_ERA=legacy \
  INTEROP_PYTHON_ARGS="--mode legacy" INTEROP_TS_V2_ARGS="--mode legacy"
INTEROP_FLAGS="--interactive --http" run_interop env

step "official clients against middleware, tags, a tool transform and a custom extension (examples/middleware)"
cargo build --quiet --example middleware
server=target/debug/examples/middleware
INTEROP_FLAGS=--middleware run_interop env
INTEROP_FLAGS=--middleware run_interop env INTEROP_CLIENTS="python ts-v2" INTEROP_EXPECT_ERA=legacy \
  INTEROP_PYTHON_ARGS="--mode legacy" INTEROP_TS_V2_ARGS="--mode legacy"
INTEROP_FLAGS="--middleware --http" run_interop env

step "official MCP conformance suite against examples/everything over HTTP (0.1.16 all; 0.2.0-alpha.12 for 2025-11-25 and 2026-07-28)"
out="$(mktemp)"
set +e
bash scripts/conformance.sh 2>&1 | tee "$out"
st=${PIPESTATUS[0]}
set -e
[[ $st -eq 0 ]] || { rm -f "$out"; echo "conformance runs did not match their expected-failures baselines" >&2; exit 1; }
conformance_passed=$(grep -oE '^conformance: [0-9]+ passed' "$out" | awk '{print $2}')
rm -f "$out"

# run_counted NAME SCRIPT...: runs a test script, fails the run when it fails, and adds the
# `NAME: N passed` figure of its last line to the total.
extra_passed=0
run_counted() {
  local name="$1" out st
  shift
  out="$(mktemp)"
  set +e
  "$@" 2>&1 | tee "$out"
  st=${PIPESTATUS[0]}
  set -e
  [[ $st -eq 0 ]] || { rm -f "$out"; echo "$name failed" >&2; exit 1; }
  extra_passed=$((extra_passed + $(grep -oE "^$name: [0-9]+ passed" "$out" | tail -1 | awk '{print $2}')))
  rm -f "$out"
}

step "official conformance suite, CLIENT scenarios, against mcp-serve's client (examples/conformance_client)"
run_counted conformance-client bash scripts/conformance-client.sh

step "the mcp-serve CLI against official TypeScript and Python servers (stdio, Streamable HTTP, HTTP+SSE, proxy)"
run_counted cli-interop bash scripts/cli-interop.sh

step "the gateway: mcp-serve proxy --config serving official TypeScript and Python servers to official clients"
run_counted gateway-interop bash scripts/gateway-interop.sh

step "mcp-serve openapi against a real FastAPI app serving its own OpenAPI document (official Python client; stdio and HTTP)"
run_counted openapi bash scripts/openapi-test.sh

step "the quickstart in a FROM scratch image under podman + runc (musl, else glibc with its libraries)"
run_counted container-test bash scripts/container-test.sh

step "fuzzing: each cargo-fuzz target in fuzz/ for \${FUZZ_SECONDS:-60} s (nightly, cached cargo-fuzz)"
run_counted fuzz bash scripts/fuzz.sh

step "OAuth: the auth_jwt example against a real authorization server (oidc-provider)"
run_counted auth-interop bash scripts/auth-interop.sh

step "three replicas of examples/interactive behind HAProxy and nginx in round-robin (no stickiness): MRTR retries, key rotation, shared state on Redis, a Redis restart"
run_counted replicas bash scripts/replicas-test.sh

step "the mcp-serve dev web inspector in headless Chromium"
out="$(mktemp)"
set +e
bash scripts/inspector-test.sh 2>&1 | tee "$out"
st=${PIPESTATUS[0]}
set -e
[[ $st -eq 0 ]] || { rm -f "$out"; echo "inspector browser test failed" >&2; exit 1; }
extra_passed=$((extra_passed + $(grep -oE '^inspector-test: PASS \([0-9]+ checks\)' "$out" | grep -oE '[0-9]+')))
rm -f "$out"

echo
echo "all tests: $((lean_passed + cargo_passed + interop_passed + conformance_passed + extra_passed)) passed, 0 failed"
