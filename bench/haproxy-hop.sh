#!/usr/bin/env bash
# A byte-level HTTP proxy hop for the gateway comparison: HAProxy on $PORT in
# front of the backend on $BACKEND_PORT, with kept-alive backend connections.
# What it adds to a call is what one extra hop costs on this machine without
# any MCP work, the floor for the gateway row.
set -euo pipefail
: "${PORT:?PORT is the port to serve}" "${BACKEND_PORT:?BACKEND_PORT is the backend to forward to}"
# Beside the run's results (exec leaves no shell to clean a temporary file up).
CFG="${OUT:-${TMPDIR:-/tmp}}/haproxy-hop.cfg"
cat >"$CFG" <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    option http-keep-alive
frontend hop
    bind 127.0.0.1:$PORT
    default_backend backend
backend backend
    http-reuse always
    server b 127.0.0.1:$BACKEND_PORT
CFG
exec haproxy -db -f "$CFG"
