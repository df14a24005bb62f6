"""A small real HTTP API for scripts/openapi-test.sh: FastAPI serves its own generated
OpenAPI 3.1 document at /openapi.json, and `mcp-serve openapi` turns it into tools.

It has a path, query, header and cookie parameter, a JSON body, a route that answers 4xx with a
detail message, and one protected by an API key header (the key is APP_API_KEY).
"""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import Cookie, Depends, FastAPI, Header, HTTPException, Query, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

app = FastAPI(title="Inventory", version="1.2.0")
api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


class Item(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str] = []
    note: str | None = None


class ItemIn(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str] = []


class Echo(BaseModel):
    item_id: int
    q: str | None
    request_id: str | None
    session: str | None


@app.get("/items/{item_id}", operation_id="read_item", summary="Read an item")
def read_item(
    item_id: int,
    q: str | None = None,
    x_request_id: Annotated[str | None, Header()] = None,
    session: Annotated[str | None, Cookie()] = None,
) -> Echo:
    """Echo what each kind of parameter carried."""
    return Echo(item_id=item_id, q=q, request_id=x_request_id, session=session)


@app.get("/items", operation_id="list_items")
def list_items(limit: int = 10, tags: Annotated[list[str], Query()] = []) -> list[Item]:  # noqa: B006
    """List items, each tagged with the tags asked for."""
    return [Item(id=i, name=f"item {i}", price=1.5 * i, tags=tags) for i in range(1, limit + 1)]


@app.post("/items/{id}", operation_id="create_item", status_code=201)
def create_item(id: int, item: ItemIn) -> Item:
    """Create an item: the path `id` and the body `id` are both kept."""
    return Item(id=item.id, name=item.name, price=item.price, tags=item.tags, note=f"path id {id}")


def caller(key: Annotated[str | None, Security(api_key)]) -> str:
    if key != os.environ["APP_API_KEY"]:
        raise HTTPException(status_code=401, detail="Invalid API key")
    return "ada"


@app.get("/me", operation_id="whoami")
def whoami(user: Annotated[str, Depends(caller)]) -> dict[str, str]:
    """Who the API key belongs to."""
    return {"user": user}


@app.delete("/teapots/{name}", operation_id="break_teapot")
def break_teapot(name: str) -> None:
    """Always refused."""
    raise HTTPException(status_code=418, detail=f"{name} is a teapot and will not be broken")
