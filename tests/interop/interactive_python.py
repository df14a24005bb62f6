#!/usr/bin/env python3
"""Interop check of the interactive example (examples/interactive.rs) with the official Python
MCP SDK (PyPI `mcp` 2.x) client: progress and log notifications, form and URL elicitation,
sampling and roots (answered by this script's callbacks), cancellation, resource updates.

Usage:
    interactive_python.py [--mode auto|legacy|2026-07-28] [--expect-era modern|legacy]
                          -- <server command> [args...]
    interactive_python.py [--mode ...] [--expect-era ...] --url http://HOST:PORT/mcp

How the callbacks were reached is checked against the era: on a legacy (`initialize`) session
the server sends real server->client requests (JSON-RPC ids `mcp-serve-N`); on a 2026-07-28
connection it answers `input_required` and the SDK fulfils the embedded requests and retries
(multi round-trip requests: the callback context's request_id is the inputRequests key).

Exits 0 when every check passes, 1 on the first failed check (reason on stderr).
Keep the checks in step with interactive_ts_v1.mjs and interactive_ts_v2.mjs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import anyio
from mcp import Client, types
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

NAME = "python-interactive"
STEP = "connect"

# What this script's "user" and "model" answer.
FORM_ANSWER = {"destination": "Kyoto", "nights": 4, "confirm": True}
SUGGESTION = "Walk the Fushimi Inari gates at dawn."
ROOT_URI = "file:///tmp/interop-trips"
STATUS_URI = "interactive://status"


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


class Seen:
    """What the callbacks and notification handlers saw."""

    def __init__(self) -> None:
        self.input: list[tuple[str, str, Any]] = []  # (method, request_id, params)
        self.logs: list[Any] = []
        self.updated: list[str] = []

    def ids(self, method: str) -> list[str]:
        return [str(i) for m, i, _ in self.input if m == method]


SEEN = Seen()


async def on_elicit(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    SEEN.input.append(("elicitation/create", ctx.request_id, params))
    if getattr(params, "mode", None) == "url":
        return types.ElicitResult(action="accept")
    props = (getattr(params, "requested_schema", None) or {}).get("properties", {})
    if "color" in props:
        return types.ElicitResult(action="accept", content={"color": "blue"})
    return types.ElicitResult(action="accept", content=dict(FORM_ANSWER))


async def on_sample(ctx: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
    SEEN.input.append(("sampling/createMessage", ctx.request_id, params))
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=SUGGESTION),
        model="interop-model",
        stop_reason="endTurn",
    )


async def on_roots(ctx: Any) -> types.ListRootsResult:
    SEEN.input.append(("roots/list", ctx.request_id, None))
    return types.ListRootsResult(roots=[types.Root(uri=ROOT_URI, name="trips")])


async def on_log(params: types.LoggingMessageNotificationParams) -> None:
    SEEN.logs.append(params.data)


async def on_message(message: Any) -> None:
    root = getattr(message, "root", message)
    if isinstance(root, types.ResourceUpdatedNotification):
        SEEN.updated.append(str(root.params.uri))


def check_path(era: str, method: str, ids: list[str]) -> None:
    """The callback was reached the way the era prescribes."""
    check(bool(ids), f"{method}: the callback was never called")
    if era == "legacy":
        check(
            all(i.startswith("mcp-serve-") for i in ids),
            f"{method}: legacy session must use server->client requests (ids mcp-serve-N), got ids {ids}",
        )
    else:
        check(
            not any(i.startswith("mcp-serve-") for i in ids),
            f"{method}: modern connection must use input_required round trips, got JSON-RPC ids {ids}",
        )


async def status(client: Client) -> dict[str, Any]:
    rr = await client.read_resource(STATUS_URI)
    return json.loads(rr.contents[0].text)


async def run(args: argparse.Namespace) -> None:
    if args.url:
        params: Any = args.url
    else:
        params = StdioServerParameters(command=args.server[0], args=list(args.server[1:]))
    at("connect")
    async with Client(
        params,
        mode=args.mode,
        read_timeout_seconds=args.timeout,
        elicitation_callback=on_elicit,
        sampling_callback=on_sample,
        list_roots_callback=on_roots,
        logging_callback=on_log,
        message_handler=on_message,
        log_level="debug",
    ) as client:
        era = "modern" if client.session.discover_result is not None else "legacy"
        info = client.server_info
        log(
            f"server={info.name if info else '?'}/{info.version if info else '?'} "
            f"protocol={client.protocol_version} era={era} mode={args.mode}"
            + (" transport=streamable-http" if args.url else "")
        )
        if args.expect_era:
            check(era == args.expect_era, f"negotiated era {era!r}, expected {args.expect_era!r}")
        if era == "legacy":
            at("logging/setLevel debug")
            await client.set_logging_level("debug")

        at("tools/list")
        names = {t.name for t in (await client.list_tools()).tools}
        want = {"crunch", "book_trip", "pick_color", "connect_account", "long_task", "add_note", "unlock_bonus"}
        check(want <= names, f"tools/list lacks {sorted(want - names)}: {sorted(names)}")

        # ---- progress + logging ----------------------------------------------------------
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(p: float, total: float | None, message: str | None) -> None:
            progress.append((p, total, message))

        at("tools/call crunch {steps: 5}")
        r = await client.call_tool("crunch", {"steps": 5}, progress_callback=on_progress)
        check(not r.is_error, f"crunch returned isError: {dump(r)}")
        check(any("sum of squares = 55" in t for t in texts(r)), f"crunch text: {texts(r)}")
        await anyio.sleep(0.1)  # notifications may trail the result on some transports
        check(len(progress) >= 2, f"crunch: expected >= 2 progress notifications, got {progress}")
        check(progress[-1][0] == 5 and progress[-1][1] == 5, f"crunch: last progress must be 5/5, got {progress}")
        check(
            all(a[0] <= b[0] for a, b in zip(progress, progress[1:])),
            f"crunch: progress must not go backwards: {progress}",
        )
        logged = json.dumps(SEEN.logs, default=str)
        check("crunching 5 steps" in logged, f"crunch: log message 'crunching 5 steps' not received: {logged[:400]}")
        log(f"progress ok ({len(progress)} notifications), logs ok ({len(SEEN.logs)} messages)")

        # ---- elicitation (form) + sampling + roots -----------------------------------------
        at("tools/call book_trip")
        r = await client.call_tool("book_trip", {"traveller": "Ada"})
        check(not r.is_error, f"book_trip returned isError: {dump(r)}")
        text = " ".join(texts(r))
        for part in ("4 nights in Kyoto", "for Ada", SUGGESTION, ROOT_URI):
            check(part in text, f"book_trip text must contain {part!r}: {text!r}")
        forms = [p for m, _, p in SEEN.input if m == "elicitation/create"]
        schema = getattr(forms[0], "requested_schema", None) or {}
        props = schema.get("properties", {})
        check(
            props.get("destination", {}).get("enum") == ["Lisbon", "Kyoto", "Reykjavik"],
            f"book_trip form: destination enum: {dump(schema)}",
        )
        check(props.get("nights", {}).get("default") == 3, f"book_trip form: nights default 3: {dump(schema)}")
        samples = [p for m, _, p in SEEN.input if m == "sampling/createMessage"]
        check(
            samples and "Kyoto" in dump(samples[0]) and samples[0].max_tokens == 100,
            f"book_trip sampling request: {dump(samples[0]) if samples else None}",
        )
        for method in ("elicitation/create", "sampling/createMessage", "roots/list"):
            check_path(era, method, SEEN.ids(method))
        log(f"book_trip ok via {'server->client requests' if era == 'legacy' else 'input_required round trips'}: "
            f"ids {[(m.split('/')[0], str(i)) for m, i, _ in SEEN.input]}")
        log(f"book_trip -> {text[:200]!r}")

        # ---- raw keyed elicitation ----------------------------------------------------------
        at("tools/call pick_color")
        n = len(SEEN.input)
        r = await client.call_tool("pick_color", {})
        check(texts(r) == ["You picked blue."], f"pick_color text: {dump(r)}")
        ids = [str(i) for _, i, _ in SEEN.input[n:]]
        check_path(era, "elicitation/create", ids)
        if era == "modern":
            check(ids == ["color"], f"pick_color: input request key must be 'color', got {ids}")
        log("pick_color ok")

        # ---- URL elicitation -----------------------------------------------------------------
        at("tools/call connect_account")
        n = len(SEEN.input)
        r = await client.call_tool("connect_account", {})
        check(not r.is_error, f"connect_account returned isError: {dump(r)}")
        text = " ".join(texts(r))
        check("agreed to open https://examplepay.example.com/" in text, f"connect_account text: {text!r}")
        urls = [p for _, _, p in SEEN.input[n:]]
        check(
            urls and getattr(urls[0], "mode", None) == "url" and str(getattr(urls[0], "url", "")).startswith("https://examplepay"),
            f"connect_account must send a URL-mode elicitation: {dump(urls[0]) if urls else None}",
        )
        check_path(era, "elicitation/create", [str(i) for _, i, _ in SEEN.input[n:]])
        log("connect_account ok")

        # ---- resource updates (legacy: resources/subscribe) -------------------------------
        if era == "legacy":
            at("resources/subscribe")
            await client.subscribe_resource(STATUS_URI)
        at("tools/call add_note")
        r = await client.call_tool("add_note", {"text": "interop note"})
        check(not r.is_error and "interop note" in " ".join(texts(r)), f"add_note: {dump(r)}")
        st = await status(client)
        check("interop note" in st.get("notes", []) and st.get("bookings", 0) >= 1, f"status after add_note: {st}")
        if era == "legacy":
            with anyio.move_on_after(5):
                while STATUS_URI not in SEEN.updated:
                    await anyio.sleep(0.05)
            check(STATUS_URI in SEEN.updated, "no notifications/resources/updated for interactive://status after add_note")
            log("resource update notification ok")

        # ---- cancellation ------------------------------------------------------------------
        at("tools/call long_task (cancelled after 0.5 s)")
        before = (await status(client)).get("cancelled_tasks", 0)
        with anyio.move_on_after(0.5) as scope:
            await client.call_tool("long_task", {"seconds": 20})
        check(scope.cancelled_caught, "long_task finished before it was cancelled")
        after = before
        with anyio.move_on_after(5):
            while after <= before:
                await anyio.sleep(0.1)
                after = (await status(client)).get("cancelled_tasks", 0)
        check(after > before, f"the server did not see the cancellation: cancelled_tasks still {after}")
        log("cancellation ok")


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
