// A real OAuth 2.1 authorization server for scripts/auth-interop.sh: oidc-provider (npm,
// pinned in package-lock.json) on 127.0.0.1, issuing JWT access tokens (RFC 9068) whose `aud`
// is the resource the client asks for (RFC 8707 resource indicators).
//
//   node provider.mjs CLIENT_ID CLIENT_SECRET
//
// Listens on a free 127.0.0.1 port (so there is no race picking one) and prints one line,
// `issuer http://127.0.0.1:PORT`, once it answers. The issuer is plain http on loopback, which
// oidc-provider accepts (it only insists on https where a client needs it); its dev
// interactions are off: this server only issues client_credentials tokens.
//
// What it offers:
//   - a confidential client CLIENT_ID/CLIENT_SECRET (client_secret_basic, client_credentials)
//     allowed the scopes `tools:read admin`;
//   - dynamic client registration (RFC 7591) at /reg, open (no initial access token);
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
const server = createServer((req, res) => handler(req, res));

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
