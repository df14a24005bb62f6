// A real OAuth 2.1 authorization server for scripts/auth-interop.sh: oidc-provider (npm,
// pinned in package-lock.json) on 127.0.0.1, issuing JWT access tokens (RFC 9068) whose `aud`
// is the resource the client asks for (RFC 8707 resource indicators).
//
//   node provider.mjs CLIENT_ID CLIENT_SECRET
//
// Listens on a free 127.0.0.1 port (so there is no race picking one) and prints one line,
// `issuer http://127.0.0.1:PORT`, once it answers. The issuer is plain http on loopback, which
// oidc-provider accepts. Its dev interactions (HTML forms) are off: /interaction/<uid> signs in
// as `alice` and consents at once, so a headless client can do the authorization code flow.
//
// What it offers:
//   - a confidential client CLIENT_ID/CLIENT_SECRET (client_secret_basic, client_credentials)
//     allowed the scopes `tools:read admin`;
//   - dynamic client registration (RFC 7591) at /reg, open (no initial access token), for
//     client_credentials clients and public authorization code + PKCE clients (the official
//     TypeScript client registers one); a registration's `scope` is dropped (see below);
//   - any `resource` (an absolute URL) gets a JWT access token with `aud` = that resource and
//     only the requested scopes;
//   - its metadata at both /.well-known/oauth-authorization-server (RFC 8414) and
//     /.well-known/openid-configuration;
//   - key rotation on SIGUSR2: a new RS256 key is generated and published in front of the old
//     one, and new tokens are signed with it (the old key stays published, as in a real
//     rotation). Prints `rotated KID` when done.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const [clientId, clientSecret] = process.argv.slice(2);
if (!clientId || !clientSecret) {
  console.error('usage: node provider.mjs CLIENT_ID CLIENT_SECRET');
  process.exit(2);
}

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

function configuration(keys) {
  return {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'tools:read admin',
      },
    ],
    scopes: ['openid', 'tools:read', 'admin'],
    jwks: { keys },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A token request names its resource; no default audience.
        defaultResource: (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => ({
          scope: 'tools:read admin',
          audience: resourceIndicator,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'RS256', kid: keys[0].kid } },
        }),
      },
    },
  };
}

let keys = [newKey()];
let provider;
let handler;
const server = createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    autoApprove(req, res).catch((err) => {
      console.error('interaction failed', err);
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  if (req.method === 'POST' && req.url === '/reg') {
    unpinnedRegistration(req).then(() => handler(req, res));
    return;
  }
  handler(req, res);
});

// oidc-provider pins a registered client to the `scope` it registered with, and the
// TypeScript SDK registers with the scope of its first authorization, so a step-up to a scope
// it did not ask for at first would be refused. Many authorization servers do not pin; this
// one drops `scope` from registrations so its clients may ask for any of its scopes.
// (oidc-provider reads an already parsed body from `req.body`.)
async function unpinnedRegistration(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  try {
    const body = JSON.parse(raw);
    if (body && typeof body === 'object') delete body.scope;
    req.body = body;
  } catch {
    req.body = raw; // not JSON: oidc-provider answers invalid_request itself
  }
}

// The user's part of the authorization code flow, without a user: sign in as `alice` and
// consent to whatever the client asked for (scopes, and scopes at the requested resource).
async function autoApprove(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function build(issuer) {
  provider = new Provider(issuer, configuration(keys));
  // Unexpected errors of the provider itself (not a client's bad request) go to stderr.
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  handler = provider.callback();
}

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  build(issuer);
  process.on('SIGUSR2', () => {
    keys = [newKey(), ...keys];
    build(issuer);
    console.log(`rotated ${keys[0].kid}`);
  });
  console.log(`issuer ${issuer}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
