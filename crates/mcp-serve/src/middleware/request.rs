//! What a middleware sees of a request: its method, its parameters (which it
//! may rewrite), and the request's [`Context`].

use std::borrow::Cow;

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use crate::context::Context;

use super::McpResult;

/// The rest of the engine's work on a request, given its (possibly
/// rewritten) parameters: what the innermost service runs. Shared, so that a
/// copy of the request (see [`McpRequest::duplicate`]) can run it again.
pub(crate) type Continuation =
    std::sync::Arc<dyn Fn(Map<String, Value>) -> BoxFuture<'static, McpResult> + Send + Sync>;

/// One MCP request on its way through the middleware to the engine.
///
/// The method is fixed; the parameters (without `_meta`, which
/// [`Context::meta`] reads) can be rewritten before calling the next
/// service. [`McpRequest::extensions`] carries typed values from one layer
/// to the layers inside it.
///
/// ```
/// use mcp_serve::middleware::McpRequest;
///
/// fn describe(req: &McpRequest) -> String {
///     match req.name() {
///         Some(name) => format!("{} {name}", req.method()),
///         None => req.method().to_owned(),
///     }
/// }
/// ```
pub struct McpRequest {
    method: Cow<'static, str>,
    /// The request's parameters, without `_meta`.
    pub params: Map<String, Value>,
    context: Context,
    /// Typed values layers hand to the layers inside them.
    pub extensions: http::Extensions,
    continuation: Continuation,
}

impl std::fmt::Debug for McpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpRequest")
            .field("method", &self.method)
            .field("params", &self.params)
            .field("protocol_version", &self.context.protocol_version())
            .finish_non_exhaustive()
    }
}

impl McpRequest {
    pub(crate) fn new(
        method: Cow<'static, str>,
        params: Map<String, Value>,
        context: Context,
        continuation: Continuation,
    ) -> Self {
        McpRequest {
            method,
            params,
            context,
            extensions: http::Extensions::new(),
            continuation,
        }
    }

    /// The JSON-RPC method, e.g. `tools/call`, `resources/list`, or a
    /// method an [`Extension`](crate::extension::Extension) adds.
    ///
    /// ```
    /// # fn f(req: &mcp_serve::middleware::McpRequest) -> bool {
    /// req.method() == "tools/call"
    /// # }
    /// ```
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request's [`Context`]: its protocol version, the caller
    /// ([`Context::principal`]), the client's info and capabilities, the
    /// HTTP request, `_meta`, and logging and progress to the client.
    ///
    /// ```
    /// # fn f(req: &mcp_serve::middleware::McpRequest) -> bool {
    /// req.context().protocol_version().is_modern()
    /// # }
    /// ```
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// What the request names: the tool or prompt (`name`), or the resource
    /// (`uri`), when it names one.
    ///
    /// ```
    /// # fn f(req: &mcp_serve::middleware::McpRequest) -> bool {
    /// req.name() == Some("delete_file")
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        let field = match &*self.method {
            "tools/call" | "prompts/get" => "name",
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => "uri",
            _ => return None,
        };
        self.params.get(field).and_then(Value::as_str)
    }

    /// A `tools/call`'s or `prompts/get`'s arguments, when there are some.
    ///
    /// ```
    /// # fn f(req: &mcp_serve::middleware::McpRequest) -> Option<&serde_json::Value> {
    /// req.arguments()?.get("path")
    /// # }
    /// ```
    pub fn arguments(&self) -> Option<&Map<String, Value>> {
        self.params.get("arguments").and_then(Value::as_object)
    }

    /// A copy of the request, to run the rest of the chain again (a retry):
    /// the same method, parameters, extensions and context.
    ///
    /// ```
    /// use mcp_serve::middleware::{McpRequest, McpResult, Next};
    ///
    /// /// Tries once more when the first attempt fails.
    /// async fn twice(req: McpRequest, next: Next) -> McpResult {
    ///     let again = req.duplicate();
    ///     match next.clone().run(req).await {
    ///         Ok(v) => Ok(v),
    ///         Err(_) => next.run(again).await,
    ///     }
    /// }
    /// ```
    pub fn duplicate(&self) -> McpRequest {
        McpRequest {
            method: self.method.clone(),
            params: self.params.clone(),
            context: self.context.clone(),
            extensions: self.extensions.clone(),
            continuation: std::sync::Arc::clone(&self.continuation),
        }
    }

    /// The engine's part, run by the innermost service.
    pub(crate) fn continuation(&self) -> &Continuation {
        &self.continuation
    }
}
