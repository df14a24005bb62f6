#!/usr/bin/env python3
"""Interop check of the middleware example (examples/middleware.rs) with the official Python MCP
SDK (PyPI `mcp` 2.x) client: tags and an excluded tag, a tool made by a transform, a rate limit
refusing with JSON-RPC -32000, and the custom extension `com.example/call-counts` (advertised in
the capabilities, its method `counts/get` sent as a raw request).

Usage:
    middleware_python.py [--mode auto|legacy|2026-07-28] [--expect-era modern|legacy]
                         -- <server command> [args...]
    middleware_python.py [--mode ...] [--expect-era ...] --url http://HOST:PORT/mcp

Over stdio this client has the server to itself, so the counts must match its own calls exactly;
over HTTP every client shares one server and one caller (127.0.0.1), so `add` may already be
throttled when it starts (a refused call is retried after `retryAfterMs`) and the counts are
lower bounds.

Exits 0 when every check passes, 1 on the first failed check (reason on stderr).
Keep the checks in step with middleware_ts_v1.mjs and middleware_ts_v2.mjs.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

import anyio
from mcp import Client, types
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from pydantic import TypeAdapter

NAME = "python-middleware"
STEP = "connect"

TAGS_META = "io.mcp-serve/tags"
EXTENSION = "com.example/call-counts"
SETTINGS = {"resetsWith": "reset_counts"}
RATE_LIMITED = -32000
MAX_ADD_CALLS = 25  # the example allows 20 per 10 s
BURST, REFILL_S = 20, 0.5  # add's token bucket: 20 at once, then one more each 10 s / 20


def at(step: str) -> None:
    global STEP
    STEP = step


class CheckFailed(Exception):
    pass


def log(msg: str) -> None:
    print(f"[{NAME}] {msg}", flush=True)


def check(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


def dump(obj: Any) -> str:
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(by_alias=True, mode="json", exclude_none=True)
    return json.dumps(obj, sort_keys=True, default=str)[:600]


def texts(result: Any) -> list[str]:
    return [c.text for c in (result.content or []) if getattr(c, "type", None) == "text"]


def num_eq(text: str, want: float) -> bool:
    try:
        return float(text) == want
    except ValueError:
        return False


def rate_limited(e: MCPError) -> bool:
    data = e.data if isinstance(e.data, dict) else {}
    return e.code == RATE_LIMITED and isinstance(data.get("retryAfterMs"), (int, float)) and data["retryAfterMs"] > 0


class Adds:
    """The successful `add` calls this client made."""

    ok = 0
    waits = 0  # refusals of add(2,3) caused by other clients of a shared server


async def call_add(client: Client, a: float, b: float, shared: bool) -> types.CallToolResult:
    """add(a, b); on a shared (HTTP) server, waits out a refusal another client's calls caused."""
    for _ in range(40):
        try:
            r = await client.call_tool("add", {"a": a, "b": b})
        except MCPError as e:
            if not (shared and rate_limited(e)):
                raise
            Adds.waits += 1
            await anyio.sleep(e.data["retryAfterMs"] / 1000 + 0.05)
            continue
        if not r.is_error:
            Adds.ok += 1
        return r
    raise CheckFailed("add stayed rate limited for 40 retries")


async def counts_get(client: Client) -> dict[str, Any]:
    """The extension's custom method, through the session's generic send_request."""
    request = types.Request[dict[str, Any], str](method="counts/get", params={})
    result = await client.session.send_request(request, TypeAdapter(dict[str, Any]))
    counts = result.get("counts")
    check(isinstance(counts, dict), f"counts/get must answer {{counts: {{...}}}}: {dump(result)}")
    return counts


async def unknown_tool_error(client: Client, name: str) -> tuple[str, Any]:
    """How a call of `name` fails: ("error", (code, message with the name blanked)) or ("result", texts)."""
    try:
        r = await client.call_tool(name, {})
    except MCPError as e:
        return "error", (e.code, e.message.replace(name, "<tool>"))
    check(r.is_error is True, f"calling {name} must fail: {dump(r)}")
    return "result", [t.replace(name, "<tool>") for t in texts(r)]


async def run(args: argparse.Namespace) -> None:
    shared = bool(args.url)
    if args.url:
        params: Any = args.url
    else:
        params = StdioServerParameters(command=args.server[0], args=list(args.server[1:]))
    at("connect")
    async with Client(params, mode=args.mode, read_timeout_seconds=args.timeout) as client:
        era = "modern" if client.session.discover_result is not None else "legacy"
        info = client.server_info
        log(
            f"server={info.name if info else '?'}/{info.version if info else '?'} "
            f"protocol={client.protocol_version} era={era} mode={args.mode}"
            + (" transport=streamable-http" if args.url else "")
        )
        if args.expect_era:
            check(era == args.expect_era, f"negotiated era {era!r}, expected {args.expect_era!r}")

        # ---- the extension, as advertised (initialize result or server/discover) -------------
        at("capabilities.extensions")
        caps = client.server_capabilities
        exts = caps.extensions or {}
        check(
            exts.get(EXTENSION) == SETTINGS,
            f"capabilities.extensions[{EXTENSION!r}] must be {SETTINGS}: {dump(caps)}",
        )
        log(f"capabilities.extensions ok ({'server/discover' if era == 'modern' else 'initialize'}): {dump(exts)}")

        # ---- tags, the excluded tag, the transform -------------------------------------------
        at("tools/list")
        tools = {t.name: t for t in (await client.list_tools()).tools}
        check(sorted(tools) == ["add", "increment"], f"tools/list must be exactly add, increment: {sorted(tools)}")
        for t in tools.values():
            tags = (t.meta or {}).get(TAGS_META)
            check(tags == ["math"], f"{t.name}: _meta[{TAGS_META!r}] must be ['math'], got {tags!r}")
        schema = tools["increment"].input_schema or {}
        props, required = schema.get("properties", {}), schema.get("required", [])
        check("n" in props and "n" in required, f"increment inputSchema must require n: {dump(schema)}")
        check(
            not {"a", "b"} & (set(props) | set(required)),
            f"increment inputSchema must have no a/b (renamed, fixed): {dump(schema)}",
        )
        log("tools/list ok: add, increment tagged math; reset_counts hidden; increment takes n")

        at("counts/get (before)")
        before = await counts_get(client)
        check(before.get("add", 0) == 0 or shared, f"a fresh server must have counted no add calls: {before}")

        at("tools/call add {a: 2, b: 3}")
        started = time.monotonic()
        r = await call_add(client, 2, 3, shared)
        check(not r.is_error and texts(r) and num_eq(texts(r)[0], 5), f"add(2,3) must be 5: {dump(r)}")
        at("tools/call increment {n: 41}")
        r = await client.call_tool("increment", {"n": 41})
        check(not r.is_error and texts(r) and num_eq(texts(r)[0], 42), f"increment(n=41) must be 42: {dump(r)}")
        log(f"add(2,3) = 5 (after {Adds.waits} rate-limit waits), increment(n=41) = 42")

        # ---- the excluded tool fails exactly as an unknown one -------------------------------
        at("tools/call reset_counts")
        hidden = await unknown_tool_error(client, "reset_counts")
        at("tools/call no_such_tool")
        unknown = await unknown_tool_error(client, "no_such_tool")
        check(hidden == unknown, f"reset_counts must fail as an unknown tool does: {hidden} vs {unknown}")
        log(f"reset_counts fails as an unknown tool: {hidden}")

        # ---- the rate limit -------------------------------------------------------------------
        refusal: MCPError | None = None
        ok_before = Adds.ok
        for i in range(MAX_ADD_CALLS):
            at(f"tools/call add (rate limit, call {i + 1})")
            try:
                r = await client.call_tool("add", {"a": i, "b": 1})
            except MCPError as e:
                refusal = e
                break
            check(not r.is_error and num_eq(texts(r)[0], i + 1), f"add({i},1): {dump(r)}")
            Adds.ok += 1
        check(refusal is not None, f"add was never refused in {MAX_ADD_CALLS} calls")
        check(
            rate_limited(refusal),
            f"the refusal must be JSON-RPC {RATE_LIMITED} with data.retryAfterMs > 0: "
            f"code {refusal.code} {refusal.message!r} data {refusal.data!r}",
        )
        if not shared:
            # A server of its own: the burst less the add(2,3) already made, plus what the
            # bucket refilled meanwhile (nothing when the calls take under 0.5 s).
            extra, burst = Adds.ok - ok_before, BURST - 1
            refilled = math.floor((time.monotonic() - started) / REFILL_S)
            check(
                burst <= extra <= burst + refilled,
                f"expected {burst} more adds before the refusal (+ up to {refilled} refilled), got {extra}",
            )
        log(
            f"rate limit ok: refused after {Adds.ok - ok_before} more calls: {refusal.code} {refusal.message!r} "
            f"data={refusal.data}"
        )

        # ---- the extension's method ---------------------------------------------------------
        at("counts/get")
        counts = await counts_get(client)
        if shared:
            check(counts.get("add", 0) >= Adds.ok, f"counts.add must be >= the {Adds.ok} adds made here: {counts}")
        else:
            check(counts.get("add") == Adds.ok, f"counts.add must be the {Adds.ok} adds made here: {counts}")
            check(counts.get("increment") == 1, f"counts.increment must be 1: {counts}")
        log(f"counts/get ok: {counts} ({Adds.ok} successful adds here)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="auto")
    ap.add_argument("--expect-era", choices=["modern", "legacy"])
    ap.add_argument("--lenient", action="store_true")  # accepted for interop.sh symmetry
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--url")
    ap.add_argument("server", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.server and args.server[0] == "--":
        args.server = args.server[1:]
    if bool(args.url) == bool(args.server):
        ap.error("give either --url or a server command")
    try:
        anyio.run(run, args)
    except CheckFailed as e:
        print(f"[{NAME}] FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    except BaseException as e:  # noqa: BLE001
        while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
            e = e.exceptions[0]
        if isinstance(e, CheckFailed):
            print(f"[{NAME}] FAIL: {e}", file=sys.stderr, flush=True)
        else:
            code = f" (code {e.code})" if isinstance(e, MCPError) else ""
            print(f"[{NAME}] FAIL: during {STEP}: unexpected {type(e).__name__}{code}: {e}", file=sys.stderr, flush=True)
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
