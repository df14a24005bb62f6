//! Entry points for the fuzz targets (`fuzz/` at the repository root),
//! behind the `fuzzing` feature: the client's private parsers, reachable
//! without widening their visibility in normal builds. Not a stable API.

use std::time::Duration;

// The client's own parser; without the `client` feature the same file is
// compiled here alone, so a fuzz build needs no HTTP client or TLS stack.
#[cfg(feature = "client")]
use crate::client::sse;
#[cfg(not(feature = "client"))]
#[allow(dead_code)]
#[path = "client/sse.rs"]
mod sse;

/// What the SSE parser made of a byte stream.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SseOutcome {
    /// The dispatched events, as `(event type, data)`.
    pub events: Vec<(String, String)>,
    /// The id a reconnection would send as `Last-Event-ID`.
    pub last_event_id: Option<String>,
    /// The reconnection delay the stream set with `retry:`.
    pub retry: Option<Duration>,
}

/// Feeds `chunks` to the client's SSE parser, one `feed` call per chunk (so
/// the splits between chunks are exercised too).
///
/// ```
/// use mcp_serve::fuzzing::sse_parse;
/// let out = sse_parse(&[b"id: 7\nevent: ping\nda", b"ta: {}\n\n"]);
/// assert_eq!(out.events, [("ping".to_string(), "{}".to_string())]);
/// assert_eq!(out.last_event_id.as_deref(), Some("7"));
/// ```
pub fn sse_parse(chunks: &[&[u8]]) -> SseOutcome {
    let mut parser = sse::Parser::default();
    let mut events = Vec::new();
    for chunk in chunks {
        parser.feed(chunk, &mut events);
    }
    SseOutcome {
        events: events.into_iter().map(|e| (e.event, e.data)).collect(),
        last_event_id: parser.last_event_id,
        retry: parser.retry,
    }
}
