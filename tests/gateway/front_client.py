#!/usr/bin/env python3
"""Gateway interop check: the official Python MCP SDK client (PyPI `mcp` 2.x) against
`mcp-serve proxy --config` serving the official TypeScript `server-everything` (as `ts`, stdio)
and a Python `mcp` MCPServer (tests/cli/python_server.py, as `py` over stdio and `pyhttp` over
Streamable HTTP) behind one endpoint. Run by scripts/gateway-interop.sh.

Usage: front_client.py --url http://HOST:PORT/mcp [--mode auto|legacy] --phase up|down|back

  up    every target is up: namespaced tools, calls, a resource template and a prompt of each;
        the TypeScript target's sampling and elicitation requests are answered by this client
        (as push requests in a legacy session, as input requests of the call in the modern era)
  down  `pyhttp` was stopped: within --timeout its tools answer with a tool error naming it,
        its tools leave the list, and tools/list's _meta reports it under io.mcp-serve/gateway
  back  `pyhttp` was restarted: within --timeout its tools are listed and answer again

Exits 0 when every check passes, 1 on the first failed check (reason on stderr).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import anyio
from checks import CheckFailed, check, run_checks, texts
from mcp import Client, types

NAME = "python-front"
SAMPLED = "A gateway relays: sampled by python-front."
ASKED: list[Any] = []


async def on_sample(ctx: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
    ASKED.append(params)
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=SAMPLED),
        model="front-model",
        stop_reason="endTurn",
    )


async def on_elicit(ctx: Any, params: Any) -> types.ElicitResult:
    ASKED.append(params)
    return types.ElicitResult(action="accept", content={"name": "Ada Lovelace", "check": True, "integer": 7})



async def names(client: Client) -> tuple[list[str], dict]:
    # Past the client's list cache: the phases poll for changes.
    r = await client.list_tools(cache_mode="bypass")
    return [t.name for t in r.tools], (r.meta or {})


async def up(client: Client) -> None:
    tools, meta = await names(client)
    for wanted in ["ts_get-sum", "ts_echo", "py_add", "py_echo", "pyhttp_add"]:
        check(wanted in tools, f"{wanted} missing from tools/list: {tools}")
    check("io.mcp-serve/gateway" not in meta, f"nothing is down, yet _meta says {meta}")
    r = await client.call_tool("ts_get-sum", {"a": 2, "b": 3})
    check(texts(r) == ["The sum of 2 and 3 is 5."], f"ts_get-sum: {texts(r)}")
    r = await client.call_tool("py_add", {"a": 2, "b": 3.5})
    check(texts(r) == ["5.5"] and not r.is_error, f"py_add: {r}")
    r = await client.call_tool("pyhttp_echo", {"text": "007"})
    check(texts(r) == ["echo: 007"], f"pyhttp_echo: {texts(r)}")
    r = await client.call_tool("py_fail", {"reason": "boom"})
    check(r.is_error is True and "boom" in " ".join(texts(r)), f"py_fail must be the target's tool error: {r}")
    rr = await client.read_resource("py+greeting://Ada")
    check(rr.contents[0].text == "Hello, Ada!", f"py+greeting://Ada: {rr}")
    rr = await client.read_resource("ts+demo://resource/dynamic/text/1")
    check(rr.contents[0].text.startswith("Resource 1:"), f"ts+demo://resource/dynamic/text/1: {rr}")
    templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
    check("py+greeting://{name}" in templates, f"py+greeting://{{name}} missing: {templates}")
    gp = await client.get_prompt("py_review", {"code": "fn main() {}", "language": "rust"})
    check(gp.messages[0].content.text == "Review this rust code:\nfn main() {}", f"py_review: {gp}")
    gp = await client.get_prompt("ts_args-prompt", {"city": "Paris", "state": "TX"})
    check(gp.messages[0].content.text == "What's weather in Paris, TX?", f"ts_args-prompt: {gp}")
    await inputs(client, tools)


async def inputs(client: Client, tools: list[str]) -> None:
    """The TypeScript target asks its client (the gateway) for sampling and elicitation; the
    gateway asks this client, and the answers reach the target's tool."""
    for wanted in ["ts_trigger-sampling-request", "ts_trigger-elicitation-request"]:
        check(wanted in tools, f"{wanted} missing (does the gateway declare the capability?): {tools}")
    ASKED.clear()
    r = await client.call_tool("ts_trigger-sampling-request", {"prompt": "tell me", "maxTokens": 21})
    said = " ".join(texts(r))
    check(not r.is_error and SAMPLED in said and "front-model" in said, f"sampling result: {said}")
    check(len(ASKED) == 1, f"one sampling request, got {ASKED}")
    asked = ASKED[0]
    check(asked.max_tokens == 21, f"the target's maxTokens: {asked}")
    first = asked.messages[0].content
    check("tell me" in getattr(first, "text", ""), f"the target's prompt: {asked.messages}")
    ASKED.clear()
    r = await client.call_tool("ts_trigger-elicitation-request", {})
    said = " ".join(texts(r))
    check(not r.is_error and "- Name: Ada Lovelace" in said and "- Favorite Integer: 7" in said, f"elicitation result: {said}")
    check(len(ASKED) == 1 and "name" in str(ASKED[0]), f"one elicitation request, got {ASKED}")


async def down(client: Client, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await client.call_tool("pyhttp_add", {"a": 1, "b": 2})
        except Exception as e:  # noqa: BLE001 - the call that finds the target gone may fail
            last = e
        else:
            said = " ".join(texts(last))
            if last.is_error and "`pyhttp`" in said and "unavailable" in said:
                break
        await anyio.sleep(0.3)
    else:
        raise CheckFailed(f"pyhttp_add never reported the target down: {last}")
    tools, meta = await names(client)
    check(not any(t.startswith("pyhttp_") for t in tools), f"pyhttp's tools are still listed: {tools}")
    check("py_add" in tools and "ts_get-sum" in tools, f"the other targets' tools must stay: {tools}")
    down_map = meta.get("io.mcp-serve/gateway", {}).get("down", {})
    check("pyhttp" in down_map and "py" not in down_map, f"tools/list _meta must report pyhttp down: {meta}")
    r = await client.call_tool("py_add", {"a": 1, "b": 2})
    check(texts(r) == ["3.0"], f"py_add while pyhttp is down: {texts(r)}")


async def back(client: Client, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tools, meta = await names(client)
        if "pyhttp_add" in tools:
            break
        await anyio.sleep(0.3)
    else:
        raise CheckFailed(f"pyhttp's tools did not come back: {tools} {meta}")
    check("io.mcp-serve/gateway" not in meta, f"everything is up, yet _meta says {meta}")
    r = await client.call_tool("pyhttp_add", {"a": 1, "b": 2})
    check(texts(r) == ["3.0"], f"pyhttp_add after reconnecting: {texts(r)}")


async def run(args: argparse.Namespace) -> None:
    async with Client(
        args.url,
        mode=args.mode,
        read_timeout_seconds=args.timeout,
        sampling_callback=on_sample,
        elicitation_callback=on_elicit,
    ) as client:
        era = "modern" if client.session.discover_result is not None else "legacy"
        print(f"[{NAME}] mode={args.mode} era={era} phase={args.phase}", flush=True)
        if args.mode == "auto":
            check(era == "modern", "the gateway's front is mcp-serve's engine: auto must end up modern")
        if args.phase == "up":
            await up(client)
        elif args.phase == "down":
            await down(client, args.timeout)
        else:
            await back(client, args.timeout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--mode", default="auto")
    ap.add_argument("--phase", choices=["up", "down", "back"], default="up")
    ap.add_argument("--timeout", type=float, default=40.0)
    args = ap.parse_args()
    return run_checks(NAME, run, args)


if __name__ == "__main__":
    sys.exit(main())
