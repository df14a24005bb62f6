//! A Server-Sent Events parser, after the WHATWG "event stream
//! interpretation" rules.
//!
//! Written here rather than taken from a crate because resumption needs what
//! the small crates drop or reject: the `id` and `retry` of an event without
//! data (the priming event `id: …\nretry: …\n\n` of SEP-1699 polling), lines
//! without a colon, repeated fields.

use std::time::Duration;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    /// The `event` field; `message` when absent.
    pub(crate) event: String,
    /// The `data` lines, joined with `\n`.
    pub(crate) data: String,
}

/// Feeds bytes in, takes events out; remembers the last event id and the
/// reconnection time the stream asked for.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    line: Vec<u8>,
    /// A `\r` ended the previous chunk: a `\n` opening the next one belongs to it.
    after_cr: bool,
    started: bool,
    event: String,
    data: String,
    has_data: bool,
    id_buffer: Option<String>,
    /// The id to send as `Last-Event-ID` when reconnecting.
    pub(crate) last_event_id: Option<String>,
    /// The reconnection delay the server set with `retry:`.
    pub(crate) retry: Option<Duration>,
}

impl Parser {
    /// Parses `chunk`, appending every completed event to `out`.
    pub(crate) fn feed(&mut self, chunk: &[u8], out: &mut Vec<Event>) {
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' => self.end_line(out),
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(out);
                }
                _ => self.line.push(b),
            }
        }
    }

    fn end_line(&mut self, out: &mut Vec<Event>) {
        let mut line = std::mem::take(&mut self.line);
        if !self.started {
            self.started = true;
            if line.starts_with(b"\xEF\xBB\xBF") {
                line.drain(..3);
            }
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return; // a comment (keep-alive)
        }
        let (name, value) = match line.iter().position(|&c| c == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (&line[..], &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"event" => self.event = value.into_owned(),
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(&value);
                self.has_data = true;
            }
            b"id" if !value.contains('\0') => self.id_buffer = Some(value.into_owned()),
            b"retry" if !value.is_empty() && value.bytes().all(|c| c.is_ascii_digit()) => {
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<Event>) {
        // The id is taken even when no event is dispatched (a priming event).
        if self.id_buffer.is_some() {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        out.push(Event {
            event: if event.is_empty() { "message".into() } else { event },
            data,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> (Vec<Event>, Parser) {
        let mut p = Parser::default();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        (out, p)
    }

    #[test]
    fn priming_events_set_id_and_retry_without_dispatching() {
        let (events, p) = parse(&[b"id: event-1\nretry: 500\ndata: \n\n"]);
        // `data:` with an empty value is still data: an empty event.
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "");
        assert_eq!(p.last_event_id.as_deref(), Some("event-1"));
        assert_eq!(p.retry, Some(Duration::from_millis(500)));
        let (events, p) = parse(&[b"id: 3-7\nretry: 250\n\n"]);
        assert!(events.is_empty());
        assert_eq!(p.last_event_id.as_deref(), Some("3-7"));
        assert_eq!(p.retry, Some(Duration::from_millis(250)));
    }

    #[test]
    fn events_split_across_chunks_and_line_endings() {
        let (events, p) = parse(&[
            b": keep-alive\r\n",
            b"event: endpoint\r",
            b"\ndata: /messages?sessionId=1\r\n\r\nid: 2\ndata: {\"a\":",
            b"1}\ndata: x\n\n",
        ]);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event, "endpoint");
        assert_eq!(events[0].data, "/messages?sessionId=1");
        assert_eq!(events[1].event, "message");
        assert_eq!(events[1].data, "{\"a\":1}\nx");
        assert_eq!(p.last_event_id.as_deref(), Some("2"));
    }

    #[test]
    fn odd_lines_are_tolerated() {
        let (events, _) = parse(&[b"\xEF\xBB\xBFdata\nretry: soon\nfoo: bar\ndata:x\n\n"]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "\nx");
    }
}
