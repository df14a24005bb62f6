//! The inspector's connection to the server: starting it (after `cargo build`
//! for cargo targets), noticing when it dies, restarting it, and sending the
//! page's requests with the extras a dev tool wants (progress tokens, log
//! levels, cancellation).
//!
//! Each connection has a generation number; anything that outlives its
//! connection (a notification relay, a late exit) checks it before touching
//! the current state.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::client::{Client, ClientError, ClientOptions, Era, RequestOptions};
use mcp_serve_core::jsonrpc::{ErrorObject, Notification};
use mcp_serve_core::meta;
use mcp_serve_core::types::{ElicitationCapability, LoggingLevel, RootsCapability, SamplingCapability};
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::calls::Calls;
use super::capture::StderrCapture;
use super::cargo::Build;
use super::connect;
use super::events::{Event, Hub, now_ms};
use super::inputs::{Inputs, Root};
use super::subscriptions::Subscriptions;
use crate::target::Target;

/// How long a request may take unless `--timeout` says otherwise: a person
/// may be filling in a form while a legacy request waits for it, and the
/// page's Cancel button ends a call sooner.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(600);

/// The log levels, least severe first (RFC 5424 names, as MCP uses them).
pub(crate) const LOG_LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// Where the connection is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Phase {
    /// `starting`, `connected`, `failed`, `exited` or `stopped`.
    name: &'static str,
    /// What happened, for `failed` and `exited`.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// The last lines of the server's stderr (or of the build), for `failed` and `exited`.
    stderr: Vec<String>,
    /// When it changed (ms since the epoch).
    since: u64,
}

impl Phase {
    fn new(name: &'static str, message: Option<String>, stderr: Vec<String>) -> Phase {
        Phase {
            name,
            message,
            stderr,
            since: now_ms(),
        }
    }
}

/// The last `cargo build`, shown while it runs and when it fails.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct BuildState {
    /// `running`, `ok` or `failed`.
    state: &'static str,
    /// The command.
    command: String,
    /// Its last lines of output (when it failed).
    output: Vec<String>,
    /// When it changed.
    since: u64,
}

struct Conn {
    generation: u64,
    client: Option<Client>,
    capture: Option<StderrCapture>,
    /// Relays notifications and watches for the process's end.
    follower: Option<tokio::task::JoinHandle<()>>,
    phase: Phase,
    server: Option<Value>,
    build: Option<BuildState>,
}

/// Why a request from the page failed.
#[derive(Debug)]
pub(crate) enum RequestError {
    /// No server is connected.
    NotConnected,
    /// The server answered with an error.
    Rpc(ErrorObject),
    /// No answer in time.
    Timeout,
    /// The call was cancelled from the page (or by a restart).
    Cancelled,
    /// The connection failed.
    Transport(String),
}

/// How the bridge is set up.
pub(crate) struct Setup {
    pub(crate) target: Target,
    pub(crate) options: ClientOptions,
    pub(crate) handshake_timeout: Duration,
    pub(crate) build: Option<Build>,
    pub(crate) watch: bool,
}

/// The connection and everything hanging off it.
pub(crate) struct Bridge {
    setup: Setup,
    hub: Hub,
    inputs: Arc<Inputs>,
    calls: Arc<Calls>,
    conn: Mutex<Conn>,
    restarting: tokio::sync::Mutex<()>,
    log_level: Mutex<String>,
    subscriptions: Subscriptions,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The client capabilities the inspector declares: it can answer everything.
fn declare_capabilities(options: &mut ClientOptions) {
    let caps = &mut options.capabilities;
    let mut elicitation = ElicitationCapability::default();
    elicitation.form = Some(Map::new());
    elicitation.url = Some(Map::new());
    caps.elicitation = Some(elicitation);
    caps.sampling = Some(SamplingCapability::default());
    let mut roots = RootsCapability::default();
    roots.list_changed = Some(true);
    caps.roots = Some(roots);
}

impl Bridge {
    pub(crate) fn new(mut setup: Setup, hub: Hub, roots: Vec<Root>) -> Arc<Bridge> {
        declare_capabilities(&mut setup.options);
        Arc::new_cyclic(|bridge: &std::sync::Weak<Bridge>| Bridge {
            inputs: Arc::new(Inputs::new(hub.clone(), roots)),
            calls: Arc::default(),
            conn: Mutex::new(Conn {
                generation: 0,
                client: None,
                capture: None,
                follower: None,
                phase: Phase::new("starting", None, Vec::new()),
                server: None,
                build: None,
            }),
            restarting: tokio::sync::Mutex::new(()),
            log_level: Mutex::new("info".to_owned()),
            // The server ended a subscription: the page shows it.
            subscriptions: Subscriptions::new({
                let bridge = bridge.clone();
                move || {
                    if let Some(b) = bridge.upgrade() {
                        b.emit_state();
                    }
                }
            }),
            setup,
            hub,
        })
    }

    pub(crate) fn hub(&self) -> &Hub {
        &self.hub
    }

    pub(crate) fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// Everything the page shows about the connection.
    pub(crate) fn snapshot(&self) -> Value {
        let c = lock(&self.conn);
        json!({
            "generation": c.generation,
            "phase": c.phase,
            "server": c.server,
            "build": c.build,
            "target": self.setup.target.describe(),
            "watch": self.setup.watch,
            "logLevel": *lock(&self.log_level),
            "logLevels": LOG_LEVELS,
            "roots": self.inputs.roots(),
            "inputs": self.inputs.pending(),
            "calls": self.calls.ids(),
            "subscriptions": self.subscriptions.uris(),
        })
    }

    fn emit_state(&self) {
        self.hub.emit(&Event::State(self.snapshot()));
    }

    fn client(&self) -> Option<Client> {
        lock(&self.conn).client.clone()
    }

    /// Builds (cargo targets) and (re)starts the server. A failed build
    /// leaves a running server alone. Returns false when a restart was
    /// already under way and `wait` is false.
    pub(crate) async fn restart(self: &Arc<Self>, wait: bool) -> bool {
        let _one_at_a_time = if wait {
            self.restarting.lock().await
        } else {
            match self.restarting.try_lock() {
                Ok(g) => g,
                Err(_) => return false,
            }
        };
        if let Some(build) = &self.setup.build {
            if !self.build(build).await {
                return true;
            }
        }
        self.reconnect().await;
        true
    }

    async fn build(&self, build: &Build) -> bool {
        let command = build.describe();
        eprintln!("mcp-serve dev: building ({command})");
        lock(&self.conn).build = Some(BuildState {
            state: "running",
            command: command.clone(),
            output: Vec::new(),
            since: now_ms(),
        });
        self.emit_state();
        let (ok, output) = build.run(&self.hub).await;
        let running = {
            let mut c = lock(&self.conn);
            c.build = Some(BuildState {
                state: if ok { "ok" } else { "failed" },
                command: command.clone(),
                output: if ok { Vec::new() } else { output.clone() },
                since: now_ms(),
            });
            if !ok && c.client.is_none() {
                let tail = output[output.len().saturating_sub(40)..].to_vec();
                c.phase = Phase::new("failed", Some(format!("`{command}` failed")), tail);
            }
            c.client.is_some()
        };
        match (ok, running) {
            (true, _) => eprintln!("mcp-serve dev: build finished"),
            (false, true) => {
                eprintln!("mcp-serve dev: `{command}` failed; the previous server keeps running")
            }
            (false, false) => eprintln!("mcp-serve dev: `{command}` failed"),
        }
        self.emit_state();
        ok
    }

    /// Drops the old connection (its process is stopped) and connects anew.
    async fn reconnect(self: &Arc<Self>) {
        let generation = {
            let mut c = lock(&self.conn);
            c.generation += 1;
            c.phase = Phase::new("starting", None, Vec::new());
            c.server = None;
            c.generation
        };
        self.teardown();
        self.emit_state();
        let options = self.client_options(generation);
        let connected = connect::connect(
            &self.setup.target,
            options,
            self.setup.handshake_timeout,
            &self.hub,
        )
        .await;
        let mut c = lock(&self.conn);
        if c.generation != generation {
            return;
        }
        match connected {
            Ok((client, capture)) => {
                let summary = connect::summarize(&client);
                eprintln!(
                    "mcp-serve dev: connected to {} {} ({} {})",
                    summary["name"].as_str().unwrap_or("the server"),
                    summary["version"].as_str().unwrap_or(""),
                    summary["era"].as_str().unwrap_or(""),
                    summary["protocolVersion"].as_str().unwrap_or(""),
                );
                let ended = capture.as_ref().map(StderrCapture::ended);
                let follow = Arc::clone(self).follow(generation, client.notifications(), ended);
                c.follower = Some(tokio::spawn(follow));
                let logging = summary["capabilities"].get("logging").is_some();
                let capabilities = summary["capabilities"].clone();
                c.client = Some(client.clone());
                c.capture = capture;
                c.server = Some(summary);
                c.phase = Phase::new("connected", None, Vec::new());
                drop(c);
                let level = lock(&self.log_level).clone();
                tokio::spawn(apply_log_level(client.clone(), level, logging));
                let this = Arc::clone(self);
                tokio::spawn(async move {
                    this.subscriptions
                        .follow_lists(&client, &capabilities, generation)
                        .await;
                });
            }
            Err((message, stderr)) => {
                eprintln!("mcp-serve dev: {message}");
                c.phase = Phase::new("failed", Some(message), stderr);
                drop(c);
            }
        }
        self.emit_state();
    }

    /// Ends the current connection's calls, questions and process.
    fn teardown(&self) {
        let generation = lock(&self.conn).generation;
        self.subscriptions.clear(generation);
        self.calls.cancel_all();
        self.inputs.fail_all();
        let (client, capture, follower) = {
            let mut c = lock(&self.conn);
            (c.client.take(), c.capture.take(), c.follower.take())
        };
        if let Some(f) = follower {
            f.abort();
        }
        // Dropping the last handle stops a stdio server.
        drop(client);
        drop(capture);
    }

    /// Stops the server for good (the inspector is exiting).
    pub(crate) fn shutdown(&self) {
        lock(&self.conn).generation += 1;
        self.teardown();
    }

    /// The client options for one connection: questions go to the page,
    /// every frame into the history.
    fn client_options(&self, generation: u64) -> ClientOptions {
        let inputs = Arc::clone(&self.inputs);
        let hub = self.hub.clone();
        self.setup
            .options
            .clone()
            .on_input(move |method, params| {
                let inputs = Arc::clone(&inputs);
                async move { inputs.handle(method, params).await }
            })
            .on_traffic(move |dir, bytes| {
                hub.frame(dir, generation, bytes);
            })
    }

    /// Relays the server's notifications to the pages until the server
    /// process ends (or the notification stream does).
    async fn follow(
        self: Arc<Self>,
        generation: u64,
        notifications: Option<mpsc::UnboundedReceiver<Notification>>,
        ended: Option<impl std::future::Future<Output = ()>>,
    ) {
        let relay = async {
            if let Some(mut rx) = notifications {
                while let Some(n) = rx.recv().await {
                    self.relay(n);
                }
            } else {
                std::future::pending::<()>().await;
            }
        };
        let ended = async {
            match ended {
                Some(e) => e.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = relay => {}
            () = ended => {}
        }
        self.exited(generation);
    }

    fn relay(&self, n: Notification) {
        let params = n.params.unwrap_or(Value::Null);
        match n.method.as_str() {
            // The page's calls carry their call id as the progress token.
            "notifications/progress" => self.hub.emit(&Event::Progress {
                call_id: params[meta::PROGRESS_TOKEN].clone(),
                progress: params["progress"].clone(),
                total: params.get("total").cloned().unwrap_or(Value::Null),
                message: params.get("message").cloned().unwrap_or(Value::Null),
            }),
            "notifications/message" => self.hub.log(&params),
            _ => self.hub.emit(&Event::Notification {
                method: n.method,
                params,
            }),
        }
    }

    /// The server is gone: say so (with its last words) and offer a restart.
    fn exited(&self, generation: u64) {
        let client = {
            let mut c = lock(&self.conn);
            if c.generation != generation {
                return;
            }
            let stderr = c.capture.as_ref().map(StderrCapture::lines).unwrap_or_default();
            c.phase = Phase::new(
                "exited",
                Some(format!("the server exited ({})", self.setup.target.describe())),
                stderr,
            );
            c.follower = None;
            c.client.take()
        };
        self.calls.cancel_all();
        self.inputs.fail_all();
        drop(client);
        eprintln!("mcp-serve dev: the server exited; restart it from the inspector");
        self.emit_state();
    }

    /// Sends a request from the page. With a `call_id` it can be cancelled
    /// and carries the id as its progress token.
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Value,
        call_id: Option<&str>,
    ) -> Result<Value, RequestError> {
        let client = self.client().ok_or(RequestError::NotConnected)?;
        let mut params = match params {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let mut options = RequestOptions::default();
        let _running = call_id.map(|id| {
            let meta = params.entry("_meta").or_insert_with(|| json!({}));
            if let Value::Object(meta) = meta {
                meta.insert(meta::PROGRESS_TOKEN.into(), json!(id));
            }
            let (token, running) = self.calls.start(id);
            options = RequestOptions::default().cancel(token);
            running
        });
        match client
            .request_with(method, Some(Value::Object(params)), options)
            .await
        {
            Ok(v) => Ok(v),
            Err(ClientError::Rpc(e)) => Err(RequestError::Rpc(e)),
            Err(ClientError::Timeout(_)) => Err(RequestError::Timeout),
            Err(ClientError::Cancelled) => Err(RequestError::Cancelled),
            Err(e) => Err(RequestError::Transport(e.to_string())),
        }
    }

    /// Cancels a call the page started; false when it is not running.
    pub(crate) fn cancel(&self, call_id: &str) -> bool {
        self.calls.cancel(call_id)
    }

    /// Sets the log level: on every later request in the modern era, for the
    /// session (`logging/setLevel`) in the legacy era.
    pub(crate) async fn set_log_level(&self, level: &str) -> Result<(), String> {
        if !LOG_LEVELS.contains(&level) {
            return Err(format!(
                "unknown log level `{level}`: use one of {}",
                LOG_LEVELS.join(", ")
            ));
        }
        *lock(&self.log_level) = level.to_owned();
        let connected = {
            let c = lock(&self.conn);
            let logging = c
                .server
                .as_ref()
                .is_some_and(|s| s["capabilities"].get("logging").is_some());
            c.client.clone().map(|client| (client, logging))
        };
        if let Some((client, logging)) = connected {
            apply_log_level(client, level.to_owned(), logging).await;
        }
        self.emit_state();
        Ok(())
    }

    /// Subscribes to a resource's updates (they appear as notifications).
    pub(crate) async fn subscribe(&self, uri: &str) -> Result<(), String> {
        let (client, generation) = {
            let c = lock(&self.conn);
            (c.client.clone().ok_or("no server is connected")?, c.generation)
        };
        let done = self.subscriptions.subscribe(&client, uri, generation).await;
        self.emit_state();
        done
    }

    /// Ends a subscription; false when there was none.
    pub(crate) fn unsubscribe(&self, uri: &str) -> bool {
        let was = self.subscriptions.unsubscribe(uri);
        self.emit_state();
        was
    }

    /// Replaces the roots; a legacy session hears `notifications/roots/list_changed`.
    pub(crate) async fn set_roots(&self, roots: Vec<Root>) {
        self.inputs.set_roots(roots);
        if let Some(client) = self.client().filter(|c| c.era() != Era::Modern) {
            let _ = client.notify("notifications/roots/list_changed", None).await;
        }
        self.emit_state();
    }
}

/// Asks for log messages at `level` and above. Modern servers only log for
/// requests that carry a level (2026-07-28 server/utilities/logging.mdx), so
/// the client adds it to every request; a legacy server is sent
/// `logging/setLevel`, when it has the `logging` capability.
async fn apply_log_level(client: Client, level: String, logging: bool) {
    let Ok(level) = serde_json::from_value::<LoggingLevel>(json!(level)) else {
        return;
    };
    if client.era() != Era::Modern && !logging {
        return;
    }
    if let Err(e) = client.set_logging_level(level).await {
        tracing::warn!("logging/setLevel failed: {e}");
    }
}
