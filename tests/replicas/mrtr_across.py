#!/usr/bin/env python3
"""A modern-era (2026-07-28) Multi Round-Trip Request whose retry lands on
another replica, through a load balancer that names the replica in an
`X-Replica` response header (tests/replicas/haproxy.cfg).

    mrtr_across.py URL

Calls the interactive example's `pick_color` tool: the first answer must be
`input_required` with a `requestState`; the retry, carrying the answer and the
state, must reach a *different* replica and finish ("You picked blue.").
Prints one line per step; exits 0 when the retry succeeded on another replica,
1 otherwise (the JSON-RPC error, e.g. "requestState rejected: integrity check
failed", is printed). Standard library only.
"""

import json
import sys
import urllib.request

MODERN = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
    "io.modelcontextprotocol/clientInfo": {"name": "mrtr-across", "version": "1"},
}


def call(url, rid, params):
    """POSTs tools/call; returns (replica, JSON-RPC response)."""
    body = {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "tools/call",
        "params": dict(params, _meta=META),
    }
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "mcp-protocol-version": MODERN,
            "mcp-method": "tools/call",
            "mcp-name": params["name"],
        },
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        replica = resp.headers.get("x-replica")
        text = resp.read().decode()
        if resp.headers.get("content-type", "").startswith("text/event-stream"):
            # The response is the last `data:` event that carries our id.
            found = None
            for line in text.splitlines():
                if line.startswith("data:"):
                    msg = json.loads(line[5:].strip())
                    if msg.get("id") == rid:
                        found = msg
            if found is None:
                raise SystemExit(f"no response in the stream: {text!r}")
            return replica, found
        return replica, json.loads(text)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    url = sys.argv[1]
    args = {"name": "pick_color", "arguments": {}}

    first_replica, first = call(url, 1, args)
    result = first.get("result") or {}
    print(f"first call on {first_replica}: resultType={result.get('resultType')}")
    if result.get("resultType") != "input_required" or "requestState" not in result:
        print(f"FAIL expected input_required with a requestState: {json.dumps(first)}")
        return 1
    keys = list(result.get("inputRequests", {}))
    if keys != ["color"]:
        print(f"FAIL expected one input request `color`: {keys}")
        return 1

    answer = {"color": {"action": "accept", "content": {"color": "blue"}}}
    retry = dict(args, inputResponses=answer, requestState=result["requestState"])
    retry_replica, second = call(url, 2, retry)
    print(f"retry on {retry_replica}")
    if not first_replica or not retry_replica:
        print("FAIL the load balancer did not name the replica (X-Replica)")
        return 1
    if retry_replica == first_replica:
        print(f"FAIL the retry reached the same replica ({retry_replica}): round-robin is not in effect")
        return 1
    if "error" in second:
        err = second["error"]
        print(f"FAIL the retry was refused: {err.get('code')} {err.get('message')}")
        return 1
    text = [c.get("text") for c in second.get("result", {}).get("content", [])]
    if text != ["You picked blue."]:
        print(f"FAIL unexpected result: {json.dumps(second)}")
        return 1
    print(f"PASS begun on {first_replica}, finished on {retry_replica}: {text[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
