#!/usr/bin/env python3
"""Interop check: the official Python MCP SDK (PyPI `mcp` 2.x) client against a stdio server
or (with --url) a Streamable HTTP endpoint.

Usage:
    python_client.py [--mode auto|legacy|2026-07-28] [--expect-era modern|legacy]
                     [--lenient] -- <server command> [args...]
    python_client.py [--mode ...] [--expect-era ...] [--lenient] --url http://HOST:PORT/mcp

With --url the SDK's Streamable HTTP transport is used (Client(<url string>)); the modes behave
the same way (auto: `server/discover` probe POST, falling back to an `initialize` session).

`--mode auto` (the SDK default) probes `server/discover` on the same pipe and falls back
to the legacy `initialize` handshake; `legacy` forces `initialize`; `2026-07-28` adopts the
modern revision without a probe. `--lenient` relaxes checks whose exact wording/shape is
mcp-serve specific (used to validate the script against a Python reference server).

Exits 0 when every check passes, 1 on the first failed check (reason on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

NAME = "python"
STEP = "connect"  # the request in flight, named in unexpected-error reports


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
    return json.dumps(obj, sort_keys=True)[:600]


def num_eq(actual: Any, expected: float) -> bool:
    try:
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return False


def mentions_field(text: str, field: str) -> bool:
    """True if `text` names `field` as a field (not merely contains the letter)."""
    f = re.escape(field)
    patterns = [
        rf"[`'\"]{f}[`'\"]",  # quoted: `a`, 'a', "a"
        rf"/{f}\b",  # JSON pointer: /a
        rf"(^|[\s(\[{{,;.]){f}\s*:",  # a: invalid type ...
        rf"^\s*{f}\s*$",  # pydantic-style line holding just the field name
        rf"\b(field|property|argument|parameter|param|key|arg)\s+[`'\"]?{f}\b",
        rf"\.{f}\b",  # arguments.a
    ]
    return any(re.search(p, text, re.MULTILINE | re.IGNORECASE) for p in patterns)


def texts(result: Any) -> list[str]:
    return [c.text for c in (result.content or []) if getattr(c, "type", None) == "text"]


async def run(args: argparse.Namespace) -> None:
    if args.url:
        params: Any = args.url  # a URL string selects the SDK's Streamable HTTP transport
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

        # ---- tools/list -------------------------------------------------------------
        at("tools/list")
        tl = await client.list_tools()
        names = [t.name for t in tl.tools]
        check(names == ["add", "divide", "greet", "stats"], f"tools/list names/order: got {names}")
        tools = {t.name: t for t in tl.tools}
        add = tools["add"]
        check(add.description == "Add two numbers.", f"add.description = {add.description!r}")
        props = (add.input_schema or {}).get("properties", {})
        req = set((add.input_schema or {}).get("required", []))
        check(
            props.get("a", {}).get("type") == "number" and props.get("b", {}).get("type") == "number",
            f"add inputSchema properties a/b must be type number: {dump(add.input_schema)}",
        )
        check({"a", "b"} <= req, f"add inputSchema.required must include a and b: {sorted(req)}")
        gprops = (tools["greet"].input_schema or {}).get("properties", {})
        greq = set((tools["greet"].input_schema or {}).get("required", []))
        check("name" in gprops and "greeting" in gprops, f"greet inputSchema properties: {sorted(gprops)}")
        check("name" in greq and "greeting" not in greq, f"greet required must be [name] only: {sorted(greq)}")
        nschema = (tools["stats"].input_schema or {}).get("properties", {}).get("numbers", {})
        check(nschema.get("type") == "array", f"stats.numbers must be type array: {dump(nschema)}")
        osch = tools["stats"].output_schema
        check(osch is not None, "stats has no outputSchema in tools/list")
        check(osch.get("type") == "object", f"stats outputSchema.type must be object: {dump(osch)}")
        missing = {"count", "sum", "mean", "min", "max"} - set(osch.get("properties", {}))
        check(not missing, f"stats outputSchema.properties missing {sorted(missing)}")
        log("tools/list ok")

        # ---- tools/call -------------------------------------------------------------
        at("tools/call add " + json.dumps({"a": 2, "b": 3}))
        r = await client.call_tool("add", {"a": 2, "b": 3})
        check(not r.is_error, f"add(2,3) returned isError: {dump(r)}")
        t = texts(r)
        check(t and num_eq(t[0], 5), f"add(2,3) text should parse as 5, got {t}")

        at("tools/call divide " + json.dumps({"a": 7, "b": 2}))

        r = await client.call_tool("divide", {"a": 7, "b": 2})
        check(not r.is_error, f"divide(7,2) returned isError: {dump(r)}")
        t = texts(r)
        check(t and num_eq(t[0], 3.5), f"divide(7,2) text should parse as 3.5, got {t}")

        at("tools/call divide " + json.dumps({"a": 1, "b": 0}))

        r = await client.call_tool("divide", {"a": 1, "b": 0})
        check(r.is_error is True, f"divide(1,0) must be an isError result: {dump(r)}")
        check(any("division by zero" in x for x in texts(r)), f"divide(1,0) text must contain 'division by zero': {texts(r)}")

        at("tools/call greet " + json.dumps({"name": "Ada"}))

        r = await client.call_tool("greet", {"name": "Ada"})
        check(texts(r) == ["Hello, Ada!"], f"greet(Ada) text: {texts(r)}")
        at("tools/call greet " + json.dumps({"name": "Ada", "greeting": "Hi"}))
        r = await client.call_tool("greet", {"name": "Ada", "greeting": "Hi"})
        check(texts(r) == ["Hi, Ada!"], f"greet(Ada, Hi) text: {texts(r)}")

        # The SDK validates structuredContent against the listed outputSchema client-side here
        # and raises RuntimeError("Invalid structured content returned by tool stats: ...").
        at("tools/call stats " + json.dumps({"numbers": [1, 2, 3, 4]}))
        try:
            r = await client.call_tool("stats", {"numbers": [1, 2, 3, 4]})
        except RuntimeError as e:
            raise CheckFailed(f"stats call rejected by client-side outputSchema validation: {e}")
        check(not r.is_error, f"stats returned isError: {dump(r)}")
        sc = r.structured_content
        check(isinstance(sc, dict), f"stats structuredContent must be an object: {dump(r)}")
        want = {"count": 4, "sum": 10, "mean": 2.5, "min": 1, "max": 4}
        for k, v in want.items():
            check(num_eq(sc.get(k), v), f"stats structuredContent.{k} = {sc.get(k)!r}, want {v}")
        t = texts(r)
        check(bool(t), f"stats must also return a text content block: {dump(r)}")
        try:
            parsed = json.loads(t[0])
        except ValueError:
            raise CheckFailed(f"stats text block is not JSON: {t[0]!r}")
        check(
            isinstance(parsed, dict) and all(num_eq(parsed.get(k), v) for k, v in want.items()),
            f"stats text JSON differs from structuredContent: {t[0]!r}",
        )
        log("tools/call ok")

        # ---- resources ----------------------------------------------------------------
        at("resources/list")
        rl = await client.list_resources()
        res = {str(x.uri): x for x in rl.resources}
        check("config://app" in res, f"resources/list lacks config://app: {sorted(res)}")
        cfg = res["config://app"]
        check(cfg.name == "app-config", f"config://app name = {cfg.name!r}")
        check(cfg.mime_type == "application/json", f"config://app mimeType = {cfg.mime_type!r}")
        at("resources/read config://app")
        rr = await client.read_resource("config://app")
        check(len(rr.contents) >= 1 and getattr(rr.contents[0], "text", None) is not None, f"config://app read: {dump(rr)}")
        check(
            json.loads(rr.contents[0].text) == {"theme": "dark", "version": "1.0.0"},
            f"config://app text: {rr.contents[0].text!r}",
        )

        at("resources/templates/list")

        tl2 = await client.list_resource_templates()
        tpls = {x.uri_template: x for x in tl2.resource_templates}
        check("users://{id}/profile" in tpls, f"resources/templates/list lacks users://{{id}}/profile: {sorted(tpls)}")
        tp = tpls["users://{id}/profile"]
        check(tp.name == "user-profile", f"template name = {tp.name!r}")
        check(tp.mime_type == "application/json", f"template mimeType = {tp.mime_type!r}")
        at("resources/read users://1/profile")
        rr = await client.read_resource("users://1/profile")
        text = getattr(rr.contents[0], "text", None) if rr.contents else None
        check(text is not None, f"users://1/profile read: {dump(rr)}")
        obj = json.loads(text)
        check(obj.get("id") == 1 and obj.get("name") == "Ada Lovelace", f"users://1/profile text: {text!r}")
        try:
            at("resources/read users://99/profile")
            rr = await client.read_resource("users://99/profile")
        except MCPError as e:
            log(f"users://99/profile -> JSON-RPC error {e.code}: {e.message}")
        else:
            raise CheckFailed(f"reading users://99/profile must yield a JSON-RPC error, got {dump(rr)}")
        log("resources ok")

        # ---- prompts --------------------------------------------------------------------
        at("prompts/list")
        pl = await client.list_prompts()
        prompts = {p.name: p for p in pl.prompts}
        check("review" in prompts, f"prompts/list lacks review: {sorted(prompts)}")
        pargs = {a.name: a for a in (prompts["review"].arguments or [])}
        check("code" in pargs and pargs["code"].required is True, f"review.code must be required: {dump(prompts['review'])}")
        check(
            "language" in pargs and not pargs["language"].required,
            f"review.language must be optional: {dump(prompts['review'])}",
        )
        at("prompts/get review")
        gp = await client.get_prompt("review", {"code": "fn main(){}", "language": "rust"})
        check(len(gp.messages) == 1, f"review must return exactly one message: {dump(gp)}")
        m = gp.messages[0]
        check(m.role == "user", f"review message role = {m.role!r}")
        mt = getattr(m.content, "text", None)
        check(mt is not None and "rust" in mt and "fn main(){}" in mt, f"review message text: {mt!r}")
        log("prompts ok")

        # ---- errors ---------------------------------------------------------------------
        try:
            at("tools/call nope " + json.dumps({}))
            r = await client.call_tool("nope", {})
        except MCPError as e:
            log(f"unknown tool -> JSON-RPC error {e.code}: {e.message}")
            check(e.code == -32602 or args.lenient, f"unknown tool error code {e.code}, want -32602")
            check("nope" in e.message or args.lenient, f"unknown tool error message must mention 'nope': {e.message!r}")
        else:
            check(r.is_error is True, f"unknown tool must raise or be an isError result: {dump(r)}")
            log(f"unknown tool -> surfaced as isError result (not a JSON-RPC error): {texts(r)}")
            check(any("nope" in x for x in texts(r)) or args.lenient, f"unknown-tool isError text must mention 'nope': {texts(r)}")

        try:
            at("tools/call add " + json.dumps({"a": "x", "b": 1}))
            r = await client.call_tool("add", {"a": "x", "b": 1})
        except MCPError as e:
            raise CheckFailed(f"add(a='x') must be an isError tool result, got JSON-RPC error {e.code}: {e.message}")
        check(r.is_error is True, f"add(a='x') must be an isError result: {dump(r)}")
        check(any(mentions_field(x, "a") for x in texts(r)), f"add(a='x') error text must mention field 'a': {texts(r)}")
        log(f"invalid args -> isError: {' | '.join(texts(r))[:200]!r}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="auto")
    ap.add_argument("--expect-era", choices=["modern", "legacy"])
    ap.add_argument("--lenient", action="store_true")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--url", help="Streamable HTTP endpoint (instead of a stdio server command)")
    ap.add_argument("server", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.server and args.server[0] == "--":
        args.server = args.server[1:]
    if args.url and args.server:
        ap.error("give either --url or a server command, not both")
    if not args.server and not args.url:
        ap.error("missing server command (or --url)")
    try:
        anyio.run(run, args)
    except CheckFailed as e:
        print(f"[{NAME}] FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    except BaseException as e:  # noqa: BLE001 - report anything else as a failure with its type
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
