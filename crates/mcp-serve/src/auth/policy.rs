//! Policies: authorization rules over the caller and the request, for what
//! scopes cannot say (a claim, the client, the arguments).

use std::sync::Arc;

use serde_json::json;

use crate::error::McpError;
use crate::middleware::{McpRequest, McpResult, Middleware, Next, Select};

/// A rule's test: whether the request may go on.
type Rule = dyn Fn(&McpRequest) -> bool + Send + Sync;

/// Authorization rules over the caller ([`Context::principal`]: subject,
/// client, scopes, claims) and the request (method, name, arguments), as a
/// [`Middleware`]. Each rule applies to the requests its [`Select`] picks;
/// a request is let through only if every rule that applies says yes.
///
/// A refused `tools/call` gets a tool error the model can read ("Not
/// allowed: …"); other refused requests get `-32602` with the same text,
/// as a missing scope does where no step-up is possible. Over stdio there
/// is no principal: a rule decides what that means (`principal()` is
/// `None`).
///
/// [`Context::principal`]: crate::context::Context::principal
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::auth::Policy;
/// use mcp_serve::middleware::Select;
///
/// /// Delete a file.
/// #[tool]
/// fn delete_file(path: String) -> String { format!("deleted {path}") }
///
/// let policy = Policy::new()
///     // Only the `ops` team, by a claim of their token.
///     .rule(Select::tool("delete_file"), "only the ops team may delete files", |req| {
///         req.context().principal().is_some_and(|p| p.claims.get("team").and_then(|t| t.as_str()) == Some("ops"))
///     })
///     // And never under /etc, whoever asks.
///     .rule(Select::tool("delete_file"), "/etc is off limits", |req| {
///         req.arguments()
///             .and_then(|a| a.get("path"))
///             .and_then(|p| p.as_str())
///             .is_some_and(|p| !p.starts_with("/etc"))
///     });
/// let server = Server::new("files", "1.0.0").middleware(policy).tool(delete_file);
/// ```
#[derive(Clone, Default)]
pub struct Policy {
    rules: Vec<(Select, String, Arc<Rule>)>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.rules.iter().map(|(s, why, _)| (s, why)))
            .finish()
    }
}

impl Policy {
    /// No rules: everything goes through.
    ///
    /// ```
    /// let _ = mcp_serve::auth::Policy::new();
    /// ```
    pub fn new() -> Self {
        Policy::default()
    }

    /// Adds a rule: the requests `select` picks go on only when `allow`
    /// says yes; otherwise the client is told `why`.
    ///
    /// ```
    /// use mcp_serve::auth::Policy;
    /// use mcp_serve::middleware::Select;
    /// let _ = Policy::new().rule(Select::tags(["admin"]), "admins only", |req| {
    ///     req.context().principal().is_some_and(|p| p.subject.starts_with("admin-"))
    /// });
    /// ```
    #[must_use]
    pub fn rule(
        mut self,
        select: Select,
        why: impl Into<String>,
        allow: impl Fn(&McpRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.rules.push((select, why.into(), Arc::new(allow)));
        self
    }

    /// Why `req` is refused, if it is.
    fn refusal(&self, req: &McpRequest) -> Option<&str> {
        self.rules
            .iter()
            .find(|(select, _, allow)| select.matches(req) && !allow(req))
            .map(|(_, why, _)| why.as_str())
    }
}

impl Middleware for Policy {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let Some(why) = self.refusal(&req) else {
            return next.run(req).await;
        };
        let message = format!("Not allowed: {why}.");
        if req.method() == "tools/call" {
            return Ok(json!({ "content": [{ "type": "text", "text": message }], "isError": true }));
        }
        Err(McpError::invalid_params(message))
    }
}
