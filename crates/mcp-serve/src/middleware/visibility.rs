//! [`Visibility`]: per-request visibility of tools, resources, templates
//! and prompts, decided by a rule over the request and the component.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{McpRequest, McpResult, Middleware, Next};
use crate::context::Context;
use crate::error::McpError;

/// What kind of component a [`Visibility`] rule is asked about.
///
/// ```
/// use mcp_serve::middleware::ComponentKind;
/// assert_ne!(ComponentKind::Tool, ComponentKind::Prompt);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ComponentKind {
    /// A tool.
    Tool,
    /// A fixed resource, or a URI read through a template.
    Resource,
    /// A resource template, as listed.
    ResourceTemplate,
    /// A prompt.
    Prompt,
}

/// A component a [`Visibility`] rule decides on.
///
/// ```
/// use mcp_serve::middleware::{Component, ComponentKind};
/// fn admin_only(c: &Component<'_>) -> bool {
///     c.kind == ComponentKind::Tool && c.tags.iter().any(|t| t == "admin")
/// }
/// # let _ = admin_only;
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Component<'a> {
    /// Tool, resource, template or prompt.
    pub kind: ComponentKind,
    /// The tool's or prompt's name, the resource's URI (as read, for a
    /// read through a template), or the template.
    pub name: &'a str,
    /// Its tags (see [`Tool::tag`](crate::tool::Tool::tag)).
    pub tags: &'a [String],
}

type Rule = dyn Fn(&Context, &Component<'_>) -> bool + Send + Sync;

/// Shows each request only what a rule allows: list results leave out the
/// components the rule hides, and calling, reading, getting, subscribing to
/// or completing one of them answers exactly as an unknown one would, so a
/// client cannot tell it exists. The rule sees the request's [`Context`]
/// (the caller's [`principal`](Context::principal), the client's info and
/// declared extensions, the HTTP headers) and the component (kind, name,
/// tags).
///
/// Filtered modern list results are marked `cacheScope: "private"`, since
/// they are one caller's. A page of a paginated list may come out shorter
/// than the page size. The tool search transform
/// ([`ToolSearch`](crate::tool::ToolSearch)) ranks the server's whole
/// visible catalog; its `call_tool` is checked by this rule too.
///
/// Server-wide, per-tag visibility that every client shares is
/// [`ServerHandle::disable_tag`](crate::server::ServerHandle::disable_tag);
/// this is for what differs per caller or per client.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::Visibility;
///
/// /// Delete every record.
/// #[tool(tags = ["admin"])]
/// fn wipe() -> &'static str { "wiped" }
///
/// /// Add two numbers.
/// #[tool]
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
/// // Admin tools only for callers whose token grants the `admin` scope.
/// let server = Server::new("demo", "1.0.0").tool(wipe).tool(add).middleware(Visibility::new(|cx, c| {
///     !c.tags.iter().any(|t| t == "admin") || cx.principal().is_some_and(|p| p.has_scope("admin"))
/// }));
/// let client = mcp_serve::testing::TestClient::modern(server).await?;
/// let names: Vec<_> = client.list_tools().await?.tools.into_iter().map(|t| t.name).collect();
/// assert_eq!(names, ["add"]);
/// assert!(client.call_tool("wipe", serde_json::json!({})).await.is_err());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Visibility {
    rule: Arc<Rule>,
}

impl std::fmt::Debug for Visibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Visibility").finish_non_exhaustive()
    }
}

impl Visibility {
    /// Components for which `rule` is `true` are visible to the request.
    ///
    /// ```
    /// // Clients that say they are "ci-bot" see no prompts.
    /// let _ = mcp_serve::middleware::Visibility::new(|cx, c| {
    ///     c.kind != mcp_serve::middleware::ComponentKind::Prompt
    ///         || cx.client_info().is_none_or(|i| i.name != "ci-bot")
    /// });
    /// ```
    pub fn new(rule: impl Fn(&Context, &Component<'_>) -> bool + Send + Sync + 'static) -> Self {
        Visibility { rule: Arc::new(rule) }
    }

    fn allows(&self, cx: &Context, kind: ComponentKind, name: &str, tags: &[String]) -> bool {
        (self.rule)(cx, &Component { kind, name, tags })
    }

    /// Whether the component a request names is visible: by its tags in the
    /// server's catalog.
    fn named_visible(&self, req: &McpRequest, kind: ComponentKind, method: &str, name: &str) -> bool {
        let cx = req.context();
        self.allows(cx, kind, name, &cx.tags_of(method, name))
    }

    /// The result of a list with the hidden entries taken out.
    fn filter(&self, cx: &Context, mut result: Value, field: &str, kind: ComponentKind, key: &str) -> Value {
        if let Some(Value::Array(items)) = result.get_mut(field) {
            // The tags' place in each item's `_meta`, made once per list.
            let tags_at = format!("/_meta/{}", crate::tool::TAGS_META.replace('/', "~1"));
            items.retain(|item| {
                let name = item.get(key).and_then(Value::as_str).unwrap_or_default();
                let tags: Vec<String> = item
                    .pointer(&tags_at)
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                self.allows(cx, kind, name, &tags)
            });
        }
        if let Some(scope) = result.get_mut("cacheScope") {
            *scope = json!("private");
        }
        result
    }
}

fn unknown_tool(name: &str) -> McpError {
    McpError::invalid_params(format!("Unknown tool: {name}")).with_data(json!({ "name": name }))
}

fn unknown_prompt(name: &str) -> McpError {
    McpError::invalid_params(format!("Unknown prompt: {name}"))
}

impl Middleware for Visibility {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let list = match req.method() {
            "tools/list" => Some(("tools", ComponentKind::Tool, "name")),
            "prompts/list" => Some(("prompts", ComponentKind::Prompt, "name")),
            "resources/list" => Some(("resources", ComponentKind::Resource, "uri")),
            "resources/templates/list" => Some((
                "resourceTemplates",
                ComponentKind::ResourceTemplate,
                "uriTemplate",
            )),
            _ => None,
        };
        if let Some((field, kind, key)) = list {
            let cx = req.context().clone();
            let result = next.run(req).await?;
            return Ok(self.filter(&cx, result, field, kind, key));
        }
        let method = req.method().to_owned();
        let name = req.name().unwrap_or_default().to_owned();
        match method.as_str() {
            "tools/call" => {
                if !self.named_visible(&req, ComponentKind::Tool, "tools/call", &name) {
                    return Err(unknown_tool(&name));
                }
                // The tool search's `call_tool` reaches tools by name too.
                if let Some(target) = req
                    .arguments()
                    .and_then(|a| a.get("name"))
                    .and_then(Value::as_str)
                {
                    let by_search = req.context().inner.served.is_search_call(&name);
                    if by_search && !self.named_visible(&req, ComponentKind::Tool, "tools/call", target) {
                        return Ok(serde_json::to_value(
                            crate::error::ToolError::new(format!("Unknown tool: {target}")).into_result(),
                        )
                        .unwrap_or(Value::Null));
                    }
                }
            }
            "prompts/get" if !self.named_visible(&req, ComponentKind::Prompt, "prompts/get", &name) => {
                return Err(unknown_prompt(&name));
            }
            "resources/read" | "resources/subscribe" | "resources/unsubscribe"
                if !self.named_visible(&req, ComponentKind::Resource, &method, &name) =>
            {
                return Err(McpError::resource_not_found(&name));
            }
            "completion/complete" => {
                let reference = req.params.get("ref").cloned().unwrap_or(Value::Null);
                let of = |k: &str| {
                    reference
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                match reference.get("type").and_then(Value::as_str) {
                    Some("ref/prompt") => {
                        let prompt = of("name");
                        if !self.named_visible(&req, ComponentKind::Prompt, "prompts/get", &prompt) {
                            return Err(unknown_prompt(&prompt));
                        }
                    }
                    Some("ref/resource") => {
                        let uri = of("uri");
                        let tags = template_tags(req.context(), &uri);
                        if !self.allows(req.context(), ComponentKind::ResourceTemplate, &uri, &tags) {
                            return Err(McpError::resource_not_found(&uri));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        next.run(req).await
    }
}

/// The tags of the template registered as `template` (completion refers to
/// templates by their text, which no URI matches).
fn template_tags(cx: &Context, template: &str) -> Vec<String> {
    cx.tags_of("resources/templates/list", template)
}
