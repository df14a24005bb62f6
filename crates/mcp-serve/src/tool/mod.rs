//! Tools: functions the model can call.
//!
//! Write them with `#[tool]` on a function, or build them at run time with
//! [`Tool::new`] and a closure.
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::tool::Tool;
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct AddArgs { a: f64, b: f64 }
//!
//! let add = Tool::new("add")
//!     .description("Add two numbers.")
//!     .handler(|args: AddArgs, _ctx: Context| async move { args.a + args.b });
//! let server = Server::new("calc", "1.0.0").tool(add);
//! # let _ = server;
//! ```

mod output;
pub(crate) mod passthrough;
pub(crate) mod search;
mod transform;

use std::any::TypeId;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use mcp_serve_core::meta::Meta;
use mcp_serve_core::types::{self, CallToolResult, Icon, ToolAnnotations};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use output::{IntoToolOutput, Json};
pub use search::ToolSearch;
pub(crate) use transform::Source;
pub use transform::{ArgTransform, Forward, ToolTransform};

use crate::context::{Context, FromContext, StateMap};
use crate::error::RegistrationError;
use crate::error::{McpError, ToolError};
use crate::schema::SchemaSettings;

/// Why a tool call did not produce a result.
#[derive(Debug)]
pub enum CallError {
    /// The tool failed; the model sees an `isError` result.
    Tool(ToolError),
    /// The request could not be served; the client gets a JSON-RPC error.
    Protocol(McpError),
}

impl From<ToolError> for CallError {
    fn from(e: ToolError) -> Self {
        match e.into_protocol_error() {
            Ok(p) => CallError::Protocol(McpError(p)),
            Err(e) => CallError::Tool(e),
        }
    }
}

impl From<McpError> for CallError {
    fn from(e: McpError) -> Self {
        CallError::Protocol(e)
    }
}

/// The `_meta` key under which a tool, resource, template or prompt
/// definition lists its tags (set with `.tag(..)` or `tags = [..]`), for
/// clients that filter or group by them.
///
/// ```
/// use mcp_serve::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
/// let wipe = mcp_serve::tool::Tool::new("wipe")
///     .tag("admin")
///     .raw_handler(|_, _| async { Ok(CallToolResult::text("wiped")) });
/// let client = mcp_serve::testing::TestClient::modern(Server::new("demo", "1.0.0").tool(wipe)).await?;
/// let tools = client.list_tools().await?;
/// let meta = tools.tools[0].meta.as_ref().unwrap();
/// assert_eq!(meta[mcp_serve::tool::TAGS_META], serde_json::json!(["admin"]));
/// # Ok(()) }
/// ```
pub const TAGS_META: &str = "io.mcp-serve/tags";

/// `meta` with [`TAGS_META`] set to `tags` (unchanged when there are none).
pub(crate) fn meta_with_tags(meta: Option<&Meta>, tags: &[String]) -> Option<Meta> {
    if tags.is_empty() {
        return meta.cloned();
    }
    let mut meta = meta.cloned().unwrap_or_default();
    meta.insert(TAGS_META.to_owned(), Value::from(tags.to_vec()));
    Some(meta)
}

/// The tags a definition's `_meta` lists under [`TAGS_META`] (the proxy
/// keeps a backend's tags).
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn tags_in_meta(meta: Option<&Meta>) -> Vec<String> {
    meta.and_then(|m| m.get(TAGS_META))
        .and_then(Value::as_array)
        .map(|tags| tags.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The arguments of a `tools/call`.
pub type Arguments = Map<String, Value>;

/// What runs when a tool is called.
pub(crate) type ToolFn =
    dyn Fn(Arguments, Context) -> BoxFuture<'static, Result<CallToolResult, CallError>> + Send + Sync;

/// A schema known now, or generated once the server's schema settings are known.
#[derive(Clone)]
pub(crate) enum SchemaSource {
    Fixed(Value),
    Generated(fn(&SchemaSettings) -> Option<Value>),
}

impl SchemaSource {
    pub(crate) fn resolve(&self, settings: &SchemaSettings) -> Option<Value> {
        match self {
            SchemaSource::Fixed(v) => Some(v.clone()),
            SchemaSource::Generated(f) => f(settings),
        }
    }
}

/// A shared-state type a handler reads as `State<T>`: a server without one
/// is refused when built, rather than failing the handler's first call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequiredState {
    pub(crate) type_id: TypeId,
    pub(crate) type_name: &'static str,
}

impl RequiredState {
    pub(crate) fn of<T: 'static>() -> Self {
        RequiredState {
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
        }
    }

    /// Adds the state extractor `E` reads, if any, to `list`.
    pub(crate) fn add_extractor<E: FromContext>(list: &mut Vec<RequiredState>) {
        if let Some((type_id, type_name)) = E::required_state() {
            RequiredState::add(list, RequiredState { type_id, type_name });
        }
    }

    pub(crate) fn add(list: &mut Vec<RequiredState>, required: RequiredState) {
        if !list.contains(&required) {
            list.push(required);
        }
    }

    /// Refuses the registration of `kind` `name` when `state` lacks one of `required`.
    pub(crate) fn check(
        required: &[RequiredState],
        state: &StateMap,
        kind: &'static str,
        name: &str,
    ) -> Result<(), RegistrationError> {
        match required.iter().find(|r| !state.contains_type(r.type_id)) {
            None => Ok(()),
            Some(missing) => Err(RegistrationError::MissingState {
                kind,
                name: name.to_owned(),
                type_name: missing.type_name,
            }),
        }
    }
}

/// A tool: its definition and its handler.
///
/// ```
/// use mcp_serve::tool::Tool;
/// use mcp_serve::prelude::*;
/// let t = Tool::new("echo")
///     .description("Echo the text back.")
///     .input_schema(serde_json::json!({
///         "type": "object",
///         "properties": { "text": { "type": "string" } },
///         "required": ["text"]
///     }))
///     .raw_handler(|args, _ctx| async move {
///         Ok(CallToolResult::text(args["text"].as_str().unwrap_or_default()))
///     });
/// assert_eq!(t.name(), "echo");
/// ```
#[derive(Clone)]
pub struct Tool {
    pub(crate) def: types::Tool,
    pub(crate) input: SchemaSource,
    pub(crate) output: Option<SchemaSource>,
    pub(crate) handler: Option<Arc<ToolFn>>,
    /// Becomes a task only when the handler calls `Context::begin_task`.
    pub(crate) deferred_task: bool,
    /// The `State<T>` types the handler reads.
    pub(crate) required_state: Vec<RequiredState>,
    /// Scopes a caller needs.
    pub(crate) scopes: Vec<String>,
    /// Groups to show or hide it with.
    pub(crate) tags: Vec<String>,
    /// Another server answers its modern calls (a proxy's tools).
    pub(crate) passthrough: Option<Arc<dyn passthrough::Passthrough>>,
}

impl std::fmt::Debug for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool")
            .field("def", &self.def)
            .finish_non_exhaustive()
    }
}

fn empty_object_schema(_: &SchemaSettings) -> Option<Value> {
    Some(serde_json::json!({ "type": "object", "properties": {} }))
}

impl Tool {
    /// A tool named `name` with no parameters and no handler yet.
    pub fn new(name: impl Into<String>) -> Self {
        Tool {
            def: {
                let mut def = types::Tool::default();
                def.name = name.into();
                def
            },
            input: SchemaSource::Generated(empty_object_schema),
            output: None,
            handler: None,
            deferred_task: false,
            required_state: Vec::new(),
            scopes: Vec::new(),
            tags: Vec::new(),
            passthrough: None,
        }
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The wire definition (schemas are filled in at registration).
    pub fn definition(&self) -> &types::Tool {
        &self.def
    }

    /// The description the model reads.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.def.description = Some(description.into());
        self
    }

    /// A human-readable title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.def.title = Some(title.into());
        self
    }

    /// Icons for clients to show.
    #[must_use]
    pub fn icons(mut self, icons: Vec<Icon>) -> Self {
        self.def.icons = Some(icons);
        self
    }

    /// Behaviour hints (read-only, destructive, idempotent, open-world).
    #[must_use]
    pub fn annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.def.annotations = Some(annotations);
        self
    }

    /// Whether the tool may (or must) run as a task (`execution.taskSupport`;
    /// `#[tool(task)]`): for legacy 2025-11-25 clients that send `task`, and
    /// for modern clients that declare the `io.modelcontextprotocol/tasks`
    /// extension (see [`crate::tasks`]).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::protocol::types::TaskSupport;
    /// use mcp_serve::tool::Tool;
    /// let t = Tool::new("batch")
    ///     .task_support(TaskSupport::Required)
    ///     .raw_handler(|_, _| async { Ok(CallToolResult::text("done")) });
    /// # let _ = Server::new("demo", "1.0.0").tool(t);
    /// ```
    #[must_use]
    pub fn task_support(mut self, support: mcp_serve_core::types::TaskSupport) -> Self {
        self.def.execution = Some(mcp_serve_core::types::ToolExecution::new(support));
        self
    }

    /// Requires these scopes of the caller (with authorization on, see
    /// [`crate::auth`]): one that lacks any gets the step-up challenge. A
    /// scope covers those below it (`files` covers `files:write`).
    ///
    /// ```
    /// use mcp_serve::{tool::Tool};
    /// let _ = Tool::new("write_file").scopes(["files:write"]);
    /// ```
    #[must_use]
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a tag: a group this tool belongs to, to show or hide it with
    /// others ([`Server::exclude_tags`](crate::server::Server::exclude_tags),
    /// [`ServerHandle::disable_tag`](crate::server::ServerHandle::disable_tag)).
    /// Clients see the tags in the definition's `_meta`, under
    /// `io.mcp-serve/tags`.
    ///
    /// ```
    /// let _ = mcp_serve::tool::Tool::new("wipe").tag("admin");
    /// ```
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        let tag = tag.into();
        if !self.tags.contains(&tag) {
            self.tags.push(tag);
        }
        self
    }

    /// Adds several tags (see [`Self::tag`]); `#[tool(tags = [..])]` does the same.
    ///
    /// ```
    /// let _ = mcp_serve::tool::Tool::new("wipe").tags(["admin", "billing"]);
    /// ```
    #[must_use]
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        for tag in tags {
            self = self.tag(tag);
        }
        self
    }

    /// The tags given with [`Self::tag`] and [`Self::tags`].
    ///
    /// ```
    /// let c = mcp_serve::tool::Tool::new("wipe").tag("admin");
    /// assert_eq!(c.tag_list(), ["admin"]);
    /// ```
    pub fn tag_list(&self) -> &[String] {
        &self.tags
    }

    /// For modern clients with the tasks extension, start the call as an
    /// ordinary request and make it a task only when the handler calls
    /// [`Context::begin_task`]: input the handler asks for before that is
    /// gathered synchronously (multi round-trip requests), as the tasks
    /// extension recommends for input needed before the work starts. Without
    /// this a task tool is a task from the start. Only matters together with
    /// [`Tool::task_support`] (`#[tool(task)]`).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::tool::{IntoTool, Tool};
    ///
    /// /// Work in the background once started.
    /// #[tool(task)]
    /// async fn work(ctx: Context) -> &'static str {
    ///     ctx.begin_task().await;
    ///     "worked"
    /// }
    /// let tool: Tool = work.into_tool().deferred_task();
    /// # let _ = Server::new("demo", "1.0.0").tool(tool);
    /// ```
    #[must_use]
    pub fn deferred_task(mut self) -> Self {
        self.deferred_task = true;
        self
    }

    /// `_meta` on the definition.
    #[must_use]
    pub fn meta(mut self, meta: Meta) -> Self {
        self.def.meta = Some(meta);
        self
    }

    /// Declares that the handler reads the shared state `T`
    /// ([`Context::state`]), so a server without `.state(value)` of that type
    /// refuses to build instead of failing the call. `#[tool]` functions
    /// declare the `State<T>` parameters they take by themselves.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::tool::Tool;
    ///
    /// struct Db;
    /// let tool = || {
    ///     Tool::new("query")
    ///         .requires_state::<Db>()
    ///         .raw_handler(|_, ctx| async move {
    ///             let _db = ctx.state::<Db>();
    ///             Ok(CallToolResult::text("rows"))
    ///         })
    /// };
    /// let err = Server::new("demo", "1.0.0").tool(tool()).into_handle().unwrap_err();
    /// assert!(err.to_string().contains(".state("), "{err}");
    /// assert!(Server::new("demo", "1.0.0").tool(tool()).state(Db).into_handle().is_ok());
    /// ```
    #[must_use]
    pub fn requires_state<T: Send + Sync + 'static>(mut self) -> Self {
        RequiredState::add(&mut self.required_state, RequiredState::of::<T>());
        self
    }

    /// Refuses the tool when `state` lacks a type its handler reads.
    pub(crate) fn check_state(&self, state: &StateMap) -> Result<(), RegistrationError> {
        RequiredState::check(&self.required_state, state, "tool", self.name())
    }

    /// Records the state the extractor `E` of a `#[tool]` parameter reads.
    #[doc(hidden)]
    #[must_use]
    pub fn extractor<E: FromContext>(mut self) -> Self {
        RequiredState::add_extractor::<E>(&mut self.required_state);
        self
    }

    /// A hand-written input schema (a JSON Schema object).
    #[must_use]
    pub fn input_schema(mut self, schema: Value) -> Self {
        self.input = SchemaSource::Fixed(schema);
        self
    }

    /// The input schema of `T`, generated with the server's schema settings.
    #[must_use]
    pub fn input_schema_of<T: JsonSchema>(mut self) -> Self {
        self.input = SchemaSource::Generated(|s| Some(s.schema_for::<T>()));
        self
    }

    /// A hand-written output schema; results must then carry `structuredContent`.
    #[must_use]
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.output = Some(SchemaSource::Fixed(schema));
        self
    }

    /// The output schema of `T` (must describe an object).
    #[must_use]
    pub fn output_schema_of<T: JsonSchema>(mut self) -> Self {
        self.output = Some(SchemaSource::Generated(|s| s.output_schema_for::<T>()));
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub fn output_schema_fn(mut self, f: fn(&SchemaSettings) -> Option<Value>) -> Self {
        self.output = Some(SchemaSource::Generated(f));
        self
    }

    /// The handler, with typed arguments: `A`'s schema becomes the input
    /// schema, and a result type `R` that is [`Json<T>`] sets the output schema.
    #[must_use]
    pub fn handler<A, R, F, Fut>(mut self, f: F) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        R: IntoToolOutput + 'static,
        F: Fn(A, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
    {
        self.input = SchemaSource::Generated(|s| Some(s.schema_for::<A>()));
        if self.output.is_none() {
            self.output = Some(SchemaSource::Generated(R::output_schema));
        }
        let name: Arc<str> = self.def.name.as_str().into();
        self.handler = Some(Arc::new(
            move |args: Arguments, cx: Context| match parse_arguments::<A>(&name, args) {
                Ok(a) => {
                    let fut = f(a, cx);
                    Box::pin(async move { fut.await.into_tool_result().map_err(CallError::from) })
                }
                Err(e) => Box::pin(std::future::ready(Err(CallError::from(e)))),
            },
        ));
        self
    }

    /// The handler, with the arguments as a JSON object (validated against the
    /// input schema before the call).
    #[must_use]
    pub fn raw_handler<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Arguments, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CallToolResult, CallError>> + Send + 'static,
    {
        self.handler = Some(Arc::new(move |args, cx| Box::pin(f(args, cx))));
        self
    }
}

/// Deserializes validated arguments into `A`, naming the field on failure.
///
/// ```
/// #[derive(Debug, serde::Deserialize)]
/// struct A { a: f64 }
/// let args = serde_json::json!({"a": "x"}).as_object().unwrap().clone();
/// let e = mcp_serve::tool::parse_arguments::<A>("add", args).unwrap_err();
/// assert!(e.message().contains("a:"), "{}", e.message());
/// ```
///
/// # Errors
/// A tool error that says which argument is wrong and why.
pub fn parse_arguments<A: DeserializeOwned>(tool: &str, args: Arguments) -> Result<A, ToolError> {
    let value = Value::Object(args);
    // Tracking the path costs on every field; it is only needed for the message.
    if let Ok(a) = A::deserialize(&value) {
        return Ok(a);
    }
    serde_path_to_error::deserialize::<_, A>(&value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ToolError::new(format!("Invalid arguments for tool {tool}: {inner}"))
        } else {
            ToolError::new(format!("Invalid arguments for tool {tool}: {path}: {inner}"))
        }
    })
}

/// Anything that can be registered as a tool: a [`Tool`], or a function
/// annotated with `#[tool]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tool: put `#[tool]` on the function, or build a `Tool` with `Tool::new(name).handler(...)`",
    label = "not a tool",
    note = "only a `Tool`, or a function annotated with `#[tool]`, can be registered as a tool"
)]
pub trait IntoTool {
    /// The tool.
    fn into_tool(self) -> Tool;
}

impl IntoTool for Tool {
    fn into_tool(self) -> Tool {
        self
    }
}
