//! The era of an incoming request, and its way in: `params` split from
//! `_meta`, `initialize` told apart, the era decided (modern when `_meta`
//! carries the protocol version, else the connection's legacy session),
//! the headers a modern HTTP client mirrors checked against the body, and
//! the request's [`Scope`] handed to dispatch.

use std::sync::Arc;

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::{self, ErrorObject, RequestId};
use mcp_serve_core::meta;
use mcp_serve_core::types::{ClientCapabilities, Implementation, LoggingLevel};
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::params::{Declared, MetaProbe, SplitParams, parse_as_value};
use super::{Connection, Inbound, MirroredHeaders, Reply, error_reply};
use crate::context::LazyMeta;
use crate::engine::methods;

/// Who is asking, under which revision: what a method needs to know.
#[derive(Clone)]
pub(crate) struct Scope {
    pub(crate) id: RequestId,
    pub(crate) version: ProtocolVersion,
    pub(crate) meta: LazyMeta,
    pub(crate) client_info: Option<Arc<Implementation>>,
    pub(crate) capabilities: Option<Arc<ClientCapabilities>>,
    pub(crate) log_level: Option<LoggingLevel>,
    pub(crate) http: Option<Arc<http::request::Parts>>,
    pub(crate) stream: Option<mpsc::Sender<Vec<u8>>>,
    /// The raw params of a modern call that may ask for input, for the
    /// `requestState` digest (see [`crate::engine::input::Digest`]).
    pub(crate) params_raw: Option<Arc<str>>,
}

impl Scope {
    /// What an `initialize` request says about its client, for the
    /// middleware that sees it (the session does not exist yet).
    pub(super) fn of_initialize(
        id: RequestId,
        params: &Map<String, Value>,
        meta: LazyMeta,
        via: &Inbound,
    ) -> Self {
        let field = |name: &str| params.get(name).cloned();
        Scope {
            id,
            version: params
                .get("protocolVersion")
                .and_then(Value::as_str)
                .and_then(|v| v.parse().ok())
                .unwrap_or(ProtocolVersion::LATEST_LEGACY),
            meta,
            client_info: field("clientInfo")
                .and_then(|v| serde_json::from_value(v).ok())
                .map(Arc::new),
            capabilities: field("capabilities")
                .and_then(|v| serde_json::from_value(v).ok())
                .map(Arc::new),
            log_level: None,
            http: via.http.clone(),
            stream: via.stream.clone(),
            params_raw: None,
        }
    }

    /// The subject of the request's verified credential, if any: whom
    /// tasks and `requestState` are bound to.
    pub(crate) fn caller(&self) -> Option<String> {
        self.http
            .as_ref()?
            .extensions
            .get::<Arc<crate::auth::Principal>>()
            .map(|p| p.subject.clone())
    }
}

impl Connection {
    /// What is known of the client behind a notification: its session's
    /// revision and declarations, if it has one.
    pub(super) fn notification_scope(&self, via: &Inbound) -> Scope {
        let session = self.inner.legacy.get();
        Scope {
            id: RequestId::Number(0),
            version: session.map_or(ProtocolVersion::LATEST, |s| s.version),
            meta: LazyMeta::default(),
            client_info: session.and_then(|s| s.client_info.clone()),
            capabilities: session.map(|s| Arc::clone(&s.capabilities)),
            log_level: None,
            http: via.http.clone(),
            stream: via.stream.clone(),
            params_raw: None,
        }
    }

    pub(super) fn handle_request(
        &self,
        id: RequestId,
        method: &str,
        params: Option<&serde_json::value::RawValue>,
        via: &Inbound,
    ) -> Reply {
        let raw_params = params;
        let (params, raw_meta) = match params {
            None => (Map::new(), None),
            Some(raw) => match serde_json::from_str::<SplitParams<'_>>(raw.get()) {
                Ok(p) => (p.rest, p.meta),
                Err(e) => {
                    return error_reply(Some(&id), &ErrorObject::invalid_params(format!("params: {e}")));
                }
            },
        };
        // Before anything looks at them: a handler, a template matcher, an error echoing them.
        if let Err(e) = crate::engine::limits::check(method, &params) {
            return error_reply(Some(&id), &e);
        }
        let meta = match raw_meta.map(serde_json::value::RawValue::get) {
            None | Some("null") => LazyMeta::default(),
            Some(m) if m.starts_with('{') => LazyMeta::from_raw(m),
            Some(_) => {
                return error_reply(Some(&id), &ErrorObject::invalid_params("_meta must be an object"));
            }
        };
        // A `_meta` identical to the last one parsed says the same things.
        let declared = meta.raw().and_then(|m| self.inner.seen.declared(m));
        // Borrowed from the frame, like the params.
        let mut probe = raw_meta
            .filter(|_| meta.raw().is_some() && declared.is_none())
            .and_then(|m| serde_json::from_str::<MetaProbe<'_>>(m.get()).ok())
            .unwrap_or_default();
        probe.declared = declared;
        if self.inner.shared.options.legacy_only {
            // Such a server knows no modern `_meta`: the request is judged as
            // a 2025-11-25 server would judge it.
            probe = MetaProbe::default();
            if method == "server/discover" {
                return error_reply(Some(&id), &ErrorObject::method_not_found(method));
            }
        }
        if method == "initialize" {
            // A connection shared by unrelated clients must never become a session.
            let modern = probe.declared.is_some() || probe.version.is_some() || via.shared_connection;
            if let Some(chain) = &self.inner.shared.options.middleware {
                let chain = Arc::clone(chain);
                let scope = Scope::of_initialize(id, &params, meta, via);
                return self.through(
                    &chain,
                    scope,
                    "initialize".into(),
                    params,
                    via.shared_connection,
                    move |conn, scope, params| conn.initialize(&scope.id, params, modern),
                );
            }
            return self.initialize(&id, params, modern);
        }
        let mut scope = match self.scope(id, method, &params, meta, &probe, via) {
            Ok(s) => s,
            Err((id, e)) => return error_reply(Some(&id), &e),
        };
        if scope.version.is_modern() && matches!(method, "tools/call" | "resources/read" | "prompts/get") {
            scope.params_raw = raw_params.map(|p| Arc::from(p.get()));
        }
        if method == "tools/call" {
            if let Some(headers) = &via.mirrored {
                if let Err(e) = methods::check_param_headers(&self.inner.shared, &params, headers) {
                    return error_reply(Some(&scope.id), &e);
                }
            }
        }
        self.dispatch(scope, method, params, via.shared_connection)
    }

    /// Decides the era of a request and gathers what it says about the client.
    fn scope(
        &self,
        id: RequestId,
        method: &str,
        params: &Map<String, Value>,
        meta: LazyMeta,
        probe: &MetaProbe<'_>,
        via: &Inbound,
    ) -> Result<Scope, (RequestId, ErrorObject)> {
        let http = via.http.clone();
        let stream = via.stream.clone();
        if probe.declared.is_some() || probe.version.is_some() {
            let requested = match &probe.declared {
                Some(d) => Some(std::borrow::Cow::Borrowed(d.version.as_str())),
                None => probe.version.and_then(jsonrpc::raw_str),
            };
            let Some(requested) = requested else {
                return Err((
                    id,
                    ErrorObject::invalid_params(format!(
                        "_meta[\"{}\"] must be a string",
                        meta::PROTOCOL_VERSION
                    )),
                ));
            };
            let requested = &*requested;
            if let Some(headers) = &via.mirrored {
                if let Err(e) = check_mirrored(headers, requested, method, params) {
                    return Err((id, e));
                }
            }
            let version = match requested.parse::<ProtocolVersion>() {
                Ok(v) if v.is_modern() => v,
                _ => {
                    let modern: Vec<_> = ProtocolVersion::ALL
                        .into_iter()
                        .filter(|v| v.is_modern())
                        .collect();
                    return Err((id, ProtocolVersion::unsupported_error(requested, &modern)));
                }
            };
            if let Some(d) = &probe.declared {
                return Ok(Scope {
                    id,
                    version,
                    meta,
                    client_info: d.client_info.clone(),
                    capabilities: Some(Arc::clone(&d.capabilities)),
                    log_level: d.log_level,
                    http,
                    stream,
                    params_raw: None,
                });
            }
            let capabilities = match probe.capabilities {
                None => {
                    return Err((
                        id,
                        ErrorObject::invalid_params(format!(
                            "missing required _meta[\"{}\"]: modern requests must declare the client's capabilities (use {{}} for none)",
                            meta::CLIENT_CAPABILITIES
                        )),
                    ));
                }
                Some(v) => match self.inner.seen.capabilities.get(v) {
                    Ok(c) => c,
                    Err(e) => {
                        return Err((
                            id,
                            ErrorObject::invalid_params(format!(
                                "_meta[\"{}\"]: {e}",
                                meta::CLIENT_CAPABILITIES
                            )),
                        ));
                    }
                },
            };
            let client_info = match probe.client_info {
                None => None,
                Some(v) => match self.inner.seen.client_info.get(v) {
                    Ok(i) => Some(i),
                    Err(e) => {
                        return Err((
                            id,
                            ErrorObject::invalid_params(format!("_meta[\"{}\"]: {e}", meta::CLIENT_INFO)),
                        ));
                    }
                },
            };
            let log_level = match probe.log_level {
                None => None,
                Some(v) => match parse_as_value::<LoggingLevel>(v) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        return Err((
                            id,
                            ErrorObject::invalid_params(format!("_meta[\"{}\"]: {e}", meta::LOG_LEVEL)),
                        ));
                    }
                },
            };
            // Values that change with every request would only churn the cache.
            let per_request = |m: &str| m.contains(meta::PROGRESS_TOKEN) || m.contains("traceparent");
            if let Some(raw) = meta.raw().filter(|m| !per_request(m)) {
                self.inner.seen.remember_declared(
                    raw,
                    Declared {
                        version: requested.to_owned(),
                        capabilities: Arc::clone(&capabilities),
                        client_info: client_info.clone(),
                        log_level,
                    },
                );
            }
            return Ok(Scope {
                id,
                version,
                meta,
                client_info,
                capabilities: Some(capabilities),
                log_level,
                http,
                stream,
                params_raw: None,
            });
        }
        if let Some(s) = self.inner.legacy.get() {
            return Ok(Scope {
                id,
                version: s.version,
                meta,
                client_info: s.client_info.clone(),
                capabilities: Some(Arc::clone(&s.capabilities)),
                // Legacy clients get every level until they call logging/setLevel.
                log_level: Some(
                    s.log_level
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .unwrap_or(LoggingLevel::Debug),
                ),
                http,
                stream,
                params_raw: None,
            });
        }
        if method == "ping" {
            // Legacy clients may ping before initializing.
            return Ok(Scope {
                id,
                version: ProtocolVersion::LATEST_LEGACY,
                meta,
                client_info: None,
                capabilities: None,
                log_level: None,
                http,
                stream,
                params_raw: None,
            });
        }
        if self.inner.shared.options.legacy_only {
            return Err((
                id,
                ErrorObject::invalid_request(
                    "this server serves only session revisions (2025-11-25 and older): send `initialize` first",
                ),
            ));
        }
        Err((
            id,
            ErrorObject::invalid_params(format!(
                "missing required _meta[\"{}\"]: modern (2026-07-28) requests must carry the protocol version and client capabilities in _meta; legacy clients must send `initialize` first",
                meta::PROTOCOL_VERSION
            )),
        ))
    }
}

/// Checks the headers a modern HTTP client mirrors against the body.
fn check_mirrored(
    headers: &MirroredHeaders,
    version: &str,
    method: &str,
    params: &Map<String, Value>,
) -> Result<(), ErrorObject> {
    fn compare(header: &str, value: Option<&str>, body: &str) -> Result<(), ErrorObject> {
        match value {
            None => Err(ErrorObject::new(
                code::HEADER_MISMATCH,
                format!("Header mismatch: the required {header} header is missing (it must be {body:?})"),
            )),
            Some(v) if v != body => Err(ErrorObject::new(
                code::HEADER_MISMATCH,
                format!("Header mismatch: {header} header value {v:?} does not match body value {body:?}"),
            )),
            Some(_) => Ok(()),
        }
    }
    compare(
        "MCP-Protocol-Version",
        headers.protocol_version.as_deref(),
        version,
    )?;
    compare("Mcp-Method", headers.method.as_deref(), method)?;
    if matches!(
        method,
        "tools/call" | "prompts/get" | "resources/read" | "tasks/get" | "tasks/update" | "tasks/cancel"
    ) {
        // SEP-2663: tasks/* carry the task id in Mcp-Name, for routing.
        let field = match method {
            "resources/read" => "uri",
            m if m.starts_with("tasks/") => "taskId",
            _ => "name",
        };
        if let Some(body) = params.get(field).and_then(Value::as_str) {
            compare("Mcp-Name", headers.name.as_deref(), body)?;
        }
    }
    Ok(())
}
