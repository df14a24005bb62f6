//! Authorization: an OAuth 2.1 resource server (RFC 9728 metadata,
//! RFC 6750 challenges, RFC 8707 audiences), API keys, the caller's
//! identity in handlers, and per-component scopes.
//!
//! Give the HTTP transport an [`Auth`]: the server's canonical URI, the
//! authorization servers clients should use, and a [`TokenVerifier`].
//! Every MCP request then needs a credential; the probes and the metadata
//! document do not.
//!
//! ```no_run
//! use mcp_serve::prelude::*;
//! use mcp_serve::auth::{Auth, JwtVerifier};
//! use mcp_serve::transport::http::HttpOptions;
//!
//! /// Wipe the cache (admins only).
//! #[tool]
//! fn admin_reset() -> &'static str { "reset" }
//!
//! # #[tokio::main] async fn main() -> anyhow::Result<()> {
//! let handle = Server::new("secure", "1.0.0")
//!     .tool(mcp_serve::tool::IntoTool::into_tool(admin_reset).scopes(["admin"]))
//!     .into_handle()?;
//! let auth = Auth::new("https://mcp.example.com/mcp")
//!     .authorization_server("https://auth.example.com")
//!     .verifier(JwtVerifier::discover("https://auth.example.com"));
//! let options = HttpOptions::default().allowed_hosts(["mcp.example.com"]).auth(auth);
//! mcp_serve::transport::http::serve(&handle, "0.0.0.0:8000".parse()?, options).await?;
//! # Ok(()) }
//! ```
//!
//! - No credential: 401 with `WWW-Authenticate: Bearer resource_metadata="…"`
//!   (and `scope="…"` when scopes are known), no `error`.
//! - A credential refused: 401 with `error="invalid_token"`.
//! - A tool, resource or prompt whose scopes the caller lacks: 403 with
//!   `error="insufficient_scope"` and every scope the operation needs, so
//!   the client can step up.
//! - A token in the query string is never accepted.
//!
//! Rules scopes cannot express (a claim, the client, the arguments) are a
//! [`Policy`], a middleware over the caller and the request.
//!
//! Handlers read the caller with
//! [`Context::principal`](crate::context::Context::principal). Over stdio
//! there are no credentials (the spec's rule: a local server takes them from
//! its environment).

//!
//! [`Principal`] and the scopes of components are always available; the
//! verifiers and [`Auth`] need the `auth` feature (on by default).

#[cfg(feature = "auth")]
mod api_key;
#[cfg(feature = "auth")]
mod config;
#[cfg(feature = "auth")]
mod introspection;
#[cfg(feature = "auth")]
mod jwt;
mod policy;
mod principal;
#[cfg(feature = "auth")]
mod verify;

#[cfg(feature = "auth")]
pub use api_key::ApiKeys;
#[cfg(feature = "auth")]
pub use config::{Auth, ScopeDenial};
#[cfg(feature = "auth")]
pub use introspection::IntrospectionVerifier;
#[cfg(feature = "auth")]
pub use jsonwebtoken::{Algorithm, DecodingKey};
#[cfg(feature = "auth")]
pub use jwt::JwtVerifier;
pub use policy::Policy;
pub(crate) use principal::FilterLists;
pub use principal::Principal;
#[cfg(feature = "auth")]
pub use verify::{AnyOf, AuthError, TokenVerifier, VerifyFuture};
