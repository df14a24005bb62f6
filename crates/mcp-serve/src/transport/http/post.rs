//! POST, the route both eras share: checks the request, reads the envelope
//! and picks the connection that serves it (a legacy session, a fresh
//! stateless one, or the shared modern one), then answers.

use std::sync::Arc;

use http::{HeaderValue, Response, StatusCode, header};
use mcp_serve_core::jsonrpc::{self, ErrorObject, Incoming, Kind};
use tokio::sync::mpsc;

use super::body::StreamClass;
use super::request::{accepts_json_sse, decode_mirrored, header_str, mirrored_value, read_body};
use super::respond::{
    accepted, json_error, json_response, plain, rejection_status, respond_later, respond_resumable,
};
use super::service::{Shared, acquire_stream};
use super::{McpBody, SESSION_HEADER, names, session};
use crate::engine::{Inbound, MirroredHeaders, Reply};

pub(super) async fn post<B>(shared: &Arc<Shared>, parts: http::request::Parts, body: B) -> Response<McpBody>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let content_type = header_str(&parts.headers, header::CONTENT_TYPE).unwrap_or_default();
    if !content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("application/json")
    {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json: the body is one JSON-RPC message",
        );
    }
    // Compressed bodies are not decoded; say so rather than fail to parse them.
    if let Some(encoding) = parts
        .headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()))
        .find(|e| !e.trim().eq_ignore_ascii_case("identity"))
    {
        let mut r = plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Content-Encoding {encoding:?} is not supported: send the JSON body uncompressed"),
        );
        r.headers_mut()
            .insert(header::ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        return r;
    }
    let bytes = match read_body(shared, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (accepts_json, accepts_event_stream) = accepts_json_sse(&parts.headers);
    if parts.headers.contains_key(header::ACCEPT) && !accepts_json {
        return plain(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must include application/json (and text/event-stream for streamed responses)",
        );
    }
    let session_id = header_str(&parts.headers, names::SESSION).map(str::to_owned);
    let accepts_sse = !shared.options.json_response && accepts_event_stream;
    let mirrored = MirroredHeaders {
        protocol_version: mirrored_value(&parts.headers, &names::PROTOCOL_VERSION),
        method: mirrored_value(&parts.headers, &names::METHOD),
        name: mirrored_value(&parts.headers, &names::NAME).and_then(|v| decode_mirrored(&v)),
        params: parts
            .headers
            .keys()
            .filter_map(|k| {
                let name = k.as_str().strip_prefix("mcp-param-")?;
                Some((name.to_owned(), mirrored_value(&parts.headers, k)?))
            })
            .collect(),
    };
    // A modern client's request (even a stray `initialize`) is served statelessly.
    let modern_header = mirrored
        .protocol_version
        .as_deref()
        .and_then(|v| v.parse::<mcp_serve_core::version::ProtocolVersion>().ok())
        .is_some_and(|v| v.is_modern())
        && !shared.server.legacy_only();
    let parts = Arc::new(parts);

    // Route on the envelope: which connection serves this frame?
    let parsed = match jsonrpc::parse(&bytes) {
        Ok(p) => p,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, None, &e),
    };
    let (kind, method) = match &parsed {
        Incoming::Single(m) => match m.validate() {
            Ok(k) => (Some(k), m.method().map(str::to_owned)),
            Err(e) => return json_error(StatusCode::BAD_REQUEST, m.id().as_ref(), &e),
        },
        Incoming::Batch(_) => (None, None),
    };

    #[cfg(feature = "auth")]
    if let Some(r) = scope_refusal(shared, &parts, &parsed) {
        return r;
    }
    if let Some(r) = tool_rate_refusal(shared, &parts, &parsed) {
        return r;
    }

    // Whether the body declares a modern revision in `_meta`: read only where
    // the routing needs it (not for a modern request without a session).
    let legacy_only = shared.server.legacy_only();
    let body_is_modern = (session_id.is_some() || (shared.options.stateless && !modern_header))
        && !legacy_only
        && has_modern_meta(&parsed);
    if session_id.is_some() && modern_header && !body_is_modern {
        return json_error(
            StatusCode::BAD_REQUEST,
            parsed_id(&parsed).as_ref(),
            &ErrorObject::new(
                mcp_serve_core::error::code::HEADER_MISMATCH,
                "Header mismatch: MCP-Protocol-Version names a 2026-07-28 request but the body is a legacy session request; send the session's negotiated revision in the header",
            ),
        );
    }
    // A modern request is served statelessly even when it names a session:
    // the session header means nothing in 2026-07-28, and the mirrored
    // headers must be checked against its body like any other's.
    let session_id = session_id.filter(|_| !modern_header && !body_is_modern);
    let (conn, session, modern) = if let Some(id) = &session_id {
        // What may change the session (a batch may hold anything).
        let changes = kind.is_none()
            || matches!(
                method.as_deref(),
                Some(
                    "notifications/initialized"
                        | "logging/setLevel"
                        | "resources/subscribe"
                        | "resources/unsubscribe"
                )
            );
        let found = match shared.sessions.find_for(&shared.server, id, changes).await {
            Ok(found) => found,
            Err(session::Unavailable(why)) => return plain(StatusCode::SERVICE_UNAVAILABLE, &why),
        };
        match found {
            // Another caller's session: refused as the spec says for a
            // request the credential does not allow.
            Some(s) if !s.belongs_to(&parts) => {
                return plain(
                    StatusCode::FORBIDDEN,
                    "this session belongs to another caller: start your own with initialize",
                );
            }
            Some(s) => {
                // Legacy clients send the negotiated revision on every request after initialize.
                // (Repeated lines are combined, so they are refused below.)
                if let Some(v) = mirrored.protocol_version.as_deref() {
                    let known = v
                        .parse::<mcp_serve_core::version::ProtocolVersion>()
                        .is_ok_and(|v| v.is_legacy());
                    // Any revision we speak is accepted (clients differ in what they send
                    // after negotiation); unknown ones are refused, as the spec says.
                    if !known {
                        return plain(
                            StatusCode::BAD_REQUEST,
                            &format!(
                                "unsupported MCP-Protocol-Version {v:?} for this session: send a revision this server supports (2025-11-25, 2025-06-18, 2025-03-26 or 2024-11-05)"
                            ),
                        );
                    }
                }
                (s.conn.clone(), Some(s), false)
            }
            None => {
                return plain(
                    StatusCode::NOT_FOUND,
                    "unknown or expired session (Mcp-Session-Id): start a new one with initialize",
                );
            }
        }
    } else if shared.options.stateless && !modern_header && !body_is_modern {
        // Stateless legacy serving: a fresh connection per request.
        let conn = shared.server.connect_detached();
        if method.as_deref() != Some("initialize") {
            let version = mirrored
                .protocol_version
                .as_deref()
                .and_then(|v| v.parse::<mcp_serve_core::version::ProtocolVersion>().ok())
                .filter(|v| v.is_legacy())
                .unwrap_or(mcp_serve_core::version::ProtocolVersion::V2025_03_26);
            conn.assume_legacy(version);
        }
        (conn, None, false)
    } else if method.as_deref() == Some("initialize") && !modern_header {
        let (tx, rx) = mpsc::channel(256);
        let conn = shared.server.connect(Some(tx));
        match shared.sessions.insert(conn.clone(), rx, session::caller(&parts)) {
            Ok(s) => (conn, Some(s), false),
            Err(session::Full(max)) => {
                return plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!("the server already has {max} sessions open; try again later"),
                );
            }
        }
    } else {
        (shared.stateless.clone(), None, true)
    };

    if modern && method.as_deref() == Some("subscriptions/listen") && !accepts_sse {
        return if shared.options.json_response {
            plain(
                StatusCode::NOT_IMPLEMENTED,
                "this server answers in JSON only (HttpOptions::json_response), which cannot carry subscriptions/listen streams",
            )
        } else {
            plain(
                StatusCode::NOT_ACCEPTABLE,
                "subscriptions/listen answers with an event stream: send Accept: text/event-stream",
            )
        };
    }

    // Notifications and responses: accept and answer 202. Modern HTTP has no
    // core client notifications (closing a response cancels it), and the
    // shared stateless connection must not let one client cancel another's
    // request (it registers no cancellation tokens); extensions' own
    // notifications are still delivered.
    if matches!(kind, Some(Kind::Response)) && modern {
        return accepted();
    }
    if matches!(kind, Some(Kind::Notification | Kind::Response)) {
        let via = Inbound {
            http: Some(Arc::clone(&parts)),
            shared_connection: modern,
            ..Default::default()
        };
        if let Incoming::Single(m) = &parsed {
            if let Reply::Rejected { bytes, code } = conn.handle_raw(m, &via) {
                return json_response(bytes, rejection_status(code, modern));
            }
        }
        if let Some(s) = &session {
            shared.sessions.persist(s).await;
        }
        return accepted();
    }

    // A batch of notifications and responses (2025-03-26) is accepted with
    // 202 and no body, like a single one.
    if let Incoming::Batch(items) = &parsed {
        let answers_nothing = items.iter().all(|item| {
            item.as_ref()
                .is_ok_and(|m| matches!(m.validate(), Ok(Kind::Notification | Kind::Response)))
        });
        if answers_nothing {
            let via = Inbound {
                http: Some(Arc::clone(&parts)),
                ..Default::default()
            };
            let refusal = conn.handle_inbound(&bytes, &via).resolve().await;
            if let Some(s) = &session {
                shared.sessions.persist(s).await;
            }
            return match refusal {
                // The batch itself was refused (batches belong to 2025-03-26 only).
                Some(refusal) => json_response(refusal, StatusCode::BAD_REQUEST),
                None => accepted(),
            };
        }
    }

    // A listen stream is long-lived: it takes one of the capped stream
    // places, for as long as it stays open.
    let listen_slot = if modern && method.as_deref() == Some("subscriptions/listen") {
        match acquire_stream(shared) {
            Ok(slot) => Some(slot),
            Err(r) => return r,
        }
    } else {
        None
    };
    let (tx, rx) = mpsc::channel::<Vec<u8>>(64);
    let via = Inbound {
        http: Some(Arc::clone(&parts)),
        stream: accepts_sse.then_some(tx),
        mirrored: modern.then_some(mirrored),
        shared_connection: modern,
    };
    let reply = match (&parsed, kind) {
        (Incoming::Single(m), Some(kind)) => conn.handle_valid(m, kind, &via),
        (Incoming::Single(m), None) => conn.handle_raw(m, &via),
        (Incoming::Batch(_), _) => conn.handle_inbound(&bytes, &via),
    };
    drop(via);
    // State a request changes (initialize, logging/setLevel, subscriptions)
    // is saved before the answer goes out, so the client's next request may
    // land on any replica. Through middleware those requests are answered
    // later: with a shared store, wait for them first (they are quick).
    let reply = match reply {
        Reply::Later(fut)
            if session.is_some()
                && shared.sessions.is_shared()
                && matches!(
                    method.as_deref(),
                    Some("initialize" | "logging/setLevel" | "resources/subscribe" | "resources/unsubscribe")
                ) =>
        {
            let answer = fut.await;
            Reply::Later(Box::pin(std::future::ready(answer)))
        }
        other => other,
    };
    if let Some(s) = &session {
        if s.conn.legacy_version().is_some() {
            shared.sessions.persist(s).await;
        }
    }
    let mut resp = match reply {
        Reply::None => accepted(),
        Reply::Now(bytes) => json_response(bytes, StatusCode::OK),
        Reply::Rejected { bytes, code } => json_response(bytes, rejection_status(code, modern)),
        Reply::Later(fut) => match &session {
            Some(s) if accepts_sse => {
                // The request's id, for the error a reader on another replica sends if this one dies.
                let request_id = parsed_id(&parsed).and_then(|id| serde_json::to_string(&id).ok());
                respond_resumable(shared, Arc::clone(s), fut, rx, request_id).await
            }
            _ => respond_later(fut, rx, modern, accepts_sse).await,
        },
    };
    if let Some(slot) = listen_slot {
        resp.body_mut().set_class(StreamClass::Listen);
        resp.body_mut().hold(slot);
    }
    if let Some(s) = session {
        if method.as_deref() == Some("initialize") {
            if s.conn.legacy_version().is_some() {
                if let Ok(v) = HeaderValue::from_str(&s.id) {
                    resp.headers_mut().insert(SESSION_HEADER, v);
                }
            } else {
                // The handshake failed: the session never started.
                shared.sessions.remove(&s.id);
            }
        }
    }
    resp
}

/// The step-up challenge when the caller lacks the scopes of the tool,
/// prompt or resource a request (or any request of a batch) targets.
#[cfg(feature = "auth")]
fn scope_refusal(
    shared: &Shared,
    parts: &http::request::Parts,
    parsed: &Incoming<'_>,
) -> Option<Response<McpBody>> {
    let auth = shared
        .options
        .auth
        .as_deref()
        .filter(|a| a.denial == crate::auth::ScopeDenial::StepUp)?;
    let principal = parts
        .extensions
        .get::<Arc<crate::auth::Principal>>()
        .map(|p| &**p);
    let refusal = |m: &jsonrpc::RawMessage<'_>| {
        let (method, name) = target_of(m)?;
        let required = shared.server.required_scopes(method, &name);
        super::authorize::step_up(auth, parts, principal, &required, shared.options.serves_tls())
    };
    match parsed {
        Incoming::Single(m) => refusal(m),
        Incoming::Batch(items) => items.iter().flatten().find_map(refusal),
    }
}

/// The method and target of a request for a component: the tool or prompt
/// name, or the resource URI. Read from the body, which the handler will
/// see: a mirrored header is only checked against it in the modern era.
fn target_of<'a>(m: &'a jsonrpc::RawMessage<'_>) -> Option<(&'a str, String)> {
    let method = m.method()?;
    let key = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" | "resources/subscribe" => "uri",
        _ => return None,
    };
    let params: serde_json::Map<String, serde_json::Value> = serde_json::from_str(m.params()?.get()).ok()?;
    Some((method, params.get(key)?.as_str()?.to_owned()))
}

/// The 429 when a call (or a call of a batch) exceeds its tool's rate limit.
fn tool_rate_refusal(
    shared: &Shared,
    parts: &http::request::Parts,
    parsed: &Incoming<'_>,
) -> Option<Response<McpBody>> {
    let limiters = shared.limiters.as_deref()?;
    let refusal = |m: &jsonrpc::RawMessage<'_>| match target_of(m)? {
        ("tools/call", tool) => limiters.check_tool(parts, &tool),
        _ => None,
    };
    match parsed {
        Incoming::Single(m) => refusal(m),
        Incoming::Batch(items) => items.iter().flatten().find_map(refusal),
    }
}

/// The id of a single message, when it is readable (for error replies).
pub(super) fn parsed_id(parsed: &Incoming<'_>) -> Option<jsonrpc::RequestId> {
    match parsed {
        Incoming::Single(m) => m.id(),
        Incoming::Batch(_) => None,
    }
}

/// Whether a parsed message's `_meta` names a protocol version (a modern request).
pub(super) fn has_modern_meta(parsed: &Incoming<'_>) -> bool {
    let Incoming::Single(m) = parsed else { return false };
    // Most legacy requests do not even mention the key: skip the parse.
    if !m
        .params()
        .is_some_and(|p| p.get().contains(mcp_serve_core::meta::PROTOCOL_VERSION))
    {
        return false;
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "_meta", default)]
        meta: Option<std::collections::HashMap<String, serde::de::IgnoredAny>>,
    }
    m.params()
        .and_then(|p| serde_json::from_str::<Probe>(p.get()).ok())
        .and_then(|p| p.meta)
        .is_some_and(|meta| meta.contains_key(mcp_serve_core::meta::PROTOCOL_VERSION))
}
