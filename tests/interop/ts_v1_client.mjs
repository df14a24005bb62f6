#!/usr/bin/env node
// Interop check: the official TypeScript SDK 1.x client (npm `@modelcontextprotocol/sdk`,
// legacy `initialize` era) against a stdio server, or (with --url) an HTTP endpoint.
//
// Usage: node ts_v1_client.mjs [--lenient] -- <server command> [args...]
//        node ts_v1_client.mjs [--lenient] --url http://HOST:PORT/mcp   (StreamableHTTPClientTransport)
//        node ts_v1_client.mjs [--lenient] --sse --url http://HOST:PORT/sse
//                                  (SSEClientTransport: the deprecated 2024-11-05 HTTP+SSE transport)
// Exits 0 when every check passes, 1 on the first failed check (reason on stderr).
// Keep the checks in step with python_client.py and ts_v2_client.mjs.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

const NAME = 'ts-v1';

class CheckFailed extends Error {}
let STEP = 'connect'; // the request in flight, named in unexpected-error reports
const log = (msg) => console.log(`[${NAME}] ${msg}`);
const check = (cond, msg) => {
    if (!cond) throw new CheckFailed(msg);
};
const dump = (o) => JSON.stringify(o)?.slice(0, 600);
const numEq = (actual, expected) => {
    const n = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
    return Number.isFinite(n) && Math.abs(n - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
};
const texts = (r) => (r?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text);
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// True if `text` names `field` as a field (not merely contains the letter).
const mentionsField = (text, field) => {
    const f = esc(field);
    return [
        new RegExp(`[\`'"]${f}[\`'"]`),
        new RegExp(`/${f}\\b`),
        new RegExp(`(^|[\\s(\\[{,;.])${f}\\s*:`, 'm'),
        new RegExp(`^\\s*${f}\\s*$`, 'm'),
        new RegExp(`\\b(field|property|argument|parameter|param|key|arg)\\s+[\`'"]?${f}\\b`, 'i'),
        new RegExp(`\\.${f}\\b`),
    ].some((re) => re.test(text));
};
const isRpcError = (e) => e && typeof e.code === 'number' && !(e instanceof CheckFailed);

function parseArgs(argv) {
    const opts = { lenient: false, timeoutMs: 30000, server: [] };
    let i = 0;
    for (; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--') { i++; break; }
        if (a === '--lenient') opts.lenient = true;
        else if (a === '--timeout') opts.timeoutMs = Number(argv[++i]) * 1000;
        else if (a === '--expect-era') opts.expectEra = argv[++i];
        else if (a === '--url') opts.url = argv[++i];
        else if (a === '--sse') opts.sse = true;
        else break;
    }
    opts.server = argv.slice(i);
    if (opts.url ? opts.server.length !== 0 : opts.server.length === 0 || opts.sse) {
        console.error(`usage: ${NAME} [--lenient] -- <server command...> | [--sse] --url <url>`);
        process.exit(2);
    }
    return opts;
}

async function runChecks(client, opts) {
    const req = { timeout: opts.timeoutMs };

    // ---- tools/list --------------------------------------------------------------
    STEP = 'tools/list';
    const { tools } = await client.listTools(undefined, req);
    const names = tools.map((t) => t.name);
    check(dump(names) === dump(['add', 'divide', 'greet', 'stats']), `tools/list names/order: got ${dump(names)}`);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    const add = byName.add;
    check(add.description === 'Add two numbers.', `add.description = ${dump(add.description)}`);
    const ap = add.inputSchema?.properties ?? {};
    check(ap.a?.type === 'number' && ap.b?.type === 'number', `add inputSchema properties a/b must be type number: ${dump(add.inputSchema)}`);
    const areq = add.inputSchema?.required ?? [];
    check(areq.includes('a') && areq.includes('b'), `add inputSchema.required must include a and b: ${dump(areq)}`);
    const gs = byName.greet.inputSchema ?? {};
    check(gs.properties?.name && gs.properties?.greeting, `greet inputSchema properties: ${dump(gs.properties)}`);
    check((gs.required ?? []).includes('name') && !(gs.required ?? []).includes('greeting'), `greet required must be [name] only: ${dump(gs.required)}`);
    check(byName.stats.inputSchema?.properties?.numbers?.type === 'array', `stats.numbers must be type array: ${dump(byName.stats.inputSchema)}`);
    const os = byName.stats.outputSchema;
    check(os, 'stats has no outputSchema in tools/list');
    check(os.type === 'object', `stats outputSchema.type must be object: ${dump(os)}`);
    const missing = ['count', 'sum', 'mean', 'min', 'max'].filter((k) => !(k in (os.properties ?? {})));
    check(missing.length === 0, `stats outputSchema.properties missing ${dump(missing)}`);
    log('tools/list ok');

    // ---- tools/call --------------------------------------------------------------
    const call = (name, args) => {
        STEP = `tools/call ${name} ${JSON.stringify(args)}`;
        return client.callTool({ name, arguments: args }, undefined, req);
    };
    let r = await call('add', { a: 2, b: 3 });
    check(!r.isError, `add(2,3) returned isError: ${dump(r)}`);
    check(numEq(texts(r)[0], 5), `add(2,3) text should parse as 5, got ${dump(texts(r))}`);
    r = await call('divide', { a: 7, b: 2 });
    check(!r.isError, `divide(7,2) returned isError: ${dump(r)}`);
    check(numEq(texts(r)[0], 3.5), `divide(7,2) text should parse as 3.5, got ${dump(texts(r))}`);
    r = await call('divide', { a: 1, b: 0 });
    check(r.isError === true, `divide(1,0) must be an isError result: ${dump(r)}`);
    check(texts(r).some((t) => t.includes('division by zero')), `divide(1,0) text must contain 'division by zero': ${dump(texts(r))}`);
    r = await call('greet', { name: 'Ada' });
    check(dump(texts(r)) === dump(['Hello, Ada!']), `greet(Ada) text: ${dump(texts(r))}`);
    r = await call('greet', { name: 'Ada', greeting: 'Hi' });
    check(dump(texts(r)) === dump(['Hi, Ada!']), `greet(Ada, Hi) text: ${dump(texts(r))}`);
    // The SDK validates structuredContent against the listed outputSchema client-side here and
    // throws a locally made error with code -32602 (it looks like a JSON-RPC error but is not).
    try {
        r = await call('stats', { numbers: [1, 2, 3, 4] });
    } catch (e) {
        if (e instanceof CheckFailed) throw e;
        throw new CheckFailed(`stats call rejected (client-side outputSchema validation if code -32602 and no server error): ${e?.message ?? e}`);
    }
    check(!r.isError, `stats returned isError: ${dump(r)}`);
    const sc = r.structuredContent;
    check(sc && typeof sc === 'object' && !Array.isArray(sc), `stats structuredContent must be an object: ${dump(r)}`);
    const want = { count: 4, sum: 10, mean: 2.5, min: 1, max: 4 };
    for (const [k, v] of Object.entries(want)) check(numEq(sc[k], v), `stats structuredContent.${k} = ${dump(sc[k])}, want ${v}`);
    const st = texts(r);
    check(st.length > 0, `stats must also return a text content block: ${dump(r)}`);
    let parsed;
    try { parsed = JSON.parse(st[0]); } catch { throw new CheckFailed(`stats text block is not JSON: ${dump(st[0])}`); }
    check(parsed && Object.entries(want).every(([k, v]) => numEq(parsed[k], v)), `stats text JSON differs from structuredContent: ${dump(st[0])}`);
    log('tools/call ok');

    // ---- resources -----------------------------------------------------------------
    STEP = 'resources/list';
    const { resources } = await client.listResources(undefined, req);
    const cfg = resources.find((x) => x.uri === 'config://app');
    check(cfg, `resources/list lacks config://app: ${dump(resources.map((x) => x.uri))}`);
    check(cfg.name === 'app-config', `config://app name = ${dump(cfg.name)}`);
    check(cfg.mimeType === 'application/json', `config://app mimeType = ${dump(cfg.mimeType)}`);
    STEP = 'resources/read config://app';
    let rr = await client.readResource({ uri: 'config://app' }, req);
    check(typeof rr.contents?.[0]?.text === 'string', `config://app read: ${dump(rr)}`);
    check(dump(JSON.parse(rr.contents[0].text)) === dump({ theme: 'dark', version: '1.0.0' }), `config://app text: ${dump(rr.contents[0].text)}`);
    STEP = 'resources/templates/list';
    const { resourceTemplates } = await client.listResourceTemplates(undefined, req);
    const tp = resourceTemplates.find((x) => x.uriTemplate === 'users://{id}/profile');
    check(tp, `resources/templates/list lacks users://{id}/profile: ${dump(resourceTemplates.map((x) => x.uriTemplate))}`);
    check(tp.name === 'user-profile', `template name = ${dump(tp.name)}`);
    check(tp.mimeType === 'application/json', `template mimeType = ${dump(tp.mimeType)}`);
    STEP = 'resources/read users://1/profile';
    rr = await client.readResource({ uri: 'users://1/profile' }, req);
    check(typeof rr.contents?.[0]?.text === 'string', `users://1/profile read: ${dump(rr)}`);
    const user = JSON.parse(rr.contents[0].text);
    check(user.id === 1 && user.name === 'Ada Lovelace', `users://1/profile text: ${dump(rr.contents[0].text)}`);
    try {
        STEP = 'resources/read users://99/profile';
        rr = await client.readResource({ uri: 'users://99/profile' }, req);
        throw new CheckFailed(`reading users://99/profile must yield a JSON-RPC error, got ${dump(rr)}`);
    } catch (e) {
        if (!isRpcError(e)) throw e;
        log(`users://99/profile -> JSON-RPC error ${e.code}: ${e.message}`);
    }
    log('resources ok');

    // ---- prompts -------------------------------------------------------------------
    STEP = 'prompts/list';
    const { prompts } = await client.listPrompts(undefined, req);
    const review = prompts.find((p) => p.name === 'review');
    check(review, `prompts/list lacks review: ${dump(prompts.map((p) => p.name))}`);
    const pa = Object.fromEntries((review.arguments ?? []).map((a) => [a.name, a]));
    check(pa.code?.required === true, `review.code must be required: ${dump(review)}`);
    check(pa.language && !pa.language.required, `review.language must be optional: ${dump(review)}`);
    STEP = 'prompts/get review';
    const gp = await client.getPrompt({ name: 'review', arguments: { code: 'fn main(){}', language: 'rust' } }, req);
    check(gp.messages?.length === 1, `review must return exactly one message: ${dump(gp)}`);
    check(gp.messages[0].role === 'user', `review message role = ${dump(gp.messages[0].role)}`);
    const mt = gp.messages[0].content?.text;
    check(typeof mt === 'string' && mt.includes('rust') && mt.includes('fn main(){}'), `review message text: ${dump(mt)}`);
    log('prompts ok');

    // ---- errors --------------------------------------------------------------------
    try {
        r = await call('nope', {});
        check(r.isError === true, `unknown tool must reject or be an isError result: ${dump(r)}`);
        log(`unknown tool -> surfaced as isError result (not a JSON-RPC error): ${dump(texts(r))}`);
        check(texts(r).some((t) => t.includes('nope')) || opts.lenient, `unknown-tool isError text must mention 'nope': ${dump(texts(r))}`);
    } catch (e) {
        if (!isRpcError(e)) throw e;
        log(`unknown tool -> JSON-RPC error ${e.code}: ${e.message}`);
        check(e.code === -32602 || opts.lenient, `unknown tool error code ${e.code}, want -32602`);
        check(e.message.includes('nope') || opts.lenient, `unknown tool error message must mention 'nope': ${dump(e.message)}`);
    }
    try {
        r = await call('add', { a: 'x', b: 1 });
    } catch (e) {
        if (!isRpcError(e)) throw e;
        throw new CheckFailed(`add(a='x') must be an isError tool result, got JSON-RPC error ${e.code}: ${e.message}`);
    }
    check(r.isError === true, `add(a='x') must be an isError result: ${dump(r)}`);
    check(texts(r).some((t) => mentionsField(t, 'a')), `add(a='x') error text must mention field 'a': ${dump(texts(r))}`);
    log(`invalid args -> isError: ${dump(texts(r).join(' | ').slice(0, 200))}`);
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    let clientOnError;
    const transport = !opts.url
        ? new StdioClientTransport({ command: opts.server[0], args: opts.server.slice(1), stderr: 'inherit' })
        : opts.sse
          ? new SSEClientTransport(new URL(opts.url))
          : new StreamableHTTPClientTransport(new URL(opts.url));
    const kind = !opts.url ? '' : opts.sse ? ' transport=sse-2024-11-05' : ' transport=streamable-http';
    // The v1 Client has no getter for the negotiated version; it hands it to the transport
    // (the HTTP transports use it for the MCP-Protocol-Version header, so keep the original).
    let negotiated;
    const setPV = transport.setProtocolVersion?.bind(transport);
    transport.setProtocolVersion = (v) => { negotiated = v; setPV?.(v); };
    // Transport-level errors (e.g. a failed standalone GET SSE stream) are otherwise silent.
    if (opts.url) clientOnError = (e) => console.error(`[${NAME}] transport error: ${e?.message ?? e}`);
    const client = new Client({ name: 'mcp-serve-interop-ts-v1', version: '0.0.0' });
    if (clientOnError) client.onerror = clientOnError;
    let failed = false;
    try {
        await client.connect(transport, { timeout: opts.timeoutMs });
        const sv = client.getServerVersion();
        log(`server=${sv?.name}/${sv?.version} protocol=${negotiated} era=legacy${kind}${opts.url && !opts.sse ? ` session=${transport.sessionId ?? 'none'}` : ''}`);
        if (opts.expectEra) check(opts.expectEra === 'legacy', `negotiated era legacy, expected ${opts.expectEra}`);
        STEP = 'checks';
        await runChecks(client, opts);
        if (opts.url && !opts.sse) {
            // End the session the way the SDK does it: DELETE with Mcp-Session-Id (405 also accepted).
            STEP = 'DELETE session (terminateSession)';
            await transport.terminateSession();
            log('session terminated');
        }
        log('all checks passed');
    } catch (e) {
        failed = true;
        if (e instanceof CheckFailed) console.error(`[${NAME}] FAIL: ${e.message}`);
        else console.error(`[${NAME}] FAIL: during ${STEP}: unexpected ${e?.constructor?.name ?? 'error'}${typeof e?.code === 'number' ? ` (code ${e.code})` : ''}: ${e?.message ?? e}`);
    } finally {
        await client.close().catch(() => {});
    }
    process.exit(failed ? 1 : 0);
}

main();
