#!/usr/bin/env node
// Interop check of the interactive example (examples/interactive.rs) with the official TypeScript
// 2.x client (npm `@modelcontextprotocol/client`): progress and log notifications, form and URL
// elicitation, sampling and roots (answered by this script's handlers), cancellation, resource
// updates (legacy sessions only).
//
// Usage: node interactive_ts_v2.mjs [--mode auto|legacy|<version>] [--expect-era modern|legacy]
//                                   -- <server command> [args...]
//        node interactive_ts_v2.mjs [same options] --url http://HOST:PORT/mcp
//        node interactive_ts_v2.mjs [same options] --sse --url http://HOST:PORT/sse
//
// How the handlers were reached is checked against the negotiated era: legacy sessions get real
// server->client requests (JSON-RPC ids `mcp-serve-N`); on 2026-07-28 the server answers
// `input_required` and the SDK's auto-fulfilment calls the same handlers with the inputRequests
// key as the request id, then retries the call (multi round-trip requests).
// Exits 0 when every check passes, 1 on the first failed check (reason on stderr).
// Keep the checks in step with interactive_python.py and interactive_ts_v1.mjs.

import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const NAME = 'ts-v2-interactive';
const LOG_LEVEL_META = 'io.modelcontextprotocol/logLevel';
let ERA = 'legacy';
const FORM_ANSWER = { destination: 'Kyoto', nights: 4, confirm: true };
const SUGGESTION = 'Walk the Fushimi Inari gates at dawn.';
const ROOT_URI = 'file:///tmp/interop-trips';
const STATUS_URI = 'interactive://status';

class CheckFailed extends Error {}
let STEP = 'connect';
const log = (msg) => console.log(`[${NAME}] ${msg}`);
const check = (cond, msg) => {
    if (!cond) throw new CheckFailed(msg);
};
const dump = (o) => JSON.stringify(o)?.slice(0, 600);
const texts = (r) => (r?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

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

// What the handlers saw: [method, JSON-RPC id, params].
const seen = { input: [], logs: [], updated: [], errors: [] };
const idsOf = (from, method) => seen.input.slice(from).filter(([m]) => m === method).map(([, id]) => String(id));

function checkPath(method, ids) {
    check(ids.length > 0, `${method}: the handler was never called`);
    if (ERA === 'legacy') {
        check(ids.every((id) => id.startsWith('mcp-serve-')), `${method}: legacy session must use server->client requests (ids mcp-serve-N), got ids ${dump(ids)}`);
    } else {
        check(!ids.some((id) => id.startsWith('mcp-serve-')), `${method}: modern connection must use input_required round trips, got JSON-RPC ids ${dump(ids)}`);
    }
}

function install(client) {
    client.setRequestHandler('elicitation/create', async (req, ctx) => {
        seen.input.push(['elicitation/create', req.id ?? ctx?.mcpReq?.id, req.params]);
        if (req.params.mode === 'url') return { action: 'accept' };
        if (req.params.requestedSchema?.properties?.color) return { action: 'accept', content: { color: 'blue' } };
        return { action: 'accept', content: { ...FORM_ANSWER } };
    });
    client.setRequestHandler('sampling/createMessage', async (req, ctx) => {
        seen.input.push(['sampling/createMessage', req.id ?? ctx?.mcpReq?.id, req.params]);
        return { role: 'assistant', content: { type: 'text', text: SUGGESTION }, model: 'interop-model', stopReason: 'endTurn' };
    });
    client.setRequestHandler('roots/list', async (req, ctx) => {
        seen.input.push(['roots/list', req.id ?? ctx?.mcpReq?.id, req.params]);
        return { roots: [{ uri: ROOT_URI, name: 'trips' }] };
    });
    client.setNotificationHandler('notifications/message', (n) => { seen.logs.push(n.params.data); });
    client.setNotificationHandler('notifications/resources/updated', (n) => { seen.updated.push(n.params.uri); });
}

async function status(client, req) {
    const rr = await client.readResource({ uri: STATUS_URI }, req);
    return JSON.parse(rr.contents[0].text);
}

async function runChecks(client, opts) {
    const req = { timeout: opts.timeoutMs };
    if (ERA === 'legacy') {
        STEP = 'logging/setLevel debug';
        await client.setLoggingLevel('debug', req);
    }
    // Modern: logs are opted into per request, in `_meta`.
    const meta = ERA === 'legacy' ? {} : { _meta: { [LOG_LEVEL_META]: 'debug' } };

    STEP = 'tools/list';
    const { tools } = await client.listTools(undefined, req);
    const names = tools.map((t) => t.name);
    const missing = ['crunch', 'book_trip', 'pick_color', 'connect_account', 'long_task', 'add_note', 'unlock_bonus'].filter((n) => !names.includes(n));
    check(missing.length === 0, `tools/list lacks ${dump(missing)}: ${dump(names)}`);

    // ---- progress + logging ------------------------------------------------------------
    const progress = [];
    STEP = 'tools/call crunch {steps: 5}';
    let r = await client.callTool({ name: 'crunch', arguments: { steps: 5 }, ...meta }, { ...req, onprogress: (p) => progress.push(p) });
    check(!r.isError, `crunch returned isError: ${dump(r)}`);
    check(texts(r).some((t) => t.includes('sum of squares = 55')), `crunch text: ${dump(texts(r))}`);
    await sleep(100);
    check(progress.length >= 2, `crunch: expected >= 2 progress notifications, got ${dump(progress)}`);
    // SDK quirk (client side, seen in 1.x): notification handlers run a microtask later than response
    // handlers, so a final progress notification that arrives in the same read as the result finds
    // its progress handler already removed and is reported to onerror as "unknown token". Accept
    // that, but only with that evidence that 5/5 did arrive.
    const last = progress.at(-1);
    const dropped = seen.errors.some((e) => /unknown token/.test(e) && /"progress":5/.test(e));
    check((last.progress === 5 && last.total === 5) || dropped, `crunch: last progress must be 5/5, got ${dump(progress)}; errors ${dump(seen.errors)}`);
    if (dropped) log('note: the final 5/5 progress notification arrived with the result and was dropped by the SDK (unknown token)');
    check(progress.every((p, i) => i === 0 || progress[i - 1].progress <= p.progress), `crunch: progress must not go backwards: ${dump(progress)}`);
    check(JSON.stringify(seen.logs).includes('crunching 5 steps'), `crunch: log message 'crunching 5 steps' not received: ${dump(seen.logs)}`);
    log(`progress ok (${progress.length} notifications), logs ok (${seen.logs.length} messages)`);

    // ---- elicitation (form) + sampling + roots -------------------------------------------
    STEP = 'tools/call book_trip';
    let n = seen.input.length;
    r = await client.callTool({ name: 'book_trip', arguments: { traveller: 'Ada' } }, req);
    check(!r.isError, `book_trip returned isError: ${dump(r)}`);
    let text = texts(r).join(' ');
    for (const part of ['4 nights in Kyoto', 'for Ada', SUGGESTION, ROOT_URI]) check(text.includes(part), `book_trip text must contain ${dump(part)}: ${dump(text)}`);
    const form = seen.input.slice(n).find(([m]) => m === 'elicitation/create')[2];
    const props = form.requestedSchema?.properties ?? {};
    check(dump(props.destination?.enum) === dump(['Lisbon', 'Kyoto', 'Reykjavik']), `book_trip form: destination enum: ${dump(form.requestedSchema)}`);
    check(props.nights?.default === 3, `book_trip form: nights default 3: ${dump(form.requestedSchema)}`);
    const sample = seen.input.slice(n).find(([m]) => m === 'sampling/createMessage')?.[2];
    check(sample && dump(sample).includes('Kyoto') && sample.maxTokens === 100, `book_trip sampling request: ${dump(sample)}`);
    for (const m of ['elicitation/create', 'sampling/createMessage', 'roots/list']) checkPath(m, idsOf(n, m));
    log(`book_trip ok via ${ERA === 'legacy' ? 'server->client requests' : 'input_required round trips'}: ids ${dump(seen.input.slice(n).map(([m, id]) => [m.split('/')[0], id]))}`);
    log(`book_trip -> ${dump(text.slice(0, 200))}`);

    // ---- raw keyed elicitation -------------------------------------------------------------
    STEP = 'tools/call pick_color';
    n = seen.input.length;
    r = await client.callTool({ name: 'pick_color', arguments: {} }, req);
    check(dump(texts(r)) === dump(['You picked blue.']), `pick_color text: ${dump(r)}`);
    checkPath('elicitation/create', idsOf(n, 'elicitation/create'));
    if (ERA === 'modern') check(dump(idsOf(n, 'elicitation/create')) === dump(['color']), `pick_color: input request key must be 'color', got ${dump(idsOf(n, 'elicitation/create'))}`);
    log('pick_color ok');

    // ---- URL elicitation -----------------------------------------------------------------
    STEP = 'tools/call connect_account';
    n = seen.input.length;
    r = await client.callTool({ name: 'connect_account', arguments: {} }, req);
    check(!r.isError, `connect_account returned isError: ${dump(r)}`);
    text = texts(r).join(' ');
    check(text.includes('agreed to open https://examplepay.example.com/'), `connect_account text: ${dump(text)}`);
    const url = seen.input[n]?.[2];
    check(url?.mode === 'url' && String(url.url).startsWith('https://examplepay'), `connect_account must send a URL-mode elicitation: ${dump(url)}`);
    checkPath('elicitation/create', idsOf(n, 'elicitation/create'));
    log('connect_account ok');

    // ---- resource updates ------------------------------------------------------------------
    if (ERA === 'legacy') {
        STEP = 'resources/subscribe';
        await client.subscribeResource({ uri: STATUS_URI }, req);
    }
    STEP = 'tools/call add_note';
    r = await client.callTool({ name: 'add_note', arguments: { text: 'interop note' } }, req);
    check(!r.isError && texts(r).join(' ').includes('interop note'), `add_note: ${dump(r)}`);
    const st = await status(client, req);
    check(st.notes?.includes('interop note') && st.bookings >= 1, `status after add_note: ${dump(st)}`);
    if (ERA === 'legacy') {
        for (let i = 0; i < 100 && !seen.updated.includes(STATUS_URI); i++) await sleep(50);
        check(seen.updated.includes(STATUS_URI), 'no notifications/resources/updated for interactive://status after add_note');
        log('resource update notification ok');
    }

    // ---- cancellation ----------------------------------------------------------------------
    STEP = 'tools/call long_task (aborted after 0.5 s)';
    const before = (await status(client, req)).cancelled_tasks;
    const ac = new AbortController();
    setTimeout(() => ac.abort('interop cancel'), 500);
    try {
        r = await client.callTool({ name: 'long_task', arguments: { seconds: 20 } }, { ...req, signal: ac.signal });
        throw new CheckFailed(`long_task finished before it was cancelled: ${dump(r)}`);
    } catch (e) {
        if (e instanceof CheckFailed) throw e;
    }
    let after = before;
    for (let i = 0; i < 50 && after <= before; i++) {
        await sleep(100);
        after = (await status(client, req)).cancelled_tasks;
    }
    check(after > before, `the server did not see the cancellation: cancelled_tasks still ${after}`);
    log('cancellation ok');
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
        { name: 'mcp-serve-interop-ts-v2-interactive', version: '0.0.0' },
        {
            capabilities: { elicitation: { form: {}, url: {} }, sampling: {}, roots: { listChanged: true } },
            versionNegotiation: { mode, probe: { timeoutMs: opts.probeTimeoutMs } },
        }
    );
    install(client);
    client.onerror = (e) => seen.errors.push(String(e?.message ?? e));
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
