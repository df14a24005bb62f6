#!/usr/bin/env node
// Mount interop check: the official TypeScript SDK 1.x client (npm `@modelcontextprotocol/sdk`,
// legacy `initialize` era, StreamableHTTPClientTransport) against examples/mount.rs served over
// Streamable HTTP: two servers (`weather`, `notes`) mounted in one. Run by
// scripts/gateway-interop.sh, with the client installed from tests/interop.
//
// Usage: node mount_client.mjs --url http://HOST:PORT/mcp
// Exits 0 when every check passes, 1 on the first failed check (reason on stderr).

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { check, dump, runChecks, texts, urlArg } from './checks.mjs';

const NAME = 'ts-v1-mount';

const url = urlArg();
const client = new Client({ name: NAME, version: '1.0.0' });
let changed = 0;
client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    changed += 1;
});
await runChecks(NAME, client, async () => {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    check(dump(names) === dump(['about', 'notes_add', 'weather_forecast']), `tools/list: ${dump(names)}`);
    const seen = [];
    let r = await client.callTool({ name: 'weather_forecast', arguments: { city: 'Lima' } }, undefined, {
        onprogress: (p) => seen.push(p.progress),
    });
    check(dump(texts(r)) === dump(['Sunny in Lima, 21 °C']), `weather_forecast: ${dump(r)}`);
    check(dump(seen) === dump([1]), `the mounted tool's progress: ${dump(seen)}`);
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    check(dump(templates) === dump(['weather+weather://{city}/today']), `templates: ${dump(templates)}`);
    const rr = await client.readResource({ uri: 'weather+weather://Lima/today' });
    check(rr.contents[0].text === 'Today in Lima: light rain, clearing later.', `the template: ${dump(rr)}`);
    const gp = await client.getPrompt({ name: 'weather_report', arguments: { city: 'Lima' } });
    check(gp.messages[0].content.text.includes('weather report for Lima'), `weather_report: ${dump(gp)}`);

    // Live: the notes server adds a resource while it serves; this session is told.
    const note = `t-${process.pid}`;
    r = await client.callTool({ name: 'notes_add', arguments: { name: note, text: 'call Ada' } });
    check(dump(texts(r)) === dump([`saved as notes+note://${note}`]), `notes_add: ${dump(r)}`);
    const uris = (await client.listResources()).resources.map((x) => x.uri);
    check(uris.includes(`notes+note://${note}`), `the added note is listed: ${dump(uris)}`);
    const read = await client.readResource({ uri: `notes+note://${note}` });
    check(read.contents[0].text === 'call Ada', `the added note: ${dump(read)}`);
    const deadline = Date.now() + 10_000;
    while (changed === 0 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
    check(changed >= 1, 'notifications/resources/list_changed never came');
});
