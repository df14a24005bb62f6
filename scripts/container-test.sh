#!/usr/bin/env bash
# Container test: the quickstart example in a `FROM scratch` image (deploy/Containerfile.scratch),
# built and run with rootful podman + runc, the way the deployment guides in deploy/ rely on.
#
#   scripts/container-test.sh
#
# 1. Installs what is missing with apt (podman, runc, curl, musl-tools; we are root on Debian).
# 2. Builds the server: a static musl binary (`rustup target add x86_64-unknown-linux-musl`,
#    then `cargo build --target x86_64-unknown-linux-musl --example quickstart`, debug: the
#    release build users get from deploy/Dockerfile takes minutes longer and tests nothing more
#    here). When the musl target or musl-gcc cannot be installed, it builds the glibc binary
#    instead and copies in the shared libraries and the dynamic loader `ldd` names. It says
#    which one it built.
# 3. Builds the image with `podman build` (FROM scratch + COPY: no registry needed), runs it with
#    `podman --runtime runc run --ulimit nofile=1024:1024 --ulimit nproc=1024:1024` (read-only,
#    no capabilities), PORT set and the port published on 127.0.0.1, and checks: it becomes
#    healthy, runs as uid 65534, a modern-era tools/call and a legacy-era session answer through
#    the published port, a foreign Host header is refused (see HOSTS_ENFORCED below), and
#    `podman stop` (SIGTERM) ends it with exit code 0 well before podman's SIGKILL.
# 4. Checks deploy/Dockerfile, whose `rust:` builder stage cannot be built here (no registry):
#    its runtime stage is the one tested, and its Rust is new enough for the workspace. Checks
#    deploy/kubernetes.yaml against the Kubernetes schemas (PyPI kubernetes-validate, in a venv
#    in the cache) and against the image and this run (port, user, restrictions, probes).
# The container and the image are removed on exit, whatever happens.
#
# Environment:
#   MCP_SERVE_CACHE          cache root (default $HOME/.cache/mcp-serve); the musl build's target
#                            directory lives in container/ there, dropped when Cargo.lock or
#                            rustc changes
#   CONTAINER_TEST_BUILD     auto (default: musl if it can be installed, else glibc), musl, glibc
#   CONTAINER_TEST_TIMEOUT   seconds for the container to become healthy (default 30)
#
# Output: `PASS name` / `FAIL name reason` per check, then exactly one line
# `container-test: N passed, M failed`. Exit status is non-zero if any check failed.
set -euo pipefail

# ---- the three switches for features landing on main ------------------------------------
# How the server is told to serve HTTP: `port` sets PORT only (Server::run honours it); `flag`
# also passes `--http 0.0.0.0:$PORT` for servers that predate PORT.
HTTP_BY=port
# What "healthy" means: `healthz` waits for GET /healthz -> 200 and checks GET /readyz -> 200;
# `mcp` waits for /mcp to answer at all, for servers that predate the health endpoints.
HEALTH_BY=healthz
# Whether a non-loopback bind enforces MCP_SERVE_ALLOWED_HOSTS: `yes` checks that a foreign Host
# is refused with 403; `no` skips that check, for servers that accept any Host beyond loopback.
HOSTS_ENFORCED=yes
# ---------------------------------------------------------------------------------------------

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="${MCP_SERVE_CACHE:-$HOME/.cache/mcp-serve}/container"
BUILD="${CONTAINER_TEST_BUILD:-auto}"
START_TIMEOUT="${CONTAINER_TEST_TIMEOUT:-30}"
MUSL=x86_64-unknown-linux-musl
# The port the server listens on inside the container: not the image's default 8080, so a
# server that ignored PORT would not answer.
PORT=8181
# The protocol revision of the modern era, and a legacy one.
MODERN=2026-07-28
LEGACY=2025-06-18
# podman stop's grace period: SIGKILL after it. A clean exit must come well before.
STOP_GRACE=10
mkdir -p "$CACHE"

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1${2:+ $2}"; }
die() { # die REASON: a failure that stops the run (nothing after it can be checked)
    fail setup "$1"
    echo "container-test: $PASSED passed, $FAILED failed"
    exit 1
}

# ---- podman --------------------------------------------------------------------------------
apt_install() { # apt_install PKG...: installs the missing ones; the log goes to $CACHE
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v apt-get >/dev/null 2>&1 || { echo "apt-get not found to install ${missing[*]}"; return 1; }
    echo "installing ${missing[*]} with apt-get (log: $CACHE/apt.log)"
    # Waits for a dpkg lock another install holds instead of failing at once.
    if ! { timeout 300 apt-get -o DPkg::Lock::Timeout=120 update -qq &&
           DEBIAN_FRONTEND=noninteractive timeout 600 apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
               "${missing[@]}"; } >"$CACHE/apt.log" 2>&1; then
        tail -n 20 "$CACHE/apt.log" | sed 's/^/    | /'
        return 1
    fi
}

# Debian's podman brings conmon, netavark and iptables (to publish ports) with it; the test
# asks for runc, which the podman package only takes as an alternative to crun.
apt_install podman runc curl || die "cannot install podman"
PODMAN=(podman)
# Without systemd (containers, VMs whose init is something else) podman must neither ask
# systemd for cgroups nor log events to the journal.
if [[ ! -d /run/systemd/system ]]; then
    PODMAN+=(--cgroup-manager=cgroupfs --events-backend=file)
fi
timeout 60 "${PODMAN[@]}" info >"$CACHE/podman-info.log" 2>&1 ||
    { tail -n 20 "$CACHE/podman-info.log" | sed 's/^/    | /'; die "podman info failed"; }
echo "podman $(podman version --format '{{.Client.Version}}'), $(runc --version | head -1)," \
     "storage $("${PODMAN[@]}" info --format '{{.Store.GraphDriverName}}')," \
     "cgroups $("${PODMAN[@]}" info --format '{{.Host.CgroupsVersion}} {{.Host.CgroupManager}}')"

# ---- the server binary ---------------------------------------------------------------------
WORK="$(mktemp -d)"
IMAGE="localhost/mcp-serve-container-test:$$"
NAME="mcp-serve-container-test-$$"
cleanup() {
    timeout 30 "${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
    timeout 30 "${PODMAN[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
# Ended from outside (a CI timeout, Ctrl-C): still remove the container and the image.
trap 'exit 143' TERM
trap 'exit 130' INT
ROOTFS="$WORK/rootfs"
mkdir -p "$ROOTFS"

WHY_NOT_MUSL=""
musl_available() { # the target, and musl-gcc for the C code (aws-lc) in the dependencies
    command -v rustup >/dev/null 2>&1 || { WHY_NOT_MUSL="rustup not found"; return 1; }
    if ! rustup target list --installed | grep -qx "$MUSL"; then
        timeout 300 rustup target add "$MUSL" >"$CACHE/rustup.log" 2>&1 ||
            { WHY_NOT_MUSL="rustup target add $MUSL failed: $(tail -n 1 "$CACHE/rustup.log")"; return 1; }
    fi
    apt_install musl-tools || { WHY_NOT_MUSL="cannot install musl-tools (musl-gcc)"; return 1; }
}

build_musl() {
    # A target directory of its own in the cache: a clean clone rebuilds only the workspace
    # crates. Dropped whole when the lock file or the compiler changes, so it cannot grow.
    local key dir
    key="$( { cat Cargo.lock; rustc -vV; } | sha256sum | cut -c1-16)"
    dir="$CACHE/target-musl-$key"
    local d
    for d in "$CACHE"/target-musl-*; do
        [[ -d "$d" && "$d" != "$dir" ]] && rm -rf "$d"
    done
    echo "building the quickstart for $MUSL (cargo target dir: $dir)"
    CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$dir" timeout 1800 \
        cargo build --quiet --locked --target "$MUSL" --example quickstart || return 1
    cp "$dir/$MUSL/debug/examples/quickstart" "$ROOTFS/server"
}

build_glibc() {
    # The same debug build scripts/test.sh made for the interop tests: nothing to compile.
    echo "building the quickstart for the host (glibc)"
    timeout 1800 cargo build --quiet --locked --example quickstart || return 1
    cp target/debug/examples/quickstart "$ROOTFS/server"
    # Every library ldd resolves, and the loader, at the paths the binary looks for them.
    local lib
    while read -r lib; do
        mkdir -p "$ROOTFS$(dirname "$lib")"
        cp -L "$lib" "$ROOTFS$lib"
    done < <(ldd "$ROOTFS/server" | grep -oE '(=> )?/[^ ]+' | sed 's/^=> //' | sort -u)
}

case "$BUILD" in
    musl) musl_available || die "the musl build was asked for and cannot be installed: $WHY_NOT_MUSL"; BUILT=musl ;;
    glibc) BUILT=glibc ;;
    auto)
        if musl_available; then
            BUILT=musl
        else
            echo "the musl target cannot be installed ($WHY_NOT_MUSL): using the glibc build with its libraries"
            BUILT=glibc
        fi
        ;;
    *) die "CONTAINER_TEST_BUILD must be auto, musl or glibc, got $BUILD" ;;
esac
"build_$BUILT" || die "the $BUILT build of the quickstart failed"
# Debug info is half the binary and of no use in the image.
strip "$ROOTFS/server" 2>/dev/null || true
echo "built: $BUILT ($(du -sh "$ROOTFS" | cut -f1) in the image's rootfs: $(cd "$ROOTFS" && find . -type f | sort | tr '\n' ' '))"

# A musl build is static (no program interpreter); a glibc one brought every library it needs.
if [[ $BUILT == musl ]]; then
    if LC_ALL=C readelf -l "$ROOTFS/server" | grep -q INTERP; then
        fail static-binary "the musl build asks for a dynamic loader: $(LC_ALL=C readelf -l "$ROOTFS/server" | grep -A1 INTERP | tail -1)"
    else
        pass static-binary
    fi
else
    interp="$(LC_ALL=C readelf -l "$ROOTFS/server" | grep -oE '/[^]]*ld-linux[^]]*' || true)"
    if [[ -n "$interp" && -f "$ROOTFS$interp" ]]; then
        pass glibc-libraries-copied
    else
        fail glibc-libraries-copied "the loader ${interp:-(none found)} is not in the rootfs"
    fi
fi

# ---- deploy/Dockerfile: what can be checked without building its rust: stage ---------------
# The runtime stage: everything after the last FROM except its COPY, compared with the tested
# Containerfile's.
runtime_stage() {
    awk '/^FROM /{buf=""; next} /^COPY /{next} /^[A-Z]+ /{buf=buf $0 "\n"} END{printf "%s", buf}' "$1"
}
if diff <(runtime_stage deploy/Dockerfile) <(runtime_stage deploy/Containerfile.scratch) >"$WORK/stage.diff"; then
    pass dockerfile-runtime-stage-is-tested
else
    fail dockerfile-runtime-stage-is-tested "deploy/Dockerfile's last stage differs from deploy/Containerfile.scratch:"
    sed 's/^/    | /' "$WORK/stage.diff"
fi
# The builder's Rust must build the workspace: at least its rust-version.
want="$(sed -nE 's/^rust-version = "([0-9]+\.[0-9]+).*/\1/p' Cargo.toml)"
have="$(sed -nE 's/^FROM ([^ ]*\/)?rust:([0-9]+\.[0-9]+).* AS builder.*/\2/p' deploy/Dockerfile)"
if [[ -n "$want" && -n "$have" ]] && [[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" == "$want" ]]; then
    pass dockerfile-rust-version
else
    fail dockerfile-rust-version "deploy/Dockerfile builds with rust:${have:-?}, the workspace needs ${want:-?}"
fi

# ---- deploy/kubernetes.yaml: valid, and asking only for what this test runs ----------------
KV_VERSION=1.37.0
kv_env="$CACHE/kubernetes-validate-$KV_VERSION"
if [[ ! -f "$kv_env/.installed" ]]; then
    rm -rf "$kv_env"
    if { python3 -m venv "$kv_env" &&
         timeout 300 "$kv_env/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
             "kubernetes-validate==$KV_VERSION"; } >"$CACHE/pip.log" 2>&1; then
        touch "$kv_env/.installed"
    else
        tail -n 20 "$CACHE/pip.log" | sed 's/^/    | /'
        rm -rf "$kv_env"
        die "cannot install kubernetes-validate (python3-venv missing?)"
    fi
fi
# 1.30: the oldest Kubernetes with the preStop sleep action the manifest uses.
if "$kv_env/bin/kubernetes-validate" --strict --quiet deploy/kubernetes.yaml >"$WORK/kv.log" 2>&1 &&
   "$kv_env/bin/kubernetes-validate" --strict --quiet -k 1.30.0 deploy/kubernetes.yaml >>"$WORK/kv.log" 2>&1; then
    pass "kubernetes.yaml validates (Kubernetes 1.30 and $KV_VERSION schemas)"
else
    fail "kubernetes.yaml validates"
    sed 's/^/    | /' "$WORK/kv.log"
fi
# The manifest against the image and this test's run: the port, the user, the restrictions,
# the probe paths and their Host, the grace period.
if "$kv_env/bin/python" - deploy/kubernetes.yaml deploy/Containerfile.scratch "$PORT" >"$WORK/k8s.log" 2>&1 <<'PY'
import re, sys, yaml
manifest, containerfile, _ = sys.argv[1:]
docs = {d["kind"]: d for d in yaml.safe_load_all(open(manifest))}
pod = docs["Deployment"]["spec"]["template"]["spec"]
c = pod["containers"][0]
env = {e["name"]: e.get("value") for e in c["env"]}
cf = open(containerfile).read()
problems = []
def want(ok, what):
    if not ok:
        problems.append(what)
ports = {p.get("name"): p["containerPort"] for p in c["ports"]}
want(env.get("PORT") == str(ports.get("http")), f"env PORT {env.get('PORT')} is not the http containerPort {ports.get('http')}")
want(f"EXPOSE {ports.get('http')}" in cf, f"the image does not EXPOSE {ports.get('http')}")
hosts = [h.strip() for h in (env.get("MCP_SERVE_ALLOWED_HOSTS") or "").split(",") if h.strip()]
want(hosts, "MCP_SERVE_ALLOWED_HOSTS is not set")
for probe, path in [("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")]:
    get = c.get(probe, {}).get("httpGet", {})
    want(get.get("path") == path, f"{probe} is not GET {path}")
    want(get.get("port") in ("http", ports.get("http")), f"{probe} does not probe the http port")
    host = {h["name"].lower(): h["value"] for h in get.get("httpHeaders", [])}.get("host")
    want(host in hosts or "*" in hosts, f"{probe} sends Host {host!r}, not one of MCP_SERVE_ALLOWED_HOSTS {hosts}")
user = re.search(r"^USER (\d+):(\d+)", cf, re.M)
sc = pod.get("securityContext", {})
want(user and sc.get("runAsUser") == int(user[1]) and sc.get("runAsGroup") == int(user[2]),
     f"runAsUser/runAsGroup {sc.get('runAsUser')}/{sc.get('runAsGroup')} are not the image's USER")
want(sc.get("runAsNonRoot") is True, "runAsNonRoot is not set")
csc = c.get("securityContext", {})
want(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem is not true (the test runs --read-only)")
want(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
want(csc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities are not all dropped")
# preStop pause + the transport's 10 s drain must fit the grace period.
pause = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
want(pod.get("terminationGracePeriodSeconds", 30) >= pause + 10,
     f"terminationGracePeriodSeconds {pod.get('terminationGracePeriodSeconds')} < preStop {pause} s + 10 s drain")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
then
    pass "kubernetes.yaml matches the image and the tested run"
else
    fail "kubernetes.yaml matches the image and the tested run"
    sed 's/^/    | /' "$WORK/k8s.log"
fi

# ---- the image -----------------------------------------------------------------------------
cp deploy/Containerfile.scratch "$WORK/Containerfile"
if ! timeout 300 "${PODMAN[@]}" build -q -f "$WORK/Containerfile" -t "$IMAGE" "$WORK" >"$WORK/build.log" 2>&1; then
    sed 's/^/    | /' "$WORK/build.log"
    die "podman build failed"
fi
echo "image: $("${PODMAN[@]}" image inspect "$IMAGE" --format '{{.Size}}') bytes," \
     "$("${PODMAN[@]}" image inspect "$IMAGE" --format '{{len .RootFS.Layers}}') layer(s)"

# Also the restrictions deploy/kubernetes.yaml asks for (read-only root, no capabilities, no
# privilege escalation), so the manifest relies on nothing the test did not run with.
# shellcheck disable=SC2054 # the comma is in the host list, not between elements
run_args=(-d --name "$NAME" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
          --read-only --cap-drop=all --security-opt=no-new-privileges
          -e PORT="$PORT" -e MCP_SERVE_ALLOWED_HOSTS=localhost,127.0.0.1
          -e RUST_LOG=info -e NO_COLOR=1 -p "127.0.0.1::$PORT" "$IMAGE")
[[ $HTTP_BY == flag ]] && run_args+=(--http "0.0.0.0:$PORT")
if ! timeout 60 "${PODMAN[@]}" --runtime runc run "${run_args[@]}" >"$WORK/run.log" 2>&1; then
    sed 's/^/    | /' "$WORK/run.log"
    die "podman run failed"
fi
show_logs() { timeout 10 "${PODMAN[@]}" logs "$NAME" 2>&1 | tail -n 20 | sed 's/^/    | /'; }
hostport="$(timeout 10 "${PODMAN[@]}" port "$NAME" "$PORT/tcp" 2>/dev/null | head -1 || true)"
if [[ "$hostport" != 127.0.0.1:* ]]; then
    if [[ "$("${PODMAN[@]}" inspect "$NAME" --format '{{.State.Running}}')" != true ]]; then
        show_logs
        die "the server exited at once (code $("${PODMAN[@]}" inspect "$NAME" --format '{{.State.ExitCode}}')): did it serve stdio instead of HTTP on \$PORT?"
    fi
    die "podman port gave no 127.0.0.1 address for $PORT/tcp: $hostport"
fi
BASE="http://$hostport"
echo "container $NAME (runtime $("${PODMAN[@]}" inspect "$NAME" --format '{{.OCIRuntime}}')) serving at $BASE"

# ---- checks against the running container --------------------------------------------------
CURL=(curl -sS --max-time 5)
status_of() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || echo 000; }

# healthy: answers within START_TIMEOUT
started=$(date +%s)
healthy=0
while (( $(date +%s) - started < START_TIMEOUT )); do
    if [[ "$("${PODMAN[@]}" inspect "$NAME" --format '{{.State.Running}}')" != true ]]; then
        break
    fi
    if [[ $HEALTH_BY == healthz ]]; then
        [[ "$(status_of "$BASE/healthz")" == 200 ]] && { healthy=1; break; }
    else
        [[ "$(status_of "$BASE/mcp")" != 000 ]] && { healthy=1; break; }
    fi
    sleep 0.2
done
if [[ $healthy -eq 1 ]]; then
    pass "healthy ($HEALTH_BY, $(( $(date +%s) - started )) s)"
else
    fail healthy "no answer at $BASE within ${START_TIMEOUT}s (running: $("${PODMAN[@]}" inspect "$NAME" --format '{{.State.Running}}'))"
    show_logs
    die "the container never became healthy"
fi
if [[ $HEALTH_BY == healthz ]]; then
    st="$(status_of "$BASE/readyz")"
    if [[ $st == 200 ]]; then pass readyz; else fail readyz "GET /readyz answered $st, not 200"; fi
fi

# The image's USER: an unprivileged uid, as runAsNonRoot wants.
uid="$(timeout 10 "${PODMAN[@]}" top "$NAME" user 2>/dev/null | tail -n +2 | head -1 | tr -d ' ')"
if [[ $uid == 65534 ]]; then
    pass "runs as uid 65534"
else
    fail "runs as uid 65534" "podman top says user ${uid:-?}"
fi

# A modern-era (2026-07-28) call: no session, the method and name mirrored in headers.
modern_call() { # modern_call HOST-HEADER -> body on stdout, status in $WORK/status
    "${CURL[@]}" -o "$WORK/body" -w '%{http_code}' "$BASE/mcp" -H "Host: $1" \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -H "MCP-Protocol-Version: $MODERN" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: add' \
        -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},"_meta":{"io.modelcontextprotocol/protocolVersion":"'"$MODERN"'","io.modelcontextprotocol/clientCapabilities":{}}}}' \
        >"$WORK/status" 2>"$WORK/curl.err" || echo 000 >"$WORK/status"
}
modern_call "$hostport"
if [[ "$(cat "$WORK/status")" == 200 ]] && grep -q '"text":"5"' "$WORK/body" && grep -q '"id":1' "$WORK/body"; then
    pass "modern tools/call (add 2 3 = 5)"
else
    fail "modern tools/call" "status $(cat "$WORK/status"): $(head -c 400 "$WORK/body" 2>/dev/null) $(cat "$WORK/curl.err")"
fi

# A legacy-era session: initialize, the session id, notifications/initialized, tools/call.
legacy_ok=0
hdrs=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
if "${CURL[@]}" -D "$WORK/init.h" -o "$WORK/init.b" "$BASE/mcp" "${hdrs[@]}" \
       -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"'"$LEGACY"'","capabilities":{},"clientInfo":{"name":"container-test","version":"0"}}}' 2>"$WORK/curl.err"; then
    sid="$(tr -d '\r' <"$WORK/init.h" | sed -nE 's/^[Mm]cp-[Ss]ession-[Ii]d: *//p' | head -1)"
    if [[ -n "$sid" ]] && grep -q "\"protocolVersion\":\"$LEGACY\"" "$WORK/init.b"; then
        st="$(status_of "$BASE/mcp" "${hdrs[@]}" -H "Mcp-Session-Id: $sid" -H "MCP-Protocol-Version: $LEGACY" \
            -d '{"jsonrpc":"2.0","method":"notifications/initialized"}')"
        "${CURL[@]}" -o "$WORK/call.b" "$BASE/mcp" "${hdrs[@]}" -H "Mcp-Session-Id: $sid" \
            -H "MCP-Protocol-Version: $LEGACY" \
            -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"greet","arguments":{"name":"container"}}}' \
            2>>"$WORK/curl.err" || true
        # The answer may come as JSON or as one SSE event; either way it holds the text.
        if [[ $st == 202 ]] && grep -q 'Hello, container!' "$WORK/call.b"; then
            legacy_ok=1
        else
            legacy_detail="initialized: $st; tools/call: $(head -c 400 "$WORK/call.b" 2>/dev/null)"
        fi
    else
        legacy_detail="initialize gave no session or another version: $(head -c 400 "$WORK/init.b")"
    fi
else
    legacy_detail="initialize failed: $(cat "$WORK/curl.err")"
fi
if [[ $legacy_ok -eq 1 ]]; then
    pass "legacy session ($LEGACY initialize + tools/call greet)"
else
    fail "legacy session" "$legacy_detail"
fi

# DNS rebinding protection holds behind the published port: a Host outside
# MCP_SERVE_ALLOWED_HOSTS is refused.
if [[ $HOSTS_ENFORCED == yes ]]; then
    modern_call "attacker.example"
    st="$(cat "$WORK/status")"
    if [[ $st == 403 ]]; then
        pass "foreign Host refused (403)"
    else
        fail "foreign Host refused" "Host: attacker.example answered $st: $(head -c 300 "$WORK/body" 2>/dev/null)"
    fi
fi

echo "memory in use after the calls: $(timeout 10 "${PODMAN[@]}" stats --no-stream --format '{{.MemUsage}}' "$NAME" 2>/dev/null || echo '?')"

# podman stop sends SIGTERM, then SIGKILL after STOP_GRACE seconds: the server must exit 0 first.
t0=$(date +%s%N)
timeout $((STOP_GRACE + 20)) "${PODMAN[@]}" stop -t "$STOP_GRACE" "$NAME" >/dev/null 2>&1 || true
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
code="$("${PODMAN[@]}" inspect "$NAME" --format '{{.State.ExitCode}}' 2>/dev/null || echo '?')"
# When the server itself ended, as conmon saw it; podman stop also tears down the network.
finished="$("${PODMAN[@]}" inspect "$NAME" --format '{{.State.FinishedAt}}' 2>/dev/null | sed 's/ UTC$//')"
exit_ms="$(( ($(date -d "$finished" +%s%N 2>/dev/null || echo "$t1") - t0) / 1000000 ))"
if [[ "$code" == 0 ]] && (( ms < STOP_GRACE * 1000 )); then
    pass "SIGTERM: exit code 0, the server gone after $exit_ms ms, podman stop done after $ms ms"
else
    fail "SIGTERM" "exit code $code after $ms ms (podman kills at ${STOP_GRACE} s)"
    show_logs
fi
if timeout 10 "${PODMAN[@]}" logs "$NAME" 2>&1 | grep -qiE 'panicked|thread .* panicked'; then
    fail "no panic in the logs"
    show_logs
else
    pass "no panic in the logs"
fi

echo "container-test ($BUILT build): image $("${PODMAN[@]}" image inspect "$IMAGE" --format '{{.Size}}') bytes"
echo "container-test: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
