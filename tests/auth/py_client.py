#!/usr/bin/env python3
"""The official Python MCP client (PyPI `mcp`, pinned in tests/interop/requirements.txt) doing
the whole OAuth flow by itself against examples/auth_jwt and provider.mjs, in both eras.

    python py_client.py MCP_URL

For each era (2026-07-28 and a 2025-11-25 `initialize` session) a fresh client with an
in-memory TokenStorage connects through `mcp.client.auth.OAuthClientProvider`: on the 401 it
reads `resource_metadata` from the challenge, fetches that document and the issuer's metadata,
registers itself dynamically and authorizes with the authorization code + PKCE and `resource`.
The "browser" is headless: it follows the authorization URL's redirects with httpx2 (keeping
the provider's cookies; provider.mjs signs in as `alice` and consents at once) until one goes
to the redirect URI, whose `code` is the result.

auth_jwt declares no scopes, so the SDK asks for every scope the authorization server lists,
`admin` too. The user here grants `tools:read` only at first (the browser drops `admin` from
the first authorization URL, as a consent screen lets a user do); admin_reset then answers 403
insufficient_scope, and the SDK steps up by itself (re-authorizes with `admin`, retries).

Prints `PASS name` / `FAIL name: why` lines; exit 1 on a failure.
"""

from __future__ import annotations

import base64
import json
import sys
import traceback
from urllib.parse import parse_qs, urlencode, urljoin, urlparse, urlunparse

import anyio
import httpx2
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT = "http://127.0.0.1:1/callback"  # never fetched: the code is read off the redirect
LIMIT_S = 15

passed = 0
failed = 0


class CheckFailed(Exception):
    pass


def expect(cond: bool, why: str) -> None:
    if not cond:
        raise CheckFailed(why)


def report(name: str, error: BaseException | None) -> None:
    global passed, failed
    if error is None:
        passed += 1
        print(f"PASS {name}", flush=True)
    else:
        failed += 1
        if isinstance(error, CheckFailed):
            why = str(error)
        else:
            traceback.print_exception(error, file=sys.stderr)
            why = " <- ".join(f"{type(e).__name__}: {e}" for e in leaves(error))
        print(f"FAIL {name}: {' '.join(why.split())}", flush=True)


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions at the bottom of exception groups: what actually went wrong."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for e in error.exceptions for leaf in leaves(e)]
    return [error]


class MemoryStorage:
    """The SDK's TokenStorage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class HeadlessBrowser:
    """The user: opens the authorization URL the SDK hands over and follows its redirects."""

    def __init__(self) -> None:
        self.pending: str | None = None
        self.urls: list[str] = []

    async def redirect(self, url: str) -> None:
        self.urls.append(url)
        self.pending = url

    async def callback(self) -> AuthorizationCodeResult:
        url, self.pending = self.pending, None
        expect(url is not None, "the SDK asked for the code before sending the user anywhere")
        if len(self.urls) == 1:
            url = drop_scope(url, "admin")
        cookies: dict[str, str] = {}
        async with httpx2.AsyncClient(timeout=LIMIT_S) as http:
            for _ in range(10):
                if url.startswith(REDIRECT):
                    params = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
                    expect("error" not in params, f"authorization error: {params}")
                    return AuthorizationCodeResult(code=params["code"], state=params.get("state"), iss=params.get("iss"))
                headers = {"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
                resp = await http.get(url, headers=headers)
                for c in resp.headers.get_list("set-cookie"):
                    name, _, value = c.split(";", 1)[0].partition("=")
                    cookies[name.strip()] = value
                location = resp.headers.get("location")
                expect(300 <= resp.status_code < 400 and location is not None, f"{url}: HTTP {resp.status_code} {resp.text[:300]}")
                url = urljoin(url, location)
        raise CheckFailed("too many redirects")


def drop_scope(url: str, scope: str) -> str:
    """`url` with `scope` taken out of its `scope` parameter."""
    parts = urlparse(url)
    query = parse_qs(parts.query)
    query["scope"] = [" ".join(s for s in query.get("scope", [""])[0].split() if s != scope)]
    return urlunparse(parts._replace(query=urlencode(query, doseq=True)))


def claims(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def texts(result) -> str:
    return "".join(c.text for c in (result.content or []) if getattr(c, "type", None) == "text")


async def era(mcp_url: str, mode: str, label: str) -> None:
    storage = MemoryStorage()
    browser = HeadlessBrowser()
    seen: list[tuple[str, str, int, str]] = []  # method, URL, status, WWW-Authenticate

    async def log_response(resp: httpx2.Response) -> None:
        seen.append((resp.request.method, str(resp.request.url), resp.status_code, resp.headers.get("www-authenticate", "")))

    metadata = OAuthClientMetadata(
        client_name=f"mcp-serve auth-interop (Python SDK, {label})",
        redirect_uris=[REDIRECT],
        grant_types=["authorization_code"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    provider = OAuthClientProvider(
        server_url=mcp_url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=browser.redirect,
        callback_handler=browser.callback,
    )
    http = httpx2.AsyncClient(auth=provider, timeout=LIMIT_S, event_hooks={"response": [log_response]})
    prefix = f"Python SDK {label}"
    connected = False
    try:
        with anyio.fail_after(LIMIT_S * 4):
            async with http, Client(
                streamable_http_client(mcp_url, http_client=http), mode=mode, read_timeout_seconds=LIMIT_S
            ) as client:
                connected = True
                await checks(client, mcp_url, mode, prefix, storage, browser, seen)
    except BaseException as e:  # noqa: BLE001 - reported as a check
        report(f"{prefix}: {'the session' if connected else 'connect through the OAuth flow'}", e)


async def checks(client, mcp_url, mode, prefix, storage, browser, seen) -> None:
    metadata_url = f"{mcp_url.split('/mcp')[0]}/.well-known/oauth-protected-resource/mcp"

    def discovery() -> None:
        first = next((s for s in seen if s[1] == mcp_url), None)
        expect(first is not None and first[2] == 401, f"the first MCP request was not refused with 401: {first}")
        expect(f'resource_metadata="{metadata_url}"' in first[3], f"401 challenge: {first[3]}")
        fetched = [s for s in seen if s[1] == metadata_url and s[2] == 200]
        expect(fetched, f"the resource metadata was not fetched from the challenge's URL: {[s[1] for s in seen]}")

    def registration() -> None:
        expect(storage.client is not None and storage.client.client_id, "the client did not register")
        expect(any(s[0] == "POST" and s[2] == 201 for s in seen), f"no dynamic registration: {[(s[0], s[1], s[2]) for s in seen]}")

    def token() -> None:
        expect(storage.tokens is not None and storage.tokens.access_token, "no access token")
        c = claims(storage.tokens.access_token)
        expect(c.get("aud") == mcp_url, f"token aud: {c.get('aud')}")
        expect("admin" not in (c.get("scope") or "").split(), f"the first token already has admin: {c.get('scope')}")
        want = "2025-11-25" if mode == "legacy" else mode
        expect(str(client.protocol_version) == want, f"protocol {client.protocol_version}, wanted {want}")

    # The first request the client makes is refused and starts the flow: with `initialize` in
    # the legacy era, with this call in the modern one (no handshake).
    whoami: object
    try:
        with anyio.fail_after(LIMIT_S * 2):
            whoami = await client.call_tool("whoami", {})
    except BaseException as e:  # noqa: BLE001
        whoami = e

    for name, fn in [
        ("401 with resource_metadata, then discovery", discovery),
        ("dynamic client registration", registration),
        ("code + PKCE token for the MCP URL (aud), era negotiated", token),
    ]:
        try:
            fn()
            report(f"{prefix}: {name}", None)
        except BaseException as e:  # noqa: BLE001
            report(f"{prefix}: {name}", e)

    try:
        if isinstance(whoami, BaseException):
            raise whoami
        result = whoami
        text = texts(result)
        expect(not result.is_error, f"whoami isError: {text}")
        expect(text.startswith(f"alice (client {storage.client.client_id},"), f"whoami: {text}")
        report(f"{prefix}: tools/call whoami answers the signed-in user", None)
    except BaseException as e:  # noqa: BLE001
        report(f"{prefix}: tools/call whoami answers the signed-in user", e)

    name = f"{prefix}: admin_reset steps up on 403 insufficient_scope (scope=admin) and succeeds"
    try:
        before = len(seen)
        with anyio.fail_after(LIMIT_S * 2):
            result = await client.call_tool("admin_reset", {})
        refused = [s for s in seen[before:] if s[1] == mcp_url and s[2] == 403]
        expect(refused and 'error="insufficient_scope"' in refused[0][3] and 'scope="admin"' in refused[0][3],
               f"no 403 insufficient_scope challenge for admin: {seen[before:]}")
        expect(len(browser.urls) == 2 and "admin" in parse_qs(urlparse(browser.urls[1]).query).get("scope", [""])[0].split(),
               f"no second authorization with scope admin: {browser.urls}")
        expect("admin" in (claims(storage.tokens.access_token).get("scope") or "").split(), "the new token lacks admin")
        text = texts(result)
        expect(not result.is_error and text == "caches reset", f"admin_reset: {text}")
        report(name, None)
    except BaseException as e:  # noqa: BLE001
        report(name, e)


async def main(mcp_url: str) -> None:
    await era(mcp_url, "2026-07-28", "2026-07-28")
    await era(mcp_url, "legacy", "2025-11-25 session")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python py_client.py MCP_URL", file=sys.stderr)
        sys.exit(2)
    anyio.run(main, sys.argv[1])
    print(f"checks: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
