//! [`Middleware`]: typed hooks per method, FastMCP-style, made into a tower
//! layer by [`MiddlewareLayer`].

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use serde_json::Value;
use tower_service::Service;

use super::next::BoxError;
use super::{McpRequest, McpResult, Next};

/// Code around MCP requests, one hook per kind of request. Every hook
/// defaults to [`Middleware::on_request`], which defaults to passing the
/// request on: implement the ones you need.
///
/// A hook can pass the request on (`next.run(req).await`), rewrite its
/// `params` first, change or filter the result afterwards, or answer
/// itself (a result or an error) without calling `next`.
///
/// ```
/// use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
/// use mcp_serve::error::McpError;
///
/// /// Refuses calls to tools whose names start with `admin_` over HTTP
/// /// without a credential.
/// struct AdminGate;
///
/// impl Middleware for AdminGate {
///     async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
///         let admin = req.name().is_some_and(|n| n.starts_with("admin_"));
///         if admin && req.context().http().is_some() && req.context().principal().is_none() {
///             return Err(McpError::invalid_params("admin tools need a credential"));
///         }
///         next.run(req).await
///     }
/// }
/// # let _ = mcp_serve::prelude::Server::new("demo", "1.0.0").middleware(AdminGate);
/// ```
pub trait Middleware: Send + Sync + 'static {
    /// Every request whose own hook is not implemented.
    fn on_request(&self, req: McpRequest, next: Next) -> impl Future<Output = McpResult> + Send {
        next.run(req)
    }

    /// `tools/call`.
    fn on_call_tool(&self, req: McpRequest, next: Next) -> impl Future<Output = McpResult> + Send {
        self.on_request(req, next)
    }

    /// `resources/read`.
    fn on_read_resource(&self, req: McpRequest, next: Next) -> impl Future<Output = McpResult> + Send {
        self.on_request(req, next)
    }

    /// `prompts/get`.
    fn on_get_prompt(&self, req: McpRequest, next: Next) -> impl Future<Output = McpResult> + Send {
        self.on_request(req, next)
    }

    /// `tools/list`: the result's `tools` can be filtered or rewritten.
    fn on_list_tools(&self, req: McpRequest, next: Next) -> impl Future<Output = McpResult> + Send {
        self.on_request(req, next)
    }

    /// `resources/list`.
    fn on_list_resources(&self, req: McpRequest, next: Next) -> impl Future<Output = McpResult> + Send {
        self.on_request(req, next)
    }

    /// `resources/templates/list`.
    fn on_list_resource_templates(
        &self,
        req: McpRequest,
        next: Next,
    ) -> impl Future<Output = McpResult> + Send {
        self.on_request(req, next)
    }

    /// `prompts/list`.
    fn on_list_prompts(&self, req: McpRequest, next: Next) -> impl Future<Output = McpResult> + Send {
        self.on_request(req, next)
    }

    /// `initialize` (session revisions) and `server/discover` (2026-07-28):
    /// how a client learns what the server is.
    fn on_initialize(&self, req: McpRequest, next: Next) -> impl Future<Output = McpResult> + Send {
        self.on_request(req, next)
    }
}

/// A [`Middleware`] as a tower layer ([`Server::middleware`] adds one).
///
/// [`Server::middleware`]: crate::server::Server::middleware
///
/// ```
/// use mcp_serve::middleware::{Middleware, MiddlewareLayer};
///
/// struct Nothing;
/// impl Middleware for Nothing {}
/// let layer = MiddlewareLayer::new(Nothing);
/// # let _ = mcp_serve::prelude::Server::new("demo", "1.0.0").layer(layer);
/// ```
pub struct MiddlewareLayer<M>(Arc<M>);

impl<M> Clone for MiddlewareLayer<M> {
    fn clone(&self) -> Self {
        MiddlewareLayer(Arc::clone(&self.0))
    }
}

impl<M: Middleware> MiddlewareLayer<M> {
    /// The layer of `middleware`.
    ///
    /// ```
    /// # use mcp_serve::middleware::{Middleware, MiddlewareLayer};
    /// struct Nothing;
    /// impl Middleware for Nothing {}
    /// let _ = MiddlewareLayer::new(Nothing);
    /// ```
    pub fn new(middleware: M) -> Self {
        MiddlewareLayer(Arc::new(middleware))
    }
}

impl<M: Middleware> tower_layer::Layer<Next> for MiddlewareLayer<M> {
    type Service = Hooked<M>;

    fn layer(&self, next: Next) -> Hooked<M> {
        Hooked {
            middleware: Arc::clone(&self.0),
            next,
        }
    }
}

/// The service a [`MiddlewareLayer`] makes: routes each request to its hook.
///
/// ```
/// use mcp_serve::middleware::{Hooked, Middleware, MiddlewareLayer, Next};
/// use tower_layer::Layer;
///
/// struct Nothing;
/// impl Middleware for Nothing {}
/// # fn f(next: Next) {
/// let service: Hooked<Nothing> = MiddlewareLayer::new(Nothing).layer(next);
/// # }
/// ```
pub struct Hooked<M> {
    middleware: Arc<M>,
    next: Next,
}

impl<M> Clone for Hooked<M> {
    fn clone(&self) -> Self {
        Hooked {
            middleware: Arc::clone(&self.middleware),
            next: self.next.clone(),
        }
    }
}

impl<M: Middleware> Service<McpRequest> for Hooked<M> {
    type Response = Value;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Value, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.next.poll_ready(cx)
    }

    fn call(&mut self, req: McpRequest) -> Self::Future {
        let m = Arc::clone(&self.middleware);
        // The ready copy goes to the hook; this service keeps a fresh one.
        let fresh = self.next.clone();
        let next = std::mem::replace(&mut self.next, fresh);
        Box::pin(async move {
            let method = req.method().to_owned();
            let out = match method.as_str() {
                "tools/call" => m.on_call_tool(req, next).await,
                "resources/read" => m.on_read_resource(req, next).await,
                "prompts/get" => m.on_get_prompt(req, next).await,
                "tools/list" => m.on_list_tools(req, next).await,
                "resources/list" => m.on_list_resources(req, next).await,
                "resources/templates/list" => m.on_list_resource_templates(req, next).await,
                "prompts/list" => m.on_list_prompts(req, next).await,
                "initialize" | "server/discover" => m.on_initialize(req, next).await,
                _ => m.on_request(req, next).await,
            };
            out.map_err(BoxError::from)
        })
    }
}
