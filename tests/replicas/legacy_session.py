#!/usr/bin/env python3
"""A legacy (2025-11-25, `initialize`) session over Streamable HTTP through a
load balancer that names the replica in an `X-Replica` response header
(tests/replicas/haproxy*.cfg).

    legacy_session.py URL init        starts a session: prints `SESSION <id> <replica>`,
                                      then `<replica> <status>` for its
                                      notifications/initialized, and `LOST ...` (exit 1)
                                      when that was refused
    legacy_session.py URL use ID N    sends N tools/list in session ID; prints one line
                                      per request: `<replica> <status>`, then
                                      `OK <replicas>` when all were answered 200, or
                                      `LOST <status> <replica>: <message>` at the first
                                      refusal (exit 1)

Standard library only.
"""

import json
import sys
import urllib.error
import urllib.request

VERSION = "2025-11-25"


def post(url, body, session=None):
    """POSTs one JSON-RPC message; returns (status, replica, headers, JSON or None)."""
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
    }
    if session:
        headers["mcp-session-id"] = session
        headers["mcp-protocol-version"] = VERSION
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as e:
        resp = e
    with resp:
        status = resp.status if hasattr(resp, "status") else resp.code
        replica = resp.headers.get("x-replica")
        text = resp.read().decode()
        msg = None
        if resp.headers.get("content-type", "").startswith("text/event-stream"):
            for line in text.splitlines():
                if line.startswith("data:"):
                    m = json.loads(line[5:].strip())
                    if m.get("id") == body.get("id"):
                        msg = m
        elif text.strip():
            msg = json.loads(text)
        return status, replica, resp.headers, msg


def why(msg):
    """The message of a JSON-RPC error response, else the response."""
    return (msg or {}).get("error", {}).get("message", msg)


def init(url):
    status, replica, headers, msg = post(
        url,
        {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": VERSION,
                "capabilities": {},
                "clientInfo": {"name": "legacy-session", "version": "1"},
            },
        },
    )
    session = headers.get("mcp-session-id")
    if status != 200 or not session or not msg or "result" not in msg:
        print(f"FAIL initialize: {status} {msg}")
        return 1
    print(f"SESSION {session} {replica}")
    status, other, _, msg = post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
    print(f"{other} {status}")
    if status != 202:
        print(f"LOST {status} {other}: {why(msg)}")
        return 1
    return 0


def use(url, session, n):
    seen = []
    for i in range(1, n + 1):
        body = {"jsonrpc": "2.0", "id": i, "method": "tools/list", "params": {}}
        status, replica, _, msg = post(url, body, session)
        print(f"{replica} {status}")
        if status != 200 or not msg or "result" not in msg:
            print(f"LOST {status} {replica}: {why(msg)}")
            return 1
        seen.append(str(replica))
    print("OK " + " ".join(seen))
    return 0


def main():
    if len(sys.argv) >= 3 and sys.argv[2] == "init":
        return init(sys.argv[1])
    if len(sys.argv) == 5 and sys.argv[2] == "use":
        return use(sys.argv[1], sys.argv[3], int(sys.argv[4]))
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
