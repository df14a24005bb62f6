//! The deprecated HTTP+SSE transport of 2024-11-05: `GET …/sse` opens a
//! session whose stream carries every message; the client POSTs to
//! `…/messages?sessionId=…`.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use mcp_serve_core::jsonrpc;
use tokio::sync::mpsc;

use super::body::{SseStream, StreamClass};
use super::request::read_body;
use super::respond::{json_error, plain, sse_response};
use super::service::{Shared, acquire_stream};
use super::{McpBody, session};
use crate::engine::Inbound;

/// `GET …/sse` (2024-11-05): a session whose stream carries every message.
pub(super) fn legacy_sse_open(shared: &Arc<Shared>, parts: &http::request::Parts) -> Response<McpBody> {
    let slot = match acquire_stream(shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (tx, rx) = mpsc::channel(256);
    let conn = shared.server.connect(Some(tx));
    let session = match shared.sessions.insert(conn, rx, session::caller(parts)) {
        Ok(s) => s,
        Err(session::Full(max)) => {
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("the server already has {max} sessions open; try again later"),
            );
        }
    };
    let Some(rx) = session.take_outbound() else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "session stream unavailable");
    };
    // A reference relative to the stream's own URL: it names the right path
    // under any prefix, including one a router stripped before this
    // service saw the request (axum's `nest_service`).
    let endpoint = format!("event: endpoint\ndata: messages?sessionId={}\n\n", session.id);
    let store = Arc::downgrade(&shared.sessions);
    let id = session.id.clone();
    let mut resp = sse_response(SseStream {
        queued: VecDeque::from([Bytes::from(endpoint)]),
        events: rx,
        raw: false,
        finish: None,
        end_after_finish: false,
        ending: false,
        done: false,
        // The stream is the session: closing it ends the session.
        on_drop: Some(Box::new(move |_| {
            drop(slot);
            if let Some(store) = store.upgrade() {
                store.remove(&id);
            }
        })),
    });
    resp.body_mut().set_class(StreamClass::Stream);
    resp
}

/// `POST …/messages?sessionId=…` (2024-11-05): answers go on the SSE stream.
pub(super) async fn legacy_sse_post<B>(
    shared: &Arc<Shared>,
    parts: http::request::Parts,
    body: B,
) -> Response<McpBody>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let id = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("sessionId="))
        .map(str::to_owned);
    let Some(session) = id.as_deref().and_then(|id| shared.sessions.get(id)) else {
        return plain(
            StatusCode::NOT_FOUND,
            "unknown or missing sessionId: open a new stream with GET /sse",
        );
    };
    if !session.belongs_to(&parts) {
        return plain(
            StatusCode::FORBIDDEN,
            "this session belongs to another caller: open your own stream with GET /sse",
        );
    }
    let bytes = match read_body(shared, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(e) = jsonrpc::parse(&bytes) {
        return json_error(StatusCode::BAD_REQUEST, None, &e);
    }
    let via = Inbound {
        http: Some(Arc::new(parts)),
        ..Default::default()
    };
    let reply = session.conn.handle_inbound(&bytes, &via);
    let sink = session.conn.outbound();
    tokio::spawn(async move {
        if let (Some(bytes), Some(sink)) = (reply.resolve().await, sink) {
            let _ = sink.send(bytes).await;
        }
    });
    let mut r = Response::new(McpBody::full("Accepted"));
    *r.status_mut() = StatusCode::ACCEPTED;
    r
}
