// The official TypeScript MCP client (npm `@modelcontextprotocol/sdk` 1.x) doing the whole
// OAuth flow by itself against examples/auth_jwt and provider.mjs: on the 401 it reads the
// resource metadata, the authorization server's metadata, registers itself dynamically, and
// sends the user to the authorization URL (authorization code + PKCE, with `resource`). The
// "user" here is headless: the authorization URL is fetched with redirects followed by hand
// (provider.mjs consents at once) until it lands on the redirect URI with the code.
//
//   node ts_client.mjs MCP_URL
//
// Prints `PASS name` / `FAIL name: why` lines; exit 1 on a failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [mcpUrl] = process.argv.slice(2);
if (!mcpUrl) {
  console.error('usage: node ts_client.mjs MCP_URL');
  process.exit(2);
}
const REDIRECT = 'http://127.0.0.1:1/callback'; // never fetched: the code is read off the redirect
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
    console.log(`FAIL ${name}: ${err.stack ?? err}`);
  }
}
function expect(cond, why) {
  if (!cond) throw new Error(why);
}

// A browser without a user: follow the authorization URL's redirects (keeping the provider's
// cookies) until one goes to the redirect URI; its `code` is the result.
async function headlessAuthorize(url) {
  const cookies = new Map();
  let next = url;
  for (let hop = 0; hop < 10; hop += 1) {
    if (next.startsWith(REDIRECT)) {
      const params = new URL(next).searchParams;
      expect(!params.get('error'), `authorization error: ${params.get('error')} ${params.get('error_description')}`);
      return params.get('code');
    }
    const res = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      signal: AbortSignal.timeout(LIMIT_MS),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const location = res.headers.get('location');
    expect(res.status >= 300 && res.status < 400 && location, `${next}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    next = new URL(location, next).href;
  }
  throw new Error('too many redirects');
}

// The client's storage, in memory, and the "browser" it sends the user to.
const store = { pendingAuthorization: null };
const authProvider = {
  get redirectUrl() {
    return REDIRECT;
  },
  get clientMetadata() {
    return {
      client_name: 'mcp-serve auth-interop (TypeScript SDK)',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      // What the SDK asks for when neither the challenge nor the resource metadata names a
      // scope (auth_jwt's only declared scope is `admin`, for one tool).
      scope: 'tools:read',
    };
  },
  clientInformation: () => store.client,
  saveClientInformation: (info) => { store.client = info; },
  tokens: () => store.tokens,
  saveTokens: (tokens) => { store.tokens = tokens; },
  saveCodeVerifier: (v) => { store.verifier = v; },
  codeVerifier: () => store.verifier,
  redirectToAuthorization: (url) => { store.pendingAuthorization = url.href; },
};

const tokenClaims = () => JSON.parse(Buffer.from(store.tokens.access_token.split('.')[1], 'base64url').toString());

// connect, doing the authorization when the server asks for it (once).
async function connect() {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider });
  const client = new Client({ name: 'auth-interop-ts', version: '0.0.0' });
  try {
    await client.connect(transport);
    return client;
  } catch (err) {
    if (!(err instanceof UnauthorizedError) || !store.pendingAuthorization) throw err;
  }
  const url = store.pendingAuthorization;
  store.pendingAuthorization = null;
  await transport.finishAuth(await headlessAuthorize(url));
  const again = new Client({ name: 'auth-interop-ts', version: '0.0.0' });
  await again.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider }));
  return again;
}

let client;
await check('TypeScript SDK: discovery, dynamic registration, code + PKCE, then connect', async () => {
  client = await connect();
  expect(store.client?.client_id, 'the client did not register');
  expect(store.tokens?.access_token, 'no access token');
  expect(tokenClaims().aud === mcpUrl, `token aud: ${tokenClaims().aud}`);
});

await check('TypeScript SDK: tools/call whoami answers the signed-in user', async () => {
  expect(client, 'not connected');
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  const text = result.content.map((c) => c.text).join('');
  expect(text.startsWith(`alice (client ${store.client.client_id},`), `whoami: ${text}`);
});

await check('TypeScript SDK: admin_reset steps up on 403 insufficient_scope (scope=admin)', async () => {
  expect(client, 'not connected');
  const call = () => client.callTool({ name: 'admin_reset', arguments: {} });
  try {
    await call();
    throw new Error('admin_reset succeeded without the admin scope');
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  const url = store.pendingAuthorization;
  store.pendingAuthorization = null;
  expect(url && new URL(url).searchParams.get('scope')?.split(' ').includes('admin'), `authorization URL without scope admin: ${url}`);
  const transport = client.transport;
  await transport.finishAuth(await headlessAuthorize(url));
  expect(tokenClaims().scope?.split(' ').includes('admin'), `new token scope: ${tokenClaims().scope}`);
  const result = await call();
  const text = result.content.map((c) => c.text).join('');
  expect(text === 'caches reset', `admin_reset: ${text}`);
});

await client?.close().catch(() => {});
console.log(`checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
