#!/usr/bin/env node
// Interop check of the middleware example (examples/middleware.rs) with the official TypeScript
// 2.x client (npm `@modelcontextprotocol/client`): tags and an excluded tag, a tool made by a
// transform, a rate limit refusing with JSON-RPC -32000, and the custom extension
// `com.example/call-counts` (advertised in the capabilities: the initialize result on a legacy
// session, the server/discover result on 2026-07-28; its method `counts/get` sent with
// client.request(..., resultSchema), a Standard Schema written out here).
//
// Usage: node middleware_ts_v2.mjs [--mode auto|legacy|<version>] [--expect-era modern|legacy]
//                                  -- <server command> [args...]
//        node middleware_ts_v2.mjs [same options] --url http://HOST:PORT/mcp
//        node middleware_ts_v2.mjs [same options] --sse --url http://HOST:PORT/sse
// Over stdio this client has the server to itself, so the counts must match its own calls
// exactly; over HTTP every client shares one server and one caller (127.0.0.1), so `add` may
// already be throttled (a refused call is retried after retryAfterMs) and counts are lower bounds.
// Exits 0 when every check passes, 1 on the first failed check (reason on stderr).
// Keep the checks in step with middleware_python.py and middleware_ts_v1.mjs.

import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const NAME = 'ts-v2-middleware';
const TAGS_META = 'io.mcp-serve/tags';
const EXTENSION = 'com.example/call-counts';
const SETTINGS = { resetsWith: 'reset_counts' };
const RATE_LIMITED = -32000;
const MAX_ADD_CALLS = 25; // the example allows 20 per 10 s
const BURST = 20, REFILL_MS = 500; // add's token bucket: 20 at once, then one more each 10 s / 20

class CheckFailed extends Error {}
let STEP = 'connect';
const log = (msg) => console.log(`[${NAME}] ${msg}`);
const check = (cond, msg) => {
    if (!cond) throw new CheckFailed(msg);
};
const dump = (o) => JSON.stringify(o)?.slice(0, 600);
const texts = (r) => (r?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const isRateLimited = (e) => e?.code === RATE_LIMITED && typeof e?.data?.retryAfterMs === 'number' && e.data.retryAfterMs > 0;
// Equal as JSON with object keys in any order.
const sameJson = (a, b) => {
    const norm = (v) => (Array.isArray(v) ? v.map(norm) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm(v[k])])) : v);
    return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
};

function parseArgs(argv) {
    const opts = { timeoutMs: 30000, mode: 'auto', probeTimeoutMs: 10000, server: [] };
    let i = 0;
    for (; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--') { i++; break; }
        if (a === '--lenient') continue;
        else if (a === '--timeout') opts.timeoutMs = Number(argv[++i]) * 1000;
        else if (a === '--expect-era') opts.expectEra = argv[++i];
        else if (a === '--mode') opts.mode = argv[++i];
        else if (a === '--probe-timeout') opts.probeTimeoutMs = Number(argv[++i]) * 1000;
        else if (a === '--url') opts.url = argv[++i];
        else if (a === '--sse') opts.sse = true;
        else break;
    }
    opts.server = argv.slice(i);
    if (opts.url ? opts.server.length !== 0 : opts.server.length === 0 || opts.sse) {
        console.error(`usage: ${NAME} [options] -- <server command...> | [options] [--sse] --url <url>`);
        process.exit(2);
    }
    return opts;
}

let ERA = 'legacy';
let addsOk = 0; // successful add calls made by this client
let addWaits = 0; // refusals of add(2,3) caused by other clients of a shared server

// add(a, b); on a shared (HTTP) server, waits out a refusal another client's calls caused.
async function callAdd(client, a, b, shared, req) {
    for (let i = 0; i < 40; i++) {
        try {
            const r = await client.callTool({ name: 'add', arguments: { a, b } }, req);
            if (!r.isError) addsOk++;
            return r;
        } catch (e) {
            if (!(shared && isRateLimited(e))) throw e;
            addWaits++;
            await sleep(e.data.retryAfterMs + 50);
        }
    }
    throw new CheckFailed('add stayed rate limited for 40 retries');
}

// The 2.x client validates a custom method's result with any Standard Schema (v1).
const CountsResult = {
    '~standard': {
        version: 1,
        vendor: 'mcp-serve-interop',
        validate: (value) =>
            value && typeof value === 'object' && value.counts && typeof value.counts === 'object'
                ? { value }
                : { issues: [{ message: `expected {counts: {...}}, got ${dump(value)}` }] },
    },
};

async function countsGet(client, req) {
    const result = await client.request({ method: 'counts/get', params: {} }, CountsResult, req);
    check(result.counts && typeof result.counts === 'object', `counts/get must answer {counts: {...}}: ${dump(result)}`);
    return result.counts;
}

// How a call of `name` fails, with the name blanked out so two names compare.
async function unknownToolError(client, name, req) {
    try {
        const r = await client.callTool({ name, arguments: {} }, req);
        check(r.isError === true, `calling ${name} must fail: ${dump(r)}`);
        return ['result', texts(r).map((t) => t.replaceAll(name, '<tool>'))];
    } catch (e) {
        if (e instanceof CheckFailed) throw e;
        return ['error', e.code, String(e.message).replaceAll(name, '<tool>')];
    }
}

async function runChecks(client, opts) {
    const req = { timeout: opts.timeoutMs };
    const shared = Boolean(opts.url);

    // ---- the extension, as advertised (initialize result or server/discover) ----------------
    STEP = 'capabilities.extensions';
    const caps = client.getServerCapabilities();
    check(sameJson(caps?.extensions?.[EXTENSION], SETTINGS), `capabilities.extensions[${EXTENSION}] must be ${dump(SETTINGS)}: ${dump(caps)}`);
    if (ERA === 'modern') {
        const discovered = client.getDiscoverResult()?.capabilities;
        check(sameJson(discovered?.extensions?.[EXTENSION], SETTINGS), `server/discover capabilities.extensions[${EXTENSION}] must be ${dump(SETTINGS)}: ${dump(discovered)}`);
    }
    log(`capabilities.extensions ok (${ERA === 'modern' ? 'server/discover' : 'initialize'}): ${dump(caps.extensions)}`);

    // ---- tags, the excluded tag, the transform ----------------------------------------------
    STEP = 'tools/list';
    const { tools } = await client.listTools(undefined, req);
    const names = tools.map((t) => t.name).sort();
    check(sameJson(names, ['add', 'increment']), `tools/list must be exactly add, increment: ${dump(names)}`);
    for (const t of tools) check(sameJson(t._meta?.[TAGS_META], ['math']), `${t.name}: _meta[${TAGS_META}] must be ["math"], got ${dump(t._meta)}`);
    const schema = tools.find((t) => t.name === 'increment').inputSchema ?? {};
    const props = Object.keys(schema.properties ?? {});
    const required = schema.required ?? [];
    check(props.includes('n') && required.includes('n'), `increment inputSchema must require n: ${dump(schema)}`);
    check(!['a', 'b'].some((k) => props.includes(k) || required.includes(k)), `increment inputSchema must have no a/b (renamed, fixed): ${dump(schema)}`);
    log('tools/list ok: add, increment tagged math; reset_counts hidden; increment takes n');

    STEP = 'counts/get (before)';
    const before = await countsGet(client, req);
    check((before.add ?? 0) === 0 || shared, `a fresh server must have counted no add calls: ${dump(before)}`);

    STEP = 'tools/call add {a: 2, b: 3}';
    const started = performance.now();
    let r = await callAdd(client, 2, 3, shared, req);
    check(!r.isError && Number(texts(r)[0]) === 5, `add(2,3) must be 5: ${dump(r)}`);
    STEP = 'tools/call increment {n: 41}';
    r = await client.callTool({ name: 'increment', arguments: { n: 41 } }, req);
    check(!r.isError && Number(texts(r)[0]) === 42, `increment(n=41) must be 42: ${dump(r)}`);
    log(`add(2,3) = 5 (after ${addWaits} rate-limit waits), increment(n=41) = 42`);

    // ---- the excluded tool fails exactly as an unknown one ----------------------------------
    STEP = 'tools/call reset_counts';
    const hidden = await unknownToolError(client, 'reset_counts', req);
    STEP = 'tools/call no_such_tool';
    const unknown = await unknownToolError(client, 'no_such_tool', req);
    check(sameJson(hidden, unknown), `reset_counts must fail as an unknown tool does: ${dump(hidden)} vs ${dump(unknown)}`);
    log(`reset_counts fails as an unknown tool: ${dump(hidden)}`);

    // ---- the rate limit ---------------------------------------------------------------------
    let refusal;
    const okBefore = addsOk;
    for (let i = 0; i < MAX_ADD_CALLS && !refusal; i++) {
        STEP = `tools/call add (rate limit, call ${i + 1})`;
        try {
            r = await client.callTool({ name: 'add', arguments: { a: i, b: 1 } }, req);
        } catch (e) {
            refusal = e;
            break;
        }
        check(!r.isError && Number(texts(r)[0]) === i + 1, `add(${i},1): ${dump(r)}`);
        addsOk++;
    }
    check(refusal, `add was never refused in ${MAX_ADD_CALLS} calls`);
    check(isRateLimited(refusal), `the refusal must be JSON-RPC ${RATE_LIMITED} with data.retryAfterMs > 0: code ${refusal.code} ${dump(refusal.message)} data ${dump(refusal.data)}`);
    if (!shared) {
        // A server of its own: the burst less the add(2,3) already made, plus what the bucket
        // refilled meanwhile (nothing when the calls take under 0.5 s).
        const extra = addsOk - okBefore, burst = BURST - 1;
        const refilled = Math.floor((performance.now() - started) / REFILL_MS);
        check(burst <= extra && extra <= burst + refilled, `expected ${burst} more adds before the refusal (+ up to ${refilled} refilled), got ${extra}`);
    }
    log(`rate limit ok: refused after ${addsOk - okBefore} more calls: ${refusal.code} ${dump(refusal.message)} data=${dump(refusal.data)}`);

    // ---- the extension's method -------------------------------------------------------------
    STEP = 'counts/get';
    const counts = await countsGet(client, req);
    if (shared) {
        check((counts.add ?? 0) >= addsOk, `counts.add must be >= the ${addsOk} adds made here: ${dump(counts)}`);
    } else {
        check(counts.add === addsOk, `counts.add must be the ${addsOk} adds made here: ${dump(counts)}`);
        check(counts.increment === 1, `counts.increment must be 1: ${dump(counts)}`);
    }
    log(`counts/get ok: ${dump(counts)} (${addsOk} successful adds here)`);
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const transport = !opts.url
        ? new StdioClientTransport({ command: opts.server[0], args: opts.server.slice(1), stderr: 'inherit' })
        : opts.sse
          ? new SSEClientTransport(new URL(opts.url))
          : new StreamableHTTPClientTransport(new URL(opts.url));
    const kind = !opts.url ? '' : opts.sse ? ' transport=sse-2024-11-05' : ' transport=streamable-http';
    const mode = opts.mode === 'auto' || opts.mode === 'legacy' ? opts.mode : { pin: opts.mode };
    const client = new Client(
        { name: 'mcp-serve-interop-ts-v2-middleware', version: '0.0.0' },
        { capabilities: {}, versionNegotiation: { mode, probe: { timeoutMs: opts.probeTimeoutMs } } }
    );
    let failed = false;
    try {
        await client.connect(transport, { timeout: opts.timeoutMs });
        const sv = client.getServerVersion();
        ERA = client.getProtocolEra();
        log(`server=${sv?.name}/${sv?.version} protocol=${client.getNegotiatedProtocolVersion()} era=${ERA} mode=${opts.mode}${kind}`);
        if (opts.expectEra) check(ERA === opts.expectEra, `negotiated era ${ERA}, expected ${opts.expectEra}`);
        await runChecks(client, opts);
        log('all checks passed');
    } catch (e) {
        failed = true;
        if (e instanceof CheckFailed) console.error(`[${NAME}] FAIL: ${e.message}`);
        else console.error(`[${NAME}] FAIL: during ${STEP}: unexpected ${e?.constructor?.name ?? 'error'}${e?.code !== undefined ? ` (code ${e.code})` : ''}: ${e?.message ?? e}`);
    } finally {
        await client.close().catch(() => {});
    }
    process.exit(failed ? 1 : 0);
}

main();
