#!/usr/bin/env python3
"""A modern-era (2026-07-28) `subscriptions/listen` stream on one replica hears
a resource change made on another (examples/interactive's `add_note`, which
reports `interactive://status` as updated): the cluster bus carries it.

    listen_across.py LISTEN_URL NOTE_URL SECONDS

Opens the listen stream at LISTEN_URL, then calls `add_note` at NOTE_URL every
half second until `notifications/resources/updated` for interactive://status
arrives on the stream (a bus that is subscribing again after Redis came back
may miss the first ones: pub/sub keeps nothing), for at most SECONDS. Prints
`LISTENING <status>`, one `NOTE <status>` per call, then `PASS ...` (exit 0)
or `FAIL ...` (exit 1).

Standard library only.
"""

import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request

MODERN = "2026-07-28"
URI = "interactive://status"
META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "listen-across", "version": "1"},
}


def request(url, rid, method, params, name=None, timeout=10):
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": MODERN,
        "mcp-method": method,
    }
    if name:
        headers["mcp-name"] = name
    body = {"jsonrpc": "2.0", "id": rid, "method": method, "params": dict(params, _meta=META)}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        return e


def read_stream(resp, out):
    """Puts every JSON message of an SSE stream on `out`, then None at its end."""
    try:
        for raw in resp:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("data:") and line[5:].strip():
                out.put(json.loads(line[5:].strip()))
    except Exception as e:  # the stream broke: the main loop reports it
        out.put({"broken": str(e)})
    out.put(None)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    listen_url, note_url, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    resp = request(listen_url, 1, "subscriptions/listen",
                   {"notifications": {"resourceSubscriptions": [URI]}}, timeout=seconds + 10)
    print(f"LISTENING {resp.status}")
    if resp.status != 200 or not resp.headers.get("content-type", "").startswith("text/event-stream"):
        print(f"FAIL the listen request was not answered with a stream: {resp.status} {resp.read()[:300]!r}")
        return 1
    got = queue.Queue()
    threading.Thread(target=read_stream, args=(resp, got), daemon=True).start()
    deadline = time.monotonic() + seconds
    notes = 0
    while time.monotonic() < deadline:
        notes += 1
        with request(note_url, 100 + notes, "tools/call",
                     {"name": "add_note", "arguments": {"text": f"note {notes}"}}, name="add_note") as r:
            r.read()
            print(f"NOTE {r.status}")
        wait_until = min(deadline, time.monotonic() + 0.5)
        while time.monotonic() < wait_until:
            try:
                msg = got.get(timeout=max(0.01, wait_until - time.monotonic()))
            except queue.Empty:
                break
            if msg is None or "broken" in (msg or {}):
                print(f"FAIL the listen stream ended: {msg}")
                return 1
            if msg.get("method") == "notifications/resources/updated" and msg.get("params", {}).get("uri") == URI:
                print(f"PASS the listener heard {URI} updated on another replica after {notes} notes")
                return 0
    print(f"FAIL no notifications/resources/updated for {URI} within {seconds} s ({notes} notes)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
