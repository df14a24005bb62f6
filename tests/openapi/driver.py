#!/usr/bin/env python3
"""Drives `mcp-serve openapi` (serving tests/openapi/app.py's document) with the official
MCP Python SDK client, over stdio or (with --url) Streamable HTTP. Prints `PASS <check>` per
check; exits 1 at the first failure (`FAIL <check>: <reason>`).

    driver.py --tools -- mcp-serve openapi http://127.0.0.1:PORT/openapi.json --api-key-env APP_API_KEY
    driver.py --resources --url http://127.0.0.1:PORT2/mcp
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters


class CheckFailed(Exception):
    pass


def passed(name: str) -> None:
    print(f"PASS {name}", flush=True)


def check(cond: bool, name: str, detail: Any = "") -> None:
    if not cond:
        raise CheckFailed(f"{name}: {detail}")


def dump(obj: Any) -> str:
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(by_alias=True, mode="json", exclude_none=True)
    return json.dumps(obj, sort_keys=True)[:800]


async def tools(client: Client) -> None:
    listed = {t.name: t for t in (await client.list_tools()).tools}
    names = sorted(listed)
    check(names == ["break_teapot", "create_item", "list_items", "read_item", "whoami"], "list tools", names)
    props = listed["read_item"].input_schema["properties"]
    check(
        sorted(props) == ["item_id", "q", "session", "x-request-id"],
        "path, query, header and cookie parameters are arguments",
        sorted(props),
    )
    create = listed["create_item"].input_schema
    # The path `id` clashes with the body's `id`: the body keeps it, the parameter is `id__path`.
    check(
        sorted(create["properties"]) == ["id", "id__path", "name", "price", "tags"]
        and sorted(create["required"]) == ["id", "id__path", "name", "price"],
        "a flattened JSON body, clashing names suffixed",
        dump(create),
    )
    check(
        listed["whoami"].input_schema.get("properties") == {},
        "the API key is no argument",
        dump(listed["whoami"].input_schema),
    )
    check(listed["read_item"].output_schema is not None, "response schemas become output schemas")
    passed("list tools and their schemas")

    r = await client.call_tool(
        "read_item", {"item_id": 7, "q": "blue", "x-request-id": "req-1", "session": "s=1/x"}
    )
    check(not r.is_error, "read_item", dump(r))
    check(
        r.structured_content == {"item_id": 7, "q": "blue", "request_id": "req-1", "session": "s=1/x"},
        "read_item carries each parameter kind",
        dump(r),
    )
    passed("call with path, query, header and cookie parameters")

    r = await client.call_tool("list_items", {"limit": 2, "tags": ["a", "b"]})
    items = (r.structured_content or {}).get("result")
    check(
        not r.is_error and isinstance(items, list) and len(items) == 2 and items[1]["tags"] == ["a", "b"],
        "list_items: a repeated query parameter, an array answer wrapped as `result`",
        dump(r),
    )
    check(json.loads(r.content[0].text)[0]["name"] == "item 1", "list_items text is the API's answer", dump(r))
    passed("call with array query parameter and an array answer")

    r = await client.call_tool(
        "create_item", {"id__path": 5, "id": 6, "name": "lamp", "price": 9.5, "tags": ["home"]}
    )
    check(
        not r.is_error
        and r.structured_content == {"id": 6, "name": "lamp", "price": 9.5, "tags": ["home"], "note": "path id 5"},
        "create_item sends the body and the path",
        dump(r),
    )
    passed("call with a JSON body")

    r = await client.call_tool("whoami", {})
    check(not r.is_error and r.structured_content == {"user": "ada"}, "whoami with the key from the environment", dump(r))
    passed("call with the API key from the environment")

    r = await client.call_tool("break_teapot", {"name": "brown betty"})
    text = r.content[0].text if r.content else ""
    check(
        r.is_error and "418" in text and "brown betty is a teapot and will not be broken" in text,
        "a 4xx answer is a tool error with the status and the detail",
        dump(r),
    )
    passed("a 4xx answer becomes a tool error with its status and message")

    r = await client.call_tool("read_item", {"item_id": "seven"})
    check(r.is_error, "arguments that break the schema are refused", dump(r))
    passed("arguments that break the input schema are refused")


async def resources(client: Client) -> None:
    templates = (await client.list_resource_templates()).resource_templates
    uris = sorted(t.uri_template for t in templates)
    check(uris == ["openapi://items/{item_id}"], "GET routes with path parameters are templates", uris)
    fixed = sorted(r.uri for r in (await client.list_resources()).resources)
    check(fixed == ["openapi://items", "openapi://me"], "GET routes without parameters are resources", fixed)
    passed("list resources and templates")
    rr = await client.read_resource("openapi://items/42")
    body = json.loads(rr.contents[0].text)
    check(body["item_id"] == 42 and rr.contents[0].mime_type == "application/json", "read a template", dump(rr))
    rr = await client.read_resource("openapi://items")
    check(len(json.loads(rr.contents[0].text)) == 10, "read a resource", dump(rr))
    passed("read a resource and a template")
    names = sorted(t.name for t in (await client.list_tools()).tools)
    check(names == ["break_teapot", "create_item"], "what is not a GET stays a tool", names)
    passed("other routes stay tools")


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--resources", action="store_true")
    parser.add_argument("server", nargs="*")
    args = parser.parse_args()
    if args.url:
        target: Any = args.url
    else:
        # The SDK passes only a few variables to the server unless told: hand it the key.
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "APP_API_KEY", "MCP_SERVE_LOG")}
        target = StdioServerParameters(command=args.server[0], args=list(args.server[1:]), env=env)
    failure = None
    async with Client(target, read_timeout_seconds=30) as client:
        try:
            await (resources(client) if args.resources else tools(client))
        except CheckFailed as e:
            # Caught inside the client's task group, so it is not wrapped in an ExceptionGroup.
            failure = e
    if failure is not None:
        print(f"FAIL {failure}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
