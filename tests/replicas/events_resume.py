#!/usr/bin/env python3
"""A legacy (2025-11-25) session's resumable stream, through a load balancer
that names the replica in an `X-Replica` response header
(tests/replicas/haproxy.cfg), whose replica stops in the middle of it.

    events_resume.py URL kill PID1 PID2 PID3
    events_resume.py URL term PID1 PID2 PID3

Starts a session, calls examples/interactive's `long_task` (one progress
notification every 100 ms) with a progress token, reads five progress
events, then stops the replica that runs the call (`rN` -> PIDN):

- `kill`: SIGKILL. The client resumes with `Last-Event-ID` on another
  replica: every event the dead replica stored comes once, in order, then
  the JSON-RPC error for the call (-32603, the replica stopped).
- `term`: SIGTERM. The draining replica ends the stream with a `retry:` hint;
  the client resumes elsewhere and gets every remaining event once, in
  order, and the call's result.

Prints `HOME <replica>`, `RETRY <ms>` (term), `RESUMED <replica> <events>`,
then `PASS ...` (exit 0) or `FAIL ...` (exit 1). Standard library only.
"""

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request

VERSION = "2025-11-25"
SECONDS = 5


def request(url, body=None, session=None, last_event_id=None, timeout=30):
    headers = {"accept": "application/json, text/event-stream"}
    if body is not None:
        headers["content-type"] = "application/json"
    if session:
        headers["mcp-session-id"] = session
        headers["mcp-protocol-version"] = VERSION
    if last_event_id:
        headers["accept"] = "text/event-stream"
        headers["last-event-id"] = last_event_id
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET", headers=headers)
    try:
        return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        return e


def events(resp):
    """SSE events as dicts with `id`, `retry` and `data` (JSON or None)."""
    ev = {}
    for raw in resp:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if ev:
                yield ev
            ev = {}
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "id":
            ev["id"] = value
        elif field == "retry":
            ev["retry"] = int(value)
        elif field == "data" and value.strip():
            ev["data"] = json.loads(value)
    if ev:
        yield ev


def fail(why):
    print(f"FAIL {why}")
    sys.exit(1)


def main():
    url, mode, pids = sys.argv[1], sys.argv[2], sys.argv[3:6]
    resp = request(url, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": VERSION, "capabilities": {},
        "clientInfo": {"name": "events-resume", "version": "1"}}})
    session = resp.headers.get("mcp-session-id")
    resp.read()
    if resp.status != 200 or not session:
        fail(f"initialize: {resp.status}")
    resp = request(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
    resp.read()
    if resp.status != 202:
        fail(f"notifications/initialized: {resp.status}")

    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "long_task", "arguments": {"seconds": SECONDS}, "_meta": {"progressToken": "t"}}}
    resp = request(url, call, session)
    home = resp.headers.get("x-replica")
    print(f"HOME {home}")
    if resp.status != 200 or not resp.headers.get("content-type", "").startswith("text/event-stream"):
        fail(f"the call was not answered with a stream: {resp.status}")
    seen = []  # progress values, in the order received
    ids = []
    last_id = None
    stream = events(resp)
    for ev in stream:
        if "id" in ev:
            last_id = ev["id"]
        msg = ev.get("data")
        if msg and msg.get("method") == "notifications/progress":
            seen.append(msg["params"]["progress"])
            ids.append(ev["id"])
            if len(seen) == 5:
                break
    if len(seen) < 5:
        fail(f"only {len(seen)} progress events before the stream ended")
    pid = int(pids[int(home.lstrip("r")) - 1])

    if mode == "kill":
        # A few more events are stored (and sent) meanwhile, unread here: the
        # resumed stream must bring them.
        time.sleep(0.35)
        os.kill(pid, signal.SIGKILL)
        resp.close()
    else:
        os.kill(pid, signal.SIGTERM)
        # The rest of this connection: maybe a few more events, then `retry:`.
        retry = None
        for ev in stream:
            if "id" in ev:
                last_id = ev["id"]
            msg = ev.get("data")
            if msg and msg.get("method") == "notifications/progress":
                seen.append(msg["params"]["progress"])
                ids.append(ev["id"])
            elif msg:
                fail(f"the draining replica answered instead of sending the client elsewhere: {msg}")
            if "retry" in ev:
                retry = ev["retry"]
        if retry is None:
            fail("the draining replica closed the stream without a retry: hint")
        print(f"RETRY {retry}")
        time.sleep(retry / 1000)

    # Resume on whichever replica the load balancer picks (not the stopped one,
    # once its health check fails): a few tries while it finds out.
    deadline = time.time() + 20
    while True:
        try:
            resp = request(url, None, session, last_id)
            if resp.status == 200:
                break
            why = f"{resp.status} {resp.read()[:200]!r}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            why = str(e)
        if time.time() > deadline:
            fail(f"could not resume within 20 s: {why}")
        time.sleep(0.5)
    where = resp.headers.get("x-replica")
    final = None
    resumed = 0
    for ev in events(resp):
        msg = ev.get("data")
        if msg and msg.get("method") == "notifications/progress":
            seen.append(msg["params"]["progress"])
            ids.append(ev["id"])
            resumed += 1
        elif msg:
            final = msg
    print(f"RESUMED {where} {resumed}")
    if where == home:
        fail(f"resumed on the stopped replica {home}")
    if seen != [float(i) for i in range(1, len(seen) + 1)]:
        fail(f"events lost or repeated: progress {seen}")
    if len(set(ids)) != len(ids):
        fail(f"an event id came twice: {ids}")
    if final is None or final.get("id") != 7:
        fail(f"no final message for the call: {final}")
    if mode == "kill":
        if resumed == 0:
            fail("the resumed stream brought none of the events stored before the kill")
        err = final.get("error") or {}
        if err.get("code") != -32603 or "send it again" not in err.get("message", ""):
            fail(f"expected the owner-died error, got {final}")
        print(f"PASS {len(seen)} events once each ({resumed} after the resume on {where}), then: {err['message']}")
    else:
        text = (final.get("result") or {}).get("content", [{}])[0].get("text", "")
        if len(seen) != SECONDS * 10 or "finished all" not in text:
            fail(f"expected all {SECONDS * 10} steps and the result, got {len(seen)} and {final}")
        print(f"PASS {len(seen)} events once each ({resumed} after the resume on {where}), then: {text}")


if __name__ == "__main__":
    main()
