#!/usr/bin/env node
// Gateway interop check: the official TypeScript SDK 2.x client (npm `@modelcontextprotocol/client`)
// against `mcp-serve proxy --config` serving the official `server-everything` (`ts`, a legacy-era
// stdio target) and a Python `mcp` server (`py` over stdio, `pyhttp` over Streamable HTTP).
// The client negotiates on its own (`mode: auto`) and must end up in the 2026-07-28 era: a modern
// client in front of legacy targets, the gateway bridging the two.
// Run by scripts/gateway-interop.sh, with the clients installed from tests/interop.
//
// Usage: node front_client_v2.mjs --url http://HOST:PORT/mcp
// Exits 0 when every check passes, 1 on the first failed check (reason on stderr).

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const NAME = 'ts-v2-front';
const check = (cond, msg) => {
    if (!cond) throw new Error(msg);
};
const texts = (r) => (r?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text);
const dump = (o) => JSON.stringify(o)?.slice(0, 600);

const url = process.argv[process.argv.indexOf('--url') + 1];
const client = new Client(
    { name: NAME, version: '1.0.0' },
    { capabilities: {}, versionNegotiation: { mode: 'auto', probe: { timeoutMs: 10000 } } },
);
const req = { timeout: 30000 };
try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)), req);
    const era = client.getProtocolEra();
    check(era === 'modern', `negotiated era ${era} (${client.getNegotiatedProtocolVersion()}), expected modern`);
    const { tools } = await client.listTools(undefined, req);
    const names = tools.map((t) => t.name);
    for (const wanted of ['ts_get-sum', 'ts_echo', 'py_add', 'pyhttp_add']) {
        check(names.includes(wanted), `${wanted} missing from tools/list: ${dump(names)}`);
    }
    let r = await client.callTool({ name: 'ts_get-sum', arguments: { a: 2, b: 3 } }, req);
    check(dump(texts(r)) === dump(['The sum of 2 and 3 is 5.']), `ts_get-sum: ${dump(r)}`);
    r = await client.callTool({ name: 'ts_echo', arguments: { message: 'through the gateway' } }, req);
    check(texts(r).some((t) => t.includes('through the gateway')), `ts_echo: ${dump(r)}`);
    r = await client.callTool({ name: 'pyhttp_add', arguments: { a: 2, b: 3.5 } }, req);
    check(dump(texts(r)) === dump(['5.5']), `pyhttp_add: ${dump(r)}`);
    // Progress from the legacy TypeScript target reaches this modern client through the gateway.
    const seen = [];
    r = await client.callTool(
        { name: 'ts_trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
        { ...req, onprogress: (p) => seen.push(p.progress) },
    );
    check(texts(r).some((t) => t.includes('Steps: 3')), `long-running: ${dump(r)}`);
    check(seen.length >= 1 && seen[seen.length - 1] === 3, `progress through the gateway: ${dump(seen)}`);
    const rr = await client.readResource({ uri: 'py+greeting://Ada' }, req);
    check(rr.contents[0].text === 'Hello, Ada!', `py+greeting://Ada: ${dump(rr)}`);
    const gp = await client.getPrompt({ name: 'py_review', arguments: { code: 'x', language: 'go' } }, req);
    check(gp.messages[0].content.text === 'Review this go code:\nx', `py_review: ${dump(gp)}`);
    console.log(`[${NAME}] all checks passed (era ${era}, ${client.getNegotiatedProtocolVersion()})`);
    await client.close();
    process.exit(0);
} catch (e) {
    console.error(`[${NAME}] FAIL: ${e?.message ?? e}`);
    await client.close().catch(() => {});
    process.exit(1);
}
