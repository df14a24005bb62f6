//! The legacy session routes besides POST: GET (the session's stream of
//! server-initiated messages, resumable with `Last-Event-ID`) and DELETE,
//! both keyed by `Mcp-Session-Id`, and what a stateless server says instead.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use super::body::{SseStream, StreamClass};
use super::request::{accepts, header_str};
use super::respond::{plain, sse_response};
use super::service::{Shared, acquire_stream};
use super::session::Session;
use super::{McpBody, events, names};

pub(super) async fn session_from(
    shared: &Shared,
    parts: &http::request::Parts,
) -> Result<Arc<Session>, Response<McpBody>> {
    let Some(id) = header_str(&parts.headers, names::SESSION) else {
        return Err(plain(
            StatusCode::BAD_REQUEST,
            "missing Mcp-Session-Id header: GET and DELETE belong to a legacy session started with initialize",
        ));
    };
    let found = shared
        .sessions
        .find(&shared.server, id)
        .await
        .map_err(|super::session::Unavailable(why)| plain(StatusCode::SERVICE_UNAVAILABLE, &why))?;
    let session = found.ok_or_else(|| {
        plain(
            StatusCode::NOT_FOUND,
            "unknown or expired session (Mcp-Session-Id): start a new one with initialize",
        )
    })?;
    if !session.belongs_to(parts) {
        return Err(plain(
            StatusCode::FORBIDDEN,
            "this session belongs to another caller: start your own with initialize",
        ));
    }
    Ok(session)
}

/// 405 for what needs a session, from a stateless server.
pub(super) fn stateless_refusal(what: &str) -> Response<McpBody> {
    let mut r = plain(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("this server is stateless: {what}"),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, OPTIONS"));
    r
}

/// GET: the legacy session's stream of server-initiated messages.
pub(super) async fn get(shared: &Arc<Shared>, parts: &http::request::Parts) -> Response<McpBody> {
    if shared.options.stateless {
        return stateless_refusal("it has no GET stream");
    }
    if header_str(&parts.headers, names::SESSION).is_none() {
        let mut r = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "GET needs a legacy session (Mcp-Session-Id); modern clients use subscriptions/listen",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST, DELETE, OPTIONS"));
        return r;
    }
    if !accepts(&parts.headers, "text/event-stream") {
        return plain(
            StatusCode::NOT_ACCEPTABLE,
            "GET opens an event stream: send Accept: text/event-stream",
        );
    }
    let session = match session_from(shared, parts).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(last) = header_str(&parts.headers, names::LAST_EVENT_ID) {
        let Some((stream, seq)) = events::parse_event_id(last) else {
            return plain(
                StatusCode::BAD_REQUEST,
                "Last-Event-ID must be an id this server sent (\"<stream>-<seq>\")",
            );
        };
        if shared
            .streams
            .store
            .read_after(&session.id, stream, seq)
            .is_none()
        {
            return plain(
                StatusCode::NOT_FOUND,
                "that stream is no longer available; re-send the request",
            );
        }
        return sse_response(SseStream {
            queued: VecDeque::new(),
            events: shared.streams.tail(session.id.clone(), stream, seq, false),
            raw: true,
            finish: None,
            end_after_finish: false,
            ending: false,
            done: false,
            on_drop: None,
        });
    }
    let slot = match acquire_stream(shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(rx) = session.take_outbound() else {
        return plain(
            StatusCode::CONFLICT,
            "this session already has an open GET stream",
        );
    };
    let weak = Arc::downgrade(&session);
    let mut resp = sse_response(SseStream {
        queued: VecDeque::from([Bytes::from_static(b": stream open\n\n")]),
        events: rx,
        raw: false,
        finish: None,
        end_after_finish: false,
        ending: false,
        done: false,
        on_drop: Some(Box::new(move |rx| {
            drop(slot);
            if let Some(s) = weak.upgrade() {
                s.return_outbound(rx);
            }
        })),
    });
    resp.body_mut().set_class(StreamClass::Stream);
    resp
}

/// DELETE: ends a legacy session.
pub(super) async fn delete(shared: &Arc<Shared>, parts: &http::request::Parts) -> Response<McpBody> {
    if shared.options.stateless {
        // The spec's answer for "this server does not let clients end sessions".
        return stateless_refusal("it has no sessions to end");
    }
    match session_from(shared, parts).await {
        Ok(s) => {
            shared.sessions.end(&s.id).await;
            let mut r = Response::new(McpBody::empty());
            *r.status_mut() = StatusCode::OK;
            r
        }
        Err(r) => r,
    }
}
