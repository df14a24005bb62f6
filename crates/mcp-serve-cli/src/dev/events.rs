//! The hub between the server connection and the pages: every frame, log
//! line and state change is kept (bounded) for pages that load later and
//! broadcast to the pages that are open.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use mcp_serve::client::Direction;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// Frames kept for the history pane; older ones are dropped.
const HISTORY_LIMIT: usize = 5_000;
/// Log messages (`notifications/message`) kept.
const LOG_LIMIT: usize = 1_000;
/// Server stderr lines kept.
const STDERR_LIMIT: usize = 500;
/// Frames larger than this are kept as truncated text: one big image must not
/// make every history request slow.
const FRAME_TEXT_LIMIT: usize = 256 * 1024;

/// Something the pages hear about as it happens (one JSON line each).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum Event {
    /// The connection's state changed (also the first event of every stream).
    State(Value),
    /// A JSON-RPC frame went by (a [`Frame`]).
    Frame(Value),
    /// `notifications/progress` for a call the page started.
    #[serde(rename_all = "camelCase")]
    Progress {
        /// The page's call id (the progress token).
        call_id: Value,
        /// Progress so far.
        progress: Value,
        /// The total, when known.
        total: Value,
        /// A human-readable message.
        message: Value,
    },
    /// `notifications/message` (a [`LogLine`]).
    Log(Value),
    /// A line the server wrote to stderr (or the build printed).
    Stderr {
        /// The line.
        line: String,
        /// `server` or `build`.
        source: &'static str,
    },
    /// The server asks the user something (elicitation, sampling).
    Input(Value),
    /// A pending input was answered or withdrawn.
    InputDone {
        /// Its id.
        id: u64,
    },
    /// Any other server notification (`list_changed`, `resources/updated`…).
    Notification {
        /// The method.
        method: String,
        /// The params.
        params: Value,
    },
    /// The page fell behind: reload state and history.
    Resync,
}

/// One frame of the message history.
#[derive(Debug, Serialize)]
pub(crate) struct Frame {
    /// Increases by one per frame, for de-duplication and paging.
    pub(crate) seq: u64,
    /// Milliseconds since the Unix epoch.
    pub(crate) ts: u64,
    /// `sent` (inspector → server) or `received`.
    pub(crate) dir: &'static str,
    /// Which connection (restarts start a new one).
    pub(crate) generation: u64,
    /// The frame as JSON, when it parses and is not too big.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<Value>,
    /// The raw text otherwise (possibly truncated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) text: Option<String>,
    /// Size of the frame in bytes.
    pub(crate) size: usize,
}

/// A `notifications/message` as kept for the logs pane.
#[derive(Debug, Serialize)]
pub(crate) struct LogLine {
    /// Milliseconds since the Unix epoch.
    pub(crate) ts: u64,
    /// The level (`info`, `error`…).
    pub(crate) level: Value,
    /// The logger name, if any.
    pub(crate) logger: Value,
    /// The payload.
    pub(crate) data: Value,
}

/// Shared by the bridge (writer) and the API (readers). Cheap to clone.
#[derive(Clone)]
pub(crate) struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    tx: broadcast::Sender<Arc<str>>,
    seq: AtomicU64,
    history: Mutex<VecDeque<Arc<Frame>>>,
    logs: Mutex<VecDeque<Arc<LogLine>>>,
    stderr: Mutex<VecDeque<String>>,
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn push_bounded<T>(q: &mut VecDeque<T>, item: T, limit: usize) {
    if q.len() == limit {
        q.pop_front();
    }
    q.push_back(item);
}

impl Hub {
    pub(crate) fn new() -> Hub {
        // Slow pages lag rather than block the server connection; a lagging
        // page is told to resync.
        let (tx, _) = broadcast::channel(2_048);
        Hub {
            inner: Arc::new(HubInner {
                tx,
                seq: AtomicU64::new(1),
                history: Mutex::default(),
                logs: Mutex::default(),
                stderr: Mutex::default(),
            }),
        }
    }

    /// Sends `event` to every open page.
    pub(crate) fn emit(&self, event: &Event) {
        if let Ok(line) = serde_json::to_string(event) {
            let _ = self.inner.tx.send(line.into());
        }
    }

    /// A receiver of every later event, as JSON lines.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.inner.tx.subscribe()
    }

    /// Records a frame from the traffic tap; returns it parsed for other observers.
    pub(crate) fn frame(&self, dir: Direction, generation: u64, bytes: &[u8]) -> Option<Value> {
        let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
        let keep_json = bytes.len() <= FRAME_TEXT_LIMIT;
        let text = match (&parsed, keep_json) {
            (Some(_), true) => None,
            _ => {
                let cut = &bytes[..bytes.len().min(FRAME_TEXT_LIMIT)];
                Some(String::from_utf8_lossy(cut).into_owned())
            }
        };
        let frame = Arc::new(Frame {
            seq: self.inner.seq.fetch_add(1, Ordering::Relaxed),
            ts: now_ms(),
            dir: match dir {
                Direction::Sent => "sent",
                Direction::Received => "received",
            },
            generation,
            message: if keep_json { parsed.clone() } else { None },
            text,
            size: bytes.len(),
        });
        push_bounded(&mut lock(&self.inner.history), Arc::clone(&frame), HISTORY_LIMIT);
        if let Ok(v) = serde_json::to_value(&*frame) {
            self.emit(&Event::Frame(v));
        }
        parsed
    }

    /// Frames in order, oldest first: those after `after`, matching `query`
    /// (a case-insensitive substring of the JSON) and `dir`, at most `limit`
    /// of the newest.
    pub(crate) fn history(
        &self,
        after: u64,
        query: &str,
        dir: Option<&str>,
        limit: usize,
    ) -> Vec<Arc<Frame>> {
        let query = query.to_lowercase();
        let frames = lock(&self.inner.history);
        let mut out: Vec<Arc<Frame>> = frames
            .iter()
            .rev()
            .filter(|f| f.seq > after)
            .filter(|f| dir.is_none_or(|d| f.dir == d))
            .filter(|f| {
                query.is_empty() || {
                    let text = match (&f.message, &f.text) {
                        (Some(m), _) => m.to_string(),
                        (None, Some(t)) => t.clone(),
                        (None, None) => String::new(),
                    };
                    text.to_lowercase().contains(&query)
                }
            })
            .take(limit)
            .cloned()
            .collect();
        out.reverse();
        out
    }

    /// Forgets the history (the pane's Clear button).
    pub(crate) fn clear_history(&self) {
        lock(&self.inner.history).clear();
    }

    /// Records and broadcasts a `notifications/message`.
    pub(crate) fn log(&self, params: &Value) {
        let line = Arc::new(LogLine {
            ts: now_ms(),
            level: params.get("level").cloned().unwrap_or(Value::Null),
            logger: params.get("logger").cloned().unwrap_or(Value::Null),
            data: params.get("data").cloned().unwrap_or(Value::Null),
        });
        push_bounded(&mut lock(&self.inner.logs), Arc::clone(&line), LOG_LIMIT);
        if let Ok(v) = serde_json::to_value(&*line) {
            self.emit(&Event::Log(v));
        }
    }

    /// Records and broadcasts a line of server output (`source` "server") or
    /// build output ("build").
    pub(crate) fn stderr_line(&self, line: String, source: &'static str) {
        push_bounded(&mut lock(&self.inner.stderr), line.clone(), STDERR_LIMIT);
        self.emit(&Event::Stderr { line, source });
    }

    /// The kept log messages and stderr lines.
    pub(crate) fn logs(&self) -> (Vec<Arc<LogLine>>, Vec<String>) {
        (
            lock(&self.inner.logs).iter().cloned().collect(),
            lock(&self.inner.stderr).iter().cloned().collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_filters_and_keeps_order() {
        let hub = Hub::new();
        hub.frame(
            Direction::Sent,
            1,
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
        );
        hub.frame(
            Direction::Received,
            1,
            br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#,
        );
        hub.frame(Direction::Received, 1, b"not json");
        let all = hub.history(0, "", None, 100);
        assert_eq!(all.len(), 3);
        assert!(all[0].seq < all[1].seq && all[1].seq < all[2].seq);
        assert_eq!(all[2].text.as_deref(), Some("not json"));
        assert_eq!(hub.history(0, "TOOLS/LIST", None, 100).len(), 1);
        assert_eq!(hub.history(0, "", Some("received"), 100).len(), 2);
        assert_eq!(hub.history(all[1].seq, "", None, 100).len(), 1);
        // The newest `limit`, still oldest first.
        let last = hub.history(0, "", None, 2);
        assert_eq!(last[0].seq, all[1].seq);
    }

    #[test]
    fn big_frames_are_truncated_text() {
        let hub = Hub::new();
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(FRAME_TEXT_LIMIT));
        let parsed = hub.frame(Direction::Received, 1, big.as_bytes());
        assert!(parsed.is_some(), "observers still get the parsed frame");
        let f = &hub.history(0, "", None, 1)[0];
        assert!(f.message.is_none());
        assert_eq!(f.text.as_ref().map(String::len), Some(FRAME_TEXT_LIMIT));
        assert_eq!(f.size, big.len());
    }
}
