//! Response bodies: a whole JSON message, nothing, or an SSE stream that
//! drives the request's handler as it is polled (so a client that closes the
//! stream cancels the handler, as the spec asks).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// The body of every response the MCP endpoint sends.
pub struct McpBody {
    kind: Kind,
    class: StreamClass,
    life: Option<Box<Life>>,
    held: Held,
}

/// What a response keeps until it is done. The guards every request
/// carries sit in place, so a plain JSON answer allocates nothing for them.
#[derive(Default)]
struct Held {
    /// The request's place under the concurrency cap.
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    /// Told when the response is done (the connection's bookkeeping).
    on_done: Option<std::sync::Arc<dyn OnDone>>,
    /// Anything else (a stream slot).
    others: Vec<Box<dyn Send + Sync>>,
}

/// Something to tell when a response is done (sent or dropped).
pub(crate) trait OnDone: Send + Sync {
    fn done(&self);
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(d) = self.on_done.take() {
            d.done();
        }
    }
}

/// What kind of exchange a response is, for the limits and the shutdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamClass {
    /// An answer to one request (JSON, or SSE while the call runs): counted
    /// among the requests in flight, drained on shutdown.
    Call,
    /// A `subscriptions/listen` stream: long-lived; the engine ends it on
    /// shutdown with its graceful completion result.
    Listen,
    /// A legacy GET or `/sse` stream: long-lived; ended at once on shutdown,
    /// with `retry:` so the client reconnects (elsewhere).
    Stream,
}

/// Timers and guards an armed response carries.
#[derive(Default)]
struct Life {
    /// Comment lines on an idle SSE stream: the period and the next one.
    keep_alive: Option<(Duration, Pin<Box<tokio::time::Sleep>>)>,
    /// Resolves when the server starts draining (long-lived streams only).
    drain: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
}

/// How soon a client whose stream a draining server ended should reconnect.
const RETRY_ON_DRAIN: &[u8] = b"retry: 1000\n\n";

enum Kind {
    Full(Option<Bytes>),
    Sse(Box<SseStream>),
}

impl std::fmt::Debug for McpBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Full(b) => write!(f, "McpBody::Full({} bytes)", b.as_ref().map_or(0, Bytes::len)),
            Kind::Sse(_) => write!(f, "McpBody::Sse({:?})", self.class),
        }
    }
}

/// What to do with a stream's receiver when the stream goes away.
pub(crate) type OnDrop = Box<dyn FnOnce(mpsc::Receiver<Vec<u8>>) + Send>;

/// An SSE stream: queued events first, then notifications as they come,
/// then the final response (when there is one), then the end.
pub(crate) struct SseStream {
    pub(crate) queued: std::collections::VecDeque<Bytes>,
    pub(crate) events: mpsc::Receiver<Vec<u8>>,
    /// `events` already holds SSE-formatted bytes (resumable streams).
    pub(crate) raw: bool,
    pub(crate) finish: Option<BoxFuture<'static, Option<Vec<u8>>>>,
    /// Ends the stream once `finish` has produced its response.
    pub(crate) end_after_finish: bool,
    /// The final response is queued: end once the queue is empty.
    pub(crate) ending: bool,
    pub(crate) done: bool,
    /// Runs when the stream is dropped (returns a GET stream's receiver).
    pub(crate) on_drop: Option<OnDrop>,
}

impl Drop for SseStream {
    fn drop(&mut self) {
        if let Some(f) = self.on_drop.take() {
            let (_, dummy) = mpsc::channel(1);
            f(std::mem::replace(&mut self.events, dummy));
        }
    }
}

/// Formats one JSON-RPC message as an SSE `message` event.
pub(crate) fn sse_event(json: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(json.len() + 24);
    out.extend_from_slice(b"event: message\ndata: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

impl McpBody {
    /// An empty body.
    pub fn empty() -> Self {
        McpBody::of(Kind::Full(None))
    }

    /// A complete body.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        McpBody::of(Kind::Full(Some(bytes.into())))
    }

    fn of(kind: Kind) -> Self {
        McpBody {
            kind,
            class: StreamClass::Call,
            life: None,
            held: Held::default(),
        }
    }

    pub(crate) fn sse(stream: SseStream) -> Self {
        McpBody::of(Kind::Sse(Box::new(stream)))
    }

    pub(crate) fn class(&self) -> StreamClass {
        self.class
    }

    pub(crate) fn set_class(&mut self, class: StreamClass) {
        self.class = class;
    }

    /// Keeps `guard` (a slot) until the response is done.
    pub(crate) fn hold(&mut self, guard: impl Send + Sync + 'static) {
        self.held.others.push(Box::new(guard));
    }

    /// Keeps the request's concurrency permit until the response is done.
    pub(crate) fn hold_permit(&mut self, permit: tokio::sync::OwnedSemaphorePermit) {
        self.held.permit = Some(permit);
    }

    /// Tells `to` when the response is done.
    pub(crate) fn on_done(&mut self, to: std::sync::Arc<dyn OnDone>) {
        self.held.on_done = Some(to);
    }

    /// Starts an SSE stream's keep-alive comments and, for a legacy
    /// stream, its end when `drain` is cancelled.
    pub(crate) fn arm(&mut self, keep_alive: Option<Duration>, drain: &CancellationToken) {
        if !matches!(self.kind, Kind::Sse(_)) {
            return;
        }
        let long = self.class == StreamClass::Stream;
        let life = self.life.get_or_insert_default();
        if let Some(every) = keep_alive.filter(|d| !d.is_zero()) {
            life.keep_alive = Some((every, Box::pin(tokio::time::sleep(every))));
        }
        if long {
            life.drain = Some(Box::pin(drain.clone().cancelled_owned()));
        }
    }
}

/// One step of an SSE stream.
fn poll_sse(s: &mut SseStream, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
    if s.done {
        return Poll::Ready(None);
    }
    if let Some(b) = s.queued.pop_front() {
        return Poll::Ready(Some(Ok(Frame::data(b))));
    }
    if s.ending {
        s.done = true;
        return Poll::Ready(None);
    }
    // Notifications already sent precede the final response.
    match s.events.poll_recv(cx) {
        Poll::Ready(Some(msg)) if s.raw => {
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(msg)))));
        }
        // Empty frames are transport controls with no meaning here.
        Poll::Ready(Some(msg)) if msg.is_empty() => {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Some(msg)) => return Poll::Ready(Some(Ok(Frame::data(sse_event(&msg))))),
        Poll::Ready(None) if s.finish.is_none() => {
            s.done = true;
            return Poll::Ready(None);
        }
        _ => {}
    }
    if let Some(fut) = &mut s.finish {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            s.finish = None;
            // Notifications sent while the handler finished go first.
            while let Ok(msg) = s.events.try_recv() {
                if !msg.is_empty() {
                    let event = if s.raw { Bytes::from(msg) } else { sse_event(&msg) };
                    s.queued.push_back(event);
                }
            }
            if let Some(msg) = out {
                s.queued.push_back(sse_event(&msg));
            }
            if s.end_after_finish {
                s.ending = true;
            }
            return match s.queued.pop_front() {
                Some(b) => Poll::Ready(Some(Ok(Frame::data(b)))),
                None => {
                    s.done = s.ending;
                    Poll::Ready(None)
                }
            };
        }
    }
    Poll::Pending
}

impl Body for McpBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        let s = match &mut this.kind {
            Kind::Full(b) => return Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Kind::Sse(s) => s,
        };
        let Some(life) = this.life.as_deref_mut() else {
            return poll_sse(s, cx);
        };
        if let Some(drain) = &mut life.drain {
            if !s.done && drain.as_mut().poll(cx).is_ready() {
                // The server is going away: tell the client to come back soon.
                s.done = true;
                return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(RETRY_ON_DRAIN)))));
            }
        }
        let step = poll_sse(s, cx);
        if let Some((every, next)) = &mut life.keep_alive {
            match &step {
                Poll::Ready(_) => next.as_mut().reset(tokio::time::Instant::now() + *every),
                Poll::Pending => {
                    if next.as_mut().poll(cx).is_ready() {
                        next.as_mut().reset(tokio::time::Instant::now() + *every);
                        // Registers the new deadline with the timer.
                        let _ = next.as_mut().poll(cx);
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b": keep-alive\n\n")))));
                    }
                }
            }
        }
        step
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full(b) => b.is_none(),
            Kind::Sse(s) => s.done,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Kind::Full(None) => SizeHint::with_exact(0),
            Kind::Sse(_) => SizeHint::default(),
        }
    }
}
