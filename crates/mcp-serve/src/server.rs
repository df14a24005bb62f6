//! The [`Server`] builder, and the [`ServerHandle`] that changes a running
//! server's tools, resources and prompts.

use std::sync::Arc;

use mcp_serve_core::types::{CacheScope, Icon, Implementation};

use crate::context::StateMap;
pub use crate::engine::ServerHandle;
use crate::engine::catalog::{Catalog, TagRules};
use crate::engine::{Options, RegistrationError, Shared};
use crate::prompt::IntoPrompt;
use crate::resource::IntoResource;
use crate::schema::{SchemaDialect, SchemaSettings};
use crate::tool::IntoTool;
use crate::transport::TransportError;

enum Registration {
    Tool(crate::tool::Tool),
    Resource(crate::resource::Resource),
    Prompt(crate::prompt::Prompt),
    Transform(crate::tool::ToolTransform),
    Mount(String, Result<ServerHandle, RegistrationError>),
}

/// What [`Server::mount`] takes: a [`Server`] (built when mounted) or the
/// [`ServerHandle`] of a built one, which stays live: what is added to it
/// later shows in the server it is mounted in.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::server::IntoMount;
/// let child = Server::new("weather", "1.0.0");
/// assert!(child.into_mount().is_ok());
/// ```
pub trait IntoMount {
    /// The built server.
    ///
    /// # Errors
    /// The server could not be built.
    fn into_mount(self) -> Result<ServerHandle, RegistrationError>;
}

impl IntoMount for Server {
    fn into_mount(self) -> Result<ServerHandle, RegistrationError> {
        self.into_handle()
    }
}

impl IntoMount for ServerHandle {
    fn into_mount(self) -> Result<ServerHandle, RegistrationError> {
        Ok(self)
    }
}

impl IntoMount for &ServerHandle {
    fn into_mount(self) -> Result<ServerHandle, RegistrationError> {
        Ok(self.clone())
    }
}

/// An MCP server under construction: identity, tools, resources, prompts,
/// shared state, options. Serve it with [`Server::run`] (stdio, or HTTP when
/// asked), [`Server::serve_stdio`], or in-process with
/// [`crate::testing::TestClient`].
///
/// ```
/// use mcp_serve::prelude::*;
///
/// /// Add two numbers.
/// #[tool]
/// fn add(a: f64, b: f64) -> f64 { a + b }
///
/// let server = Server::new("calc", "1.0.0")
///     .instructions("A calculator.")
///     .tool(add);
/// # let _ = server;
/// ```
pub struct Server {
    info: Implementation,
    instructions: Option<String>,
    registrations: Vec<Registration>,
    state: StateMap,
    schema: SchemaSettings,
    options: Options,
    state_keys: Option<Vec<Vec<u8>>>,
    layers: Vec<crate::middleware::Layer>,
    extensions: Vec<crate::extension::Extension>,
    tag_rules: TagRules,
    search: Option<crate::tool::ToolSearch>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// A server that could not be started, and why.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A tool, resource or prompt is not servable.
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The command line or environment asked for something unavailable.
    #[error("{0}")]
    Usage(String),
}

impl Server {
    /// A server that reports this name and version to clients.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Server {
            info: Implementation::new(name, version),
            instructions: None,
            registrations: Vec::new(),
            state: StateMap::default(),
            schema: SchemaSettings::default(),
            options: Options::default(),
            state_keys: None,
            layers: Vec::new(),
            extensions: Vec::new(),
            tag_rules: TagRules::default(),
            search: None,
        }
    }

    /// A human-readable title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// A website for the server.
    #[must_use]
    pub fn website_url(mut self, url: impl Into<String>) -> Self {
        self.info.website_url = Some(url.into());
        self
    }

    /// Icons for clients to show.
    #[must_use]
    pub fn icons(mut self, icons: Vec<Icon>) -> Self {
        self.info.icons = Some(icons);
        self
    }

    /// Guidance for the model on how to use this server.
    #[must_use]
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Registers a tool (a `#[tool]` function or a [`crate::tool::Tool`]).
    #[must_use]
    pub fn tool(mut self, tool: impl IntoTool) -> Self {
        self.registrations.push(Registration::Tool(tool.into_tool()));
        self
    }

    /// Registers a resource or resource template.
    #[must_use]
    pub fn resource(mut self, resource: impl IntoResource) -> Self {
        self.registrations
            .push(Registration::Resource(resource.into_resource()));
        self
    }

    /// Registers a prompt.
    #[must_use]
    pub fn prompt(mut self, prompt: impl IntoPrompt) -> Self {
        self.registrations
            .push(Registration::Prompt(prompt.into_prompt()));
        self
    }

    /// Registers the tool `transform` makes from a tool registered before it
    /// (see [`ToolTransform`](crate::tool::ToolTransform)): renamed, its
    /// arguments renamed, described, defaulted or hidden, its call wrapped.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::tool::{ArgTransform, ToolTransform};
    ///
    /// /// Convert an amount between currencies.
    /// #[tool]
    /// fn convert(amount: f64, from: String, to: String) -> String { format!("{amount} {from} in {to}") }
    ///
    /// let to_euros = ToolTransform::new("convert")
    ///     .name("to_euros")
    ///     .description("Convert dollars to euros.")
    ///     .arg("from", ArgTransform::fixed(serde_json::json!("USD")))
    ///     .arg("to", ArgTransform::fixed(serde_json::json!("EUR")));
    /// let server = Server::new("fx", "1.0.0").tool(convert).transform_tool(to_euros).into_handle().unwrap();
    /// assert_eq!(server.tool_names(), ["convert", "to_euros"]);
    /// ```
    #[must_use]
    pub fn transform_tool(mut self, transform: crate::tool::ToolTransform) -> Self {
        self.registrations.push(Registration::Transform(transform));
        self
    }

    /// Serves another server's tools, resources, templates and prompts as
    /// this one's, under `prefix`: its tool `forecast` is `weather_forecast`
    /// here (the separator is `_`, see [`Server::mount_separator`]), its
    /// prompts likewise, and its resource `config://units` is
    /// `weather+config://units` (the prefix joins the URI scheme).
    ///
    /// Calls run the mounted server's own handlers with the caller's
    /// request: progress, logging, elicitation, sampling and cancellation
    /// reach the caller in either era, while [`Context::state`](crate::context::Context::state),
    /// [`Context::server`](crate::context::Context::server) and the mounted server's middleware are its own.
    /// Its tags, scopes and annotations come along, so this server's tag
    /// rules, middleware and authorization apply to the mounted components
    /// too. Mounting a [`ServerHandle`] is live: what is added to, removed
    /// from, enabled or disabled on it later shows here, and clients are sent
    /// `list_changed` (and `resources/updated` for its resources).
    ///
    /// A mounted name that clashes with one of this server's, or with
    /// another mount's, makes [`Server::into_handle`] fail, as does a prefix
    /// used twice. Components added to the mounted server later that clash
    /// are skipped with a warning.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Tomorrow's weather.
    /// #[tool]
    /// fn forecast(city: String) -> String { format!("Sunny in {city}") }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let weather = Server::new("weather", "1.0.0").tool(forecast);
    /// let main = Server::new("main", "1.0.0").mount("weather", weather);
    /// let client = mcp_serve::testing::TestClient::modern(main).await?;
    /// let r = client.call_tool("weather_forecast", serde_json::json!({"city": "Oslo"})).await?;
    /// assert_eq!(r.content[0].as_text(), Some("Sunny in Oslo"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn mount(mut self, prefix: impl Into<String>, server: impl IntoMount) -> Self {
        self.registrations
            .push(Registration::Mount(prefix.into(), server.into_mount()));
        self
    }

    /// What joins a mount's prefix and a tool or prompt name (`_` unless
    /// set): with `"."`, a mounted `forecast` is `weather.forecast`.
    /// Resource URIs always join with `+`, which keeps them valid URIs.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Tomorrow's weather.
    /// #[tool]
    /// fn forecast() -> &'static str { "Sunny" }
    ///
    /// let weather = Server::new("weather", "1.0.0").tool(forecast);
    /// let main = Server::new("main", "1.0.0").mount_separator(".").mount("weather", weather);
    /// assert_eq!(main.into_handle().unwrap().tool_names(), ["weather.forecast"]);
    /// ```
    #[must_use]
    pub fn mount_separator(mut self, separator: impl Into<String>) -> Self {
        self.options.mount_separator = Arc::from(separator.into());
        self
    }

    /// Shows only the tools, resources, templates and prompts that have at
    /// least one of these tags (more calls add more). Excluded tags
    /// ([`Server::exclude_tags`]) still hide; see
    /// [`ServerHandle::enable_tag`] for how names and tags combine.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Say hello.
    /// #[tool(tags = ["public"])]
    /// fn hello() -> &'static str { "hello" }
    ///
    /// /// Restart the service.
    /// #[tool(tags = ["ops"])]
    /// fn restart() -> &'static str { "restarted" }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("demo", "1.0.0").tool(hello).tool(restart).include_tags(["public"]);
    /// let client = mcp_serve::testing::TestClient::modern(server).await?;
    /// let names: Vec<String> = client.list_tools().await?.tools.into_iter().map(|t| t.name).collect();
    /// assert_eq!(names, ["hello"]);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn include_tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tag_rules
            .only
            .get_or_insert_with(Default::default)
            .extend(tags.into_iter().map(Into::into));
        self
    }

    /// Hides the tools, resources, templates and prompts that have any of
    /// these tags, until [`ServerHandle::enable_tag`] shows them.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Restart the service.
    /// #[tool(tags = ["ops"])]
    /// fn restart() -> &'static str { "restarted" }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("demo", "1.0.0").tool(restart).exclude_tags(["ops"]);
    /// let client = mcp_serve::testing::TestClient::modern(server).await?;
    /// assert!(client.list_tools().await?.tools.is_empty());
    /// client.server().enable_tag("ops");
    /// assert_eq!(client.list_tools().await?.tools.len(), 1);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn exclude_tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tag_rules.hidden.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Replaces the full tool list with a `search_tools` tool and a
    /// `call_tool` tool, for servers with more tools than a model should
    /// read at once (see [`ToolSearch`](crate::tool::ToolSearch)).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::tool::ToolSearch;
    ///
    /// /// Say hello.
    /// #[tool]
    /// fn hello() -> &'static str { "hello" }
    ///
    /// let server = Server::new("demo", "1.0.0")
    ///     .tool(hello)
    ///     .tool_search(ToolSearch::bm25().always_visible(["hello"]))
    ///     .into_handle()
    ///     .unwrap();
    /// assert_eq!(server.tool_names(), ["hello", "search_tools", "call_tool"]);
    /// ```
    #[must_use]
    pub fn tool_search(mut self, search: crate::tool::ToolSearch) -> Self {
        self.search = Some(search);
        self
    }

    /// Shares a value with every handler, which receives it as [`crate::context::State<T>`].
    #[must_use]
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// The JSON Schema dialect of generated schemas (2020-12 by default).
    #[must_use]
    pub fn schema_dialect(mut self, dialect: SchemaDialect) -> Self {
        self.schema.dialect = dialect;
        self
    }

    /// Keep `$ref`/`$defs` in generated schemas instead of inlining them.
    #[must_use]
    pub fn keep_schema_refs(mut self) -> Self {
        self.schema.inline_refs = false;
        self
    }

    /// Paginate list results with this many items per page (default: one page).
    #[must_use]
    pub fn page_size(mut self, n: usize) -> Self {
        self.options.page_size = Some(n.max(1));
        self
    }

    /// Cache hints for modern clients on list results: time to live and scope
    /// (default 60 s, private).
    #[must_use]
    pub fn cache_hints(mut self, ttl_ms: u64, scope: CacheScope) -> Self {
        self.options.list_ttl_ms = ttl_ms;
        self.options.cache_scope = scope;
        self
    }

    /// The key that signs `requestState` for modern clients' multi round-trip
    /// requests. Give every replica the same secret (at least 32 random bytes)
    /// so any of them can resume a request. Without it the keys come from
    /// [`MCP_SERVE_REQUEST_STATE_KEY`](crate::engine::REQUEST_STATE_KEY_ENV),
    /// else each process makes its own. To rotate keys, see
    /// [`request_state_keys`](Self::request_state_keys).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// let _ = Server::new("demo", "1.0.0").request_state_key(*b"32 random bytes from your vault!");
    /// ```
    #[must_use]
    pub fn request_state_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.state_keys = Some(vec![key.into()]);
        self
    }

    /// Several `requestState` keys: the first signs, any of them verifies.
    /// To rotate, put the new key first and keep the old one until the states
    /// it signed have expired (15 minutes). No key, an empty key or more than
    /// 16 stop the server at its start. Overrides
    /// [`MCP_SERVE_REQUEST_STATE_KEY`](crate::engine::REQUEST_STATE_KEY_ENV).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// let (new, old) = (*b"the key that signs from now on!!", *b"the key that signed until today");
    /// let _ = Server::new("demo", "1.0.0").request_state_keys([new.to_vec(), old.to_vec()]);
    /// ```
    #[must_use]
    pub fn request_state_keys<K: Into<Vec<u8>>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.state_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// How tasks of modern clients are kept: the store (default: in memory,
    /// bounded), their time to live, the poll interval. See [`crate::tasks`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::tasks::TaskConfig;
    /// let _ = Server::new("demo", "1.0.0").tasks(TaskConfig::new().ttl(Duration::from_secs(600)));
    /// ```
    #[must_use]
    pub fn tasks(mut self, config: crate::tasks::TaskConfig) -> Self {
        self.options.tasks = config;
        self
    }

    /// Serves only the session revisions (2025-11-25 back to 2024-11-05), as
    /// a server written before 2026-07-28 would: clients must `initialize`,
    /// `server/discover` is an unknown method, and a modern client falls back
    /// to a session. For deployments that need sessions on every connection
    /// (e.g. server→client requests at any time), and to benchmark that mode.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// let _ = Server::new("demo", "1.0.0").legacy_only();
    /// ```
    #[must_use]
    pub fn legacy_only(mut self) -> Self {
        self.options.legacy_only = true;
        self
    }

    /// Whether handlers' unexpected errors reach clients as a generic
    /// message, on every transport. By default they are masked for requests
    /// that came over HTTP, and sent in full over stdio and in memory.
    ///
    /// Unexpected: a panic, a [`ToolError`](crate::error::ToolError) made by
    /// `?` from another error type (an I/O error, a database error...), and a
    /// JSON-RPC internal error (`-32603`) from a handler. Their text often
    /// carries internals (paths, queries, addresses) that a server must not
    /// hand to strangers: masked, the client gets "Internal error: the
    /// details are in the server's log (request N)." (a tool's failure: an
    /// `isError` result saying so). The full error is logged with `tracing`
    /// (target `mcp_serve::handler`) and the request id, masked or not. What
    /// a handler writes for the model on purpose is always sent as is:
    /// [`ToolError::new`](crate::error::ToolError::new) and
    /// [`McpError`](crate::error::McpError)s with other codes (invalid
    /// params, not found...).
    ///
    /// Why the default depends on the transport: an HTTP server answers
    /// clients its operator does not know, so it gives away nothing by
    /// default. A stdio server is a child process of the one client it has,
    /// run by the user who also reads its stderr: hiding its errors from that
    /// client hides nothing, and the model does better with "No such file or
    /// directory" than with "Internal error". `mask_errors(true)` masks on
    /// every transport (e.g. a stdio server run for untrusted users through a
    /// gateway), `mask_errors(false)` on none (e.g. an HTTP server while
    /// developing).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Read a note.
    /// #[tool]
    /// fn read_note(path: String) -> Result<String, ToolError> {
    ///     Ok(std::fs::read_to_string(path)?)
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let args = serde_json::json!({ "path": "/no/such/note" });
    /// let masked = Server::new("notes", "1.0.0").tool(read_note).mask_errors(true);
    /// let client = mcp_serve::testing::TestClient::modern(masked).await?;
    /// let r = client.call_tool("read_note", args.clone()).await?;
    /// assert!(r.content[0].as_text().unwrap().contains("server's log"));
    ///
    /// // In memory, as over stdio, errors are not masked by default.
    /// let open = Server::new("notes", "1.0.0").tool(read_note);
    /// let client = mcp_serve::testing::TestClient::modern(open).await?;
    /// let r = client.call_tool("read_note", args).await?;
    /// assert!(r.content[0].as_text().unwrap().contains("No such file"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn mask_errors(mut self, mask: bool) -> Self {
        self.options.mask_errors = Some(mask);
        self
    }

    /// Requires a credential on every HTTP request, verified as `auth` says
    /// (see [`crate::auth`]); stdio stays credential-free. Without it,
    /// [`Server::run`] takes the settings from the environment
    /// ([`Auth::from_env`](crate::auth::Auth::from_env)).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::auth::{ApiKeys, Auth, Principal};
    /// let keys = ApiKeys::new().key("k-123", Principal::new("ci"));
    /// let _ = Server::new("demo", "1.0.0").auth(Auth::from_requests().verifier(keys).api_key_header("x-api-key"));
    /// ```
    #[cfg(feature = "auth")]
    #[must_use]
    pub fn auth(mut self, auth: crate::auth::Auth) -> Self {
        self.options.auth = Some(Arc::new(auth));
        self
    }

    /// Declares an [`Extension`](crate::extension::Extension): it is
    /// advertised in `capabilities.extensions`, and its methods and
    /// notifications are served. A malformed identifier, or two extensions
    /// with one identifier or one method, are refused by
    /// [`Server::into_handle`].
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::extension::Extension;
    /// let _ = Server::new("demo", "1.0.0").extension(Extension::new("com.example/search"));
    /// ```
    #[must_use]
    pub fn extension(mut self, extension: crate::extension::Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Adds a [`Middleware`](crate::middleware::Middleware) around every
    /// request (see [`crate::middleware`]). Middleware added first runs
    /// first (outermost).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
    ///
    /// struct Audit;
    /// impl Middleware for Audit {
    ///     async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
    ///         tracing::info!(tool = req.name(), "call");
    ///         next.run(req).await
    ///     }
    /// }
    /// let _ = Server::new("demo", "1.0.0").middleware(Audit);
    /// ```
    #[must_use]
    pub fn middleware<M: crate::middleware::Middleware>(self, middleware: M) -> Self {
        self.layer(crate::middleware::MiddlewareLayer::new(middleware))
    }

    /// Adds a [`Middleware`](crate::middleware::Middleware) for the
    /// requests `select` picks (one tool, some methods, any test); others
    /// pass by it. Its place in the order is where it is added.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next, Select};
    ///
    /// struct Slow;
    /// impl Middleware for Slow {
    ///     async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
    ///         tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    ///         next.run(req).await
    ///     }
    /// }
    /// let _ = Server::new("demo", "1.0.0").middleware_for(Select::tool("expensive"), Slow);
    /// ```
    #[must_use]
    pub fn middleware_for<M: crate::middleware::Middleware>(
        self,
        select: crate::middleware::Select,
        middleware: M,
    ) -> Self {
        self.middleware(crate::middleware::Only::new(select, middleware))
    }

    /// Adds a tower [`Layer`](tower_layer::Layer) around the MCP request
    /// service (see [`crate::middleware`]): tower's own layers (timeouts,
    /// concurrency limits, load shedding) work as they are. Layers added
    /// first run first (outermost).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::prelude::*;
    /// let _ = Server::new("demo", "1.0.0")
    ///     .layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(30)))
    ///     .layer(tower::limit::ConcurrencyLimitLayer::new(100));
    /// ```
    #[must_use]
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower_layer::Layer<crate::middleware::Next> + Send + Sync + 'static,
        L::Service: tower_service::Service<crate::middleware::McpRequest, Response = serde_json::Value>
            + Clone
            + Send
            + 'static,
        <L::Service as tower_service::Service<crate::middleware::McpRequest>>::Error:
            Into<crate::middleware::BoxError>,
        <L::Service as tower_service::Service<crate::middleware::McpRequest>>::Future: Send + 'static,
    {
        self.layers.push(crate::middleware::Layer {
            wrap: crate::middleware::erase(layer),
            bypass: None,
        });
        self
    }

    /// Like [`Server::middleware`], for middleware that can say cheaply
    /// which requests it would pass on untouched: those skip the chain
    /// when every layer agrees (see `Chain::passes`).
    #[cfg(feature = "client")]
    pub(crate) fn middleware_passing<M: crate::middleware::Middleware>(
        mut self,
        middleware: M,
        passes: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.layers.push(crate::middleware::Layer {
            wrap: crate::middleware::erase(crate::middleware::MiddlewareLayer::new(middleware)),
            bypass: Some(Arc::new(passes)),
        });
        self
    }

    /// How long an ordinary `tools/call`, `resources/read`, `prompts/get` or
    /// `completion/complete` may run before it is stopped (its handler
    /// dropped) and answered with an error: a tool's is an `isError` result
    /// the model can read. `None`: no limit. Default: 5 minutes for requests
    /// over HTTP (where a stuck handler holds a connection and a request
    /// slot of strangers' traffic), none over stdio (a local user's long
    /// build is theirs to wait for). Tasks are bounded by their time to live
    /// instead.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::prelude::*;
    /// let _ = Server::new("demo", "1.0.0").call_timeout(Some(Duration::from_secs(30)));
    /// ```
    #[must_use]
    pub fn call_timeout(mut self, limit: Option<std::time::Duration>) -> Self {
        self.options.call_timeout = Some(limit);
        self
    }

    /// Checks every registration and builds the shared engine state.
    pub(crate) fn build(self) -> Result<Arc<Shared>, RegistrationError> {
        let mut catalog = Catalog {
            tag_rules: self.tag_rules,
            ..Catalog::default()
        };
        for r in self.registrations {
            // Two registrations under one key is a mistake in the builder (the
            // second would silently win): refused, naming the key.
            let duplicate = |kind, name: &str, key, taken: bool| {
                if taken {
                    Err(RegistrationError::Duplicate {
                        kind,
                        name: name.to_owned(),
                        key,
                    })
                } else {
                    Ok(())
                }
            };
            match r {
                Registration::Tool(t) => {
                    duplicate("tool", t.name(), "name", catalog.tools.contains_key(t.name()))?;
                    t.check_state(&self.state)?;
                    catalog.insert_tool(t, &self.schema)?;
                }
                Registration::Resource(r) => {
                    let taken =
                        catalog.resources.contains_key(&r.uri) || catalog.templates.contains_key(&r.uri);
                    duplicate("resource", &r.uri, "URI", taken)?;
                    r.check_state(&self.state)?;
                    catalog.insert_resource(r, &self.schema)?;
                }
                Registration::Prompt(p) => {
                    duplicate("prompt", p.name(), "name", catalog.prompts.contains_key(p.name()))?;
                    p.check_state(&self.state)?;
                    catalog.insert_prompt(p, &self.schema)?;
                }
                Registration::Transform(t) => {
                    // Replacing the source under its own name is the point
                    // of a transform without `.name(..)`; another tool's
                    // name is two registrations of one name.
                    let name = t.name.as_deref().unwrap_or(t.source());
                    let taken = name != t.source() && catalog.tools.contains_key(name);
                    duplicate("tool", name, "name", taken)?;
                    catalog.insert_transformed(&t, &self.schema)?;
                }
                Registration::Mount(prefix, child) => {
                    crate::engine::mount::check_prefix(&prefix)?;
                    if catalog.mounts.contains_key(&prefix) {
                        return Err(RegistrationError::Mount {
                            prefix,
                            reason: "two servers are mounted under it; give one another prefix".into(),
                        });
                    }
                    let child = child?.shared;
                    catalog
                        .mounts
                        .insert(prefix.clone(), crate::engine::mount::Mounted::new(child));
                    catalog.sync_mount(
                        &prefix,
                        &self.options.mount_separator,
                        &crate::engine::mount::ALL,
                        true,
                    )?;
                }
            }
        }
        if let Some(search) = self.search {
            catalog.install_search(search, &self.schema)?;
        }
        let mut options = self.options;
        options.extensions = Arc::new(crate::engine::extensions::Registry::build(self.extensions)?);
        if !self.layers.is_empty() {
            options.middleware = Some(Arc::new(crate::middleware::Chain::build(&self.layers)));
        }
        let shared = Arc::new(Shared::new(
            self.info,
            self.instructions,
            self.schema,
            options,
            self.state,
            catalog,
            crate::engine::RequestStateKeys::resolve(self.state_keys)?,
        ));
        ServerHandle {
            shared: Arc::clone(&shared),
        }
        .follow_mounts();
        Ok(shared)
    }

    /// Builds the server, returning a handle to serve it and change it.
    ///
    /// # Errors
    /// A registration that cannot be served (no handler, bad schema, bad URI
    /// template, bad name), with what to fix.
    pub fn into_handle(self) -> Result<ServerHandle, RegistrationError> {
        Ok(ServerHandle {
            shared: self.build()?,
        })
    }

    /// Serves over stdio, or over Streamable HTTP when the command line says
    /// `--http ADDR`, the environment sets `MCP_SERVE_HTTP=ADDR`, or a
    /// platform sets `PORT` (Cloud Run, Fly.io, Heroku, ...: then
    /// `0.0.0.0:$PORT`, unless stdin is a pipe, which means an MCP client
    /// started this process to talk stdio). Beyond loopback, set the host
    /// names clients use in `MCP_SERVE_ALLOWED_HOSTS` (`*` for any).
    /// Over HTTP, SIGTERM and Ctrl-C shut down gracefully and return `Ok`.
    ///
    /// HTTPS (feature `tls`): `--tls-cert PATH --tls-key PATH` (or
    /// `MCP_SERVE_TLS_CERT` and `MCP_SERVE_TLS_KEY`) name the PEM
    /// certificate chain and private key; they are reloaded on SIGHUP and
    /// when the files change.
    ///
    /// # Errors
    /// A registration error, a transport failure, or a command line that
    /// asks for something unavailable (e.g. `--tls-cert` without
    /// `--tls-key`).
    pub async fn run(self) -> Result<(), ServeError> {
        let handle = self.into_handle()?;
        let tls = tls_files_from_args()?;
        let http = http_address_from_env();
        if tls.is_some() && http.is_none() {
            return Err(ServeError::Usage(
                "--tls-cert / --tls-key serve HTTPS: add --http ADDR (e.g. --http 0.0.0.0:8443)".into(),
            ));
        }
        match http {
            #[cfg(feature = "http")]
            Some(addr) => {
                let addr: std::net::SocketAddr = addr.parse().map_err(|_| {
                    ServeError::Usage(format!(
                        "--http / MCP_SERVE_HTTP / PORT needs an address like 127.0.0.1:8000 (or a port number), got {addr:?}"
                    ))
                })?;
                handle.serve_http_with(addr, tls).await
            }
            #[cfg(not(feature = "http"))]
            Some(_) => Err(ServeError::Usage(
                "--http / MCP_SERVE_HTTP asks for HTTP, but this server was built without mcp-serve's \
                 `http` feature: enable it in Cargo.toml (`mcp-serve = { features = [\"http\"] }`) or \
                 run it over stdio"
                    .into(),
            )),
            None => handle.serve_stdio().await,
        }
    }

    /// [`Server::run`] from a plain `fn main`, on a runtime suited to the
    /// transport: a single-threaded one for stdio (one client, so no thread
    /// hand-offs; it starts faster and answers sooner), a multi-threaded one
    /// for HTTP (many clients, every core).
    ///
    /// ```no_run
    /// use mcp_serve::prelude::*;
    ///
    /// /// Echo the text back.
    /// #[tool]
    /// fn echo(text: String) -> String {
    ///     text
    /// }
    ///
    /// fn main() -> Result<(), mcp_serve::server::ServeError> {
    ///     Server::new("echo", "1.0.0").tool(echo).run_blocking()
    /// }
    /// ```
    ///
    /// # Errors
    /// A registration error, a transport failure, or a runtime that cannot
    /// start. Must not be called from inside an async runtime.
    pub fn run_blocking(self) -> Result<(), ServeError> {
        let builder = match http_address_from_env() {
            Some(_) => tokio::runtime::Builder::new_multi_thread(),
            None => tokio::runtime::Builder::new_current_thread(),
        };
        runtime(builder)?.block_on(self.run())
    }

    /// Serves over stdin/stdout until stdin closes.
    ///
    /// # Errors
    /// A registration error, or an I/O failure.
    pub async fn serve_stdio(self) -> Result<(), ServeError> {
        self.into_handle()?.serve_stdio().await
    }

    /// Serves over Streamable HTTP at `http://ADDR/mcp` (and the 2024-11-05
    /// HTTP+SSE transport at `/sse`) with the default, loopback-only policy,
    /// until Ctrl-C.
    ///
    /// # Errors
    /// A registration error, or an address that cannot be bound.
    #[cfg(feature = "http")]
    pub async fn serve_http(self, addr: std::net::SocketAddr) -> Result<(), ServeError> {
        self.into_handle()?.serve_http(addr).await
    }
}

/// A runtime with I/O and timers from `builder`.
fn runtime(mut builder: tokio::runtime::Builder) -> Result<tokio::runtime::Runtime, ServeError> {
    builder
        .enable_all()
        .build()
        .map_err(|e| ServeError::Transport(TransportError::Io(e)))
}

/// `--NAME VALUE` or `--NAME=VALUE` on the command line: `None` when absent,
/// `Some("")` when the value is missing.
fn flag(name: &str) -> Option<String> {
    let long = format!("--{name}");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == long {
            return Some(args.next().unwrap_or_default());
        }
        if let Some(v) = a.strip_prefix(&long).and_then(|v| v.strip_prefix('=')) {
            return Some(v.to_owned());
        }
    }
    None
}

/// The certificate chain and key of `--tls-cert PATH --tls-key PATH`.
#[cfg(feature = "tls")]
type TlsArgs = Option<crate::transport::http::TlsFiles>;
#[cfg(not(feature = "tls"))]
type TlsArgs = Option<std::convert::Infallible>;

/// `--tls-cert PATH --tls-key PATH`: both or neither.
fn tls_files_from_args() -> Result<TlsArgs, ServeError> {
    let (cert, key) = (flag("tls-cert"), flag("tls-key"));
    let missing = |flag: &str| {
        ServeError::Usage(format!(
            "--{flag} needs a path: HTTPS needs both --tls-cert PATH (the PEM certificate chain) and \
             --tls-key PATH (its PEM private key)"
        ))
    };
    match (cert, key) {
        (None, None) => Ok(None),
        (Some(_), None) | (None, Some(_)) => Err(ServeError::Usage(
            "--tls-cert and --tls-key go together: HTTPS needs both the PEM certificate chain \
             (--tls-cert PATH) and its PEM private key (--tls-key PATH)"
                .into(),
        )),
        (Some(c), _) if c.is_empty() => Err(missing("tls-cert")),
        (_, Some(k)) if k.is_empty() => Err(missing("tls-key")),
        #[cfg(feature = "tls")]
        (Some(cert), Some(key)) => Ok(Some(crate::transport::http::TlsFiles::new(cert, key))),
        #[cfg(not(feature = "tls"))]
        (Some(_), Some(_)) => Err(ServeError::Usage(
            "--tls-cert / --tls-key ask for HTTPS, but this server was built without mcp-serve's `tls` \
             feature: enable it in Cargo.toml (`mcp-serve = { features = [\"tls\"] }`) or terminate TLS in a \
             proxy"
                .into(),
        )),
    }
}

/// `--http ADDR` / `--http=ADDR` on the command line, or `MCP_SERVE_HTTP`,
/// or `0.0.0.0:$PORT` when a platform sets `PORT`.
fn http_address_from_env() -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--http" {
            return args.next().or_else(|| Some(String::new()));
        }
        if let Some(v) = a.strip_prefix("--http=") {
            return Some(v.to_owned());
        }
    }
    if let Some(addr) = std::env::var("MCP_SERVE_HTTP").ok().filter(|v| !v.is_empty()) {
        return Some(addr);
    }
    let port = std::env::var("PORT").ok().filter(|v| !v.is_empty())?;
    // A client that launched this process for stdio talks over a pipe on
    // stdin; a `PORT` in its environment (common in developers' shells) must
    // not turn the server into an HTTP one it cannot reach.
    if stdin_is_pipe() {
        tracing::info!("PORT is set, but stdin is a pipe: serving stdio (use --http to force HTTP)");
        return None;
    }
    Some(format!("0.0.0.0:{port}"))
}

/// Whether stdin is a pipe or a socket (an MCP client on the other end).
fn stdin_is_pipe() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata("/dev/stdin").is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Serving a built server over the built-in transports.
impl ServerHandle {
    /// Serves over Streamable HTTP at `http://ADDR/mcp` until Ctrl-C or
    /// SIGTERM, with the default [`HttpOptions`](crate::transport::http::HttpOptions)
    /// and the `Host` names in `MCP_SERVE_ALLOWED_HOSTS` (required beyond
    /// loopback). With `MCP_SERVE_TLS_CERT` and `MCP_SERVE_TLS_KEY` (feature
    /// `tls`), it serves HTTPS at `https://ADDR/mcp`.
    ///
    /// # Errors
    /// An address that cannot be bound, or one beyond loopback with no
    /// `Host` names to accept.
    #[cfg(feature = "http")]
    pub async fn serve_http(&self, addr: std::net::SocketAddr) -> Result<(), ServeError> {
        self.serve_http_with(addr, None).await
    }

    /// [`ServerHandle::serve_http`], over TLS when `tls` names the files.
    #[cfg(feature = "http")]
    async fn serve_http_with(&self, addr: std::net::SocketAddr, tls: TlsArgs) -> Result<(), ServeError> {
        #[cfg_attr(
            not(any(feature = "auth", feature = "tls", feature = "redis")),
            allow(unused_mut)
        )]
        let mut options = crate::transport::http::HttpOptions::default();
        #[cfg(feature = "tls")]
        if let Some(files) = tls {
            options = options.tls_files(files);
        }
        #[cfg(not(feature = "tls"))]
        let _ = tls;
        #[cfg(feature = "redis")]
        if let Some(redis) =
            crate::cluster::Redis::from_env().map_err(|e| ServeError::Usage(e.to_string()))?
        {
            tracing::info!(
                ?redis,
                "sessions, resumable streams and changes shared through Redis ({})",
                crate::cluster::REDIS_URL_ENV
            );
            options = options
                .session_store(Arc::new(redis.session_store()))
                .event_store(Arc::new(redis.event_store()));
            self.join_bus(Arc::new(redis.bus()));
            // Unless code chose a task store: tasks of both eras in Redis too.
            if !self.shared.tasks.use_shared_store(Arc::new(redis.task_store())) {
                tracing::info!("tasks stay in the task store the server was built with");
            }
        }
        #[cfg(feature = "auth")]
        if self.auth().is_none() {
            if let Some(auth) = crate::auth::Auth::from_env().map_err(ServeError::Usage)? {
                tracing::info!(resource = ?auth.resource(), "authorization on, from the environment");
                options = options.auth(auth);
            }
        }
        crate::transport::http::serve(self, addr, options)
            .await
            .map_err(ServeError::from)
    }

    /// A `tower::Service` for the MCP endpoint, to mount in an existing app
    /// (e.g. `axum::Router::new().nest_service("/mcp", handle.http_service(Default::default()))`).
    #[cfg(feature = "http")]
    pub fn http_service(
        &self,
        options: crate::transport::http::HttpOptions,
    ) -> crate::transport::http::McpService {
        crate::transport::http::McpService::new(self, options)
    }

    /// Serves over stdin/stdout until stdin closes.
    ///
    /// # Errors
    /// An I/O failure on stdin or stdout.
    pub async fn serve_stdio(&self) -> Result<(), ServeError> {
        crate::transport::stdio::serve_process(self, Default::default())
            .await
            .map_err(ServeError::from)
    }
}
