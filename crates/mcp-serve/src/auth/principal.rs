//! [`Principal`]: who is calling, as a verified credential says.

use std::time::SystemTime;

use serde_json::{Map, Value};

/// The caller of a request, as its verified credential (an access token or
/// an API key) describes it. Readable in any handler with
/// [`Context::principal`](crate::context::Context::principal).
///
/// ```
/// use mcp_serve::auth::Principal;
/// let alice = Principal::new("alice").with_scopes(["files", "admin:read"]);
/// assert!(alice.has_scope("files:write"), "`files` covers `files:write`");
/// assert!(alice.has_scope("admin:read"));
/// assert!(!alice.has_scope("admin"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Principal {
    /// The subject (`sub`): the user or service the credential stands for.
    pub subject: String,
    /// The OAuth client that obtained the token (`client_id`, or `azp`).
    pub client_id: Option<String>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// Every claim of the token (for JWTs and introspection; empty for API keys).
    pub claims: Map<String, Value>,
    /// When the credential stops being valid.
    pub expires_at: Option<SystemTime>,
}

impl Principal {
    /// A caller with this subject, no scopes and no claims.
    ///
    /// ```
    /// assert_eq!(mcp_serve::auth::Principal::new("svc-backup").subject, "svc-backup");
    /// ```
    pub fn new(subject: impl Into<String>) -> Self {
        Principal {
            subject: subject.into(),
            client_id: None,
            scopes: Vec::new(),
            claims: Map::new(),
            expires_at: None,
        }
    }

    /// With these scopes granted.
    ///
    /// ```
    /// let p = mcp_serve::auth::Principal::new("a").with_scopes(["read", "write"]);
    /// assert_eq!(p.scopes, ["read", "write"]);
    /// ```
    #[must_use]
    pub fn with_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// With the OAuth client that obtained the token.
    ///
    /// ```
    /// let p = mcp_serve::auth::Principal::new("a").with_client_id("cli");
    /// assert_eq!(p.client_id.as_deref(), Some("cli"));
    /// ```
    #[must_use]
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Whether a granted scope covers `required`: the same scope, or one
    /// above it in the `:` hierarchy (`files` covers `files:write` and
    /// `files:write:all`, not `filesystem`).
    ///
    /// ```
    /// let p = mcp_serve::auth::Principal::new("a").with_scopes(["files"]);
    /// assert!(p.has_scope("files:read") && !p.has_scope("filesystem"));
    /// ```
    pub fn has_scope(&self, required: &str) -> bool {
        self.scopes.iter().any(|held| covers(held, required))
    }

    /// The scopes of `required` this caller lacks.
    ///
    /// ```
    /// let p = mcp_serve::auth::Principal::new("a").with_scopes(["read"]);
    /// assert_eq!(p.missing(&["read".into(), "write".into()]), ["write"]);
    /// ```
    pub fn missing<'a>(&self, required: &'a [String]) -> Vec<&'a str> {
        required
            .iter()
            .filter(|r| !self.has_scope(r))
            .map(String::as_str)
            .collect()
    }
}

/// Left in a request's extensions, beside its [`Principal`], when the
/// transport's `Auth` filters lists by what the caller may use
/// (`Auth::filter_lists`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FilterLists;

/// Whether the granted scope `held` covers `required`.
pub(crate) fn covers(held: &str, required: &str) -> bool {
    held == required
        || required
            .strip_prefix(held)
            .is_some_and(|rest| rest.starts_with(':') && !held.is_empty())
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn scope_hierarchy() {
        assert!(covers("files", "files"));
        assert!(covers("files", "files:write"));
        assert!(covers("files:write", "files:write:all"));
        assert!(!covers("files:write", "files"));
        assert!(!covers("files", "filesystem"));
        assert!(!covers("", ":x"));
    }
}
