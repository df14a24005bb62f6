#!/usr/bin/env python3
"""The official MCP Python SDK client (PyPI `mcp` 2.x, tests/interop/requirements.txt) in a
legacy session (`initialize`, Mcp-Session-Id), through a load balancer in round-robin, calling
the interactive example's `book_trip`: a form (elicitation), a question for the client's model
(sampling) and the client's roots, each a real server->client request on the call's stream.
The client POSTs each answer, and the load balancer sends it to the next replica, which is
mostly not the one that waits for it.

    official_legacy.py URL

Prints `PASS <text>` and exits 0 when the trip is booked through server->client requests (ids
`mcp-serve-<replica tag>-<n>`); prints `FAIL <why>` and exits 1 otherwise.
"""

import sys

import anyio
from mcp import Client, types
from mcp.shared.exceptions import MCPError

SUGGESTION = "Walk the Fushimi Inari gates at dawn."
ROOT_URI = "file:///tmp/replica-trips"
IDS: list[str] = []


async def on_elicit(ctx, params):
    IDS.append(str(ctx.request_id))
    return types.ElicitResult(action="accept", content={"destination": "Kyoto", "nights": 4, "confirm": True})


async def on_sample(ctx, params):
    IDS.append(str(ctx.request_id))
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=SUGGESTION),
        model="replicas-model",
        stop_reason="endTurn",
    )


async def on_roots(ctx):
    IDS.append(str(ctx.request_id))
    return types.ListRootsResult(roots=[types.Root(uri=ROOT_URI, name="trips")])


async def run(url: str) -> int:
    async with Client(
        url,
        mode="legacy",
        read_timeout_seconds=30,
        elicitation_callback=on_elicit,
        sampling_callback=on_sample,
        list_roots_callback=on_roots,
    ) as client:
        if client.session.discover_result is not None:
            print("FAIL the client did not start a legacy session")
            return 1
        try:
            r = await client.call_tool("book_trip", {"traveller": "Ada"})
        except MCPError as e:
            print(f"FAIL book_trip: {e.error.code} {e.error.message}")
            return 1
        text = " ".join(c.text for c in r.content if getattr(c, "type", None) == "text")
        print(f"server->client request ids: {IDS}")
        if r.is_error:
            print(f"FAIL book_trip returned isError: {text!r}")
            return 1
        for part in ("4 nights in Kyoto", "for Ada", SUGGESTION, ROOT_URI):
            if part not in text:
                print(f"FAIL book_trip text lacks {part!r}: {text!r}")
                return 1
        if len(IDS) != 3 or not all(i.startswith("mcp-serve-") for i in IDS):
            print(f"FAIL expected three server->client requests (ids mcp-serve-...), got {IDS}")
            return 1
        print(f"PASS {text[:160]}")
        return 0


def main() -> int:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    return anyio.run(run, sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
