#!/usr/bin/env python3
"""Mount interop check: the official Python MCP SDK client (PyPI `mcp` 2.x) against
examples/mount.rs served over Streamable HTTP: two servers (`weather`, `notes`) mounted in one.
Run by scripts/gateway-interop.sh.

Usage: mount_client.py --url http://HOST:PORT/mcp [--mode auto|legacy]

Checks, through the mount: prefixed tool and prompt names, prefixed resource URIs and templates,
a mounted tool's progress reaching this client, the mounted server's state, and liveness: a
resource the notes server adds while serving (through its tool `notes_add`) appears as
`notes+note://…`, with `notifications/resources/list_changed` in a legacy session.

Exits 0 when every check passes, 1 on the first failed check (reason on stderr).
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from typing import Any

import anyio
from checks import CheckFailed, check, run_checks, texts
from mcp import Client, types
from mcp.shared.exceptions import MCPError

NAME = "mount-front"
CHANGED: list[str] = []



async def on_message(message: Any) -> None:
    root = getattr(message, "root", message)
    if isinstance(root, types.ResourceListChangedNotification):
        CHANGED.append("resources")


async def run(args: argparse.Namespace) -> None:
    async with Client(
        args.url, mode=args.mode, read_timeout_seconds=args.timeout, message_handler=on_message
    ) as client:
        era = "modern" if client.session.discover_result is not None else "legacy"
        print(f"[{NAME}] mode={args.mode} era={era}", flush=True)
        if args.mode == "auto":
            check(era == "modern", "mcp-serve speaks 2026-07-28: auto must end up modern")

        tools = [t.name for t in (await client.list_tools()).tools]
        check(sorted(tools) == ["about", "notes_add", "weather_forecast"], f"tools/list: {tools}")
        prompts = [p.name for p in (await client.list_prompts()).prompts]
        check(prompts == ["weather_report"], f"prompts/list: {prompts}")

        progress: list[float] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append(done)

        r = await client.call_tool("weather_forecast", {"city": "Oslo"}, progress_callback=on_progress)
        check(texts(r) == ["Sunny in Oslo, 21 °C"], f"weather_forecast: {r}")
        check(progress == [1.0], f"the mounted tool's progress: {progress}")
        r = await client.call_tool("about", {})
        check(texts(r) == ["mount-demo mounts: weather, notes"], f"about: {texts(r)}")

        rr = await client.read_resource("weather+config://units")
        check(rr.contents[0].text == "C", f"weather+config://units (the mounted server's state): {rr}")
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        check(templates == ["weather+weather://{city}/today"], f"templates: {templates}")
        rr = await client.read_resource("weather+weather://Oslo/today")
        check(rr.contents[0].text == "Today in Oslo: light rain, clearing later.", f"the template: {rr}")
        gp = await client.get_prompt("weather_report", {"city": "Oslo"})
        check("weather report for Oslo" in gp.messages[0].content.text, f"weather_report: {gp}")
        try:
            r = await client.call_tool("weather_nope", {})
        except MCPError as e:
            check("weather_nope" in str(e), f"the unknown tool is named: {e}")
        else:
            raise CheckFailed(f"an unknown prefixed tool must be a protocol error: {r}")

        # Live: the notes server adds a resource while it serves.
        note = f"n-{uuid.uuid4().hex[:8]}"
        r = await client.call_tool("notes_add", {"name": note, "text": "buy milk"})
        check(texts(r) == [f"saved as notes+note://{note}"], f"notes_add: {texts(r)}")
        uris = [str(x.uri) for x in (await client.list_resources(cache_mode="bypass")).resources]
        check(f"notes+note://{note}" in uris, f"the added note is listed: {uris}")
        rr = await client.read_resource(f"notes+note://{note}")
        check(rr.contents[0].text == "buy milk", f"the added note: {rr}")
        if era == "legacy":
            deadline = time.monotonic() + 10
            while not CHANGED and time.monotonic() < deadline:
                await anyio.sleep(0.05)
            check(CHANGED == ["resources"], f"resources/list_changed on the session: {CHANGED}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--mode", default="auto")
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    return run_checks(NAME, run, args)


if __name__ == "__main__":
    sys.exit(main())
