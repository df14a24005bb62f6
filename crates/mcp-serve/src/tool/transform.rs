//! Tool transformation: a new tool made from an existing one, with another
//! name, other argument names and descriptions, arguments hidden behind a
//! fixed value or given a default, and a function around the call.
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::tool::{ArgTransform, ToolTransform};
//!
//! /// Search the index.
//! #[tool]
//! fn search(q: String, limit: u32, lang: Option<String>) -> String {
//!     format!("{limit} results for {q} in {}", lang.unwrap_or_default())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! let find = ToolTransform::new("search")
//!     .name("find")
//!     .description("Find documents about a topic.")
//!     .arg("q", ArgTransform::new().rename("topic").description("What to look for."))
//!     .arg("limit", ArgTransform::fixed(serde_json::json!(5)))
//!     .arg("lang", ArgTransform::new().default(serde_json::json!("en")))
//!     .hide_source();
//! let server = Server::new("docs", "1.0.0").tool(search).transform_tool(find);
//! let client = mcp_serve::testing::TestClient::modern(server).await?;
//! let r = client.call_tool("find", serde_json::json!({ "topic": "rust" })).await?;
//! assert_eq!(r.content[0].as_text(), Some("5 results for rust in en"));
//! let names: Vec<String> = client.list_tools().await?.tools.into_iter().map(|t| t.name).collect();
//! assert_eq!(names, ["find"]);
//! # Ok(()) }
//! ```

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use indexmap::IndexMap;
use mcp_serve_core::types::{self, CallToolResult};
use serde_json::{Map, Value};

use super::{Arguments, CallError, SchemaSource, TAGS_META, Tool, ToolFn};
use crate::context::Context;
use crate::error::RegistrationError;

/// What a [`ToolTransform::wrap`] function runs around the call.
type WrapFn =
    dyn Fn(Arguments, Forward) -> BoxFuture<'static, Result<CallToolResult, CallError>> + Send + Sync;

/// How one argument of the source tool changes in the new tool.
///
/// ```
/// use mcp_serve::tool::ArgTransform;
/// let _ = ArgTransform::new().rename("query").description("What to search for.");
/// let _ = ArgTransform::new().default(serde_json::json!(10));
/// let _ = ArgTransform::fixed(serde_json::json!("en"));
/// let _ = ArgTransform::hidden();
/// ```
#[derive(Debug, Clone, Default)]
pub struct ArgTransform {
    pub(crate) rename: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) default: Option<Value>,
    pub(crate) hide: bool,
}

impl ArgTransform {
    /// No change yet: add one with the builder methods.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ArgTransform::new();
    /// ```
    pub fn new() -> Self {
        <ArgTransform as Default>::default()
    }

    /// Hidden from the new tool's schema, and always called with `value`
    /// (whatever the caller sends under the old name is dropped).
    ///
    /// ```
    /// let _ = mcp_serve::tool::ArgTransform::fixed(serde_json::json!(5));
    /// ```
    pub fn fixed(value: Value) -> Self {
        ArgTransform {
            default: Some(value),
            hide: true,
            ..<ArgTransform as Default>::default()
        }
    }

    /// Hidden from the new tool's schema and never sent: only for an
    /// argument the source tool does not require (a required one needs
    /// [`ArgTransform::fixed`]; the build says so).
    ///
    /// ```
    /// let _ = mcp_serve::tool::ArgTransform::hidden();
    /// ```
    pub fn hidden() -> Self {
        ArgTransform {
            hide: true,
            ..<ArgTransform as Default>::default()
        }
    }

    /// The argument's name in the new tool.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ArgTransform::new().rename("query");
    /// ```
    #[must_use]
    pub fn rename(mut self, name: impl Into<String>) -> Self {
        self.rename = Some(name.into());
        self
    }

    /// The argument's description in the new tool's schema.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ArgTransform::new().description("At most this many.");
    /// ```
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A default: shown in the schema (`default`), the argument is no longer
    /// required, and a call without it gets `value`.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ArgTransform::new().default(serde_json::json!(10));
    /// ```
    #[must_use]
    pub fn default(mut self, value: Value) -> Self {
        self.default = Some(value);
        self
    }
}

/// How a new tool is made from an existing one (the source): register it
/// with [`Server::transform_tool`](crate::server::Server::transform_tool),
/// or at run time with
/// [`ServerHandle::transform_tool`](crate::server::ServerHandle::transform_tool).
///
/// The new tool keeps what is not changed: title, annotations, icons, tags,
/// scopes, task support, and the output schema. Its input schema is the
/// source's with arguments renamed, described, defaulted or removed
/// (`required` adjusted), and calls are checked against it as any tool's;
/// the arguments are then mapped back and checked against the source's
/// schema before its handler runs. A transform without [`Self::name`] keeps
/// the source's name and replaces it. The source is captured as it is when
/// the transform is applied.
///
/// Unknown tools and arguments, two arguments given one name, and a hidden
/// required argument without a value are refused when the server is built.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::tool::{ArgTransform, ToolTransform};
///
/// /// Add two numbers.
/// #[tool]
/// fn add(a: f64, b: f64) -> f64 { a + b }
///
/// let bad = ToolTransform::new("add").arg("c", ArgTransform::new().rename("x"));
/// let err = Server::new("calc", "1.0.0").tool(add).transform_tool(bad).into_handle().unwrap_err();
/// assert!(err.to_string().contains("no argument `c`"), "{err}");
/// ```
#[derive(Clone)]
pub struct ToolTransform {
    pub(crate) source: String,
    pub(crate) name: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) args: IndexMap<String, ArgTransform>,
    pub(crate) tags: Vec<String>,
    pub(crate) output_schema: Option<Option<Value>>,
    pub(crate) wrap: Option<Arc<WrapFn>>,
    pub(crate) hide_source: bool,
}

impl std::fmt::Debug for ToolTransform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolTransform")
            .field("source", &self.source)
            .field("name", &self.name)
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

impl ToolTransform {
    /// A transform of the tool named `source`.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolTransform::new("search");
    /// ```
    pub fn new(source: impl Into<String>) -> Self {
        ToolTransform {
            source: source.into(),
            name: None,
            title: None,
            description: None,
            args: IndexMap::new(),
            tags: Vec::new(),
            output_schema: None,
            wrap: None,
            hide_source: false,
        }
    }

    /// The new tool's name (default: the source's, which it then replaces).
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolTransform::new("search").name("find");
    /// ```
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The new tool's title.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolTransform::new("search").title("Find documents");
    /// ```
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The new tool's description.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolTransform::new("search").description("Find documents about a topic.");
    /// ```
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Changes the source's argument `name` (a second call for one name
    /// replaces the first).
    ///
    /// ```
    /// use mcp_serve::tool::{ArgTransform, ToolTransform};
    /// let _ = ToolTransform::new("search").arg("q", ArgTransform::new().rename("query"));
    /// ```
    #[must_use]
    pub fn arg(mut self, name: impl Into<String>, transform: ArgTransform) -> Self {
        self.args.insert(name.into(), transform);
        self
    }

    /// Adds tags to those the source has.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolTransform::new("search").tags(["docs"]);
    /// ```
    #[must_use]
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        for tag in tags {
            let tag = tag.into();
            if !self.tags.contains(&tag) {
                self.tags.push(tag);
            }
        }
        self
    }

    /// The new tool's output schema, for a [`Self::wrap`] function that
    /// changes the result's shape (`None`: no output schema).
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolTransform::new("search").output_schema(None);
    /// ```
    #[must_use]
    pub fn output_schema(mut self, schema: Option<Value>) -> Self {
        self.output_schema = Some(schema);
        self
    }

    /// Disables the source by name (as
    /// [`ServerHandle::disable_tool`](crate::server::ServerHandle::disable_tool)),
    /// so clients see only the new tool; the new tool still calls it.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolTransform::new("search").name("find").hide_source();
    /// ```
    #[must_use]
    pub fn hide_source(mut self) -> Self {
        self.hide_source = true;
        self
    }

    /// Runs `f` instead of calling the source directly: it gets the new
    /// tool's arguments (validated, defaults filled in) and a [`Forward`]
    /// that calls the source, and returns the result, e.g. post-processed.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::tool::{CallError, ToolTransform};
    ///
    /// /// Shout the text.
    /// #[tool]
    /// fn shout(text: String) -> String { text.to_uppercase() }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let polite = ToolTransform::new("shout").name("polite_shout").wrap(|args, forward| async move {
    ///     if args["text"].as_str().is_some_and(str::is_empty) {
    ///         return Err(CallError::from(ToolError::new("say something")));
    ///     }
    ///     let mut r = forward.call(args).await?;
    ///     r.content.push(ContentBlock::text("please"));
    ///     Ok(r)
    /// });
    /// let server = Server::new("demo", "1.0.0").tool(shout).transform_tool(polite);
    /// let client = mcp_serve::testing::TestClient::modern(server).await?;
    /// let r = client.call_tool("polite_shout", serde_json::json!({ "text": "hi" })).await?;
    /// assert_eq!(r.content[0].as_text(), Some("HI"));
    /// assert_eq!(r.content[1].as_text(), Some("please"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn wrap<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Arguments, Forward) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CallToolResult, CallError>> + Send + 'static,
    {
        self.wrap = Some(Arc::new(move |args, forward| Box::pin(f(args, forward))));
        self
    }

    /// The source's name.
    ///
    /// ```
    /// assert_eq!(mcp_serve::tool::ToolTransform::new("search").source(), "search");
    /// ```
    pub fn source(&self) -> &str {
        &self.source
    }

    fn error(&self, reason: impl Into<String>) -> RegistrationError {
        RegistrationError::Transform {
            tool: self.source.clone(),
            reason: reason.into(),
        }
    }

    /// The new tool, from the source's registered definition (schemas
    /// resolved) and `call`, which checks the source's arguments and runs its
    /// handler.
    pub(crate) fn derive(&self, source: &Source<'_>, call: Arc<ToolFn>) -> Result<Tool, RegistrationError> {
        let (schema, map) = self.input_schema(&source.def.input_schema)?;
        let mut def = source.def.clone();
        if let Some(name) = &self.name {
            def.name.clone_from(name);
        }
        if let Some(title) = &self.title {
            def.title = Some(title.clone());
        }
        if let Some(d) = &self.description {
            def.description = Some(d.clone());
        }
        // Tags are re-added from the tag list at registration.
        if let Some(meta) = &mut def.meta {
            meta.remove(TAGS_META);
        }
        if def.meta.as_ref().is_some_and(Map::is_empty) {
            def.meta = None;
        }
        let output = match &self.output_schema {
            Some(chosen) => chosen.clone(),
            None => def.output_schema.take(),
        };
        let mut tags = source.tags.to_vec();
        for t in &self.tags {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        let map = Arc::new(map);
        let wrap = self.wrap.clone();
        let handler: Arc<ToolFn> = Arc::new(move |mut args: Arguments, cx: Context| {
            for (name, value) in &map.defaults {
                if !args.contains_key(name) {
                    args.insert(name.clone(), value.clone());
                }
            }
            let forward = Forward {
                call: Arc::clone(&call),
                map: Arc::clone(&map),
                cx,
            };
            match &wrap {
                Some(wrap) => wrap(args, forward),
                None => forward.call(args),
            }
        });
        Ok(Tool {
            def,
            input: SchemaSource::Fixed(schema),
            output: output.map(SchemaSource::Fixed),
            handler: Some(handler),
            deferred_task: source.deferred_task,
            // The source's handler was checked when it was registered.
            required_state: Vec::new(),
            scopes: source.scopes.to_vec(),
            tags,
            // Its arguments are not the source's: calls go through the wrapper.
            passthrough: None,
        })
    }

    /// The new input schema, and how the new arguments map to the source's.
    fn input_schema(&self, source: &Value) -> Result<(Value, ArgMap), RegistrationError> {
        let mut schema = source.clone();
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        for name in self.args.keys() {
            if !props.contains_key(name) {
                let known: Vec<&str> = props.keys().map(String::as_str).collect();
                return Err(self.error(format!(
                    "the tool has no argument `{name}`; its arguments are: {}",
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        let mut map = ArgMap::default();
        let mut new_props = Map::new();
        let mut new_required = Vec::new();
        for (old, prop) in props {
            let Some(t) = self.args.get(old) else {
                if new_props.contains_key(old) {
                    return Err(self.error(format!(
                        "two arguments would be named `{old}`: rename one of them to something else"
                    )));
                }
                new_props.insert(old.clone(), prop.clone());
                if required.contains(old) {
                    new_required.push(Value::String(old.clone()));
                }
                continue;
            };
            if t.hide {
                map.gone.push(old.clone());
                match &t.default {
                    Some(v) => map.fixed.push((old.clone(), v.clone())),
                    None if required.contains(old) => {
                        return Err(self.error(format!(
                            "argument `{old}` is required, so it cannot be hidden without a value: \
                             use ArgTransform::fixed(value)"
                        )));
                    }
                    None => {}
                }
                continue;
            }
            let new = t.rename.clone().unwrap_or_else(|| old.clone());
            if new.is_empty() {
                return Err(self.error(format!("argument `{old}` cannot be renamed to an empty name")));
            }
            if new_props.contains_key(&new)
                || (new != *old && props.contains_key(&new) && !self.args.contains_key(&new))
            {
                return Err(self.error(format!(
                    "two arguments would be named `{new}`: rename one of them to something else"
                )));
            }
            let mut prop = match prop {
                Value::Object(o) => o.clone(),
                // `true` (anything goes) takes keywords as `{}`.
                Value::Bool(true) => Map::new(),
                _ => {
                    return Err(self.error(format!(
                        "argument `{old}` has a schema that cannot take a description or default"
                    )));
                }
            };
            if let Some(d) = &t.description {
                prop.insert("description".into(), Value::String(d.clone()));
            }
            if let Some(v) = &t.default {
                prop.insert("default".into(), v.clone());
                map.defaults.push((new.clone(), v.clone()));
            } else if required.contains(old) {
                new_required.push(Value::String(new.clone()));
            }
            if new != *old {
                map.renames.push((new.clone(), old.clone()));
                map.gone.push(old.clone());
            }
            new_props.insert(new, Value::Object(prop));
        }
        // A source name the new tool offers again (two arguments swapped) is
        // not gone.
        map.gone.retain(|old| !new_props.contains_key(old));
        if let Value::Object(root) = &mut schema {
            if root.contains_key("properties") || !new_props.is_empty() {
                root.insert("properties".into(), Value::Object(new_props));
            }
            if new_required.is_empty() {
                root.remove("required");
            } else {
                root.insert("required".into(), Value::Array(new_required));
            }
        }
        Ok((schema, map))
    }
}

/// What [`ToolTransform::derive`] needs of the registered source.
pub(crate) struct Source<'a> {
    pub(crate) def: &'a types::Tool,
    pub(crate) tags: &'a [String],
    pub(crate) scopes: &'a [String],
    pub(crate) deferred_task: bool,
}

/// How the new tool's arguments become the source's.
#[derive(Debug, Default)]
struct ArgMap {
    /// (new name, source name) of renamed arguments.
    renames: Vec<(String, String)>,
    /// Hidden arguments' values, by source name.
    fixed: Vec<(String, Value)>,
    /// Defaults, by new name.
    defaults: Vec<(String, Value)>,
    /// Source names the new tool does not offer (hidden, renamed away).
    gone: Vec<String>,
}

impl ArgMap {
    fn to_source(&self, args: Arguments) -> Arguments {
        let mut out = Map::new();
        for (key, value) in args {
            if let Some((_, old)) = self.renames.iter().find(|(new, _)| *new == key) {
                out.insert(old.clone(), value);
            } else if !self.gone.contains(&key) {
                out.insert(key, value);
            }
            // Else a source name the new tool does not offer (hidden, or
            // renamed away): dropped, so it cannot bypass the transform.
        }
        for (name, value) in &self.fixed {
            out.insert(name.clone(), value.clone());
        }
        out
    }
}

/// The source tool of a transform, for a [`ToolTransform::wrap`] function
/// to call.
///
/// ```
/// use mcp_serve::tool::{Forward, ToolTransform};
/// let _ = ToolTransform::new("search").wrap(|args, forward: Forward| async move {
///     tracing::info!(request = ?forward.context().request_id(), "searching");
///     forward.call(args).await
/// });
/// ```
#[derive(Clone)]
pub struct Forward {
    call: Arc<ToolFn>,
    map: Arc<ArgMap>,
    cx: Context,
}

impl std::fmt::Debug for Forward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forward")
            .field("map", &self.map)
            .finish_non_exhaustive()
    }
}

impl Forward {
    /// Calls the source with arguments named as the new tool names them:
    /// renamed ones are mapped back and hidden ones set. The source checks
    /// them against its own schema, as a direct call would.
    ///
    /// ```
    /// use mcp_serve::tool::ToolTransform;
    /// let _ = ToolTransform::new("search").wrap(|args, forward| async move { forward.call(args).await });
    /// ```
    pub fn call(&self, args: Arguments) -> BoxFuture<'static, Result<CallToolResult, CallError>> {
        (self.call)(self.map.to_source(args), self.cx.clone())
    }

    /// Calls the source with arguments named as the source names them, as
    /// they are (no renaming, no hidden values).
    ///
    /// ```
    /// use mcp_serve::tool::ToolTransform;
    /// let _ = ToolTransform::new("search").wrap(|mut args, forward| async move {
    ///     args.insert("limit".into(), serde_json::json!(3));
    ///     forward.call_raw(args).await
    /// });
    /// ```
    pub fn call_raw(&self, args: Arguments) -> BoxFuture<'static, Result<CallToolResult, CallError>> {
        (self.call)(args, self.cx.clone())
    }

    /// The context of the call to the new tool.
    ///
    /// ```
    /// use mcp_serve::tool::ToolTransform;
    /// let _ = ToolTransform::new("search").wrap(|args, forward| async move {
    ///     let _client = forward.context().client_info();
    ///     forward.call(args).await
    /// });
    /// ```
    pub fn context(&self) -> &Context {
        &self.cx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn source() -> Value {
        json!({
            "type": "object",
            "properties": {
                "q": { "type": "string" },
                "limit": { "type": "integer" },
                "lang": { "type": "string" },
                "debug": { "type": "boolean" }
            },
            "required": ["q", "limit"]
        })
    }

    #[test]
    fn schema_renames_describes_defaults_and_hides() {
        let t = ToolTransform::new("search")
            .arg("q", ArgTransform::new().rename("query").description("Words."))
            .arg("limit", ArgTransform::new().default(json!(10)))
            .arg("lang", ArgTransform::fixed(json!("en")))
            .arg("debug", ArgTransform::hidden());
        let (schema, map) = t.input_schema(&source()).unwrap();
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "query": { "type": "string", "description": "Words." },
                    "limit": { "type": "integer", "default": 10 }
                },
                "required": ["query"]
            })
        );
        let args = json!({ "query": "x", "limit": 3, "lang": "fr", "debug": true, "q": "sneaky" });
        let out = map.to_source(args.as_object().unwrap().clone());
        assert_eq!(Value::Object(out), json!({ "q": "x", "limit": 3, "lang": "en" }));
    }

    #[test]
    fn mistakes_are_refused_with_what_to_do() {
        let err = |t: ToolTransform| t.input_schema(&source()).unwrap_err().to_string();
        assert!(err(ToolTransform::new("s").arg("nope", ArgTransform::new())).contains("no argument `nope`"));
        assert!(
            err(ToolTransform::new("s").arg("q", ArgTransform::hidden())).contains("ArgTransform::fixed")
        );
        assert!(
            err(ToolTransform::new("s").arg("q", ArgTransform::new().rename("limit")))
                .contains("two arguments")
        );
        let swapped = ToolTransform::new("s")
            .arg("q", ArgTransform::new().rename("limit"))
            .arg("limit", ArgTransform::new().rename("q"));
        let (schema, map) = swapped.input_schema(&source()).unwrap();
        let mut required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        required.sort_unstable();
        assert_eq!(required, ["limit", "q"]);
        let out = map.to_source(json!({ "limit": "words", "q": 2 }).as_object().unwrap().clone());
        assert_eq!(Value::Object(out), json!({ "q": "words", "limit": 2 }));
    }
}
