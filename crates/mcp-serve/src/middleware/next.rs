//! [`Next`]: the rest of the chain, as one type-erased tower service, and
//! the bridge between tower's boxed errors and [`McpError`].

use std::sync::Mutex;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use serde_json::Value;
use tower_service::Service;

use super::{McpRequest, McpResult};
use crate::error::McpError;

/// The error type of MCP request services: tower's convention, so that
/// tower's own layers (timeout, load shedding) fit. An [`McpError`] goes
/// in with `.into()` and comes back out unchanged.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An [`McpError`] travelling as a [`BoxError`].
#[derive(Debug)]
struct Carried(McpError);

impl std::fmt::Display for Carried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Carried {}

impl From<McpError> for BoxError {
    fn from(e: McpError) -> Self {
        Box::new(Carried(e))
    }
}

/// The [`McpError`] a service failed with: the one it carries, or, for
/// another error (a tower timeout, an overloaded service), an internal
/// error saying what happened.
///
/// ```
/// use mcp_serve::error::McpError;
/// use mcp_serve::middleware::{BoxError, into_mcp_error};
///
/// let e: BoxError = McpError::invalid_params("no such city").into();
/// assert!(into_mcp_error(e).message().ends_with("no such city"));
/// let e: BoxError = "request timed out".into();
/// assert!(into_mcp_error(e).message().contains("timed out"));
/// ```
pub fn into_mcp_error(e: BoxError) -> McpError {
    match e.downcast::<Carried>() {
        Ok(carried) => carried.0,
        Err(other) => McpError::internal(other),
    }
}

/// What [`Next`] erases.
trait Erased: Send {
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>>;
    fn call(&mut self, req: McpRequest) -> BoxFuture<'static, Result<Value, BoxError>>;
    fn clone_box(&self) -> Box<dyn Erased>;
}

impl<S> Erased for S
where
    S: Service<McpRequest, Response = Value> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Service::poll_ready(self, cx).map_err(Into::into)
    }

    fn call(&mut self, req: McpRequest) -> BoxFuture<'static, Result<Value, BoxError>> {
        let fut = Service::call(self, req);
        Box::pin(async move { fut.await.map_err(Into::into) })
    }

    fn clone_box(&self) -> Box<dyn Erased> {
        Box::new(self.clone())
    }
}

/// The rest of the chain from a middleware's point of view: the layers
/// inside it, then the engine. A tower [`Service`] over [`McpRequest`];
/// [`Next::run`] calls it once.
///
/// ```
/// use mcp_serve::middleware::{McpRequest, McpResult, Next};
///
/// async fn timed(req: McpRequest, next: Next) -> McpResult {
///     let started = std::time::Instant::now();
///     let out = next.run(req).await;
///     tracing::info!(elapsed = ?started.elapsed(), "done");
///     out
/// }
/// ```
pub struct Next(Box<dyn Erased>);

impl Clone for Next {
    fn clone(&self) -> Self {
        Next(self.0.clone_box())
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Next(..)")
    }
}

impl Next {
    /// Wraps a service (what a [`tower_layer::Layer`] made around a `Next`).
    ///
    /// ```
    /// use mcp_serve::error::McpError;
    /// use mcp_serve::middleware::{BoxError, McpRequest, Next};
    ///
    /// let closed = Next::new(tower::service_fn(|_req: McpRequest| async {
    ///     Err::<serde_json::Value, BoxError>(McpError::internal("closed for maintenance").into())
    /// }));
    /// ```
    pub fn new<S>(service: S) -> Self
    where
        S: Service<McpRequest, Response = Value> + Clone + Send + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        Next(Box::new(service))
    }

    /// Calls the rest of the chain with `req` (waiting until it is ready),
    /// with errors as [`McpError`]s.
    ///
    /// ```
    /// use mcp_serve::middleware::{McpRequest, McpResult, Next};
    ///
    /// async fn pass_through(req: McpRequest, next: Next) -> McpResult {
    ///     next.run(req).await
    /// }
    /// ```
    pub async fn run(mut self, req: McpRequest) -> McpResult {
        std::future::poll_fn(|cx| self.0.poll_ready(cx))
            .await
            .map_err(into_mcp_error)?;
        self.0.call(req).await.map_err(into_mcp_error)
    }

    /// The engine: runs the request's method with its (possibly rewritten)
    /// parameters.
    pub(crate) fn engine() -> Self {
        Next::new(Engine)
    }
}

impl Service<McpRequest> for Next {
    type Response = Value;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Value, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: McpRequest) -> Self::Future {
        self.0.call(req)
    }
}

/// The innermost service.
#[derive(Clone, Copy)]
struct Engine;

impl Service<McpRequest> for Engine {
    type Response = Value;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Value, BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: McpRequest) -> Self::Future {
        let continuation = std::sync::Arc::clone(req.continuation());
        let run = continuation(std::mem::take(&mut req.params));
        Box::pin(async move { run.await.map_err(BoxError::from) })
    }
}

/// The server's whole chain, built once; each request gets a copy.
pub(crate) struct Chain {
    next: Mutex<Next>,
    /// Set when every layer says when it may be skipped: a request all of
    /// them pass untouched goes straight to the engine, without the chain's
    /// cost (the result made into JSON and back, a future per layer).
    bypass: Option<Vec<super::Bypass>>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Chain(..)")
    }
}

impl Chain {
    /// Layers in the order they were added: the first is the outermost.
    pub(crate) fn build(layers: &[super::Layer]) -> Self {
        let next = layers
            .iter()
            .rev()
            .fold(Next::engine(), |inner, layer| (layer.wrap)(inner));
        Chain {
            next: Mutex::new(next),
            bypass: layers.iter().map(|l| l.bypass.clone()).collect(),
        }
    }

    /// Whether every layer would pass a request of `method` on untouched.
    pub(crate) fn passes(&self, method: &str) -> bool {
        self.bypass
            .as_ref()
            .is_some_and(|all| all.iter().all(|passes| passes(method)))
    }

    /// A copy of the chain for one request (tower services are called
    /// through `&mut`, so each request gets its own).
    pub(crate) fn service(&self) -> Next {
        self.next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Runs the chain on a request and what the engine makes of it.
pub(crate) async fn run(chain: &Chain, req: McpRequest) -> McpResult {
    chain.service().run(req).await
}
