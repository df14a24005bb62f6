#!/usr/bin/env bash
# Builds the cargo-fuzz targets in fuzz/ with the nightly toolchain and runs
# each for ${FUZZ_SECONDS:-60} seconds, starting from its committed seed corpus
# (fuzz/corpus/<target>/). New inputs go to a scratch corpus under
# fuzz/target/, so the committed seeds stay small.
#
#   scripts/fuzz.sh                    # every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh http_service
#
# cargo-fuzz is installed once into ${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve},
# and the instrumented build is kept there too (fuzz-target/, about 1 GB): a
# cold build of the targets takes minutes, a warm one only rebuilds mcp-serve.
# Prints executions and crashes per target; the last line is `fuzz: N passed`
# (N = targets that ran without a crash), and the exit status is 1 when a
# target crashed (its input is kept in fuzz/artifacts/<target>/: turn it into
# a regression test).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=0.13.2
cache="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}"
root="$cache/cargo-fuzz-$version"
target_dir="$cache/fuzz-target"
if [[ ! -x "$root/bin/cargo-fuzz" ]]; then
    echo "[fuzz] installing cargo-fuzz $version into $root"
    cargo install cargo-fuzz --version "$version" --locked --root "$root"
fi
export PATH="$root/bin:$PATH"

toolchain="${FUZZ_TOOLCHAIN:-nightly}"
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "[fuzz] the $toolchain toolchain is missing (libFuzzer's sanitizers need nightly): rustup toolchain install $toolchain" >&2
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi

seconds="${FUZZ_SECONDS:-60}"
if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo "+$toolchain" fuzz list)
fi

start=$(date +%s)
# Release with debug assertions and overflow checks (cargo-fuzz's default), address sanitizer.
echo "[fuzz] building ${targets[*]}"
cargo "+$toolchain" fuzz build --target-dir "$target_dir"
echo "[fuzz] build took $(($(date +%s) - start)) s"

passed=0
failed=0
for t in "${targets[@]}"; do
    work="fuzz/target/corpus/$t"
    mkdir -p "$work" "fuzz/corpus/$t"
    log="$(mktemp)"
    set +e
    cargo "+$toolchain" fuzz run --target-dir "$target_dir" "$t" "$work" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    st=$?
    set -e
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    if [[ $st -eq 0 ]]; then
        passed=$((passed + 1))
        echo "[fuzz] $t: ${execs:-?} executions in ${seconds} s, 0 crashes"
    else
        failed=$((failed + 1))
        echo "[fuzz] $t: ${execs:-?} executions, CRASHED (exit $st); the last lines:" >&2
        tail -40 "$log" >&2
        ls "fuzz/artifacts/$t" >&2 2>/dev/null || true
    fi
    rm -f "$log"
done

if [[ $failed -gt 0 ]]; then
    echo "fuzz: $passed passed, $failed failed"
    exit 1
fi
echo "fuzz: $passed passed"
