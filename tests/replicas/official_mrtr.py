#!/usr/bin/env python3
"""The official MCP Python SDK client (PyPI `mcp` 2.x, tests/interop/requirements.txt) in the
2026-07-28 era, through a load balancer in round-robin, calling the interactive example's
`book_trip`: a form (elicitation), a question for the client's model (sampling) and the
client's roots, each a multi round-trip retry that the SDK makes itself and that the load
balancer sends to the next replica.

    official_mrtr.py URL

Prints `PASS <text>` and exits 0 when the trip is booked; prints `REFUSED <code> <message>`
and exits 1 when a retry was refused (a replica without the key that signed its state).
"""

import sys

import anyio
from mcp import Client, types
from mcp.shared.exceptions import MCPError

SUGGESTION = "Walk the Fushimi Inari gates at dawn."
ROOT_URI = "file:///tmp/replica-trips"
ASKED: list[str] = []


async def on_elicit(ctx, params):
    ASKED.append("elicitation")
    return types.ElicitResult(action="accept", content={"destination": "Kyoto", "nights": 4, "confirm": True})


async def on_sample(ctx, params):
    ASKED.append("sampling")
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=SUGGESTION),
        model="replicas-model",
        stop_reason="endTurn",
    )


async def on_roots(ctx):
    ASKED.append("roots")
    return types.ListRootsResult(roots=[types.Root(uri=ROOT_URI, name="trips")])


async def run(url: str) -> int:
    async with Client(
        url,
        mode="2026-07-28",
        read_timeout_seconds=30,
        elicitation_callback=on_elicit,
        sampling_callback=on_sample,
        list_roots_callback=on_roots,
    ) as client:
        try:
            r = await client.call_tool("book_trip", {"traveller": "Ada"})
        except MCPError as e:
            print(f"REFUSED {e.error.code} {e.error.message}")
            return 1
        text = " ".join(c.text for c in r.content if getattr(c, "type", None) == "text")
        print(f"asked: {ASKED}")
        for part in ("4 nights in Kyoto", "for Ada", SUGGESTION, ROOT_URI):
            if part not in text:
                print(f"FAIL book_trip text lacks {part!r}: {text!r}")
                return 1
        if sorted(set(ASKED)) != ["elicitation", "roots", "sampling"]:
            print(f"FAIL not every callback was asked: {ASKED}")
            return 1
        print(f"PASS {text[:160]}")
        return 0


def main() -> int:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    return anyio.run(run, sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
