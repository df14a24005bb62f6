//! [`Auth`]: what the HTTP transport needs to act as an OAuth resource
//! server, from code or from the environment.

use std::sync::Arc;

use super::{AnyOf, ApiKeys, JwtVerifier, TokenVerifier};

/// How a caller who lacks a component's scopes is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ScopeDenial {
    /// HTTP 403 with an `insufficient_scope` challenge naming the scopes
    /// needed, as the spec asks, so the client can step up (default).
    #[default]
    StepUp,
    /// The request goes through and fails there: a tool call with an error
    /// result the model can read, a prompt or resource with `-32602`. For
    /// clients that cannot step up.
    Error,
}

/// The resource server's configuration: the canonical URI, where clients
/// get tokens, which scopes exist, and how credentials are verified.
///
/// ```
/// use mcp_serve::auth::{ApiKeys, Auth, Principal};
/// let auth = Auth::new("https://mcp.example.com/mcp")
///     .scopes_supported(["tools:read", "admin"])
///     .api_key_header("x-api-key")
///     .verifier(ApiKeys::new().key("k-123", Principal::new("ci")));
/// assert_eq!(auth.resource(), Some("https://mcp.example.com/mcp"));
/// ```
#[derive(Clone)]
pub struct Auth {
    /// The canonical URI; `None`: each request's own URL.
    resource: Option<String>,
    pub(crate) authorization_servers: Vec<String>,
    pub(crate) scopes_supported: Vec<String>,
    pub(crate) verifier: Option<Arc<dyn TokenVerifier>>,
    pub(crate) key_headers: Vec<http::HeaderName>,
    pub(crate) denial: ScopeDenial,
    pub(crate) resource_name: Option<String>,
    pub(crate) filter_lists: bool,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("resource", &self.resource)
            .field("authorization_servers", &self.authorization_servers)
            .field("scopes_supported", &self.scopes_supported)
            .field("key_headers", &self.key_headers)
            .field("filter_lists", &self.filter_lists)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// A resource server whose canonical URI is `resource` (the MCP
    /// endpoint's URL as clients use it, e.g. `https://mcp.example.com/mcp`):
    /// tokens must be issued for it (`aud`), and the metadata names it.
    ///
    /// ```
    /// let _ = mcp_serve::auth::Auth::new("https://mcp.example.com/mcp");
    /// ```
    pub fn new(resource: impl Into<String>) -> Self {
        Auth {
            resource: Some(resource.into().trim_end_matches('/').to_owned()),
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            verifier: None,
            key_headers: Vec::new(),
            denial: ScopeDenial::StepUp,
            resource_name: None,
            filter_lists: false,
        }
    }

    /// A resource server whose canonical URI is each request's own URL:
    /// the scheme (`X-Forwarded-Proto`, else `https` except on loopback),
    /// the `Host` (which the Host policy has checked) and the endpoint's
    /// path. For servers that do not know the name clients reach them by.
    ///
    /// ```
    /// assert_eq!(mcp_serve::auth::Auth::from_requests().resource(), None);
    /// ```
    pub fn from_requests() -> Self {
        let mut auth = Auth::new("");
        auth.resource = None;
        auth
    }

    /// The canonical URI, when it was given.
    ///
    /// ```
    /// assert_eq!(mcp_serve::auth::Auth::new("https://m.example/mcp/").resource(), Some("https://m.example/mcp"));
    /// ```
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// The canonical URI for a request to `path` with these headers; `tls`:
    /// it came over TLS this server terminated (so `https`, whatever the
    /// host).
    pub(crate) fn resource_for(&self, headers: &http::HeaderMap, path: &str, tls: bool) -> String {
        if let Some(r) = &self.resource {
            return r.clone();
        }
        let host = headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let loopback = ["localhost", "127.", "[::1]"].iter().any(|l| host.starts_with(l));
        let forwarded = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| matches!(*s, "http" | "https"));
        let scheme = match forwarded {
            _ if tls => "https",
            Some(s) => s,
            None if loopback => "http",
            None => "https",
        };
        format!("{scheme}://{host}{}", path.trim_end_matches('/'))
    }

    /// An authorization server clients should get tokens from (listed in
    /// the metadata).
    ///
    /// ```
    /// let _ = mcp_serve::auth::Auth::new("https://m.example/mcp").authorization_server("https://auth.example");
    /// ```
    #[must_use]
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// The scopes this server knows (listed in the metadata and in the
    /// challenge when no credential was sent).
    ///
    /// ```
    /// let _ = mcp_serve::auth::Auth::new("https://m.example/mcp").scopes_supported(["read", "admin"]);
    /// ```
    #[must_use]
    pub fn scopes_supported<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Verifies credentials with `verifier`; a second call adds another
    /// (any of them may accept).
    ///
    /// ```
    /// use mcp_serve::auth::{ApiKeys, Auth, JwtVerifier};
    /// let _ = Auth::new("https://m.example/mcp")
    ///     .verifier(JwtVerifier::jwks("https://auth.example/jwks"))
    ///     .verifier(ApiKeys::new());
    /// ```
    #[must_use]
    pub fn verifier(mut self, verifier: impl TokenVerifier) -> Self {
        self.verifier = Some(match self.verifier.take() {
            None => Arc::new(verifier),
            Some(first) => Arc::new(AnyOf::new().or(first).or(verifier)),
        });
        self
    }

    /// Also reads a credential (an API key) from this header, besides
    /// `Authorization: Bearer`.
    ///
    /// # Panics
    /// When `name` is not a valid header name.
    ///
    /// ```
    /// let _ = mcp_serve::auth::Auth::new("https://m.example/mcp").api_key_header("X-API-Key");
    /// ```
    #[must_use]
    pub fn api_key_header(mut self, name: &str) -> Self {
        let name = http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
            .unwrap_or_else(|_| panic!("{name:?} is not a valid header name"));
        self.key_headers.push(name);
        self
    }

    /// How a caller lacking a component's scopes is told (default: the 403
    /// step-up challenge).
    ///
    /// ```
    /// use mcp_serve::auth::{Auth, ScopeDenial};
    /// let _ = Auth::new("https://m.example/mcp").on_missing_scope(ScopeDenial::Error);
    /// ```
    #[must_use]
    pub fn on_missing_scope(mut self, denial: ScopeDenial) -> Self {
        self.denial = denial;
        self
    }

    /// Whether `tools/list`, `resources/list`, `resources/templates/list`
    /// and `prompts/list` leave out what the caller's scopes do not allow
    /// (default: no, everything is listed and refused when used).
    ///
    /// Filtered results vary with the caller, so modern clients are told
    /// `cacheScope: "private"` (a cache is not shared across tokens); a list
    /// none of whose entries needs a scope is the same for everyone and
    /// keeps the server's cache hints. Cursors page through the caller's
    /// own list. Scopes cover their `:` children as when they are enforced
    /// (`files` lists a tool needing `files:write`).
    ///
    /// Off by default because hiding a tool also hides the way to it: the
    /// spec has clients start with the least scopes (`scopes_supported`)
    /// and step up when a call answers 403 `insufficient_scope`, which a
    /// client only does for a tool it has seen. Turn it on when callers
    /// cannot get more scopes anyway (API keys, service accounts), or when
    /// the names of tools are themselves not for everyone's eyes.
    ///
    /// ```
    /// let _ = mcp_serve::auth::Auth::new("https://m.example/mcp").filter_lists(true);
    /// ```
    #[must_use]
    pub fn filter_lists(mut self, filter: bool) -> Self {
        self.filter_lists = filter;
        self
    }

    /// A human-readable name for the metadata's `resource_name`.
    ///
    /// ```
    /// let _ = mcp_serve::auth::Auth::new("https://m.example/mcp").resource_name("Files");
    /// ```
    #[must_use]
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// The configuration the environment describes, or `None` when it
    /// names no verifier:
    /// - `MCP_SERVE_AUTH_ISSUER`: JWTs from this issuer (keys by discovery);
    /// - `MCP_SERVE_AUTH_JWKS_URI`: JWTs signed by these keys;
    /// - `MCP_SERVE_AUTH_AUDIENCE`: the canonical URI (default: each
    ///   request's own URL, see [`Auth::from_requests`]);
    /// - `MCP_SERVE_API_KEYS_FILE`: API keys (`KEY SUBJECT [SCOPE ...]` per
    ///   line), in `Authorization: Bearer` or `X-API-Key`.
    ///
    /// ```
    /// // With none of the variables set:
    /// # for v in ["MCP_SERVE_AUTH_ISSUER", "MCP_SERVE_AUTH_JWKS_URI", "MCP_SERVE_API_KEYS_FILE"] {
    /// #     assert!(std::env::var(v).is_err());
    /// # }
    /// assert!(mcp_serve::auth::Auth::from_env().unwrap().is_none());
    /// ```
    ///
    /// # Errors
    /// An API keys file that cannot be read.
    pub fn from_env() -> Result<Option<Auth>, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut auth = var("MCP_SERVE_AUTH_AUDIENCE").map_or_else(Auth::from_requests, Auth::new);
        let mut any = false;
        if let Some(issuer) = var("MCP_SERVE_AUTH_ISSUER") {
            let mut jwt = JwtVerifier::discover(issuer.clone());
            if let Some(jwks) = var("MCP_SERVE_AUTH_JWKS_URI") {
                jwt = JwtVerifier::jwks(jwks).issuer(issuer.clone());
            }
            auth = auth.authorization_server(issuer).verifier(jwt);
            any = true;
        } else if let Some(jwks) = var("MCP_SERVE_AUTH_JWKS_URI") {
            auth = auth.verifier(JwtVerifier::jwks(jwks));
            any = true;
        }
        if let Some(file) = var("MCP_SERVE_API_KEYS_FILE") {
            auth = auth
                .verifier(ApiKeys::from_file(file)?)
                .api_key_header("x-api-key");
            any = true;
        }
        Ok(any.then_some(auth))
    }

    /// The metadata document's URL for the resource `resource` (RFC 9728,
    /// path-aware): `https://host/.well-known/oauth-protected-resource/mcp`.
    ///
    /// ```
    /// let url = mcp_serve::auth::Auth::metadata_url("https://m.example/mcp");
    /// assert_eq!(url, "https://m.example/.well-known/oauth-protected-resource/mcp");
    /// ```
    pub fn metadata_url(resource: &str) -> String {
        let (origin, path) = split(resource);
        format!("{origin}/.well-known/oauth-protected-resource{path}")
    }

    /// The resource whose metadata a request to `path` asks for: the
    /// path-aware location, or the root one (for clients that only look
    /// there; with no canonical URI, it stands for `/mcp`).
    pub(crate) fn metadata_for(&self, headers: &http::HeaderMap, path: &str, tls: bool) -> Option<String> {
        const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";
        let rest = path.strip_prefix(WELL_KNOWN)?;
        match &self.resource {
            Some(r) => {
                let (_, own) = split(r);
                (rest.is_empty() || rest == own).then(|| r.clone())
            }
            None if rest.is_empty() => Some(self.resource_for(headers, "/mcp", tls)),
            None if rest.starts_with('/') => Some(self.resource_for(headers, rest, tls)),
            None => None,
        }
    }

    /// The RFC 9728 metadata document for `resource`.
    pub(crate) fn metadata(&self, resource: &str) -> serde_json::Value {
        let mut doc = serde_json::json!({
            "resource": resource,
            "authorization_servers": self.authorization_servers,
            "bearer_methods_supported": ["header"],
        });
        if !self.scopes_supported.is_empty() {
            doc["scopes_supported"] = serde_json::json!(self.scopes_supported);
        }
        if let Some(name) = &self.resource_name {
            doc["resource_name"] = serde_json::json!(name);
        }
        doc
    }
}

/// The origin (`https://host:port`) and the path of a URL.
pub(crate) fn split(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn origins_and_paths() {
        assert_eq!(super::split("https://a.example/t1"), ("https://a.example", "/t1"));
        assert_eq!(super::split("https://a.example"), ("https://a.example", ""));
    }
}
