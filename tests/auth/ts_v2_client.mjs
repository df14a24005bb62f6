// The official TypeScript MCP client 2.x (npm `@modelcontextprotocol/client`) doing the whole
// OAuth flow by itself against examples/auth_jwt and provider.mjs, in both eras over Streamable
// HTTP: the 2026-07-28 era (versionNegotiation pinned: no handshake, `_meta` on each request)
// and a 2025-11-25 session (mode 'legacy': `initialize`, Mcp-Session-Id).
//
//   node ts_v2_client.mjs MCP_URL
//
// For each era a fresh client with an in-memory OAuthClientProvider: the first request is
// refused with 401 + `resource_metadata`, so the SDK reads that document and the issuer's
// metadata, registers itself dynamically and sends the user to the authorization URL
// (authorization code + PKCE, with `resource`). The "user" is headless: the URL is fetched with
// redirects followed by hand (provider.mjs signs in as `alice` and consents at once) until it
// lands on the redirect URI; its query goes to `transport.finishAuth(URLSearchParams)`, which
// 2.x wants whole so it can check `iss` (RFC 9207; oidc-provider sends it).
//
// 2.x asks for the challenge's scope, else the resource metadata's scopes_supported, else the
// client metadata's `scope`; auth_jwt names neither on the 401, so the first token has
// `tools:read` only (unlike the Python SDK, which falls back to every scope the authorization
// server lists; see py_client.py). admin_reset's 403 insufficient_scope then makes the
// transport step up by itself: it asks for the union of the granted and the challenged scopes
// and forces a new authorization (a refresh cannot widen scope), which, being interactive,
// ends in UnauthorizedError; the "user" authorizes, and the call is made again.
//
// Prints `PASS name` / `FAIL name: why` lines; exit 1 on a failure.
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';

const [mcpUrl] = process.argv.slice(2);
if (!mcpUrl) {
  console.error('usage: node ts_v2_client.mjs MCP_URL');
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
    console.log(`FAIL ${name}: ${String(err?.stack ?? err).split('\n').slice(0, 4).join(' | ')}`);
  }
}
function expect(cond, why) {
  if (!cond) throw new Error(why);
}

// A browser without a user: follow the authorization URL's redirects (keeping the provider's
// cookies) until one goes to the redirect URI; its query (code, state, iss) is the result.
async function headlessAuthorize(url) {
  const cookies = new Map();
  let next = url;
  for (let hop = 0; hop < 10; hop += 1) {
    if (next.startsWith(REDIRECT)) {
      const params = new URL(next).searchParams;
      expect(!params.get('error'), `authorization error: ${params.get('error')} ${params.get('error_description')}`);
      expect(params.get('code'), `no code on the redirect: ${next}`);
      return params;
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

const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const texts = (result) => (result?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('');
const scopesOf = (s) => (s ?? '').split(' ').filter(Boolean);

async function era(label, mode, wantVersion, wantEra) {
  const prefix = `TypeScript SDK 2.x ${label}`;
  // The client's storage, in memory; `urls` are the authorization URLs the user was sent to.
  const store = { urls: [], pending: null };
  const authProvider = {
    get redirectUrl() {
      return REDIRECT;
    },
    get clientMetadata() {
      return {
        client_name: `mcp-serve auth-interop (TypeScript SDK 2.x, ${label})`,
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        // What the SDK asks for when neither the challenge nor the resource metadata names a
        // scope (auth_jwt declares `admin` for one tool only, on its 403).
        scope: 'tools:read',
      };
    },
    clientInformation: () => store.client,
    saveClientInformation: (info) => { store.client = info; },
    tokens: () => store.tokens,
    saveTokens: (tokens) => { store.tokens = tokens; },
    saveCodeVerifier: (v) => { store.verifier = v; },
    codeVerifier: () => store.verifier,
    saveDiscoveryState: (s) => { store.discovery = s; },
    discoveryState: () => store.discovery,
    redirectToAuthorization: (url) => {
      store.urls.push(url.href);
      store.pending = url.href;
    },
  };
  // Every HTTP exchange the SDK makes (MCP and OAuth alike go through the transport's fetch).
  const seen = [];
  const logFetch = async (url, init) => {
    const res = await fetch(url, init);
    seen.push({ method: init?.method ?? 'GET', url: String(url), status: res.status, challenge: res.headers.get('www-authenticate') ?? '' });
    return res;
  };

  let transport;
  let client;
  const open = async () => {
    transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider, fetch: logFetch });
    client = new Client({ name: 'auth-interop-ts-v2', version: '0.0.0' }, { versionNegotiation: { mode } });
    await client.connect(transport, { timeout: LIMIT_MS });
  };
  // The user's part of the flow, when the SDK sent them to authorize (and threw for it).
  const authorizeIfAsked = async (err) => {
    if (!(err instanceof UnauthorizedError) || !store.pending) throw err;
    const url = store.pending;
    store.pending = null;
    await transport.finishAuth(await headlessAuthorize(url));
  };
  // The first request that needs a token starts the flow: `initialize` in the legacy era, the
  // first tools/call in the modern one (no handshake). Either way it is made again afterwards.
  let whoami;
  let connected = false;
  try {
    try {
      await open();
    } catch (err) {
      await authorizeIfAsked(err);
      await client.close().catch(() => {});
      await open();
    }
    connected = true;
    const call = () => client.callTool({ name: 'whoami', arguments: {} }, { timeout: LIMIT_MS });
    try {
      whoami = await call();
    } catch (err) {
      await authorizeIfAsked(err);
      whoami = await call();
    }
  } catch (err) {
    whoami = err;
  }

  const metadataUrl = `${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource${new URL(mcpUrl).pathname}`;
  await check(`${prefix}: 401 with resource_metadata, then discovery`, async () => {
    const first = seen.find((s) => s.url === mcpUrl);
    expect(first?.status === 401, `the first MCP request was not refused with 401: ${JSON.stringify(first)}`);
    expect(first.challenge.includes(`resource_metadata="${metadataUrl}"`), `401 challenge: ${first.challenge}`);
    expect(seen.some((s) => s.url === metadataUrl && s.status === 200), `the resource metadata was not fetched from the challenge's URL: ${seen.map((s) => s.url)}`);
  });
  await check(`${prefix}: dynamic client registration`, async () => {
    expect(store.client?.client_id, 'the client did not register');
    expect(seen.some((s) => s.method === 'POST' && s.status === 201), `no dynamic registration: ${JSON.stringify(seen.map((s) => [s.method, s.url, s.status]))}`);
  });
  await check(`${prefix}: code + PKCE token for the MCP URL (aud), era negotiated`, async () => {
    expect(connected, `not connected: ${whoami?.stack ?? whoami}`);
    expect(store.tokens?.access_token, 'no access token');
    const c = claims(store.tokens.access_token);
    expect(c.aud === mcpUrl, `token aud: ${c.aud}`);
    expect(!scopesOf(c.scope).includes('admin'), `the first token already has admin: ${c.scope}`);
    const first = new URL(store.urls[0] ?? 'http://none/');
    expect(first.searchParams.get('code_challenge_method') === 'S256' && first.searchParams.get('resource') === mcpUrl,
      `authorization URL without PKCE S256 or resource: ${store.urls[0]}`);
    expect(client.getNegotiatedProtocolVersion() === wantVersion && client.getProtocolEra() === wantEra,
      `protocol ${client.getNegotiatedProtocolVersion()} (${client.getProtocolEra()}), wanted ${wantVersion} (${wantEra})`);
    expect(wantEra === 'modern' ? !transport.sessionId : transport.sessionId, `session id ${transport.sessionId} in the ${wantEra} era`);
  });
  await check(`${prefix}: tools/call whoami answers the signed-in user`, async () => {
    if (whoami instanceof Error) throw whoami;
    expect(!whoami.isError, `whoami isError: ${texts(whoami)}`);
    expect(texts(whoami).startsWith(`alice (client ${store.client.client_id},`), `whoami: ${texts(whoami)}`);
  });
  await check(`${prefix}: admin_reset steps up on 403 insufficient_scope (scope=admin) and succeeds`, async () => {
    expect(connected, 'not connected');
    const before = seen.length;
    const call = () => client.callTool({ name: 'admin_reset', arguments: {} }, { timeout: LIMIT_MS });
    try {
      await call();
      throw new Error('admin_reset succeeded without the admin scope');
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
    }
    const refused = seen.slice(before).find((s) => s.url === mcpUrl && s.status === 403);
    expect(refused?.challenge.includes('error="insufficient_scope"') && refused.challenge.includes('scope="admin"'),
      `no 403 insufficient_scope challenge for admin: ${JSON.stringify(seen.slice(before))}`);
    expect(store.urls.length === 2 && store.pending, `no second authorization: ${store.urls}`);
    const asked = scopesOf(new URL(store.urls[1]).searchParams.get('scope'));
    expect(asked.includes('admin') && asked.includes('tools:read'), `step-up authorization URL scope: ${asked}`);
    await authorizeIfAsked(new UnauthorizedError());
    const granted = scopesOf(claims(store.tokens.access_token).scope);
    expect(granted.includes('admin') && granted.includes('tools:read'), `new token scope: ${granted}`);
    const result = await call();
    expect(!result.isError && texts(result) === 'caches reset', `admin_reset: ${texts(result)}`);
    const whoami = await client.callTool({ name: 'whoami', arguments: {} }, { timeout: LIMIT_MS });
    expect(texts(whoami).includes('admin'), `whoami after the step-up: ${texts(whoami)}`);
  });
  await client?.close().catch(() => {});
}

await era('2026-07-28', { pin: '2026-07-28' }, '2026-07-28', 'modern');
await era('2025-11-25 session', 'legacy', '2025-11-25', 'legacy');
console.log(`checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
