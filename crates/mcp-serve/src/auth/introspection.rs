//! [`IntrospectionVerifier`]: opaque tokens checked with the authorization
//! server's introspection endpoint (RFC 7662), answers cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::jwt::principal_from;
use super::{AuthError, Principal, TokenVerifier, VerifyFuture};

/// How many answers are cached at most.
const CACHE_CAPACITY: usize = 10_000;

/// Verifies opaque access tokens by asking the authorization server
/// (RFC 7662), authenticating as a client with HTTP Basic. An active
/// token's answer is cached until it expires or for the cache time
/// (default 60 s), whichever is sooner, so a revoked token stops working
/// within that time. `aud` must name this server when the answer has one;
/// [`IntrospectionVerifier::require_audience`] refuses answers without.
///
/// ```
/// use mcp_serve::auth::{Auth, IntrospectionVerifier};
/// let v = IntrospectionVerifier::new("https://auth.example.com/introspect", "mcp-server", "secret");
/// let _ = Auth::new("https://mcp.example.com/mcp").verifier(v);
/// ```
pub struct IntrospectionVerifier {
    endpoint: String,
    client_id: String,
    client_secret: String,
    cache_for: Duration,
    require_audience: bool,
    http: reqwest::Client,
    cache: Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
}

impl std::fmt::Debug for IntrospectionVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionVerifier")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl IntrospectionVerifier {
    /// Asks `endpoint`, authenticating as `client_id` with `client_secret`.
    ///
    /// ```
    /// let _ = mcp_serve::auth::IntrospectionVerifier::new("https://a.example/introspect", "rs", "s");
    /// ```
    pub fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        IntrospectionVerifier {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            cache_for: Duration::from_secs(60),
            require_audience: false,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Caches an active token's answer this long at most (zero: ask every time).
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::auth::IntrospectionVerifier::new("https://a.example/i", "rs", "s")
    ///     .cache_for(Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn cache_for(mut self, ttl: Duration) -> Self {
        self.cache_for = ttl;
        self
    }

    /// Refuses answers that name no audience.
    ///
    /// ```
    /// let _ = mcp_serve::auth::IntrospectionVerifier::new("https://a.example/i", "rs", "s").require_audience();
    /// ```
    #[must_use]
    pub fn require_audience(mut self) -> Self {
        self.require_audience = true;
        self
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Principal> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .get(key)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(p, _)| p.clone())
    }

    fn remember(&self, key: [u8; 32], principal: &Principal) {
        let mut until = Instant::now() + self.cache_for;
        if let Some(left) = principal
            .expires_at
            .and_then(|exp| exp.duration_since(SystemTime::now()).ok())
        {
            until = until.min(Instant::now() + left);
        }
        if self.cache_for.is_zero() {
            return;
        }
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= CACHE_CAPACITY {
            let now = Instant::now();
            cache.retain(|_, (_, u)| *u > now);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(key, (principal.clone(), until));
    }

    async fn check(&self, token: &str, resource: &str) -> Result<Principal, AuthError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(p) = self.cached(&key) {
            return Ok(p);
        }
        let unavailable = |e: String| {
            AuthError::Unavailable(format!(
                "the introspection endpoint {} failed: {e}",
                self.endpoint
            ))
        };
        let resp = self
            .http
            .post(&self.endpoint)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "token={}&token_type_hint=access_token",
                form_encode(token)
            ))
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let answer: Map<String, Value> = resp
            .error_for_status()
            .map_err(|e| unavailable(e.to_string()))?
            .json()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if answer.get("active") != Some(&Value::Bool(true)) {
            return Err(AuthError::InvalidToken(
                "token is not active (expired, revoked or unknown)".into(),
            ));
        }
        let audiences: Vec<&str> = match answer.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let for_us = audiences
            .iter()
            .any(|a| a.trim_end_matches('/') == resource.trim_end_matches('/'));
        if (!audiences.is_empty() && !for_us) || (audiences.is_empty() && self.require_audience) {
            return Err(AuthError::InvalidToken(
                "token is for another resource (aud)".into(),
            ));
        }
        let principal = principal_from(answer);
        self.remember(key, &principal);
        Ok(principal)
    }
}

/// `application/x-www-form-urlencoded` for one value: unreserved bytes as
/// they are, the rest percent-encoded.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl TokenVerifier for IntrospectionVerifier {
    fn verify<'a>(&'a self, token: &'a str, resource: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token, resource))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(super::form_encode("a+b/c=d e~"), "a%2Bb%2Fc%3Dd%20e~");
    }
}
