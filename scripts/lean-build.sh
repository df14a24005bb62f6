#!/usr/bin/env bash
# The lean build holds: mcp-serve with no default features (a stdio-only tool server)
# and with each feature alone compiles without warnings, the no-feature build's
# dependency tree has no HTTP stack, TLS, schema validator or subscriber crate, and
# the http feature alone has no TLS.
#
#   scripts/lean-build.sh
#
# The last line is `lean-build: N passed`; exit status 1 when a check fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

passed=0
for features in "" http tls client validate telemetry auth openapi fuzzing; do
    echo "[lean-build] cargo clippy -p mcp-serve --no-default-features --features '$features'"
    cargo clippy --quiet -p mcp-serve --lib --no-default-features --features "$features" -- -D warnings
    passed=$((passed + 1))
done

# Crates a stdio tool server must not compile.
heavy='^(hyper|hyper-util|h2|reqwest|rustls|ring|aws-lc-rs|aws-lc-sys|jsonschema|jsonwebtoken|rsa|tracing-subscriber|tower|axum) '
found="$(cargo tree -p mcp-serve --no-default-features -e normal --prefix none | sort -u | grep -E "$heavy" || true)"
if [[ -n "$found" ]]; then
    echo "[lean-build] mcp-serve without default features depends on:" >&2
    echo "$found" >&2
    echo "lean-build: $passed passed, 1 failed"
    exit 1
fi
passed=$((passed + 1))

# HTTP serving alone (plain HTTP, e.g. behind a TLS-terminating proxy) compiles no TLS.
tls_crates='^(rustls|tokio-rustls|aws-lc-rs|aws-lc-sys|ring) '
found="$(cargo tree -p mcp-serve --no-default-features --features http -e normal --prefix none | sort -u | grep -E "$tls_crates" || true)"
if [[ -n "$found" ]]; then
    echo "[lean-build] mcp-serve with only the http feature depends on:" >&2
    echo "$found" >&2
    echo "lean-build: $passed passed, 1 failed"
    exit 1
fi
passed=$((passed + 1))

# One reqwest major in the lock file.
majors="$(grep -A1 '^name = "reqwest"$' Cargo.lock | grep -c '^version')"
if [[ "$majors" -ne 1 ]]; then
    echo "[lean-build] Cargo.lock holds $majors versions of reqwest; keep one" >&2
    echo "lean-build: $passed passed, 1 failed"
    exit 1
fi
passed=$((passed + 1))
echo "lean-build: $passed passed"
