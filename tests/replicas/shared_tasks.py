#!/usr/bin/env python3
"""Modern-era (2026-07-28) tasks through a load balancer that names the
replica in an `X-Replica` response header (tests/replicas/haproxy.cfg), on
examples/interactive's `slow_task`.

    shared_tasks.py URL start SECONDS       starts slow_task(SECONDS) as a task: prints
                                            `CREATED <task id> <replica>`
    shared_tasks.py URL wait ID STATUS T    polls tasks/get for task ID every 0.3 s until
                                            its status is STATUS, for at most T seconds;
                                            prints `<replica> <status>` per poll, then
                                            `OK <replicas that answered> | <result text or
                                            error message>`, or `FAIL ...` (exit 1)

Standard library only.
"""

import json
import sys
import time
import urllib.error
import urllib.request

VERSION = "2026-07-28"
TASKS = "io.modelcontextprotocol/tasks"


def post(url, method, params, name):
    """POSTs one modern request; returns (replica, JSON-RPC message)."""
    params = dict(params)
    params["_meta"] = {
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS: {}}},
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": VERSION,
        "mcp-method": method,
        "mcp-name": name,
    }
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as e:
        resp = e
    except OSError as e:
        return "?", {"unreachable": str(e)}
    replica = resp.headers.get("x-replica", "?")
    if resp.status != 200:
        # HAProxy answers 503 for a replica just killed, until its health check fails.
        return replica, {"unreachable": "HTTP %d" % resp.status}
    text = resp.read().decode()
    try:
        return replica, json.loads(text)
    except ValueError:
        for line in text.splitlines():
            if line.startswith("data:"):
                try:
                    msg = json.loads(line[5:].strip())
                except ValueError:
                    continue
                if "id" in msg:
                    return replica, msg
    return replica, {"error": {"code": 0, "message": "no answer: " + text[:200]}}


def start(url, seconds):
    replica, msg = post(url, "tools/call", {"name": "slow_task", "arguments": {"seconds": seconds}}, "slow_task")
    result = msg.get("result") or {}
    if result.get("resultType") != "task":
        print("FAIL not a task:", json.dumps(msg))
        return 1
    print("CREATED", result["taskId"], replica)
    return 0


def wait(url, task_id, want, limit):
    deadline = time.time() + limit
    replicas = set()
    while True:
        replica, msg = post(url, "tasks/get", {"taskId": task_id}, task_id)
        if "unreachable" in msg:
            print(replica, "unreachable:", msg["unreachable"])
            if time.time() > deadline:
                print("FAIL unreachable after", limit, "s")
                return 1
            time.sleep(0.3)
            continue
        if "error" in msg:
            print("FAIL", replica, json.dumps(msg["error"]))
            return 1
        task = msg["result"]
        status = task.get("status")
        replicas.add(replica)
        print(replica, status)
        if status == want:
            if status == "completed":
                detail = "".join(c.get("text", "") for c in task.get("result", {}).get("content", []))
            else:
                detail = (task.get("error") or {}).get("message") or task.get("statusMessage", "")
            print("OK", " ".join(sorted(replicas)), "|", detail)
            return 0
        if status in ("completed", "failed", "cancelled"):
            print("FAIL ended", status, json.dumps(task))
            return 1
        if time.time() > deadline:
            print("FAIL still", status, "after", limit, "s")
            return 1
        time.sleep(0.3)


def main(argv):
    if len(argv) == 4 and argv[2] == "start":
        return start(argv[1], int(argv[3]))
    if len(argv) == 6 and argv[2] == "wait":
        return wait(argv[1], argv[3], argv[4], float(argv[5]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
