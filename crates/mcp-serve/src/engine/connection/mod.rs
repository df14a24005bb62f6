//! One client connection (a stdio process, an in-memory pair, or an HTTP
//! session): era selection and the dispatch of each incoming frame.
//!
//! Era selection follows `2026-07-28/basic/versioning.mdx` "Backward
//! Compatibility": a request whose `_meta` carries
//! `io.modelcontextprotocol/protocolVersion` is served statelessly as modern;
//! `initialize` starts a legacy session scoped to this connection; both may
//! be served on the same connection.
//!
//! A frame's way through, by file:
//! - `mod.rs`: [`Connection`] and its state, the types transports exchange
//!   with it ([`Reply`], [`Answer`], [`Inbound`], [`MirroredHeaders`]), and
//!   the entry points: parsing a frame, batches, responses to server→client
//!   requests, notifications.
//! - `era`: a request's era (modern `_meta` or the legacy session), the
//!   mirrored header checks, and its [`Scope`]; `params` reads `params` and
//!   `_meta` for it without a full parse.
//! - `legacy`: the `initialize` handshake and session state,
//!   `logging/setLevel`, resource subscriptions, session tasks.
//! - `dispatch`: method → function, and a result → response bytes.
//! - `call`: running a handler: span, cancellation, MRTR `input_required`,
//!   the handler's `Context`.
//! - `changes`: change forwarding to legacy sessions, `subscriptions/listen`.

mod call;
mod changes;
mod dispatch;
mod era;
mod layered;
mod legacy;
mod params;
pub(in crate::engine) use params::Members;
mod pass;
mod session_state;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use futures::future::BoxFuture;
use mcp_serve_core::jsonrpc::{self, ErrorObject, Incoming, Kind, RawMessage, RequestId, encode_error};
use mcp_serve_core::types::ClientCapabilities;
use mcp_serve_core::version::ProtocolVersion;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Shared;
use crate::context::Peer;
use legacy::LegacySession;
use params::SeenClients;

pub(in crate::engine) use call::input_required;
pub(crate) use era::Scope;
pub use session_state::{RestoreError, SessionState};

/// A client's response as the waiting request takes it; `None` when it
/// carries neither a result nor an error.
pub(in crate::engine) fn answer_of(
    result: Option<&serde_json::value::RawValue>,
    error: Option<&serde_json::value::RawValue>,
) -> Option<Result<Value, ErrorObject>> {
    Some(match (result, error) {
        (_, Some(e)) => Err(serde_json::from_str::<ErrorObject>(e.get())
            .unwrap_or_else(|_| ErrorObject::internal("the client sent an unreadable error"))),
        (Some(r), None) => serde_json::from_str::<Value>(r.get())
            .map_err(|e| ErrorObject::internal(format!("the client sent an unreadable result: {e}"))),
        (None, None) => return None,
    })
}

/// A connection that does not keep it alive (the session routes of a
/// replica): the way back to it, and its address to tell it apart.
pub(in crate::engine) struct WeakConnection {
    weak: std::sync::Weak<Inner>,
    addr: usize,
}

impl WeakConnection {
    pub(in crate::engine) fn upgrade(&self) -> Option<Connection> {
        self.weak.upgrade().map(|inner| Connection { inner })
    }

    /// The address of the connection's state, the same while it lives.
    pub(in crate::engine) fn addr(&self) -> usize {
        self.addr
    }
}

/// What the transport should do with a frame's answer.
pub enum Reply {
    /// Nothing to send (a notification, a cancelled request).
    None,
    /// Send these bytes now.
    Now(Vec<u8>),
    /// The request was refused before any handler ran (bad frame, wrong era,
    /// unsupported version, unknown method...): send these bytes now; `code`
    /// is the JSON-RPC error code, for transports that map it to a status.
    Rejected {
        /// The error response.
        bytes: Vec<u8>,
        /// Its JSON-RPC error code.
        code: i64,
    },
    /// Run this (a handler) and send what it yields, if anything.
    Later(BoxFuture<'static, Option<Answer>>),
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::None => f.write_str("Reply::None"),
            Reply::Now(b) => write!(f, "Reply::Now({})", String::from_utf8_lossy(b)),
            Reply::Rejected { bytes, code } => {
                write!(f, "Reply::Rejected({code}, {})", String::from_utf8_lossy(bytes))
            }
            Reply::Later(_) => f.write_str("Reply::Later(..)"),
        }
    }
}

impl Reply {
    /// Waits for the answer, whatever kind it is.
    pub async fn resolve(self) -> Option<Vec<u8>> {
        match self {
            Reply::None => None,
            Reply::Now(b) | Reply::Rejected { bytes: b, .. } => Some(b),
            Reply::Later(f) => f.await.map(|a| a.bytes),
        }
    }
}

/// A handler's answer: the response bytes and, for an error response, its
/// JSON-RPC code (transports map some codes to HTTP statuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The serialized response.
    pub bytes: Vec<u8>,
    /// The error code, when the response is an error.
    pub error: Option<i64>,
}

struct Inner {
    shared: Arc<Shared>,
    peer: Peer,
    legacy: OnceLock<LegacySession>,
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    /// Cancelled when the connection is dropped, to stop its helper tasks.
    closed: CancellationToken,
    /// Cancelled when the client is gone, to end `subscriptions/listen`
    /// streams (which, unlike calls, never finish on their own).
    listening: CancellationToken,
    /// Cancelled when the server ends `subscriptions/listen` streams on its
    /// own (shutdown): each gets its completion result first.
    finishing: CancellationToken,
    /// Server→client requests awaiting the client's response (legacy).
    requests: Arc<super::input::PendingRequests>,
    /// Task-augmented calls of this session (legacy 2025-11-25).
    tasks: Arc<super::tasks::Tasks>,
    /// What modern clients last declared about themselves.
    seen: SeenClients,
    /// The legacy session this connection serves, as other replicas name it
    /// on the cluster bus (HTTP sessions).
    route: OnceLock<Box<str>>,
    /// Cancelled when the session ends (not merely this copy of it): the
    /// parent of its legacy tasks.
    session_end: CancellationToken,
    /// This is one replica's copy of a session kept in a shared store, so
    /// dropping it does not end the session (see `hold_shared_copy`).
    shared_copy: AtomicBool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.closed.cancel();
        if !self.shared_copy.load(Ordering::Relaxed) {
            self.session_end.cancel();
        }
        if let Some(id) = self.route.get() {
            // The address `route_as` registered: this state's own.
            let addr = std::ptr::from_ref::<Inner>(self) as usize;
            self.shared.routes.forget(id, addr);
        }
        for token in self
            .in_flight
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
        {
            token.cancel();
        }
    }
}

/// A client connection to the engine.
///
/// Transports create one per stdio process, in-memory pair or HTTP session
/// and feed it frames; see [`crate::transport`].
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("legacy", &self.inner.legacy.get().map(|s| s.version))
            .finish_non_exhaustive()
    }
}

fn error_reply(id: Option<&RequestId>, e: &ErrorObject) -> Reply {
    Reply::Rejected {
        bytes: encode_error(id, e),
        code: e.code,
    }
}

/// Where a frame came from and where its request's own messages go.
///
/// Transports fill in what they know: the HTTP request behind the frame, a
/// per-request stream for progress and log notifications (an SSE response),
/// and the values the client mirrored into headers, which must match the
/// body (`Mcp-Method`, `Mcp-Name`, `MCP-Protocol-Version`).
#[derive(Debug, Clone, Default)]
pub struct Inbound {
    /// The HTTP request, without its body.
    pub http: Option<Arc<http::request::Parts>>,
    /// Where this request's notifications go (default: the connection's outbound).
    pub stream: Option<mpsc::Sender<Vec<u8>>>,
    /// Header values to check against the body of a modern request.
    pub mirrored: Option<MirroredHeaders>,
    /// The connection is shared by unrelated clients (modern HTTP): requests
    /// are not registered for `notifications/cancelled`, which could name
    /// another client's id; closing the response cancels instead.
    pub shared_connection: bool,
}

/// The request metadata a Streamable HTTP client mirrors into headers
/// (decoded from the `=?base64?...?=` form where used).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirroredHeaders {
    /// `MCP-Protocol-Version`.
    pub protocol_version: Option<String>,
    /// `Mcp-Method`.
    pub method: Option<String>,
    /// `Mcp-Name`.
    pub name: Option<String>,
    /// `Mcp-Param-{Name}` headers: the lower-cased name after the prefix,
    /// and the raw value (possibly in the `=?base64?...?=` form).
    pub params: Vec<(String, String)>,
}

impl Connection {
    /// A connection whose server-initiated messages (progress, logs,
    /// `list_changed`) go to `outbound`.
    pub(crate) fn new(shared: Arc<Shared>, outbound: Option<mpsc::Sender<Vec<u8>>>) -> Self {
        Connection {
            inner: Arc::new(Inner {
                peer: Peer(outbound),
                legacy: OnceLock::new(),
                in_flight: Mutex::new(HashMap::new()),
                closed: CancellationToken::new(),
                listening: CancellationToken::new(),
                finishing: CancellationToken::new(),
                requests: Arc::new(super::input::PendingRequests::tagged(shared.routes.tag())),
                tasks: Arc::default(),
                seen: SeenClients::default(),
                route: OnceLock::new(),
                session_end: CancellationToken::new(),
                shared_copy: AtomicBool::new(false),
                shared,
            }),
        }
    }

    /// Where this connection's server-initiated messages go.
    pub fn outbound(&self) -> Option<mpsc::Sender<Vec<u8>>> {
        self.inner.peer.0.clone()
    }

    /// Treats this connection as an already initialized legacy session at
    /// `version` (stateless HTTP serving of legacy clients: every request
    /// stands alone, without a handshake on this connection).
    pub fn assume_legacy(&self, version: ProtocolVersion) {
        let _ = self.inner.legacy.set(LegacySession {
            version,
            client_info: None,
            capabilities: Arc::new(ClientCapabilities::default()),
            initialized: AtomicBool::new(true),
            log_level: Mutex::new(None),
            subscriptions: Mutex::new(std::collections::HashSet::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
            task_key: legacy::new_task_key(),
        });
    }

    /// The legacy revision negotiated by `initialize`, if any.
    pub fn legacy_version(&self) -> Option<ProtocolVersion> {
        self.inner.legacy.get().map(|s| s.version)
    }

    /// Ends this connection's `subscriptions/listen` streams: for a transport
    /// whose client is gone (stdin closed), where a stream would otherwise
    /// hold the shutdown.
    pub fn end_subscriptions(&self) {
        self.inner.listening.cancel();
    }

    /// Ends this connection's `subscriptions/listen` streams gracefully, each
    /// with its completion result (`resultType: "complete"`), as the spec
    /// asks of a server that shuts down: the client knows to listen again.
    pub fn finish_subscriptions(&self) {
        self.inner.finishing.cancel();
    }

    /// Handles one frame: a message or (revision 2025-03-26) a batch.
    pub fn handle(&self, frame: &[u8], http: Option<Arc<http::request::Parts>>) -> Reply {
        self.handle_inbound(
            frame,
            &Inbound {
                http,
                ..Default::default()
            },
        )
    }

    /// Handles one frame with everything the transport knows about it.
    pub fn handle_inbound(&self, frame: &[u8], via: &Inbound) -> Reply {
        match jsonrpc::parse(frame) {
            Err(e) => error_reply(None, &e),
            Ok(Incoming::Single(m)) => self.handle_raw(&m, via),
            Ok(Incoming::Batch(items)) => self.handle_batch(items, via),
        }
    }

    fn handle_batch(&self, items: Vec<Result<RawMessage<'_>, ErrorObject>>, via: &Inbound) -> Reply {
        if !self.legacy_version().is_some_and(ProtocolVersion::allows_batches) {
            return error_reply(
                None,
                &ErrorObject::invalid_request(
                    "JSON-RPC batches are only allowed in protocol revision 2025-03-26; send one message at a time",
                ),
            );
        }
        let replies: Vec<Reply> = items
            .into_iter()
            .map(|item| match item {
                Ok(m) => self.handle_raw(&m, via),
                Err(e) => error_reply(None, &e),
            })
            .collect();
        Reply::Later(Box::pin(async move {
            let mut out = Vec::new();
            for r in replies {
                if let Some(bytes) = r.resolve().await {
                    out.push(bytes);
                }
            }
            if out.is_empty() {
                return None;
            }
            let mut buf = b"[".to_vec();
            buf.extend(out.join(&b","[..]));
            buf.push(b']');
            Some(Answer {
                bytes: buf,
                error: None,
            })
        }))
    }

    /// Handles one already-parsed message (transports that route on the
    /// envelope parse once and pass it here).
    pub fn handle_raw(&self, m: &RawMessage<'_>, via: &Inbound) -> Reply {
        let kind = match m.validate() {
            Ok(k) => k,
            Err(e) => return error_reply(m.id().as_ref(), &e),
        };
        self.handle_valid(m, kind, via)
    }

    /// [`Connection::handle_raw`] for a message the transport already
    /// validated (`kind` is what [`RawMessage::validate`] said), so that a
    /// transport routing on the envelope checks it once.
    pub fn handle_valid(&self, m: &RawMessage<'_>, kind: Kind, via: &Inbound) -> Reply {
        let method = m.method().unwrap_or_default();
        match kind {
            // Answers to server-initiated requests; none are sent yet.
            Kind::Response => {
                self.handle_response(m);
                Reply::None
            }
            Kind::Notification => {
                self.handle_notification(method, m.params(), via);
                Reply::None
            }
            Kind::Request => {
                let Some(id) = m.id() else {
                    return error_reply(None, &ErrorObject::invalid_request("unreadable id"));
                };
                self.handle_request(id, method, m.params(), via)
            }
        }
    }

    /// A client's answer to a server→client request (legacy era): for a
    /// request of this connection, or forwarded to the replica that sent it.
    fn handle_response(&self, m: &RawMessage<'_>) {
        let Some(id) = m.id() else { return };
        let Some(result) = answer_of(m.result(), m.error()) else {
            return;
        };
        if self.inner.requests.resolve(&id, result) {
            return;
        }
        let forwarded = self.inner.route.get().is_some_and(|session| {
            self.inner
                .shared
                .routes
                .forward_answer(session, &id, m.result(), m.error())
        });
        if !forwarded {
            tracing::debug!(%id, "response to an unknown or expired server request; dropped");
        }
    }

    /// Registers this connection as the one serving legacy session `id` on
    /// this replica, so that what other replicas receive for the session
    /// (answers to its requests, cancellations) reaches it over the cluster
    /// bus. Once per connection; later calls change nothing.
    // Only HTTP has sessions to route.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn route_as(&self, id: &str) {
        if self.inner.route.set(id.into()).is_ok() {
            let conn = WeakConnection {
                weak: Arc::downgrade(&self.inner),
                addr: Arc::as_ptr(&self.inner) as usize,
            };
            self.inner.shared.routes.register(id, conn);
        }
    }

    /// Marks this connection as one replica's copy of a session that lives
    /// in a shared store: dropping it (the session idled out here while the
    /// client uses other replicas) leaves the session's tasks running, to
    /// their end or their time to live. [`Connection::end_session`] still
    /// stops them.
    // Only HTTP has shared sessions.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn hold_shared_copy(&self) {
        self.inner.shared_copy.store(true, Ordering::Relaxed);
    }

    /// Ends the session for good (the client's DELETE): its legacy tasks
    /// stop here at once, and, through the task store, wherever else they
    /// run (at that replica's next lease renewal).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) async fn end_session(&self) {
        self.inner.session_end.cancel();
        if let Some(key) = self.inner.legacy.get().map(|s| s.task_key.clone()) {
            crate::engine::tasks::legacy::cancel_session(&self.inner.shared, &key).await;
        }
    }

    /// Delivers an answer another replica received for a request of this
    /// connection; `false` when none waits for it.
    pub(in crate::engine) fn take_answer(&self, id: &RequestId, answer: Result<Value, ErrorObject>) -> bool {
        self.inner.requests.resolve(id, answer)
    }

    /// Cancels the client's request `id` if it runs here; `true` if it did.
    pub(in crate::engine) fn cancel_here(&self, id: &RequestId) -> bool {
        let token = self.lock_in_flight().remove(id);
        token.inspect(CancellationToken::cancel).is_some()
    }

    fn handle_notification(&self, method: &str, params: Option<&serde_json::value::RawValue>, via: &Inbound) {
        match method {
            "notifications/initialized" => {
                if let Some(s) = self.inner.legacy.get() {
                    if !s.initialized.swap(true, Ordering::AcqRel) {
                        s.changed();
                    }
                }
            }
            "notifications/cancelled" => {
                let id = params
                    .and_then(|p| serde_json::from_str::<Value>(p.get()).ok())
                    .and_then(|p| p.get("requestId").cloned())
                    .and_then(|id| serde_json::from_value::<RequestId>(id).ok());
                if let Some(id) = id {
                    // Not running here: perhaps on another replica serving
                    // this session.
                    if !self.cancel_here(&id) {
                        if let Some(session) = self.inner.route.get() {
                            self.inner.shared.routes.forward_cancel(session, &id);
                        }
                    }
                }
            }
            other => {
                if let Some(run) = self.inner.shared.options.extensions.notifications.get(other) {
                    let mut params = params
                        .and_then(|p| serde_json::from_str::<serde_json::Map<String, Value>>(p.get()).ok())
                        .unwrap_or_default();
                    params.remove("_meta");
                    let cx = self.request_context(
                        None,
                        self.notification_scope(via),
                        CancellationToken::new(),
                        None,
                        None,
                    );
                    // Nothing waits for a notification's handler.
                    tokio::spawn(run(params, cx));
                }
                // Other notifications need no action from the engine.
            }
        }
    }

    /// What every connection shares.
    pub(super) fn shared(&self) -> &Arc<Shared> {
        &self.inner.shared
    }

    pub(super) fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<RequestId, CancellationToken>> {
        self.inner
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
