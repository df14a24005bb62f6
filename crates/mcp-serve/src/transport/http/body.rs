//! Response bodies: a whole JSON message, nothing, or an SSE stream that
//! drives the request's handler as it is polled (so a client that closes the
//! stream cancels the handler, as the spec asks).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

/// The body of every response the MCP endpoint sends.
pub struct McpBody {
    kind: Kind,
}

enum Kind {
    Full(Option<Bytes>),
    Sse(Box<SseStream>),
}

impl std::fmt::Debug for McpBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Full(b) => write!(f, "McpBody::Full({} bytes)", b.as_ref().map_or(0, Bytes::len)),
            Kind::Sse(_) => f.write_str("McpBody::Sse"),
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
        McpBody {
            kind: Kind::Full(None),
        }
    }

    /// A complete body.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        McpBody {
            kind: Kind::Full(Some(bytes.into())),
        }
    }

    pub(crate) fn sse(stream: SseStream) -> Self {
        McpBody {
            kind: Kind::Sse(Box::new(stream)),
        }
    }
}

impl Body for McpBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.kind {
            Kind::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Kind::Sse(s) => {
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
        }
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
