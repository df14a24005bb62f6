//! Serve another MCP server's tools, resources and prompts as this server's:
//! the engine answers the front clients in whichever era they speak, and each
//! call is forwarded to the backend through a [`Client`] (stdio, HTTP, legacy
//! SSE or in memory). Progress, log messages and input requests (elicitation,
//! sampling, roots) the backend sends during a call reach the front client
//! that made it; list changes and resource updates are passed on.
//!
//! This is what `mcp-serve proxy` runs, and how a legacy-only server becomes
//! reachable by modern clients (and the other way round).
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::client::{Client, ClientOptions};
//! use mcp_serve::proxy::Proxy;
//!
//! /// Add two numbers.
//! #[tool]
//! fn add(a: f64, b: f64) -> f64 { a + b }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! let backend = Server::new("calc", "1.0.0").tool(add).into_handle()?;
//! let proxy = Proxy::new();
//! let client = Client::connect_in_memory(&backend, proxy.client_options(ClientOptions::default())).await?;
//! let front = proxy.mirror(client).await?;            // a ServerHandle: serve_http / serve_stdio
//! let test = mcp_serve::testing::TestClient::connect(&front, ClientOptions::default()).await?;
//! let r = test.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
//! assert_eq!(r.content[0].as_text(), Some("5"));
//! # Ok(()) }
//! ```

pub mod gateway;
mod pass;
mod relay;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::meta;
use mcp_serve_core::types::{
    CallToolResult, ClientCapabilities, GetPromptResult, Implementation, ReadResourceResult,
};
use serde_json::{Map, Value, json};

use crate::client::{Client, ClientError, ClientOptions, Era};
use crate::complete::Completer;
use crate::context::Context;
use crate::engine::ListKind;
use crate::error::McpError;
use crate::prompt::Prompt;
use crate::resource::Resource;
use crate::server::{Server, ServerHandle};
use crate::tool::{CallError, SchemaSource, Tool};
use relay::Relay;

/// How long a forwarded answer waits for the backend's notifications sent
/// before it to be relayed.
const CATCH_UP: std::time::Duration = std::time::Duration::from_secs(1);

pub use gateway::{
    ConfigError, Connector, GATEWAY_META, Gateway, GatewayConfig, GatewayError, GatewayHandle, TargetStatus,
    Transport,
};

/// Forwards a backend server's catalog and calls; see the [module docs](self).
///
/// ```
/// let proxy = mcp_serve::proxy::Proxy::new();
/// # let _ = proxy;
/// ```
#[derive(Clone, Default)]
pub struct Proxy {
    relay: Arc<Relay>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").finish_non_exhaustive()
    }
}

/// Why the backend could not be mirrored.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Listing the backend's catalog failed.
    #[error("cannot list the backend server's {what}: {source}")]
    List {
        /// tools, resources, resource templates or prompts.
        what: &'static str,
        /// Why.
        source: ClientError,
    },
    /// The front server could not be built.
    #[error(transparent)]
    Registration(#[from] crate::engine::RegistrationError),
}

impl Proxy {
    /// A proxy with nothing in flight.
    pub fn new() -> Self {
        Proxy::default()
    }

    /// `base` plus what the backend client needs for the proxy: an input
    /// handler that asks the front client, and the elicitation, sampling and
    /// roots capabilities (a front client without them gets the backend's
    /// request refused with the spec's error).
    ///
    /// ```
    /// use mcp_serve::client::ClientOptions;
    /// let options = mcp_serve::proxy::Proxy::new().client_options(ClientOptions::default());
    /// assert!(options.capabilities.sampling.is_some());
    /// ```
    pub fn client_options(&self, base: ClientOptions) -> ClientOptions {
        let relay = Arc::clone(&self.relay);
        let mut options = base.on_input(move |method, params| {
            let relay = Arc::clone(&relay);
            async move { relay.input(method, params).await }
        });
        let caps = json!({
            "elicitation": { "form": {}, "url": {} },
            "sampling": {},
            "roots": { "listChanged": false },
        });
        if let Ok(c) = serde_json::from_value::<ClientCapabilities>(caps) {
            options.capabilities = c;
        }
        options
    }

    /// Builds a server that mirrors `client`'s backend and keeps it in sync
    /// with the backend's list changes. Serve it with
    /// [`ServerHandle::serve_http`] or [`ServerHandle::serve_stdio`].
    ///
    /// # Errors
    /// The backend's lists could not be read.
    pub async fn mirror(&self, client: Client) -> Result<ServerHandle, ProxyError> {
        let info = client
            .server_info()
            .unwrap_or_else(|| Implementation::new("mcp-serve-proxy", env!("CARGO_PKG_VERSION")));
        let mut server = Server::new(info.name.clone(), info.version.clone());
        if let Some(title) = info.title.clone() {
            server = server.title(title);
        }
        let handle = server.into_handle()?;
        let catalog = Catalog {
            client,
            relay: Arc::clone(&self.relay),
            naming: None,
            on_failure: None,
        };
        catalog.sync_all(&handle).await?;
        // The task ends with the backend's notification stream.
        drop(catalog.follow(handle.clone()).await);
        Ok(handle)
    }
}

impl Proxy {
    /// Places `client`'s backend in the shared server `front` under
    /// `prefix` (tool `add` becomes `prefix_add`, resource `file:///a`
    /// becomes `prefix+file:///a`) and keeps it in sync. `on_failure` is
    /// woken when a forwarded request fails for want of the backend.
    pub(crate) async fn attach(
        &self,
        client: Client,
        front: &ServerHandle,
        prefix: &str,
        on_failure: Arc<tokio::sync::Notify>,
    ) -> Result<Attachment, ProxyError> {
        let catalog = Catalog {
            client,
            relay: Arc::clone(&self.relay),
            naming: Some(Arc::new(Naming {
                prefix: prefix.to_owned(),
                owned: Mutex::default(),
            })),
            on_failure: Some(on_failure),
        };
        if let Err(e) = catalog.sync_all(front).await {
            let partial = Attachment {
                catalog,
                front: front.clone(),
                follower: tokio::spawn(async {}),
            };
            partial.detach().await;
            return Err(e);
        }
        let follower = catalog.follow(front.clone()).await;
        Ok(Attachment {
            catalog,
            front: front.clone(),
            follower,
        })
    }
}

/// The backend and the relay, shared by every forwarding handler.
#[derive(Clone)]
struct Catalog {
    client: Client,
    relay: Arc<Relay>,
    /// Set when the backend shares the front with others (the gateway).
    naming: Option<Arc<Naming>>,
    /// Told when a forwarded request fails for want of the backend.
    on_failure: Option<Arc<tokio::sync::Notify>>,
}

/// A backend's namespace in a shared front: tools and prompts are
/// `prefix_name`, resources `prefix+uri`, and only the names it added are
/// its to remove.
struct Naming {
    prefix: String,
    /// The front names added, per list: tools, resources, prompts.
    owned: Mutex<[HashSet<String>; 3]>,
}

impl Naming {
    fn name(&self, name: &str) -> String {
        format!("{}_{name}", self.prefix)
    }

    fn uri(&self, uri: &str) -> String {
        format!("{}+{uri}", self.prefix)
    }

    /// The backend's URI of a front URI of this namespace.
    fn backend_uri<'a>(&self, uri: &'a str) -> &'a str {
        uri.strip_prefix(self.prefix.as_str())
            .and_then(|u| u.strip_prefix('+'))
            .unwrap_or(uri)
    }

    fn slot(kind: ListKind) -> usize {
        match kind {
            ListKind::Tools => 0,
            ListKind::Resources => 1,
            _ => 2,
        }
    }

    /// Records `keep` as this namespace's names of `kind`; answers the ones
    /// it had before and no longer has.
    fn replace(&self, kind: ListKind, keep: &[String]) -> Vec<String> {
        let mut owned = self.owned.lock().unwrap_or_else(PoisonError::into_inner);
        let now: HashSet<String> = keep.iter().cloned().collect();
        let old = std::mem::replace(&mut owned[Self::slot(kind)], now);
        old.into_iter().filter(|n| !keep.contains(n)).collect()
    }

    fn take_all(&self) -> [HashSet<String>; 3] {
        std::mem::take(&mut *self.owned.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// One backend placed in a shared front server under a namespace; see
/// [`Proxy::attach`]. Dropping it leaves the front's entries in place:
/// call [`Attachment::detach`].
pub(crate) struct Attachment {
    catalog: Catalog,
    front: ServerHandle,
    follower: tokio::task::JoinHandle<()>,
}

impl Attachment {
    /// Removes the namespace's tools, resources and prompts from the front
    /// (with list changes) and closes the backend connection.
    pub(crate) async fn detach(self) {
        self.follower.abort();
        if let Some(naming) = &self.catalog.naming {
            let [tools, resources, prompts] = naming.take_all();
            for t in tools {
                self.front.remove_tool(&t);
            }
            for r in resources {
                self.front.remove_resource(&r);
            }
            for p in prompts {
                self.front.remove_prompt(&p);
            }
        }
        self.catalog.client.close().await;
    }

    /// The backend connection.
    pub(crate) fn client(&self) -> &Client {
        &self.catalog.client
    }
}

fn rpc(e: ClientError) -> McpError {
    match e {
        ClientError::Rpc(e) => McpError(e),
        other => McpError(ErrorObject::new(
            code::INTERNAL_ERROR,
            format!("the backend server failed: {other}"),
        )),
    }
}

fn decode<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T, McpError> {
    serde_json::from_value(v)
        .map_err(|e| McpError::internal(format!("the backend's {what} result is malformed: {e}")))
}

impl Catalog {
    /// Sets a legacy backend's log level, then follows the backend's
    /// notifications: list changes re-sync, resource updates and the rest
    /// are passed on. The task ends with the notification stream.
    async fn follow(&self, handle: ServerHandle) -> tokio::task::JoinHandle<()> {
        if matches!(self.client.era(), Era::Legacy(_)) {
            // A legacy session logs nothing until asked; the front filters per call.
            let _ = self
                .client
                .request_raw("logging/setLevel", Some(json!({ "level": "debug" })))
                .await;
        }
        let Some(mut rx) = self.client.notifications() else {
            return tokio::spawn(async {});
        };
        // Those already waiting are counted out first (read before the
        // total, so a notification arriving in between is never waited for).
        let buffered = rx.len() as u64;
        self.relay
            .follow_from(self.client.notifications_delivered().saturating_sub(buffered));
        let catalog = self.clone();
        tokio::spawn(async move {
            while let Some(n) = rx.recv().await {
                let kind = match n.method.as_str() {
                    "notifications/tools/list_changed" => Some(ListKind::Tools),
                    "notifications/resources/list_changed" => Some(ListKind::Resources),
                    "notifications/prompts/list_changed" => Some(ListKind::Prompts),
                    "notifications/resources/updated" => {
                        if let Some(uri) = n.params.as_ref().and_then(|p| p["uri"].as_str()) {
                            handle.notify_resource_updated(&catalog.front_uri(uri));
                        }
                        None
                    }
                    _ => {
                        catalog.relay.notify(&n).await;
                        None
                    }
                };
                catalog.relay.handled(false);
                if let Some(kind) = kind {
                    if let Err(e) = catalog.sync(&handle, kind).await {
                        tracing::warn!(error = %e, "the proxy could not refresh a list after the backend changed it");
                    }
                }
            }
            catalog.relay.handled(true);
        })
    }

    fn front_name(&self, name: &str) -> String {
        match &self.naming {
            Some(n) => n.name(name),
            None => name.to_owned(),
        }
    }

    fn front_uri(&self, uri: &str) -> String {
        match &self.naming {
            Some(n) => n.uri(uri),
            None => uri.to_owned(),
        }
    }

    /// The front entries of `kind` to remove: those the backend no longer
    /// lists (`keep`, front names), among this backend's own.
    fn stale(&self, kind: ListKind, all: Vec<String>, keep: &[String]) -> Vec<String> {
        match &self.naming {
            Some(n) => n.replace(kind, keep),
            None => all.into_iter().filter(|n| !keep.contains(n)).collect(),
        }
    }

    async fn sync_all(&self, handle: &ServerHandle) -> Result<(), ProxyError> {
        for kind in [ListKind::Tools, ListKind::Resources, ListKind::Prompts] {
            self.sync(handle, kind).await?;
        }
        Ok(())
    }

    /// Makes the front's list of `kind` match the backend's.
    async fn sync(&self, handle: &ServerHandle, kind: ListKind) -> Result<(), ProxyError> {
        let missing = |e: &ClientError| e.rpc().is_some_and(|e| e.code == code::METHOD_NOT_FOUND);
        match kind {
            ListKind::Tools => {
                let tools = match self.client.list_tools().await {
                    Ok(r) => r.tools,
                    Err(e) if missing(&e) => Vec::new(),
                    Err(source) => {
                        return Err(ProxyError::List {
                            what: "tools",
                            source,
                        });
                    }
                };
                let keep: Vec<String> = tools.iter().map(|t| self.front_name(&t.name)).collect();
                for stale in self.stale(kind, handle.tool_names(), &keep) {
                    handle.remove_tool(&stale);
                }
                for def in tools {
                    let name = self.front_name(&def.name);
                    if let Err(e) = handle.add_tool(self.tool(def)) {
                        tracing::warn!(tool = %name, error = %e, "the proxy skips a backend tool it cannot serve");
                    }
                }
            }
            ListKind::Resources => {
                let resources = match self.client.list_resources().await {
                    Ok(r) => r.resources,
                    Err(e) if missing(&e) => Vec::new(),
                    Err(source) => {
                        return Err(ProxyError::List {
                            what: "resources",
                            source,
                        });
                    }
                };
                let templates = match self.client.list_resource_templates().await {
                    Ok(r) => r.resource_templates,
                    Err(e) if missing(&e) => Vec::new(),
                    Err(source) => {
                        return Err(ProxyError::List {
                            what: "resource templates",
                            source,
                        });
                    }
                };
                let mut keep: Vec<String> = resources.iter().map(|r| self.front_uri(&r.uri)).collect();
                keep.extend(templates.iter().map(|t| self.front_uri(&t.uri_template)));
                for stale in self.stale(kind, handle.resource_uris(), &keep) {
                    handle.remove_resource(&stale);
                }
                for r in resources {
                    let mut res = Resource::new(self.front_uri(&r.uri));
                    res.name = r.name;
                    res.title = r.title;
                    res.description = r.description;
                    res.mime_type = r.mime_type;
                    res.size = r.size;
                    res.annotations = r.annotations;
                    res.icons = r.icons;
                    res.tags = crate::tool::tags_in_meta(r.meta.as_ref());
                    res.meta = r.meta;
                    self.add_resource(handle, res, &r.uri);
                }
                for t in templates {
                    let mut res = Resource::new(self.front_uri(&t.uri_template));
                    res.name = t.name;
                    res.title = t.title;
                    res.description = t.description;
                    res.mime_type = t.mime_type;
                    res.annotations = t.annotations;
                    res.icons = t.icons;
                    res.tags = crate::tool::tags_in_meta(t.meta.as_ref());
                    res.meta = t.meta;
                    let vars: Vec<String> = res
                        .template
                        .as_ref()
                        .map(|tpl| tpl.variables().map(str::to_owned).collect())
                        .unwrap_or_default();
                    let reference = json!({ "type": "ref/resource", "uri": t.uri_template });
                    for var in vars {
                        res.completers
                            .insert(var.clone(), self.completer(reference.clone(), var));
                    }
                    self.add_resource(handle, res, &t.uri_template);
                }
            }
            ListKind::Prompts => {
                let prompts = match self.client.list_prompts().await {
                    Ok(r) => r.prompts,
                    Err(e) if missing(&e) => Vec::new(),
                    Err(source) => {
                        return Err(ProxyError::List {
                            what: "prompts",
                            source,
                        });
                    }
                };
                let keep: Vec<String> = prompts.iter().map(|p| self.front_name(&p.name)).collect();
                for stale in self.stale(kind, handle.prompt_names(), &keep) {
                    handle.remove_prompt(&stale);
                }
                for def in prompts {
                    let name = self.front_name(&def.name);
                    if let Err(e) = handle.add_prompt(self.prompt(def)) {
                        tracing::warn!(prompt = %name, error = %e, "the proxy skips a backend prompt it cannot serve");
                    }
                }
            }
        }
        Ok(())
    }

    fn add_resource(&self, handle: &ServerHandle, mut res: Resource, key: &str) {
        let this = self.clone();
        res.handler = Some(Arc::new(move |uri: String, _vars, cx: Context| {
            let this = this.clone();
            Box::pin(async move {
                let uri = match &this.naming {
                    Some(n) => n.backend_uri(&uri).to_owned(),
                    None => uri,
                };
                let v = this
                    .forward(&cx, "resources/read", json!({ "uri": uri }))
                    .await
                    .map_err(rpc)?;
                Ok(decode::<ReadResourceResult>(v, "resources/read")?.contents)
            })
        }));
        if let Err(e) = handle.add_resource(res) {
            tracing::warn!(resource = %key, error = %e, "the proxy skips a backend resource it cannot serve");
        }
    }

    fn tool(&self, def: mcp_serve_core::types::Tool) -> Tool {
        let this = self.clone();
        let name = def.name.clone();
        let tags = crate::tool::tags_in_meta(def.meta.as_ref());
        // A modern HTTP backend takes a modern caller's calls as they came.
        let passthrough = self.client.passes_requests().then(|| {
            Arc::new(pass::Pass {
                catalog: self.clone(),
                name: name.clone(),
            }) as Arc<dyn crate::tool::passthrough::Passthrough>
        });
        Tool {
            input: SchemaSource::Fixed(def.input_schema.clone()),
            output: def.output_schema.clone().map(SchemaSource::Fixed),
            // Tasks of the backend are not forwarded: the front runs the call.
            def: {
                let mut def = def;
                def.execution = None;
                def.name = self.front_name(&def.name);
                def
            },
            handler: Some(Arc::new(move |args: Map<String, Value>, cx: Context| {
                let this = this.clone();
                let name = name.clone();
                Box::pin(async move {
                    let v = this
                        .forward(&cx, "tools/call", json!({ "name": name, "arguments": args }))
                        .await
                        .map_err(|e| CallError::Protocol(rpc(e)))?;
                    decode::<CallToolResult>(v, "tools/call").map_err(CallError::Protocol)
                })
            })),
            deferred_task: false,
            required_state: Vec::new(),
            scopes: Vec::new(),
            // A backend's tags (if it publishes them as mcp-serve does) keep
            // working with the front's tag rules.
            tags,
            passthrough,
        }
    }

    fn prompt(&self, def: mcp_serve_core::types::Prompt) -> Prompt {
        let this = self.clone();
        let name = def.name.clone();
        let reference = json!({ "type": "ref/prompt", "name": def.name });
        let tags = crate::tool::tags_in_meta(def.meta.as_ref());
        let completers = def
            .arguments
            .iter()
            .flatten()
            .map(|a| (a.name.clone(), self.completer(reference.clone(), a.name.clone())))
            .collect();
        let mut def = def;
        def.name = self.front_name(&def.name);
        Prompt {
            def,
            args: None,
            completers,
            handler: Some(Arc::new(move |args: Map<String, Value>, cx: Context| {
                let this = this.clone();
                let name = name.clone();
                Box::pin(async move {
                    let v = this
                        .forward(&cx, "prompts/get", json!({ "name": name, "arguments": args }))
                        .await
                        .map_err(rpc)?;
                    decode::<GetPromptResult>(v, "prompts/get")
                })
            })),
            required_state: Vec::new(),
            scopes: Vec::new(),
            tags,
        }
    }

    fn completer(&self, reference: Value, argument: String) -> Completer {
        let client = self.client.clone();
        Completer(Arc::new(move |value: String, _cx: Context| {
            let client = client.clone();
            let params = json!({ "ref": reference, "argument": { "name": argument, "value": value } });
            Box::pin(async move {
                match client.request_raw("completion/complete", Some(params)).await {
                    Ok(v) => v["completion"]["values"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default(),
                    Err(_) => Vec::new(),
                }
            })
        }))
    }

    /// Wakes whoever watches the backend when `e` says it may be gone.
    fn failed(&self, e: &ClientError) {
        let gone = match e {
            ClientError::Transport(_) | ClientError::Timeout(_) => true,
            ClientError::Http { status, .. } => *status >= 500,
            _ => false,
        };
        if gone {
            if let Some(n) = &self.on_failure {
                n.notify_one();
            }
        }
    }

    /// Sends one request on behalf of the front call `cx`, with a progress
    /// token that routes the backend's progress back to it.
    async fn forward(&self, cx: &Context, method: &str, mut params: Value) -> Result<Value, ClientError> {
        let guard = self.relay.begin(cx.clone());
        params["_meta"] = json!({ meta::PROGRESS_TOKEN: relay::token(&guard) });
        if self.client.era() == Era::Modern {
            // Ask for every log message; the front call's own level filters them.
            params["_meta"][meta::LOG_LEVEL] = json!("debug");
        }
        let request = self.client.request_raw(method, Some(params));
        let mut result = tokio::select! {
            r = Relay::scoped(&guard, request) => r.inspect_err(|e| self.failed(e))?,
            () = cx.cancelled() => return Err(ClientError::Timeout(format!("{method} (cancelled by the client)"))),
        };
        // What the backend said before answering goes first (bounded: a
        // front stream that is not read must not hold the answer).
        let upto = self.client.notifications_delivered();
        let _ = tokio::time::timeout(CATCH_UP, self.relay.caught_up(upto)).await;
        // The backend's era markers (`resultType`, `serverInfo`, …) are not the
        // front's to repeat: the front engine adds its own for modern clients.
        if let Value::Object(r) = &mut result {
            for key in ["resultType", "ttlMs", "cacheScope"] {
                r.remove(key);
            }
        }
        if let Some(Value::Object(meta)) = result.get_mut("_meta") {
            meta.retain(|k, _| !k.starts_with("io.modelcontextprotocol/"));
            if meta.is_empty() {
                if let Value::Object(r) = &mut result {
                    r.remove("_meta");
                }
            }
        }
        Ok(result)
    }
}
