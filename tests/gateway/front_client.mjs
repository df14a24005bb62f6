#!/usr/bin/env node
// Gateway interop check: the official TypeScript SDK 1.x client (npm `@modelcontextprotocol/sdk`,
// legacy `initialize` era, StreamableHTTPClientTransport) against `mcp-serve proxy --config`
// serving the official `server-everything` (`ts`) and a Python `mcp` server (`py`, `pyhttp`).
// Run by scripts/gateway-interop.sh, with the clients installed from tests/interop.
//
// Usage: node front_client.mjs --url http://HOST:PORT/mcp
// Exits 0 when every check passes, 1 on the first failed check (reason on stderr).

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { check, dump, runChecks, texts, urlArg } from './checks.mjs';

const NAME = 'ts-v1-front';

const url = urlArg();
const client = new Client({ name: NAME, version: '1.0.0' });
await runChecks(NAME, client, async () => {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const wanted of ['ts_get-sum', 'ts_echo', 'py_add', 'pyhttp_add']) {
        check(names.includes(wanted), `${wanted} missing from tools/list: ${dump(names)}`);
    }
    let r = await client.callTool({ name: 'ts_get-sum', arguments: { a: 2, b: 3 } });
    check(dump(texts(r)) === dump(['The sum of 2 and 3 is 5.']), `ts_get-sum: ${dump(r)}`);
    r = await client.callTool({ name: 'pyhttp_add', arguments: { a: 2, b: 3.5 } });
    check(dump(texts(r)) === dump(['5.5']), `pyhttp_add: ${dump(r)}`);
    // Progress from the TypeScript target reaches this client through the gateway.
    const seen = [];
    r = await client.callTool(
        { name: 'ts_trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
        undefined,
        { onprogress: (p) => seen.push(p.progress) },
    );
    check(texts(r).some((t) => t.includes('Steps: 3')), `long-running: ${dump(r)}`);
    check(seen.length >= 1 && seen[seen.length - 1] === 3, `progress through the gateway: ${dump(seen)}`);
    const rr = await client.readResource({ uri: 'py+greeting://Ada' });
    check(rr.contents[0].text === 'Hello, Ada!', `py+greeting://Ada: ${dump(rr)}`);
    const gp = await client.getPrompt({ name: 'py_review', arguments: { code: 'x', language: 'go' } });
    check(gp.messages[0].content.text === 'Review this go code:\nx', `py_review: ${dump(gp)}`);
});
