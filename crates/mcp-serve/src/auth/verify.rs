//! [`TokenVerifier`]: turns a presented credential into a [`Principal`], and
//! [`AnyOf`], which tries several.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::Principal;

/// What a verifier returns.
pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Result<Principal, AuthError>> + Send + 'a>>;

/// Why a credential was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The credential is not valid here (malformed, forged, expired, for
    /// another audience, revoked, unknown): the client gets 401 with
    /// `error="invalid_token"` and this description.
    #[error("{0}")]
    InvalidToken(String),
    /// The verifier could not decide (its key set or introspection endpoint
    /// is unreachable): the client gets 503 and may retry.
    #[error("{0}")]
    Unavailable(String),
}

/// Checks a credential (the bearer token, or an API key from a configured
/// header) presented to the server whose canonical URI is `resource`, and
/// says who the caller is. Implementations must never log the token.
///
/// ```
/// use mcp_serve::auth::{AuthError, Principal, TokenVerifier, VerifyFuture};
///
/// /// Accepts tokens of the form `user:<name>`.
/// struct Demo;
///
/// impl TokenVerifier for Demo {
///     fn verify<'a>(&'a self, token: &'a str, _resource: &'a str) -> VerifyFuture<'a> {
///         Box::pin(async move {
///             token
///                 .strip_prefix("user:")
///                 .map(Principal::new)
///                 .ok_or_else(|| AuthError::InvalidToken("unknown token".into()))
///         })
///     }
/// }
/// # let _ = mcp_serve::auth::Auth::new("https://mcp.example.com/mcp").verifier(Demo);
/// ```
pub trait TokenVerifier: Send + Sync + 'static {
    /// The caller `token` stands for, at the server `resource`.
    fn verify<'a>(&'a self, token: &'a str, resource: &'a str) -> VerifyFuture<'a>;
}

impl<T: TokenVerifier + ?Sized> TokenVerifier for Arc<T> {
    fn verify<'a>(&'a self, token: &'a str, resource: &'a str) -> VerifyFuture<'a> {
        (**self).verify(token, resource)
    }
}

/// Accepts a credential when any of its verifiers does (tried in order):
/// for example JWTs from an issuer and API keys for scripts.
///
/// ```
/// use mcp_serve::auth::{AnyOf, ApiKeys, Principal};
/// let keys = ApiKeys::new().key("k-123", Principal::new("ci"));
/// let _ = AnyOf::new().or(keys);
/// ```
#[derive(Default)]
pub struct AnyOf {
    verifiers: Vec<Arc<dyn TokenVerifier>>,
}

impl std::fmt::Debug for AnyOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnyOf")
            .field("verifiers", &self.verifiers.len())
            .finish()
    }
}

impl AnyOf {
    /// No verifiers yet (accepts nothing).
    ///
    /// ```
    /// assert!(mcp_serve::auth::AnyOf::new().is_empty());
    /// ```
    pub fn new() -> Self {
        AnyOf::default()
    }

    /// Also accepts what `verifier` accepts.
    ///
    /// ```
    /// use mcp_serve::auth::{AnyOf, ApiKeys};
    /// assert!(!AnyOf::new().or(ApiKeys::new()).is_empty());
    /// ```
    #[must_use]
    pub fn or(mut self, verifier: impl TokenVerifier) -> Self {
        self.verifiers.push(Arc::new(verifier));
        self
    }

    /// Whether there are no verifiers.
    ///
    /// ```
    /// assert!(mcp_serve::auth::AnyOf::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.verifiers.is_empty()
    }
}

impl TokenVerifier for AnyOf {
    fn verify<'a>(&'a self, token: &'a str, resource: &'a str) -> VerifyFuture<'a> {
        Box::pin(async move {
            let mut first: Option<AuthError> = None;
            for v in &self.verifiers {
                match v.verify(token, resource).await {
                    Ok(p) => return Ok(p),
                    // An unreachable backend is worth reporting over a
                    // plain "not mine" from another verifier.
                    Err(e @ AuthError::Unavailable(_)) => return Err(e),
                    Err(e) => {
                        first.get_or_insert(e);
                    }
                }
            }
            Err(first.unwrap_or_else(|| AuthError::InvalidToken("no verifier is configured".into())))
        })
    }
}
