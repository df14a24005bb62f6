//! The gateway: several MCP servers (child processes, HTTP servers of
//! either era, in-process handles) behind one front server, each in its
//! own namespace.
//!
//! Each target is mirrored by a [`Proxy`] of its own into the shared front
//! server: tool `add` of target `calc` is served as `calc_add`, prompt
//! `greet` as `calc_greet`, resource `file:///a` as `calc+file:///a`
//! (templates likewise). A supervisor task per target connects it (within
//! the connect timeout), watches it (the connection ending, a forwarded
//! request failing for want of it, a periodic `ping`), and when it is lost
//! takes its entries out of the front (clients get `list_changed`) and
//! reconnects with exponential backoff, putting them back when it answers
//! again. Meanwhile:
//!
//! - a `tools/call` in a down target's namespace gets a tool error (an
//!   `isError` result the model can read) naming the target and why it is
//!   down; `prompts/get` and `resources/read` get a JSON-RPC error saying
//!   the same;
//! - every list result carries the down targets in its `_meta`, under
//!   [`GATEWAY_META`]: `{"io.mcp-serve/gateway": {"down": {"calc": "why"}}}`
//!   (absent when every target is up), so a client or an operator sees why
//!   tools are missing without a side channel. The key is in mcp-serve's
//!   own `_meta` namespace, as the spec asks of implementation extensions.
//!
//! A target that cannot be reached never takes the gateway down: the front
//! serves whatever is up.
//!
//! A modern (2026-07-28) caller's `tools/call` to a modern Streamable HTTP
//! target is handed on as it came, only the tool's name changed: the target
//! sees the caller's own `_meta` (client info, capabilities, progress token,
//! log level), streams its progress and log messages straight back, and
//! asks for input in its own result, which the caller answers through the
//! gateway. The answer carries the gateway's `serverInfo`. The front's
//! middleware sees such a call and its result as it sees any; tools with
//! scopes and task-augmented calls take the ordinary path, where the gateway
//! calls the target as a client of its own.
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::proxy::{Gateway, Transport};
//! use mcp_serve::testing::TestClient;
//!
//! /// Add two numbers.
//! #[tool]
//! fn add(a: f64, b: f64) -> f64 { a + b }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! let calc = Server::new("calc", "1.0.0").tool(add).into_handle()?;
//! let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
//!     .target("calc", Transport::in_memory(calc))
//!     // .target("files", Transport::stdio(StdioCommand::new("npx").args(["-y", "@modelcontextprotocol/server-filesystem", "."])))
//!     // .target("remote", Transport::http("https://example.com/mcp"))
//!     .start()
//!     .await?;
//! let client = TestClient::connect(gateway.server(), Default::default()).await?;
//! let r = client.call_tool("calc_add", serde_json::json!({"a": 2, "b": 3})).await?;
//! assert_eq!(r.content[0].as_text(), Some("5"));
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use futures::future::BoxFuture;
use mcp_serve_core::error::code;
use serde_json::{Map, Value, json};
use tokio::sync::Notify;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::{Attachment, Proxy};
use crate::client::{Client, ClientError, ClientOptions, StdioCommand};
use crate::engine::ListKind;
use crate::error::McpError;
use crate::middleware::{McpRequest, McpResult, Middleware, Next};
use crate::server::{Server, ServerHandle};

/// The `_meta` key of list results that reports the gateway's down targets:
/// `{"io.mcp-serve/gateway": {"down": {"<target>": "<why>"}}}`.
///
/// ```
/// assert_eq!(mcp_serve::proxy::GATEWAY_META, "io.mcp-serve/gateway");
/// ```
pub const GATEWAY_META: &str = "io.mcp-serve/gateway";

/// Makes a [`Client`] from the options the gateway needs it to have; see
/// [`Transport::custom`], which builds one from a closure.
///
/// ```
/// use std::sync::Arc;
/// use mcp_serve::client::{Client, ClientOptions};
/// use mcp_serve::proxy::{Connector, Transport};
/// let connect: Connector = Arc::new(|options: ClientOptions| {
///     Box::pin(async move { Client::connect_http("http://127.0.0.1:8080/mcp", options).await })
/// });
/// let t = Transport::Custom(connect);
/// # let _ = t;
/// ```
pub type Connector =
    Arc<dyn Fn(ClientOptions) -> BoxFuture<'static, Result<Client, ClientError>> + Send + Sync>;

/// How the gateway reaches one target.
///
/// ```
/// use mcp_serve::client::StdioCommand;
/// use mcp_serve::proxy::Transport;
/// let local = Transport::stdio(StdioCommand::new("python3").arg("server.py"));
/// let remote = Transport::http("https://example.com/mcp").header("Authorization", "Bearer TOKEN");
/// let old = Transport::sse("http://127.0.0.1:3001/sse");
/// # let _ = (local, remote, old);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Transport {
    /// A child process speaking MCP on stdin/stdout (restarted to reconnect).
    Stdio(StdioCommand),
    /// A Streamable HTTP endpoint (either era; the client negotiates).
    Http {
        /// The endpoint, e.g. `https://example.com/mcp`.
        url: String,
        /// Extra headers on every request (authorization, …).
        headers: Vec<(String, String)>,
    },
    /// A 2024-11-05 HTTP+SSE endpoint (`…/sse`).
    Sse {
        /// The SSE endpoint.
        url: String,
        /// Extra headers on every request.
        headers: Vec<(String, String)>,
    },
    /// A server in this process.
    InMemory(ServerHandle),
    /// Any other way of making a [`Client`].
    Custom(Connector),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Stdio(c) => f.debug_tuple("Stdio").field(c).finish(),
            // Header values often hold credentials.
            Transport::Http { url, .. } => f.debug_struct("Http").field("url", url).finish_non_exhaustive(),
            Transport::Sse { url, .. } => f.debug_struct("Sse").field("url", url).finish_non_exhaustive(),
            Transport::InMemory(h) => f.debug_tuple("InMemory").field(&h.info().name).finish(),
            Transport::Custom(_) => f.write_str("Custom"),
        }
    }
}

impl Transport {
    /// A child process.
    ///
    /// ```
    /// use mcp_serve::client::StdioCommand;
    /// let t = mcp_serve::proxy::Transport::stdio(StdioCommand::new("./calc-server"));
    /// # let _ = t;
    /// ```
    pub fn stdio(command: StdioCommand) -> Self {
        Transport::Stdio(command)
    }

    /// A Streamable HTTP endpoint.
    ///
    /// ```
    /// let t = mcp_serve::proxy::Transport::http("http://127.0.0.1:8080/mcp");
    /// # let _ = t;
    /// ```
    pub fn http(url: impl Into<String>) -> Self {
        Transport::Http {
            url: url.into(),
            headers: Vec::new(),
        }
    }

    /// A 2024-11-05 HTTP+SSE endpoint.
    ///
    /// ```
    /// let t = mcp_serve::proxy::Transport::sse("http://127.0.0.1:8080/sse");
    /// # let _ = t;
    /// ```
    pub fn sse(url: impl Into<String>) -> Self {
        Transport::Sse {
            url: url.into(),
            headers: Vec::new(),
        }
    }

    /// A server in this process.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// let handle = Server::new("calc", "1.0.0").into_handle().unwrap();
    /// let t = mcp_serve::proxy::Transport::in_memory(handle);
    /// # let _ = t;
    /// ```
    pub fn in_memory(server: ServerHandle) -> Self {
        Transport::InMemory(server)
    }

    /// A connection made by `connect`, called with the options the gateway
    /// needs (input relaying, the call timeout) each time it (re)connects.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::Client;
    /// let backend = Server::new("calc", "1.0.0").into_handle().unwrap();
    /// let t = mcp_serve::proxy::Transport::custom(move |options| {
    ///     let backend = backend.clone();
    ///     async move { Client::connect_in_memory(&backend, options).await }
    /// });
    /// # let _ = t;
    /// ```
    pub fn custom<F, Fut>(connect: F) -> Self
    where
        F: Fn(ClientOptions) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Client, ClientError>> + Send + 'static,
    {
        Transport::Custom(Arc::new(move |options| Box::pin(connect(options))))
    }

    /// Adds an HTTP header (for [`Transport::Http`] and [`Transport::Sse`];
    /// other transports have no headers and are returned as they are).
    ///
    /// ```
    /// let t = mcp_serve::proxy::Transport::http("https://example.com/mcp").header("X-Api-Key", "k");
    /// # let _ = t;
    /// ```
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Transport::Http { headers, .. } | Transport::Sse { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    async fn connect(&self, mut options: ClientOptions) -> Result<Client, ClientError> {
        match self {
            Transport::Stdio(command) => Client::connect_stdio(command.clone(), options).await,
            Transport::Http { url, headers } | Transport::Sse { url, headers } => {
                for (k, v) in headers {
                    options = options.header(k.clone(), v.clone());
                }
                if matches!(self, Transport::Sse { .. }) {
                    Client::connect_sse(url, options).await
                } else {
                    Client::connect_http(url, options).await
                }
            }
            Transport::InMemory(server) => Client::connect_in_memory(server, options).await,
            Transport::Custom(connect) => connect(options).await,
        }
    }
}

/// A whole MCP client configuration: the `mcpServers` object that Claude
/// Desktop, Cursor and Claude Code write, or VS Code's `servers`.
///
/// Each entry is a child process (`command`, `args`, `env`, `cwd`) or an
/// HTTP server (`url`, `headers`, and `type` `http`/`streamable-http`, or
/// `sse` for the 2024-11-05 transport); `type: "stdio"` may mark the first
/// kind. Entries with `"disabled": true` are skipped. Other keys (client
/// settings such as `alwaysAllow`) are ignored.
///
/// ```
/// use mcp_serve::proxy::GatewayConfig;
/// let config = GatewayConfig::from_json(r#"{"mcpServers": {
///     "calc": {"command": "python3", "args": ["calc.py"], "env": {"DEBUG": "1"}},
///     "remote": {"type": "http", "url": "https://example.com/mcp", "headers": {"Authorization": "Bearer x"}}
/// }}"#)?;
/// assert_eq!(config.names().collect::<Vec<_>>(), ["calc", "remote"]);
/// # Ok::<(), mcp_serve::proxy::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct GatewayConfig {
    targets: Vec<(String, Transport)>,
}

/// What is wrong with a configuration, and what to change.
///
/// ```
/// let e = mcp_serve::proxy::GatewayConfig::from_json(r#"{"mcpServers": {"x": {}}}"#).unwrap_err();
/// assert!(e.to_string().contains("`x`"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not JSON, or not an object of servers.
    #[error("{0}")]
    Shape(String),
    /// One entry is wrong.
    #[error("the server `{name}`: {message}")]
    Entry {
        /// The entry's name.
        name: String,
        /// What to fix.
        message: String,
    },
}

const SHAPE: &str = r#"expected {"mcpServers": {"name": {"command": "…", "args": […]} or {"url": "http…"}}} (or VS Code's "servers" key)"#;

impl GatewayConfig {
    /// Parses a configuration's JSON text.
    ///
    /// ```
    /// let c = mcp_serve::proxy::GatewayConfig::from_json(r#"{"servers": {"web": {"type": "sse", "url": "http://127.0.0.1:1/sse"}}}"#)?;
    /// assert_eq!(c.names().count(), 1);
    /// # Ok::<(), mcp_serve::proxy::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// A message saying what to fix: not JSON, no servers, an entry with
    /// neither `command` nor `url` (or both), an unknown `type`, a field of
    /// the wrong type, a name that cannot be a namespace.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let root: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::Shape(format!("the config is not valid JSON ({e}); {SHAPE}")))?;
        let Value::Object(root) = root else {
            return Err(ConfigError::Shape(format!(
                "the config is not a JSON object; {SHAPE}"
            )));
        };
        let mut entries = Map::new();
        for key in ["mcpServers", "servers"] {
            match root.get(key) {
                None => {}
                Some(Value::Object(m)) => entries.extend(m.clone()),
                Some(_) => {
                    return Err(ConfigError::Shape(format!("`{key}` is not an object; {SHAPE}")));
                }
            }
        }
        if !root.contains_key("mcpServers") && !root.contains_key("servers") {
            return Err(ConfigError::Shape(format!(
                "the config has no `mcpServers` key; {SHAPE}"
            )));
        }
        let mut targets = Vec::new();
        for (name, entry) in entries {
            let bad = |message: String| ConfigError::Entry {
                name: name.clone(),
                message,
            };
            check_name(&name).map_err(bad)?;
            let Value::Object(entry) = entry else {
                return Err(bad("the entry is not an object".into()));
            };
            if entry.get("disabled").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            targets.push((name.clone(), entry_transport(&entry).map_err(bad)?));
        }
        // By name, whatever order the JSON map keeps.
        targets.sort_by(|a, b| a.0.cmp(&b.0));
        if targets.is_empty() {
            return Err(ConfigError::Shape(format!(
                "the config lists no (enabled) servers; {SHAPE}"
            )));
        }
        Ok(GatewayConfig { targets })
    }

    /// Reads and parses a configuration file; relative `cwd`s are taken
    /// relative to the file's directory.
    ///
    /// ```no_run
    /// let config = mcp_serve::proxy::GatewayConfig::from_file("mcp.json")?;
    /// # Ok::<(), mcp_serve::proxy::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// The file cannot be read, or see [`GatewayConfig::from_json`] (the
    /// message names the file).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Self::from_json(&text).map_err(|e| match e {
            ConfigError::Shape(m) => ConfigError::Shape(format!("{}: {m}", path.display())),
            ConfigError::Entry { name, message } => ConfigError::Entry {
                name,
                message: format!("{message} (in {})", path.display()),
            },
            other => other,
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new(""));
        for (_, t) in &mut config.targets {
            if let Transport::Stdio(cmd) = t {
                cmd.rebase_cwd(base);
            }
        }
        Ok(config)
    }

    /// The targets' names, sorted.
    ///
    /// ```
    /// let c = mcp_serve::proxy::GatewayConfig::from_json(r#"{"mcpServers": {"a": {"command": "a"}}}"#)?;
    /// assert_eq!(c.names().next(), Some("a"));
    /// # Ok::<(), mcp_serve::proxy::ConfigError>(())
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.targets.iter().map(|(n, _)| n.as_str())
    }

    /// The targets, sorted by name.
    ///
    /// ```
    /// let c = mcp_serve::proxy::GatewayConfig::from_json(r#"{"mcpServers": {"a": {"url": "http://h/mcp"}}}"#)?;
    /// assert!(matches!(c.targets()[0].1, mcp_serve::proxy::Transport::Http { .. }));
    /// # Ok::<(), mcp_serve::proxy::ConfigError>(())
    /// ```
    pub fn targets(&self) -> &[(String, Transport)] {
        &self.targets
    }
}

/// A namespace must make valid tool names (`name_tool`) and resource URI
/// schemes (`name+scheme:`).
fn check_name(name: &str) -> Result<(), String> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err("the name becomes the prefix of its tools (`name_tool`): use up to 64 letters, digits, `_`, `-` or `.`, starting with a letter".into())
    }
}

fn strings(entry: &Map<String, Value>, key: &str) -> Result<Vec<String>, String> {
    match entry.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "`{key}` must be a list of strings; {other} is not a string"
                )),
            })
            .collect(),
        Some(_) => Err(format!(
            "`{key}` must be a list of strings, like [\"--port\", \"0\"]"
        )),
    }
}

fn pairs(entry: &Map<String, Value>, key: &str) -> Result<Vec<(String, String)>, String> {
    match entry.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(format!("`{key}.{k}` must be a string, not {other}")),
            })
            .collect(),
        Some(_) => Err(format!(
            "`{key}` must be an object of strings, like {{\"NAME\": \"value\"}}"
        )),
    }
}

fn string(entry: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match entry.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` must be a string, not {other}")),
    }
}

fn entry_transport(entry: &Map<String, Value>) -> Result<Transport, String> {
    let command = string(entry, "command")?;
    let url = match string(entry, "url")? {
        Some(u) => Some(u),
        None => string(entry, "serverUrl")?,
    };
    let kind = string(entry, "type")?;
    match (command, url) {
        (Some(_), Some(_)) => Err("it has both `command` and `url`: keep `command` for a program to start, or `url` for a running HTTP server".into()),
        (None, None) => Err("it has neither `command` (a program to start) nor `url` (an HTTP server)".into()),
        (Some(program), None) => {
            if let Some(k) = kind.as_deref().filter(|k| *k != "stdio") {
                return Err(format!("`type` is `{k}` but the entry has a `command`: use `\"type\": \"stdio\"` or a `url`"));
            }
            if program.trim().is_empty() {
                return Err("`command` is empty".into());
            }
            let mut cmd = StdioCommand::new(program).args(strings(entry, "args")?);
            for (k, v) in pairs(entry, "env")? {
                cmd = cmd.env(k, v);
            }
            if let Some(dir) = string(entry, "cwd")? {
                cmd = cmd.current_dir(dir);
            }
            Ok(Transport::Stdio(cmd))
        }
        (None, Some(url)) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("`url` `{url}` must start with http:// or https://"));
            }
            let headers = pairs(entry, "headers")?;
            match kind.as_deref() {
                None | Some("http" | "streamable-http" | "streamableHttp") => Ok(Transport::Http { url, headers }),
                Some("sse") => Ok(Transport::Sse { url, headers }),
                Some(k) => Err(format!(
                    "unknown `type` `{k}` for a `url`: use `http` (or `streamable-http`) for Streamable HTTP, or `sse` for the 2024-11-05 transport"
                )),
            }
        }
    }
}

/// Why a gateway could not start.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::proxy::{Gateway, GatewayError, Transport};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let s = Server::new("s", "1").into_handle().unwrap();
/// let e = Gateway::new(Server::new("gw", "1"))
///     .target("a", Transport::in_memory(s.clone()))
///     .target("a", Transport::in_memory(s))
///     .start()
///     .await
///     .unwrap_err();
/// assert!(matches!(e, GatewayError::Duplicate(_)));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// A target's name cannot be a namespace.
    #[error("the target name `{name}` is not usable: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// What to change.
        reason: String,
    },
    /// Two targets have one name.
    #[error("two targets are named `{0}`; give each its own name")]
    Duplicate(String),
    /// The front server could not be built.
    #[error(transparent)]
    Registration(#[from] crate::engine::RegistrationError),
}

/// The state of one target; see [`GatewayHandle::status`].
///
/// ```
/// use mcp_serve::proxy::TargetStatus;
/// assert!(TargetStatus::Up.is_up());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetStatus {
    /// Connected; its entries are in the front's lists.
    Up,
    /// Not connected (not yet, or lost); the gateway keeps retrying.
    Down {
        /// Why, as the last attempt or check failed.
        reason: String,
    },
}

impl TargetStatus {
    /// Whether the target is connected.
    ///
    /// ```
    /// use mcp_serve::proxy::TargetStatus;
    /// assert!(!TargetStatus::Down { reason: "refused".into() }.is_up());
    /// ```
    pub fn is_up(&self) -> bool {
        matches!(self, TargetStatus::Up)
    }
}

/// Builds a gateway; see the [`gateway` module docs](crate::proxy::gateway).
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::prelude::*;
/// use mcp_serve::proxy::{Gateway, GatewayConfig};
///
/// let config = GatewayConfig::from_json(r#"{"mcpServers": {"calc": {"command": "calc-server"}}}"#)?;
/// let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
///     .config(config)
///     .connect_timeout(Duration::from_secs(5))
///     .call_timeout(Duration::from_secs(120))
///     .backoff(Duration::from_millis(250), Duration::from_secs(30));
/// # let _ = gateway;
/// # Ok::<(), mcp_serve::proxy::ConfigError>(())
/// ```
pub struct Gateway {
    server: Server,
    targets: Vec<(String, Transport)>,
    settings: Settings,
    client: ClientOptions,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("targets", &self.targets)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    connect_timeout: Duration,
    call_timeout: Duration,
    backoff_initial: Duration,
    backoff_max: Duration,
    health_interval: Duration,
}

/// How often a target's connection is looked at (cheaply, no request):
/// a child process that exits is noticed within this.
const GONE_POLL: Duration = Duration::from_secs(1);

impl Gateway {
    /// A gateway whose front is `server` (its name, options, middleware and
    /// own tools are kept; the targets' entries are added to it).
    ///
    /// Defaults: connect timeout 10 s, call timeout 60 s, reconnect backoff
    /// from 500 ms doubling to 30 s, a `ping` every 15 s.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("gateway", "1.0.0"));
    /// # let _ = g;
    /// ```
    pub fn new(server: Server) -> Self {
        Gateway {
            server,
            targets: Vec::new(),
            settings: Settings {
                connect_timeout: Duration::from_secs(10),
                call_timeout: Duration::from_secs(60),
                backoff_initial: Duration::from_millis(500),
                backoff_max: Duration::from_secs(30),
                health_interval: Duration::from_secs(15),
            },
            client: ClientOptions::default(),
        }
    }

    /// Adds a target whose entries are served under `name` (`name_tool`).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::proxy::{Gateway, Transport};
    /// let g = Gateway::new(Server::new("gateway", "1.0.0"))
    ///     .target("weather", Transport::http("https://weather.example.com/mcp"));
    /// # let _ = g;
    /// ```
    #[must_use]
    pub fn target(mut self, name: impl Into<String>, transport: Transport) -> Self {
        self.targets.push((name.into(), transport));
        self
    }

    /// Adds every target of a client configuration, each named as there.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::proxy::{Gateway, GatewayConfig};
    /// let config = GatewayConfig::from_json(r#"{"mcpServers": {"calc": {"command": "calc"}}}"#)?;
    /// let g = Gateway::new(Server::new("gateway", "1.0.0")).config(config);
    /// # let _ = g;
    /// # Ok::<(), mcp_serve::proxy::ConfigError>(())
    /// ```
    #[must_use]
    pub fn config(mut self, config: GatewayConfig) -> Self {
        self.targets.extend(config.targets);
        self
    }

    /// How long connecting to a target (handshake and first lists) may take
    /// before the attempt counts as failed.
    ///
    /// ```
    /// # use mcp_serve::prelude::*;
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("g", "1")).connect_timeout(std::time::Duration::from_secs(3));
    /// # let _ = g;
    /// ```
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// How long one forwarded request may take (the targets' client timeout).
    ///
    /// ```
    /// # use mcp_serve::prelude::*;
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("g", "1")).call_timeout(std::time::Duration::from_secs(600));
    /// # let _ = g;
    /// ```
    #[must_use]
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.settings.call_timeout = timeout;
        self
    }

    /// The wait before reconnecting a lost target: `initial`, doubled after
    /// each failed attempt up to `max`, back to `initial` once connected.
    ///
    /// ```
    /// # use mcp_serve::prelude::*;
    /// use std::time::Duration;
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("g", "1"))
    ///     .backoff(Duration::from_millis(100), Duration::from_secs(10));
    /// # let _ = g;
    /// ```
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.settings.backoff_initial = initial.max(Duration::from_millis(1));
        self.settings.backoff_max = max.max(self.settings.backoff_initial);
        self
    }

    /// How often a connected target is pinged (a target that stops
    /// answering is taken down after one failed ping).
    ///
    /// ```
    /// # use mcp_serve::prelude::*;
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("g", "1")).health_interval(std::time::Duration::from_secs(5));
    /// # let _ = g;
    /// ```
    #[must_use]
    pub fn health_interval(mut self, interval: Duration) -> Self {
        self.settings.health_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// The base options of the targets' clients (era, identity, roots, TLS
    /// roots). The gateway sets the timeout and the input relaying.
    ///
    /// ```
    /// # use mcp_serve::prelude::*;
    /// use mcp_serve::client::{ClientOptions, Era};
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("g", "1"))
    ///     .client_options(ClientOptions::default().era(Era::Modern));
    /// # let _ = g;
    /// ```
    #[must_use]
    pub fn client_options(mut self, options: ClientOptions) -> Self {
        self.client = options;
        self
    }

    /// Builds the front server and starts a supervisor per target; returns
    /// once every target has been tried once (connected, or reported down
    /// and being retried in the background).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::proxy::{Gateway, Transport};
    /// use mcp_serve::client::StdioCommand;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
    ///     .target("missing", Transport::stdio(StdioCommand::new("/nonexistent/server")))
    ///     .start()
    ///     .await?;
    /// assert!(!gateway.status()["missing"].is_up()); // reported, not fatal
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A target name is unusable or repeated, or the front server cannot be
    /// built.
    pub async fn start(self) -> Result<GatewayHandle, GatewayError> {
        let mut names: Vec<String> = Vec::new();
        for (name, _) in &self.targets {
            check_name(name).map_err(|reason| GatewayError::InvalidName {
                name: name.clone(),
                reason,
            })?;
            if names.contains(name) {
                return Err(GatewayError::Duplicate(name.clone()));
            }
            names.push(name.clone());
        }
        // Longest first, so `a_b_tool` belongs to target `a_b` rather than `a`.
        let mut by_length = names.clone();
        by_length.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let shared = Arc::new(Shared {
            status: RwLock::new(
                names
                    .iter()
                    .map(|n| {
                        (
                            n.clone(),
                            TargetStatus::Down {
                                reason: "connecting".into(),
                            },
                        )
                    })
                    .collect(),
            ),
            by_length,
            any_down: AtomicBool::new(true),
        });
        // While every target is up, the middleware has nothing to do: calls
        // skip it, and with it the cost of a middleware chain.
        let all_up = Arc::clone(&shared);
        let front = self
            .server
            .middleware_passing(Report(Arc::clone(&shared)), move |_| {
                !all_up.any_down.load(Ordering::Acquire)
            })
            .into_handle()?;
        let cancel = CancellationToken::new();
        let mut first = Vec::new();
        for (name, transport) in self.targets {
            let (tx, rx) = tokio::sync::oneshot::channel();
            first.push(rx);
            let supervisor = Supervisor {
                name,
                transport,
                front: front.clone(),
                shared: Arc::clone(&shared),
                settings: self.settings,
                base: self.client.clone(),
                cancel: cancel.clone(),
            };
            tokio::spawn(supervisor.run(tx));
        }
        for rx in first {
            let _ = rx.await;
        }
        Ok(GatewayHandle {
            front,
            shared,
            _stop: Arc::new(cancel.drop_guard()),
        })
    }
}

/// A running gateway: its front server and its targets' states. Clones
/// share it; when the last is dropped the targets are disconnected.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::proxy::{Gateway, Transport};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
/// let calc = Server::new("calc", "1.0.0").into_handle()?;
/// let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
///     .target("calc", Transport::in_memory(calc))
///     .start()
///     .await?;
/// assert!(gateway.status()["calc"].is_up());
/// // gateway.serve_http("127.0.0.1:8080".parse()?).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct GatewayHandle {
    front: ServerHandle,
    shared: Arc<Shared>,
    _stop: Arc<DropGuard>,
}

impl std::fmt::Debug for GatewayHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayHandle")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl GatewayHandle {
    /// The front server: serve it, connect to it in memory, add tools.
    /// Keep this handle alive while it is served.
    ///
    /// ```
    /// # use mcp_serve::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("gateway", "1.0.0")).start().await?;
    /// assert_eq!(g.server().info().name, "gateway");
    /// # Ok(()) }
    /// ```
    pub fn server(&self) -> &ServerHandle {
        &self.front
    }

    /// Every target's state, by name.
    ///
    /// ```
    /// # use mcp_serve::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("gateway", "1.0.0")).start().await?;
    /// assert!(g.status().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn status(&self) -> BTreeMap<String, TargetStatus> {
        self.shared
            .status
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Serves the front over Streamable HTTP (and `/sse` for 2024-11-05
    /// clients) until the process ends; see [`ServerHandle::serve_http`].
    ///
    /// ```no_run
    /// # use mcp_serve::prelude::*;
    /// # #[tokio::main] async fn main() -> anyhow::Result<()> {
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("gateway", "1.0.0")).start().await?;
    /// g.serve_http("127.0.0.1:8080".parse()?).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The address cannot be bound.
    #[cfg(feature = "http")]
    pub async fn serve_http(&self, addr: std::net::SocketAddr) -> Result<(), crate::server::ServeError> {
        self.front.serve_http(addr).await
    }

    /// Serves the front on this process's stdin/stdout until stdin ends.
    ///
    /// ```no_run
    /// # use mcp_serve::prelude::*;
    /// # #[tokio::main] async fn main() -> anyhow::Result<()> {
    /// let g = mcp_serve::proxy::Gateway::new(Server::new("gateway", "1.0.0")).start().await?;
    /// g.serve_stdio().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Reading or writing the standard streams failed.
    pub async fn serve_stdio(&self) -> Result<(), crate::server::ServeError> {
        self.front.serve_stdio().await
    }
}

/// What the supervisors and the front's middleware share.
struct Shared {
    status: RwLock<BTreeMap<String, TargetStatus>>,
    by_length: Vec<String>,
    /// Whether any target is down (kept with `status`, read without its lock).
    any_down: AtomicBool,
}

impl Shared {
    /// Sets a target's status; whether it was down before.
    fn set(&self, name: &str, status: TargetStatus) -> bool {
        let mut all = self.status.write().unwrap_or_else(PoisonError::into_inner);
        let was = all.insert(name.to_owned(), status);
        let down = all.values().any(|s| matches!(s, TargetStatus::Down { .. }));
        self.any_down.store(down, Ordering::Release);
        matches!(was, Some(TargetStatus::Down { .. }))
    }

    /// The down target whose namespace `name` is in, and why it is down.
    fn down_for(&self, name: &str, sep: char) -> Option<(String, String)> {
        let target = self.target_of(name, sep)?;
        match self
            .status
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(target)
        {
            Some(TargetStatus::Down { reason }) => Some((target.clone(), reason.clone())),
            _ => None,
        }
    }

    /// The target whose namespace `name` is in (the longest that fits).
    fn target_of(&self, name: &str, sep: char) -> Option<&String> {
        self.by_length.iter().find(|t| {
            name.strip_prefix(t.as_str())
                .is_some_and(|rest| rest.starts_with(sep))
        })
    }

    fn down(&self) -> Map<String, Value> {
        self.status
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|(n, s)| match s {
                TargetStatus::Down { reason } => Some((n.clone(), Value::String(reason.clone()))),
                TargetStatus::Up => None,
            })
            .collect()
    }

    /// A list result as it stands while targets are down: the items of a
    /// down target's namespace left out (its entries may not all be gone
    /// yet: a target is marked down before they are removed, so that a
    /// call racing the removal is told why), and the down targets named in
    /// `_meta`. `items` is the list's key, `key` the item's name field and
    /// `sep` what follows a namespace in it.
    fn listed(&self, mut result: Value, items: &str, key: &str, sep: char) -> Value {
        let down = self.down();
        if down.is_empty() {
            return result;
        }
        if let Some(Value::Array(list)) = result.get_mut(items) {
            list.retain(|item| {
                item.get(key)
                    .and_then(Value::as_str)
                    .and_then(|name| self.target_of(name, sep))
                    .is_none_or(|target| !down.contains_key(target))
            });
        }
        if let Value::Object(r) = &mut result {
            let meta = r.entry("_meta").or_insert_with(|| json!({}));
            if let Value::Object(meta) = meta {
                meta.insert(GATEWAY_META.into(), json!({ "down": down }));
            }
        }
        result
    }
}

/// The front's middleware: answers for down targets, and reports them in lists.
struct Report(Arc<Shared>);

fn unavailable(target: &str, reason: &str) -> String {
    format!(
        "the server `{target}` behind this gateway is unavailable ({reason}); the gateway is reconnecting, and its tools return when it answers"
    )
}

impl Middleware for Report {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        if let Some((target, reason)) = req.name().and_then(|n| self.0.down_for(n, '_')) {
            return Ok(json!({
                "content": [{ "type": "text", "text": unavailable(&target, &reason) }],
                "isError": true,
            }));
        }
        next.run(req).await
    }

    async fn on_get_prompt(&self, req: McpRequest, next: Next) -> McpResult {
        if let Some((target, reason)) = req.name().and_then(|n| self.0.down_for(n, '_')) {
            return Err(McpError::new(code::INVALID_PARAMS, unavailable(&target, &reason)));
        }
        next.run(req).await
    }

    async fn on_read_resource(&self, req: McpRequest, next: Next) -> McpResult {
        if let Some((target, reason)) = req.name().and_then(|n| self.0.down_for(n, '+')) {
            return Err(McpError::new(
                code::RESOURCE_NOT_FOUND,
                unavailable(&target, &reason),
            ));
        }
        next.run(req).await
    }

    async fn on_list_tools(&self, req: McpRequest, next: Next) -> McpResult {
        next.run(req)
            .await
            .map(|v| self.0.listed(v, "tools", "name", '_'))
    }

    async fn on_list_resources(&self, req: McpRequest, next: Next) -> McpResult {
        next.run(req)
            .await
            .map(|v| self.0.listed(v, "resources", "uri", '+'))
    }

    async fn on_list_resource_templates(&self, req: McpRequest, next: Next) -> McpResult {
        next.run(req)
            .await
            .map(|v| self.0.listed(v, "resourceTemplates", "uriTemplate", '+'))
    }

    async fn on_list_prompts(&self, req: McpRequest, next: Next) -> McpResult {
        next.run(req)
            .await
            .map(|v| self.0.listed(v, "prompts", "name", '_'))
    }
}

/// Connects one target, watches it, and reconnects it.
struct Supervisor {
    name: String,
    transport: Transport,
    front: ServerHandle,
    shared: Arc<Shared>,
    settings: Settings,
    base: ClientOptions,
    cancel: CancellationToken,
}

impl Supervisor {
    async fn run(self, first: tokio::sync::oneshot::Sender<()>) {
        let mut first = Some(first);
        let mut delay = self.settings.backoff_initial;
        loop {
            let failure = Arc::new(Notify::new());
            let attempt = tokio::select! {
                () = self.cancel.cancelled() => return,
                r = tokio::time::timeout(self.settings.connect_timeout, self.connect(&failure)) => r,
            };
            let reason = match attempt {
                Ok(Ok(attachment)) => {
                    if self.shared.set(&self.name, TargetStatus::Up) {
                        // Its entries were added (and announced) while it was
                        // still down, so lists left them out: have clients
                        // list again now that they show.
                        for kind in [ListKind::Tools, ListKind::Resources, ListKind::Prompts] {
                            self.front.notify_list_changed(kind);
                        }
                    }
                    tracing::info!(target = %self.name, "gateway target connected");
                    if let Some(tx) = first.take() {
                        let _ = tx.send(());
                    }
                    delay = self.settings.backoff_initial;
                    let reason = self.watch(&attachment, &failure).await;
                    // Down before its entries go, so a call racing the
                    // removal gets the "unavailable" answer.
                    if let Some(r) = &reason {
                        self.shared
                            .set(&self.name, TargetStatus::Down { reason: r.clone() });
                    }
                    attachment.detach().await;
                    match reason {
                        Some(r) => r,
                        None => return, // the gateway stopped
                    }
                }
                Ok(Err(reason)) => reason,
                Err(_) => format!(
                    "no answer within the connect timeout of {}",
                    humantime::format_duration(self.settings.connect_timeout)
                ),
            };
            tracing::warn!(target = %self.name, reason = %reason, retry_in = ?delay, "gateway target down");
            self.shared.set(&self.name, TargetStatus::Down { reason });
            if let Some(tx) = first.take() {
                let _ = tx.send(());
            }
            tokio::select! {
                () = self.cancel.cancelled() => return,
                () = tokio::time::sleep(delay) => {}
            }
            delay = (delay * 2).min(self.settings.backoff_max);
        }
    }

    async fn connect(&self, failure: &Arc<Notify>) -> Result<Attachment, String> {
        let proxy = Proxy::new();
        let options = proxy.client_options(self.base.clone().timeout(self.settings.call_timeout));
        let client = self.transport.connect(options).await.map_err(|e| e.to_string())?;
        proxy
            .attach(client, &self.front, &self.name, Arc::clone(failure))
            .await
            .map_err(|e| e.to_string())
    }

    /// Waits until the target is lost (`Some(why)`) or the gateway stops.
    async fn watch(&self, attachment: &Attachment, failure: &Notify) -> Option<String> {
        let client = attachment.client();
        let mut next_ping = tokio::time::Instant::now() + self.settings.health_interval;
        loop {
            let ping_now = tokio::select! {
                () = self.cancel.cancelled() => return None,
                () = failure.notified() => true,
                () = tokio::time::sleep(GONE_POLL.min(self.settings.health_interval)) => {
                    tokio::time::Instant::now() >= next_ping
                }
            };
            if client.gone() {
                return Some("the connection ended".into());
            }
            if !ping_now {
                continue;
            }
            next_ping = tokio::time::Instant::now() + self.settings.health_interval;
            let limit = self.settings.connect_timeout.min(self.settings.call_timeout);
            match tokio::time::timeout(limit, client.ping()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) if e.rpc().is_some() => {} // it answered: alive
                Ok(Err(e)) => return Some(e.to_string()),
                Err(_) => {
                    return Some(format!(
                        "no answer to ping within {}",
                        humantime::format_duration(limit)
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_in_every_shape() {
        let c = GatewayConfig::from_json(
            r#"{"mcpServers": {
                "calc": {"command": "python3", "args": ["calc.py"], "env": {"K": "V"}, "cwd": "/tmp"},
                "a": {"type": "stdio", "command": "a"},
                "web": {"url": "http://h/mcp", "headers": {"Authorization": "Bearer t"}},
                "typed": {"type": "streamable-http", "url": "https://h/mcp"},
                "old": {"type": "sse", "url": "http://h/sse"},
                "off": {"command": "x", "disabled": true}
            }, "servers": {"vs": {"type": "http", "url": "http://v/mcp"}}}"#,
        )
        .unwrap();
        let names: Vec<&str> = c.names().collect();
        assert_eq!(names, ["a", "calc", "old", "typed", "vs", "web"]);
        let get = |n: &str| &c.targets().iter().find(|(m, _)| m == n).unwrap().1;
        assert!(matches!(get("calc"), Transport::Stdio(_)));
        assert!(matches!(get("old"), Transport::Sse { .. }));
        assert!(
            matches!(get("web"), Transport::Http { headers, .. } if headers == &[("Authorization".to_owned(), "Bearer t".to_owned())])
        );
        assert!(matches!(get("vs"), Transport::Http { .. }));
    }

    #[test]
    fn bad_configs_say_what_to_fix() {
        let cases = [
            ("not json", "not valid JSON"),
            ("[]", "not a JSON object"),
            (r#"{"other": {}}"#, "no `mcpServers` key"),
            (r#"{"mcpServers": []}"#, "`mcpServers` is not an object"),
            (r#"{"mcpServers": {}}"#, "lists no (enabled) servers"),
            (r#"{"mcpServers": {"x": {}}}"#, "neither `command`"),
            (
                r#"{"mcpServers": {"x": {"command": "a", "url": "http://h"}}}"#,
                "both `command` and `url`",
            ),
            (
                r#"{"mcpServers": {"x": {"command": "a", "args": "b c"}}}"#,
                "`args` must be a list",
            ),
            (
                r#"{"mcpServers": {"x": {"command": "a", "env": {"K": 1}}}}"#,
                "`env.K` must be a string",
            ),
            (
                r#"{"mcpServers": {"x": {"url": "h/mcp"}}}"#,
                "must start with http",
            ),
            (
                r#"{"mcpServers": {"x": {"type": "ws", "url": "http://h"}}}"#,
                "unknown `type` `ws`",
            ),
            (
                r#"{"mcpServers": {"x": {"type": "http", "command": "a"}}}"#,
                "`type` is `http`",
            ),
            (
                r#"{"mcpServers": {"my server": {"command": "a"}}}"#,
                "letters, digits",
            ),
            (r#"{"mcpServers": {"x": 3}}"#, "not an object"),
        ];
        for (text, wanted) in cases {
            let e = GatewayConfig::from_json(text).unwrap_err().to_string();
            assert!(e.contains(wanted), "{text}: {e}");
        }
    }

    #[test]
    fn namespaces_match_the_longest_target() {
        let shared = Shared {
            status: RwLock::new(
                [
                    ("a".to_owned(), TargetStatus::Down { reason: "x".into() }),
                    ("a_b".to_owned(), TargetStatus::Up),
                ]
                .into(),
            ),
            by_length: vec!["a_b".into(), "a".into()],
            any_down: AtomicBool::new(true),
        };
        assert_eq!(shared.down_for("a_b_tool", '_'), None);
        assert_eq!(shared.down_for("a_tool", '_'), Some(("a".into(), "x".into())));
        assert_eq!(
            shared.down_for("a+file:///x", '+'),
            Some(("a".into(), "x".into()))
        );
        assert_eq!(shared.down_for("ab_tool", '_'), None);
        let v = shared.listed(json!({"tools": []}), "tools", "name", '_');
        assert_eq!(v["_meta"][GATEWAY_META]["down"], json!({"a": "x"}));
    }

    #[test]
    fn a_down_targets_entries_are_left_out_of_lists_until_they_are_removed() {
        let shared = Shared {
            status: RwLock::new(
                [
                    ("py".to_owned(), TargetStatus::Up),
                    (
                        "pyhttp".to_owned(),
                        TargetStatus::Down {
                            reason: "gone".into(),
                        },
                    ),
                ]
                .into(),
            ),
            by_length: vec!["pyhttp".into(), "py".into()],
            any_down: AtomicBool::new(true),
        };
        let tools = json!({"tools": [{"name": "py_add"}, {"name": "pyhttp_add"}, {"name": "pyhttp_echo"}]});
        let v = shared.listed(tools, "tools", "name", '_');
        assert_eq!(v["tools"], json!([{"name": "py_add"}]));
        assert_eq!(v["_meta"][GATEWAY_META]["down"], json!({"pyhttp": "gone"}));
        let templates = json!({"resourceTemplates": [
            {"uriTemplate": "pyhttp+greeting://{name}"}, {"uriTemplate": "py+greeting://{name}"}]});
        let v = shared.listed(templates, "resourceTemplates", "uriTemplate", '+');
        assert_eq!(
            v["resourceTemplates"],
            json!([{"uriTemplate": "py+greeting://{name}"}])
        );
        // Everything up: the result as it came.
        shared.set("pyhttp", TargetStatus::Up);
        let all = json!({"prompts": [{"name": "pyhttp_review"}]});
        assert_eq!(shared.listed(all.clone(), "prompts", "name", '_'), all);
    }
}
