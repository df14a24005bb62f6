//! A client for MCP servers, speaking both eras: modern (2026-07-28, every
//! request carries `_meta`) and legacy (`initialize` handshake). With
//! [`Era::Auto`] it probes with `server/discover` and falls back to
//! `initialize`, as `2026-07-28/basic/transports/stdio.mdx` describes.
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::client::{Client, ClientOptions, Era};
//!
//! /// Add two numbers.
//! #[tool]
//! fn add(a: f64, b: f64) -> f64 { a + b }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! let server = Server::new("calc", "1.0.0").tool(add).into_handle()?;
//! let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
//! assert_eq!(client.era(), Era::Modern);
//! let r = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
//! assert_eq!(r.content[0].as_text(), Some("5"));
//! # Ok(()) }
//! ```

mod transport;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve_core::jsonrpc::{ErrorObject, Message, Notification, Request, RequestId, Response};
use mcp_serve_core::meta;
use mcp_serve_core::types::{
    CallToolResult, ClientCapabilities, GetPromptResult, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, ReadResourceResult,
};
use mcp_serve_core::version::ProtocolVersion;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, oneshot};

pub use transport::StdioCommand;

use crate::server::ServerHandle;
use crate::transport::TransportError;

/// Which protocol era the client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// Probe with `server/discover`; fall back to `initialize`.
    Auto,
    /// Stateless 2026-07-28 requests with `_meta`.
    Modern,
    /// The `initialize` handshake at this revision.
    Legacy(ProtocolVersion),
}

/// Answers the server's requests for input (elicitation, sampling, roots):
/// the method and params in, the result out. The same handler serves legacy
/// server→client requests and modern multi round-trip retries.
pub type InputHandler = Arc<
    dyn Fn(String, Value) -> futures::future::BoxFuture<'static, Result<Value, ErrorObject>> + Send + Sync,
>;

/// Which way a frame went, for [`ClientOptions::on_traffic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client to the server.
    Sent,
    /// From the server to the client.
    Received,
}

/// Sees every JSON-RPC frame the client sends or receives (see
/// [`ClientOptions::on_traffic`]).
pub type TrafficTap = Arc<dyn Fn(Direction, &[u8]) + Send + Sync>;

/// How the client introduces itself and how long it waits.
#[derive(Clone)]
pub struct ClientOptions {
    /// Era selection.
    pub era: Era,
    /// The client's name and version.
    pub info: Implementation,
    /// The client's capabilities.
    pub capabilities: ClientCapabilities,
    /// How long a request may take.
    pub timeout: Duration,
    /// Answers the server's input requests; without one they are refused.
    pub input: Option<InputHandler>,
    /// Sees every frame in both directions (message logs, inspectors).
    pub traffic: Option<TrafficTap>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("era", &self.era)
            .field("info", &self.info)
            .field("capabilities", &self.capabilities)
            .field("timeout", &self.timeout)
            .field("input", &self.input.as_ref().map(|_| "handler"))
            .field("traffic", &self.traffic.as_ref().map(|_| "tap"))
            .finish()
    }
}

impl ClientOptions {
    /// Answers input requests with `handler` (see [`InputHandler`]).
    #[must_use]
    pub fn on_input<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(String, Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Value, ErrorObject>> + Send + 'static,
    {
        self.input = Some(Arc::new(move |m, p| Box::pin(handler(m, p))));
        self
    }

    /// Calls `tap` with every JSON-RPC frame sent or received, in order per
    /// direction. Keep it quick: it runs on the transport's path.
    ///
    /// ```
    /// use mcp_serve::client::{ClientOptions, Direction};
    /// let options = ClientOptions::default().on_traffic(|dir, frame| {
    ///     let arrow = if dir == Direction::Sent { "->" } else { "<-" };
    ///     eprintln!("{arrow} {}", String::from_utf8_lossy(frame));
    /// });
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn on_traffic<F>(mut self, tap: F) -> Self
    where
        F: Fn(Direction, &[u8]) + Send + Sync + 'static,
    {
        self.traffic = Some(Arc::new(tap));
        self
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            era: Era::Auto,
            info: Implementation {
                name: "mcp-serve-client".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                ..Default::default()
            },
            capabilities: ClientCapabilities::default(),
            timeout: Duration::from_secs(30),
            input: None,
            traffic: None,
        }
    }
}

/// A request that failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a JSON-RPC error.
    #[error("the server returned an error: {0}")]
    Rpc(ErrorObject),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// No answer in time.
    #[error("no response to `{0}` within the timeout")]
    Timeout(String),
    /// The answer did not have the expected shape.
    #[error("the server's response to `{method}` could not be read: {source}")]
    Decode {
        /// The method.
        method: String,
        /// Why.
        source: serde_json::Error,
    },
}

impl ClientError {
    /// The JSON-RPC error, if the server sent one.
    pub fn rpc(&self) -> Option<&ErrorObject> {
        match self {
            ClientError::Rpc(e) => Some(e),
            _ => None,
        }
    }
}

type Pending = Arc<Mutex<HashMap<RequestId, oneshot::Sender<Response>>>>;

/// A connected client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    out: mpsc::Sender<Vec<u8>>,
    pending: Pending,
    next_id: AtomicI64,
    options: ClientOptions,
    era: Mutex<Era>,
    server_info: Mutex<Option<Value>>,
    notifications: Mutex<Option<mpsc::UnboundedReceiver<Notification>>>,
    _guard: Option<transport::ChildGuard>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("era", &self.era())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects to a server in this process.
    ///
    /// # Errors
    /// When the handshake fails.
    pub async fn connect_in_memory(
        server: &ServerHandle,
        options: ClientOptions,
    ) -> Result<Client, ClientError> {
        let (out, incoming) = transport::memory(server);
        Self::start(out, incoming, None, options).await
    }

    /// Starts a server process and talks to it over its stdin/stdout.
    ///
    /// # Errors
    /// When the process cannot start or the handshake fails.
    pub async fn connect_stdio(command: StdioCommand, options: ClientOptions) -> Result<Client, ClientError> {
        let ((out, incoming), guard) = transport::spawn(command)?;
        Self::start(out, incoming, Some(guard), options).await
    }

    async fn start(
        out: mpsc::Sender<Vec<u8>>,
        incoming: mpsc::Receiver<Vec<u8>>,
        guard: Option<transport::ChildGuard>,
        options: ClientOptions,
    ) -> Result<Client, ClientError> {
        let (out, mut incoming) = match options.traffic.clone() {
            Some(tap) => tapped(out, incoming, tap),
            None => (out, incoming),
        };
        let pending: Pending = Arc::default();
        let (ntx, nrx) = mpsc::unbounded_channel();
        let reader_pending = Arc::clone(&pending);
        let reply = out.clone();
        let input = options.input.clone();
        tokio::spawn(async move {
            while let Some(frame) = incoming.recv().await {
                let Ok(msg) = serde_json::from_slice::<Message>(&frame) else {
                    continue;
                };
                match msg {
                    Message::Response(r) => {
                        let waiter = r.id.as_ref().and_then(|id| {
                            reader_pending
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .remove(id)
                        });
                        if let Some(w) = waiter {
                            let _ = w.send(r);
                        }
                    }
                    Message::Notification(n) => {
                        let _ = ntx.send(n);
                    }
                    Message::Request(r) => {
                        let reply = reply.clone();
                        let input = input.clone();
                        tokio::spawn(async move {
                            let response = match input {
                                Some(h) => match h(r.method.clone(), r.params.unwrap_or(Value::Null)).await {
                                    Ok(v) => Response::result(r.id, v),
                                    Err(e) => Response::error(Some(r.id), e),
                                },
                                None => Response::error(Some(r.id), ErrorObject::method_not_found(&r.method)),
                            };
                            let _ = reply
                                .send(serde_json::to_vec(&response).unwrap_or_default())
                                .await;
                        });
                    }
                }
            }
            // The server is gone: fail every waiter.
            reader_pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
        });
        let era = options.era;
        let client = Client {
            inner: Arc::new(Inner {
                out,
                pending,
                next_id: AtomicI64::new(1),
                options,
                era: Mutex::new(Era::Modern),
                server_info: Mutex::new(None),
                notifications: Mutex::new(Some(nrx)),
                _guard: guard,
            }),
        };
        client.handshake(era).await?;
        Ok(client)
    }

    async fn handshake(&self, era: Era) -> Result<(), ClientError> {
        match era {
            Era::Modern => {
                self.set_era(Era::Modern);
                let d = self.request_raw("server/discover", None).await?;
                self.set_server_info(&d);
                Ok(())
            }
            Era::Legacy(v) => self.initialize(v).await,
            Era::Auto => {
                self.set_era(Era::Modern);
                let probe =
                    tokio::time::timeout(Duration::from_secs(5), self.request_raw("server/discover", None))
                        .await;
                match probe {
                    Ok(Ok(d)) => {
                        self.set_server_info(&d);
                        Ok(())
                    }
                    // A recognised modern error means a modern server.
                    Ok(Err(ClientError::Rpc(e)))
                        if e.code == mcp_serve_core::error::code::UNSUPPORTED_PROTOCOL_VERSION =>
                    {
                        Err(ClientError::Rpc(e))
                    }
                    Ok(Err(ClientError::Transport(e))) => Err(ClientError::Transport(e)),
                    _ => self.initialize(ProtocolVersion::LATEST_LEGACY).await,
                }
            }
        }
    }

    async fn initialize(&self, version: ProtocolVersion) -> Result<(), ClientError> {
        self.set_era(Era::Legacy(version));
        let params = json!({
            "protocolVersion": version,
            "capabilities": self.inner.options.capabilities,
            "clientInfo": self.inner.options.info,
        });
        let r = self.request_raw("initialize", Some(params)).await?;
        let negotiated = r
            .get("protocolVersion")
            .and_then(Value::as_str)
            .and_then(|v| v.parse().ok())
            .unwrap_or(version);
        self.set_era(Era::Legacy(negotiated));
        *self
            .inner
            .server_info
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = r.get("serverInfo").cloned();
        self.notify("notifications/initialized", None).await
    }

    fn set_era(&self, era: Era) {
        *self
            .inner
            .era
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = era;
    }

    fn set_server_info(&self, result: &Value) {
        let info = result
            .get("_meta")
            .and_then(|m| m.get(meta::SERVER_INFO))
            .cloned();
        *self
            .inner
            .server_info
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = info;
    }

    /// The era in use.
    pub fn era(&self) -> Era {
        *self
            .inner
            .era
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The server's self-reported identity.
    pub fn server_info(&self) -> Option<Implementation> {
        let v = self
            .inner
            .server_info
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        v.and_then(|v| serde_json::from_value(v).ok())
    }

    /// Takes the stream of notifications the server sends (once).
    pub fn notifications(&self) -> Option<mpsc::UnboundedReceiver<Notification>> {
        self.inner
            .notifications
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Sends a notification.
    ///
    /// # Errors
    /// When the transport is closed.
    pub async fn notify(&self, method: &str, params: Option<Value>) -> Result<(), ClientError> {
        let bytes = serde_json::to_vec(&Notification::new(method, params)).unwrap_or_default();
        self.inner
            .out
            .send(bytes)
            .await
            .map_err(|_| TransportError::Closed)?;
        Ok(())
    }

    /// Sends a request with `params` (the era's `_meta` is added) and returns
    /// the raw result.
    ///
    /// # Errors
    /// A JSON-RPC error, a timeout, or a closed transport.
    pub async fn request_raw(&self, method: &str, params: Option<Value>) -> Result<Value, ClientError> {
        let mut params = params;
        // Multi round-trip requests: answer the server's input requests and retry.
        for _round in 0..16 {
            let result = self.request_once(method, params.clone()).await?;
            if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
                return Ok(result);
            }
            let Some(handler) = self.inner.options.input.clone() else {
                return Ok(result);
            };
            let mut responses = serde_json::Map::new();
            if let Some(Value::Object(requests)) = result.get("inputRequests") {
                for (key, request) in requests {
                    let m = request["method"].as_str().unwrap_or_default().to_owned();
                    let answer = handler(m, request.get("params").cloned().unwrap_or(Value::Null))
                        .await
                        .map_err(ClientError::Rpc)?;
                    responses.insert(key.clone(), answer);
                }
            }
            let mut next = match params.take() {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            };
            next.insert("inputResponses".into(), Value::Object(responses));
            match result.get("requestState") {
                Some(state) => next.insert("requestState".into(), state.clone()),
                None => next.remove("requestState"),
            };
            params = Some(Value::Object(next));
        }
        Err(ClientError::Timeout(format!(
            "{method} (the server kept asking for input)"
        )))
    }

    async fn request_once(&self, method: &str, params: Option<Value>) -> Result<Value, ClientError> {
        let id = RequestId::Number(self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let mut params = match params {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        if self.era() == Era::Modern {
            let meta = params.entry("_meta").or_insert_with(|| json!({}));
            if let Value::Object(meta) = meta {
                meta.entry(meta::PROTOCOL_VERSION)
                    .or_insert_with(|| json!(ProtocolVersion::LATEST));
                meta.entry(meta::CLIENT_CAPABILITIES).or_insert_with(|| {
                    serde_json::to_value(&self.inner.options.capabilities).unwrap_or_default()
                });
                meta.entry(meta::CLIENT_INFO)
                    .or_insert_with(|| serde_json::to_value(&self.inner.options.info).unwrap_or_default());
            }
        }
        let params = (!params.is_empty()).then_some(Value::Object(params));
        let (tx, rx) = oneshot::channel();
        self.inner
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.clone(), tx);
        let bytes = serde_json::to_vec(&Request::new(id.clone(), method, params)).unwrap_or_default();
        if self.inner.out.send(bytes).await.is_err() {
            return Err(TransportError::Closed.into());
        }
        let response = match tokio::time::timeout(self.inner.options.timeout, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => return Err(TransportError::Closed.into()),
            Err(_) => {
                self.inner
                    .pending
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&id);
                let _ = self
                    .notify(
                        "notifications/cancelled",
                        Some(json!({ "requestId": id, "reason": "timeout" })),
                    )
                    .await;
                return Err(ClientError::Timeout(method.to_owned()));
            }
        };
        response.into_result().map_err(ClientError::Rpc)
    }

    /// Sends a request and decodes the result.
    ///
    /// # Errors
    /// See [`Client::request_raw`]; also when the result does not decode as `T`.
    pub async fn request<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Option<Value>,
    ) -> Result<T, ClientError> {
        let v = self.request_raw(method, params).await?;
        serde_json::from_value(v).map_err(|source| ClientError::Decode {
            method: method.to_owned(),
            source,
        })
    }

    /// `ping`.
    ///
    /// # Errors
    /// See [`Client::request_raw`].
    pub async fn ping(&self) -> Result<(), ClientError> {
        self.request_raw("ping", None).await.map(drop)
    }

    /// Every tool, following pagination.
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn list_tools(&self) -> Result<ListToolsResult, ClientError> {
        let mut all: ListToolsResult = self.request("tools/list", None).await?;
        while let Some(cursor) = all.next_cursor.take() {
            let page: ListToolsResult = self
                .request("tools/list", Some(json!({ "cursor": cursor })))
                .await?;
            all.tools.extend(page.tools);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }

    /// Calls a tool. A tool's failure is an `Ok` result with `is_error`.
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<CallToolResult, ClientError> {
        self.request(
            "tools/call",
            Some(json!({ "name": name, "arguments": arguments })),
        )
        .await
    }

    /// Every fixed resource, following pagination.
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn list_resources(&self) -> Result<ListResourcesResult, ClientError> {
        let mut all: ListResourcesResult = self.request("resources/list", None).await?;
        while let Some(cursor) = all.next_cursor.take() {
            let page: ListResourcesResult = self
                .request("resources/list", Some(json!({ "cursor": cursor })))
                .await?;
            all.resources.extend(page.resources);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }

    /// Every resource template, following pagination.
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn list_resource_templates(&self) -> Result<ListResourceTemplatesResult, ClientError> {
        let mut all: ListResourceTemplatesResult = self.request("resources/templates/list", None).await?;
        while let Some(cursor) = all.next_cursor.take() {
            let page: ListResourceTemplatesResult = self
                .request("resources/templates/list", Some(json!({ "cursor": cursor })))
                .await?;
            all.resource_templates.extend(page.resource_templates);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }

    /// Reads a resource.
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, ClientError> {
        self.request("resources/read", Some(json!({ "uri": uri }))).await
    }

    /// Every prompt, following pagination.
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn list_prompts(&self) -> Result<ListPromptsResult, ClientError> {
        let mut all: ListPromptsResult = self.request("prompts/list", None).await?;
        while let Some(cursor) = all.next_cursor.take() {
            let page: ListPromptsResult = self
                .request("prompts/list", Some(json!({ "cursor": cursor })))
                .await?;
            all.prompts.extend(page.prompts);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }

    /// Gets a prompt with arguments (string values).
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<GetPromptResult, ClientError> {
        self.request(
            "prompts/get",
            Some(json!({ "name": name, "arguments": arguments })),
        )
        .await
    }
}

/// Interposes `tap` on both directions of a transport.
fn tapped(
    out: mpsc::Sender<Vec<u8>>,
    mut incoming: mpsc::Receiver<Vec<u8>>,
    tap: TrafficTap,
) -> (mpsc::Sender<Vec<u8>>, mpsc::Receiver<Vec<u8>>) {
    let (user_out, mut user_out_rx) = mpsc::channel::<Vec<u8>>(256);
    let (user_in_tx, user_in) = mpsc::channel::<Vec<u8>>(256);
    let sent = Arc::clone(&tap);
    tokio::spawn(async move {
        while let Some(frame) = user_out_rx.recv().await {
            sent(Direction::Sent, &frame);
            if out.send(frame).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(frame) = incoming.recv().await {
            tap(Direction::Received, &frame);
            if user_in_tx.send(frame).await.is_err() {
                break;
            }
        }
    });
    (user_out, user_in)
}
