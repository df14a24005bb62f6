//! The legacy session routes besides POST: GET (the session's stream of
//! server-initiated messages, resumable with `Last-Event-ID`) and DELETE,
//! both keyed by `Mcp-Session-Id`, and what a stateless server says instead.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use super::body::{SseStream, StreamClass};
use super::request::{accepts, header_str};
use super::respond::{plain, sse_response};
use super::service::{Shared, acquire_stream};
use super::session::{Session, StartError};
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
        return resume(shared, &session, last).await;
    }
    let slot = match acquire_stream(shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if session
        .get_open
        .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return plain(
            StatusCode::CONFLICT,
            "this session already has an open GET stream",
        );
    }
    let open = OpenGet(Arc::clone(&session.get_open));
    // The first GET here starts where the stored stream stands (with what
    // this replica queued since); later ones where the last one stopped.
    let from = match session.start_get_stream(&shared.streams).await {
        Ok(Some(last)) => last,
        Ok(None) => session.get_delivered.load(Ordering::Relaxed),
        Err(StartError::Taken) => {
            return plain(
                StatusCode::CONFLICT,
                "this session already has an open GET stream",
            );
        }
        Err(StartError::Store(why)) => return unreachable_store(&why),
    };
    session.get_delivered.fetch_max(from, Ordering::Relaxed);
    let events = shared.streams.tail(
        session.id.clone(),
        events::GET_STREAM,
        from,
        false,
        Some(Arc::clone(&session.get_delivered)),
    );
    let mut resp = sse_response(SseStream {
        queued: VecDeque::from([Bytes::from_static(b": stream open\n\n")]),
        events,
        raw: true,
        finish: None,
        end_after_finish: false,
        ending: false,
        done: false,
        on_drop: None,
    });
    resp.body_mut().set_class(StreamClass::Stream);
    resp.body_mut().hold(slot);
    resp.body_mut().hold(open);
    resp
}

/// Counts an open GET connection of a session until dropped.
struct OpenGet(Arc<AtomicUsize>);

impl Drop for OpenGet {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn unreachable_store(why: &str) -> Response<McpBody> {
    plain(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("the event store is unreachable: {why}; try again shortly"),
    )
}

/// GET with `Last-Event-ID`: the rest of a stream, from the event store,
/// on whichever replica the request reached.
async fn resume(shared: &Arc<Shared>, session: &Arc<Session>, last: &str) -> Response<McpBody> {
    let Some((owner, stream, seq)) = events::parse_event_id(last) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "Last-Event-ID must be an id this server sent (\"<session>-<stream>-<seq>\")",
        );
    };
    if owner.is_some_and(|o| o != session.id) {
        return plain(
            StatusCode::BAD_REQUEST,
            "Last-Event-ID names an event of another session: resume in the session that received it",
        );
    }
    match shared.streams.store.read_after(&session.id, stream, seq).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return plain(
                StatusCode::NOT_FOUND,
                "that stream is no longer available; re-send the request",
            );
        }
        Err(e) => return unreachable_store(&e.to_string()),
    }
    let mut held = None;
    let delivered = if stream == events::GET_STREAM {
        // The session's GET stream, resumed: this replica's messages join it.
        if let Err(StartError::Store(why)) = session.start_get_stream(&shared.streams).await {
            return unreachable_store(&why);
        }
        session.get_open.fetch_add(1, Ordering::SeqCst);
        held = Some(OpenGet(Arc::clone(&session.get_open)));
        Some(Arc::clone(&session.get_delivered))
    } else {
        None
    };
    let mut resp = sse_response(SseStream {
        queued: VecDeque::new(),
        events: shared
            .streams
            .tail(session.id.clone(), stream, seq, false, delivered),
        raw: true,
        finish: None,
        end_after_finish: false,
        ending: false,
        done: false,
        on_drop: None,
    });
    if let Some(open) = held {
        let slot = match acquire_stream(shared) {
            Ok(s) => s,
            Err(r) => return r,
        };
        resp.body_mut().set_class(StreamClass::Stream);
        resp.body_mut().hold(slot);
        resp.body_mut().hold(open);
    }
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
            s.conn.end_session().await;
            shared.sessions.end(&s.id).await;
            let mut r = Response::new(McpBody::empty());
            *r.status_mut() = StatusCode::OK;
            r
        }
        Err(r) => r,
    }
}
