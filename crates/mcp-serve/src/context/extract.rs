//! Extractors: values a handler receives by naming their type.

use std::any::TypeId;
use std::ops::Deref;
use std::sync::Arc;

use mcp_serve_core::meta::Meta;
use mcp_serve_core::types::Implementation;
use mcp_serve_core::version::ProtocolVersion;

use super::{Context, StateMap};
use crate::error::McpError;

/// A value a handler can take as a parameter, built from the request.
///
/// Implement it for your own types to inject them (e.g. the caller's identity
/// read from HTTP extensions).
///
/// ```
/// use mcp_serve::context::{Context, FromContext};
/// use mcp_serve::error::McpError;
///
/// struct TenantId(String);
/// impl FromContext for TenantId {
///     fn from_context(cx: &Context) -> Result<Self, McpError> {
///         let h = cx.http().and_then(|p| p.headers.get("x-tenant"))
///             .ok_or_else(|| McpError::invalid_params("the x-tenant header is required"))?;
///         Ok(TenantId(h.to_str().unwrap_or_default().to_owned()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be taken from the request context: it is not an extractor",
    label = "not an extractor",
    note = "extractors are `Context`, `State<T>`, `RequestMeta`, `ClientInfo`, `HttpRequest` and `ProtocolVersion`; implement `FromContext` for a type of your own",
    note = "if the client sends this value, remove `#[ctx]` and derive `Deserialize` and `JsonSchema` for the type"
)]
pub trait FromContext: Sized + Send + 'static {
    /// Builds the value.
    ///
    /// # Errors
    /// The protocol error the client gets when the value cannot be had.
    fn from_context(cx: &Context) -> Result<Self, McpError>;

    /// The shared state this extractor reads (its type and name), so that a
    /// server registering a handler that takes it refuses to build without it.
    #[doc(hidden)]
    fn required_state() -> Option<(TypeId, &'static str)> {
        None
    }
}

impl FromContext for Context {
    fn from_context(cx: &Context) -> Result<Self, McpError> {
        Ok(cx.clone())
    }
}

impl FromContext for ProtocolVersion {
    fn from_context(cx: &Context) -> Result<Self, McpError> {
        Ok(cx.protocol_version())
    }
}

/// Shared server state registered with `Server::state(value)`.
///
/// A server whose `#[tool]`, `#[resource]` or `#[prompt]` function takes a
/// `State<T>` is refused when built (`RegistrationError::MissingState`) if no
/// `T` was given to `Server::state`, rather than failing the first call.
///
/// ```
/// use mcp_serve::prelude::*;
/// struct Counter { hits: std::sync::atomic::AtomicU64 }
///
/// /// Count calls.
/// #[tool]
/// fn count(counter: State<Counter>) -> u64 {
///     counter.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
/// }
/// # let _ = Server::new("demo", "1.0.0").tool(count).state(Counter { hits: Default::default() });
/// ```
pub struct State<T>(pub Arc<T>);

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        State(Arc::clone(&self.0))
    }
}

impl<T: Send + Sync + 'static> FromContext for State<T> {
    fn from_context(cx: &Context) -> Result<Self, McpError> {
        cx.state::<T>().map(State).ok_or_else(|| {
            McpError::internal(format!(
                "no state of type `{}` was registered: add it with Server::state(value)",
                std::any::type_name::<T>()
            ))
        })
    }

    fn required_state() -> Option<(TypeId, &'static str)> {
        Some((TypeId::of::<T>(), std::any::type_name::<T>()))
    }
}

impl StateMap {
    /// Whether a value of this type was registered.
    pub(crate) fn contains_type(&self, id: TypeId) -> bool {
        self.0.contains_key(&id)
    }
}

/// The request's `_meta` object.
///
/// ```
/// use mcp_serve::prelude::*;
/// #[tool]
/// fn trace(meta: RequestMeta) -> String {
///     meta.get("traceparent").and_then(|v| v.as_str()).unwrap_or("none").to_owned()
/// }
/// # let _ = Server::new("demo", "1.0.0").tool(trace);
/// ```
#[derive(Debug, Clone)]
pub struct RequestMeta(pub Meta);

impl Deref for RequestMeta {
    type Target = Meta;
    fn deref(&self) -> &Meta {
        &self.0
    }
}

impl FromContext for RequestMeta {
    fn from_context(cx: &Context) -> Result<Self, McpError> {
        Ok(RequestMeta(cx.meta().clone()))
    }
}

/// The client's self-reported identity, if it gave one.
///
/// ```
/// use mcp_serve::prelude::*;
/// #[tool]
/// fn hello(client: ClientInfo) -> String {
///     format!("hello {}", client.0.map(|c| c.name).unwrap_or_else(|| "stranger".into()))
/// }
/// # let _ = Server::new("demo", "1.0.0").tool(hello);
/// ```
#[derive(Debug, Clone)]
pub struct ClientInfo(pub Option<Implementation>);

impl FromContext for ClientInfo {
    fn from_context(cx: &Context) -> Result<Self, McpError> {
        Ok(ClientInfo(cx.client_info().cloned()))
    }
}

/// The HTTP request behind this MCP request: method, URI, headers and
/// extensions. Extraction fails on stdio; use [`Context::http`] for an
/// optional view.
#[derive(Debug, Clone)]
pub struct HttpRequest(pub Arc<http::request::Parts>);

impl Deref for HttpRequest {
    type Target = http::request::Parts;
    fn deref(&self) -> &http::request::Parts {
        &self.0
    }
}

impl FromContext for HttpRequest {
    fn from_context(cx: &Context) -> Result<Self, McpError> {
        cx.inner.http.clone().map(HttpRequest).ok_or_else(|| {
            McpError::invalid_params(
                "this tool needs an HTTP request, but it was called over another transport",
            )
        })
    }
}
