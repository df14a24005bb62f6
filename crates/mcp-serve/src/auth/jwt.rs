//! [`JwtVerifier`]: JWT access tokens (RFC 9068) checked against a static
//! key, a JWKS URI, or the keys an issuer's metadata names.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};
use tokio::time::Instant;

use super::{AuthError, Principal, TokenVerifier, VerifyFuture};

/// Asymmetric algorithms accepted from a key set by default. `none` is never
/// accepted; HMAC only with a static secret.
const ASYMMETRIC: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// How long a fetched key set is trusted before it is fetched again.
const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(10 * 60);
/// An unknown `kid` fetches the set again at most this often.
const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// How long a metadata or key-set fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Verifies JWT access tokens: signature (algorithm allow-list, `alg: none`
/// refused), `iss`, `aud` (this server's canonical URI unless set: fail
/// closed), `exp`/`nbf` with leeway and, optionally, `typ: at+jwt`.
///
/// ```no_run
/// use mcp_serve::auth::{Auth, JwtVerifier};
/// // The keys the issuer's metadata names, cached and rotated.
/// let jwt = JwtVerifier::discover("https://auth.example.com");
/// let _ = Auth::new("https://mcp.example.com/mcp").verifier(jwt);
/// ```
pub struct JwtVerifier {
    keys: Keys,
    issuer: Option<String>,
    audience: Option<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    require_at_jwt: bool,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

enum Keys {
    Static(Vec<(Option<String>, DecodingKey, Algorithm)>),
    Remote(Arc<RemoteKeys>),
}

/// A key set fetched over HTTP: from a JWKS URI, or from the one an
/// issuer's metadata names.
struct RemoteKeys {
    source: Source,
    http: reqwest::Client,
    ttl: Duration,
    refetch_interval: Duration,
    /// One fetch at a time; readers see the last set.
    state: tokio::sync::Mutex<Fetched>,
}

enum Source {
    Jwks(String),
    Issuer(String),
}

#[derive(Default)]
struct Fetched {
    jwks_uri: Option<String>,
    /// The set's signing keys, decoded once when it is fetched rather than
    /// on every token.
    keys: Vec<FetchedKey>,
    fetched_at: Option<Instant>,
}

/// A signing key of a fetched set.
struct FetchedKey {
    kid: Option<String>,
    /// The JWK's `alg`, as `Algorithm`'s `Debug` names it.
    alg: Option<String>,
    key: DecodingKey,
}

impl JwtVerifier {
    fn with_keys(keys: Keys, algorithms: Vec<Algorithm>) -> Self {
        JwtVerifier {
            keys,
            issuer: None,
            audience: None,
            algorithms,
            leeway: Duration::from_secs(30),
            require_at_jwt: false,
        }
    }

    fn remote(source: Source) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .unwrap_or_default();
        let remote = RemoteKeys {
            source,
            http,
            ttl: DEFAULT_JWKS_TTL,
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            state: tokio::sync::Mutex::new(Fetched::default()),
        };
        Self::with_keys(Keys::Remote(Arc::new(remote)), ASYMMETRIC.to_vec())
    }

    /// Tokens signed with this key (PEM, DER or secret: see
    /// [`DecodingKey`]), by algorithm `alg`.
    ///
    /// ```
    /// use mcp_serve::auth::{Algorithm, DecodingKey, JwtVerifier};
    /// let key = DecodingKey::from_secret(b"a long shared secret").unwrap();
    /// let _ = JwtVerifier::with_key(key, Algorithm::HS256).issuer("https://auth.example.com");
    /// ```
    pub fn with_key(key: DecodingKey, alg: Algorithm) -> Self {
        Self::with_keys(Keys::Static(vec![(None, key, alg)]), vec![alg])
    }

    /// Tokens signed by the keys at `jwks_uri`: cached for 10 minutes, and
    /// fetched again (at most every 30 s) when a token names an unknown
    /// `kid`, so key rotation needs no restart.
    ///
    /// ```
    /// let _ = mcp_serve::auth::JwtVerifier::jwks("https://auth.example.com/jwks");
    /// ```
    pub fn jwks(jwks_uri: impl Into<String>) -> Self {
        Self::remote(Source::Jwks(jwks_uri.into()))
    }

    /// Tokens from `issuer`: its keys are found through its metadata
    /// (RFC 8414, then OpenID discovery), and `iss` must equal it.
    ///
    /// ```
    /// let _ = mcp_serve::auth::JwtVerifier::discover("https://auth.example.com");
    /// ```
    pub fn discover(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        Self::remote(Source::Issuer(issuer.clone())).issuer(issuer)
    }

    /// Requires `iss` to equal `issuer`.
    ///
    /// ```
    /// let _ = mcp_serve::auth::JwtVerifier::jwks("https://a.example/jwks").issuer("https://a.example");
    /// ```
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires `aud` to contain `audience` (default: the server's
    /// canonical URI, as RFC 8707 resource indicators make it).
    ///
    /// ```
    /// let _ = mcp_serve::auth::JwtVerifier::jwks("https://a.example/jwks").audience("api://mcp");
    /// ```
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Accepts only these algorithms.
    ///
    /// ```
    /// use mcp_serve::auth::{Algorithm, JwtVerifier};
    /// let _ = JwtVerifier::jwks("https://a.example/jwks").algorithms([Algorithm::ES256]);
    /// ```
    #[must_use]
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Clock skew tolerated on `exp` and `nbf` (default 30 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::auth::JwtVerifier::jwks("https://a.example/jwks").leeway(Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Requires the header's `typ` to be `at+jwt` (RFC 9068), so ID tokens
    /// and other JWTs are not taken for access tokens.
    ///
    /// ```
    /// let _ = mcp_serve::auth::JwtVerifier::jwks("https://a.example/jwks").require_at_jwt();
    /// ```
    #[must_use]
    pub fn require_at_jwt(mut self) -> Self {
        self.require_at_jwt = true;
        self
    }

    /// How long a fetched key set is used before it is fetched again, and
    /// how often an unknown `kid` may trigger a fetch.
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::auth::JwtVerifier::jwks("https://a.example/jwks")
    ///     .key_cache(Duration::from_secs(300), Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn key_cache(mut self, ttl: Duration, refetch_interval: Duration) -> Self {
        if let Keys::Remote(remote) = &mut self.keys {
            if let Some(r) = Arc::get_mut(remote) {
                r.ttl = ttl;
                r.refetch_interval = refetch_interval;
            }
        }
        self
    }

    async fn check(&self, token: &str, resource: &str) -> Result<Principal, AuthError> {
        let invalid = |why: &str| AuthError::InvalidToken(why.to_owned());
        let header = decode_header(token).map_err(|_| invalid("malformed token: not a signed JWT"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(invalid(&format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            )));
        }
        if self.require_at_jwt
            && !header.typ.as_deref().is_some_and(|t| {
                t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
            })
        {
            return Err(invalid("not an access token (typ must be at+jwt)"));
        }
        let audience = self.audience.as_deref().unwrap_or(resource);
        if audience.is_empty() {
            // Fail closed: without an audience any token for anything would do.
            return Err(invalid("this server has no audience configured"));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "aud"]);
        validation.set_audience(&[audience]);
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
        }
        let keys = self.keys_for(header.kid.as_deref(), header.alg).await?;
        let mut last = invalid("no key matches the token");
        for key in &keys {
            match decode::<Map<String, Value>>(token, key, &validation) {
                Ok(data) => return Ok(principal_from(data.claims)),
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind as K;
                    last = invalid(match e.kind() {
                        K::ExpiredSignature => "token expired",
                        K::ImmatureSignature => "token not yet valid (nbf)",
                        K::InvalidAudience => "token is for another resource (aud)",
                        K::InvalidIssuer => "token from another issuer (iss)",
                        K::InvalidSignature => "bad signature",
                        K::MissingRequiredClaim(_) => "token lacks a required claim (exp, aud)",
                        _ => "invalid token",
                    });
                    // Another key may match only if the signature was the problem.
                    if !matches!(
                        e.kind(),
                        K::InvalidSignature | K::InvalidAlgorithm | K::InvalidKeyFormat
                    ) {
                        break;
                    }
                }
            }
        }
        Err(last)
    }

    /// The keys that may have signed a token with this `kid` and `alg`.
    async fn keys_for(&self, kid: Option<&str>, alg: Algorithm) -> Result<Vec<DecodingKey>, AuthError> {
        match &self.keys {
            Keys::Static(keys) => Ok(keys
                .iter()
                .filter(|(k, _, a)| *a == alg && (kid.is_none() || k.is_none() || k.as_deref() == kid))
                .map(|(_, key, _)| key.clone())
                .collect()),
            Keys::Remote(remote) => remote.keys_for(kid, alg).await,
        }
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str, resource: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token, resource))
    }
}

impl RemoteKeys {
    async fn keys_for(&self, kid: Option<&str>, alg: Algorithm) -> Result<Vec<DecodingKey>, AuthError> {
        let mut state = self.state.lock().await;
        let stale = state.fetched_at.is_none_or(|at| at.elapsed() >= self.ttl);
        if stale {
            self.refresh(&mut state).await?;
        }
        let mut keys = matching(&state.keys, kid, alg);
        // An unknown kid may be a new key: fetch again, but not too often.
        if keys.is_empty()
            && kid.is_some()
            && !stale
            && state
                .fetched_at
                .is_none_or(|at| at.elapsed() >= self.refetch_interval)
        {
            self.refresh(&mut state).await?;
            keys = matching(&state.keys, kid, alg);
        }
        if keys.is_empty() {
            return Err(AuthError::InvalidToken(match kid {
                Some(_) => "unknown signing key (kid)".into(),
                None => "no signing key for the token's algorithm".into(),
            }));
        }
        Ok(keys)
    }

    async fn refresh(&self, state: &mut Fetched) -> Result<(), AuthError> {
        let jwks_uri = match (&self.source, &state.jwks_uri) {
            (Source::Jwks(uri), _) => uri.clone(),
            (Source::Issuer(_), Some(uri)) => uri.clone(),
            (Source::Issuer(issuer), None) => {
                let uri = self.discover(issuer).await?;
                state.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let set: JwkSet = self.get_json(&jwks_uri).await.map_err(|e| {
            AuthError::Unavailable(format!(
                "the signing keys at {jwks_uri} could not be fetched: {e}"
            ))
        })?;
        state.keys = decode_set(&set);
        state.fetched_at = Some(Instant::now());
        Ok(())
    }

    /// The `jwks_uri` of `issuer`'s metadata: RFC 8414 first, then OpenID
    /// discovery; the document must name the same issuer.
    async fn discover(&self, issuer: &str) -> Result<String, AuthError> {
        let trimmed = issuer.trim_end_matches('/');
        let (origin, path) = super::config::split(trimmed);
        let candidates = [
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{trimmed}/.well-known/openid-configuration"),
            format!("{origin}/.well-known/openid-configuration{path}"),
        ];
        let mut last = String::new();
        for url in candidates {
            match self.get_json::<Value>(&url).await {
                Ok(meta) => {
                    if meta["issuer"].as_str().map(|i| i.trim_end_matches('/')) != Some(trimmed) {
                        last = format!("{url} names another issuer ({})", meta["issuer"]);
                        continue;
                    }
                    return meta["jwks_uri"]
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| AuthError::Unavailable(format!("{url} has no jwks_uri")));
                }
                Err(e) => last = format!("{url}: {e}"),
            }
        }
        Err(AuthError::Unavailable(format!(
            "the metadata of issuer {issuer} could not be fetched ({last})"
        )))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let resp = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        let resp = resp.error_for_status().map_err(|e| e.to_string())?;
        resp.json::<T>().await.map_err(|e| e.to_string())
    }
}

/// The signing keys of `set` this library can use, decoded.
fn decode_set(set: &JwkSet) -> Vec<FetchedKey> {
    set.keys
        .iter()
        .filter(|jwk: &&Jwk| {
            !matches!(
                jwk.common.public_key_use,
                Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
            )
        })
        .filter_map(|jwk| {
            Some(FetchedKey {
                kid: jwk.common.key_id.clone(),
                alg: jwk.common.key_algorithm.map(|a| a.to_string()),
                key: DecodingKey::from_jwk(jwk).ok()?,
            })
        })
        .collect()
}

/// The keys a token with `kid` and `alg` may be signed with.
fn matching(keys: &[FetchedKey], kid: Option<&str>, alg: Algorithm) -> Vec<DecodingKey> {
    let alg = format!("{alg:?}");
    keys.iter()
        .filter(|k| kid.is_none_or(|kid| k.kid.as_deref() == Some(kid)))
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == alg))
        .map(|k| k.key.clone())
        .collect()
}

/// The caller a verified token's claims describe.
pub(crate) fn principal_from(claims: Map<String, Value>) -> Principal {
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    let client_id = text("client_id").or_else(|| text("azp")).or_else(|| text("cid"));
    let subject = text("sub").or_else(|| client_id.clone()).unwrap_or_default();
    let scopes = match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let expires_at = claims
        .get("exp")
        .and_then(Value::as_u64)
        .map(|s| UNIX_EPOCH + Duration::from_secs(s));
    let mut p = Principal::new(subject).with_scopes(scopes);
    p.client_id = client_id;
    p.expires_at = expires_at;
    p.claims = claims;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_become_a_principal() {
        let claims = serde_json::json!({"sub": "alice", "azp": "cli", "scope": "a b", "exp": 10});
        let Value::Object(claims) = claims else {
            unreachable!()
        };
        let p = principal_from(claims);
        assert_eq!(p.subject, "alice");
        assert_eq!(p.client_id.as_deref(), Some("cli"));
        assert_eq!(p.scopes, ["a", "b"]);
        assert_eq!(p.expires_at, Some(UNIX_EPOCH + Duration::from_secs(10)));
    }
}
