// The checks of scripts/auth-interop.sh: an MCP client's side of the OAuth 2.1 flow, by hand
// (fetch), between the real authorization server (provider.mjs, oidc-provider) and mcp-serve's
// examples/auth_jwt. One line per check, `PASS name` or `FAIL name: why`; exit 1 on a failure.
//
//   node check.mjs MCP_URL ISSUER CLIENT_ID CLIENT_SECRET PROVIDER_PID
//
// PROVIDER_PID gets SIGUSR2 for the key rotation check (provider.mjs publishes a new key).
const [mcpUrl, issuer, clientId, clientSecret, providerPid] = process.argv.slice(2);
if (!providerPid) {
  console.error('usage: node check.mjs MCP_URL ISSUER CLIENT_ID CLIENT_SECRET PROVIDER_PID');
  process.exit(2);
}
const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const origin = new URL(mcpUrl).origin;
const metadataUrl = `${origin}/.well-known/oauth-protected-resource${new URL(mcpUrl).pathname}`;
// Every request is bounded: a hang is a failure, not a stuck CI job.
const LIMIT_MS = 15000;

let failed = 0;
let passed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`PASS ${name}`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name}: ${err.message}`);
  }
}
function expect(cond, why) {
  if (!cond) throw new Error(why);
}

async function http(url, init = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(LIMIT_MS) });
}

// The JSON-RPC response with id `id`, from a JSON body or an SSE stream.
async function rpcResult(res, id) {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const messages = type.includes('text/event-stream')
    ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)))
    : [JSON.parse(text)];
  const msg = messages.find((m) => m.id === id);
  expect(msg, `no response with id ${id} in: ${text.slice(0, 300)}`);
  expect(!msg.error, `JSON-RPC error: ${JSON.stringify(msg.error)}`);
  return msg.result;
}

function toolText(result) {
  expect(!result.isError, `tool error: ${JSON.stringify(result)}`);
  return result.content.map((c) => c.text).join('');
}

// A 2026-07-28 request: no session, the method and name mirrored in headers, and the
// protocol version and client capabilities in `_meta`.
let nextId = 1;
async function modernCall(token, tool) {
  const id = nextId++;
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': 'tools/call',
    'mcp-name': tool,
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const body = {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: tool,
      arguments: {},
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN,
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  };
  const res = await http(mcpUrl, { method: 'POST', headers, body: JSON.stringify(body) });
  return { res, id };
}

async function whoami(token) {
  const { res, id } = await modernCall(token, 'whoami');
  expect(res.status === 200, `whoami: HTTP ${res.status} ${res.headers.get('www-authenticate') ?? ''}`);
  return toolText(await rpcResult(res, id));
}

function jwtPart(token, i) {
  return JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString());
}

// Filled in by the discovery checks, as a client would.
let tokenEndpoint;
let registrationEndpoint;
let jwksUri;

async function getToken({ id = clientId, secret = clientSecret, scope, resource }) {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) form.set('scope', scope);
  if (resource) form.set('resource', resource);
  const res = await http(tokenEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: form,
  });
  const body = await res.json();
  expect(res.status === 200, `token endpoint: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

const subjectLine = (id, scopes) => `${id} (client ${id}, scopes: ${scopes})`;

await check('no token: 401 with a Bearer challenge naming the resource metadata', async () => {
  const { res } = await modernCall(null, 'whoami');
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(res.status === 401, `HTTP ${res.status}`);
  expect(/^Bearer\b/.test(challenge), `challenge: ${challenge}`);
  expect(challenge.includes(`resource_metadata="${metadataUrl}"`), `challenge: ${challenge}`);
  expect(!challenge.includes('error='), `a missing token is no error: ${challenge}`);
});

await check('protected resource metadata names the resource and the issuer', async () => {
  const res = await http(metadataUrl);
  expect(res.status === 200, `HTTP ${res.status}`);
  const meta = await res.json();
  expect(meta.resource === mcpUrl, `resource: ${meta.resource}`);
  expect(meta.authorization_servers?.includes(issuer), `authorization_servers: ${meta.authorization_servers}`);
});

await check('authorization server metadata (RFC 8414) from the issuer', async () => {
  const res = await http(`${issuer}/.well-known/oauth-authorization-server`);
  expect(res.status === 200, `HTTP ${res.status}`);
  const meta = await res.json();
  expect(meta.issuer === issuer, `issuer: ${meta.issuer}`);
  expect(meta.grant_types_supported?.includes('client_credentials'), 'no client_credentials grant');
  ({ token_endpoint: tokenEndpoint, registration_endpoint: registrationEndpoint, jwks_uri: jwksUri } = meta);
  expect(tokenEndpoint && registrationEndpoint && jwksUri, 'no token, registration or jwks endpoint');
});

let readToken;
await check('client_credentials token for the MCP resource is a JWT with aud = the MCP URL', async () => {
  readToken = await getToken({ scope: 'tools:read', resource: mcpUrl });
  const header = jwtPart(readToken, 0);
  const claims = jwtPart(readToken, 1);
  expect(header.typ === 'at+jwt', `typ: ${header.typ}`);
  expect(claims.aud === mcpUrl && claims.iss === issuer, `aud ${claims.aud}, iss ${claims.iss}`);
  expect(claims.scope === 'tools:read', `scope: ${claims.scope}`);
});

await check('2026-07-28 tools/call whoami with the token answers the client as subject', async () => {
  const text = await whoami(readToken);
  expect(text === subjectLine(clientId, 'tools:read'), `whoami: ${text}`);
});

await check('admin_reset without the admin scope: 403 insufficient_scope, scope="admin"', async () => {
  const { res } = await modernCall(readToken, 'admin_reset');
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(res.status === 403, `HTTP ${res.status} ${challenge}`);
  expect(challenge.includes('error="insufficient_scope"'), `challenge: ${challenge}`);
  expect(challenge.includes('scope="admin"'), `challenge: ${challenge}`);
  expect(challenge.includes(`resource_metadata="${metadataUrl}"`), `challenge: ${challenge}`);
});

await check('step-up: a new token with "tools:read admin" may call admin_reset', async () => {
  const adminToken = await getToken({ scope: 'tools:read admin', resource: mcpUrl });
  const { res, id } = await modernCall(adminToken, 'admin_reset');
  expect(res.status === 200, `HTTP ${res.status} ${res.headers.get('www-authenticate') ?? ''}`);
  const text = toolText(await rpcResult(res, id));
  expect(text === 'caches reset', `admin_reset: ${text}`);
});

await check('a token for another resource: 401 invalid_token', async () => {
  const other = await getToken({ scope: 'tools:read', resource: `${origin}/other` });
  expect(jwtPart(other, 1).aud === `${origin}/other`, 'the provider ignored the resource');
  const { res } = await modernCall(other, 'whoami');
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(res.status === 401, `HTTP ${res.status}`);
  expect(challenge.includes('error="invalid_token"'), `challenge: ${challenge}`);
});

await check('an opaque token (no resource indicator): 401 invalid_token', async () => {
  const opaque = await getToken({ scope: 'tools:read' });
  expect(opaque.split('.').length !== 3, 'expected an opaque token without a resource');
  const { res } = await modernCall(opaque, 'whoami');
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(res.status === 401, `HTTP ${res.status}`);
  expect(challenge.includes('error="invalid_token"'), `challenge: ${challenge}`);
});

let registered;
await check('dynamic client registration (RFC 7591), then its token works', async () => {
  const res = await http(registrationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'auth-interop',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'tools:read',
    }),
  });
  const body = await res.json();
  expect(res.status === 201, `HTTP ${res.status} ${JSON.stringify(body)}`);
  registered = { id: body.client_id, secret: body.client_secret };
  registered.token = await getToken({ ...registered, scope: 'tools:read', resource: mcpUrl });
  const text = await whoami(registered.token);
  expect(text === subjectLine(registered.id, 'tools:read'), `whoami: ${text}`);
});

await check('2025-11-25 session (initialize + Mcp-Session-Id) with the token', async () => {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${readToken}`,
  };
  const init = await http(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'auth-interop', version: '0' } },
    }),
  });
  expect(init.status === 200, `initialize: HTTP ${init.status}`);
  const session = init.headers.get('mcp-session-id');
  expect(session, 'no Mcp-Session-Id');
  const result = await rpcResult(init, 1);
  expect(result.protocolVersion === LEGACY, `protocolVersion ${result.protocolVersion}`);
  const inSession = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': LEGACY };
  const note = await http(mcpUrl, {
    method: 'POST',
    headers: inSession,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(note.status === 202, `notifications/initialized: HTTP ${note.status}`);
  const call = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
  const res = await http(mcpUrl, { method: 'POST', headers: inSession, body: call });
  expect(res.status === 200, `tools/call: HTTP ${res.status}`);
  const text = toolText(await rpcResult(res, 2));
  expect(text === subjectLine(clientId, 'tools:read'), `whoami: ${text}`);
  // The session belongs to the client whose token opened it.
  if (registered?.token) {
    const other = await http(mcpUrl, {
      method: 'POST',
      headers: { ...inSession, authorization: `Bearer ${registered.token}` },
      body: call,
    });
    expect(other.status === 403, `another client's token in the session: HTTP ${other.status}`);
  }
});

await check('key rotation: a token signed with a newly published key is accepted', async () => {
  const before = (await (await http(jwksUri)).json()).keys.map((k) => k.kid);
  process.kill(Number(providerPid), 'SIGUSR2');
  let after = before;
  for (let i = 0; i < 50 && after.length === before.length; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    after = (await (await http(jwksUri)).json()).keys.map((k) => k.kid);
  }
  expect(after.length === before.length + 1, `the provider published no new key: ${after}`);
  const rotated = await getToken({ scope: 'tools:read', resource: mcpUrl });
  const kid = jwtPart(rotated, 0).kid;
  expect(!before.includes(kid) && after.includes(kid), `signed with ${kid}, not the new key`);
  // mcp-serve fetches the keys again for an unknown kid at most every 30 s, so the new key
  // may be refused for up to that long after its last fetch: try for 45 s.
  const deadline = Date.now() + 45000;
  let last;
  for (;;) {
    const { res, id } = await modernCall(rotated, 'whoami');
    if (res.status === 200) {
      const text = toolText(await rpcResult(res, id));
      expect(text === subjectLine(clientId, 'tools:read'), `whoami: ${text}`);
      break;
    }
    last = `HTTP ${res.status} ${res.headers.get('www-authenticate') ?? ''}`;
    // Only "this key is unknown (yet)" is worth waiting out.
    expect(res.status === 401 && last.includes('unknown signing key'), last);
    expect(Date.now() < deadline, `still refused after 45 s: ${last}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  // Tokens signed with the old key still verify (it is still published).
  const text = await whoami(readToken);
  expect(text === subjectLine(clientId, 'tools:read'), `old token: ${text}`);
});

console.log(`checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
