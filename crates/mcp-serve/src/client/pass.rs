//! Requests handed on for another client (a proxy's passthrough tools, see
//! `tool::passthrough`): written with that client's id and `_meta`, sent
//! on a modern Streamable HTTP link, answered with the server's response
//! message as it came. None of the RPC core's bookkeeping applies: the
//! answer is the POST's own, the ids and tokens are the other client's.

use std::sync::atomic::Ordering;

use mcp_serve_core::jsonrpc::RequestId;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::{Client, ClientError, Direction, Link};
use crate::transport::TransportError;

impl Client {
    /// Whether this client can hand requests on: a modern Streamable HTTP link.
    pub(crate) fn passes_requests(&self) -> bool {
        self.inner.streamable_modern()
    }

    /// Sends `method` with `params` and the other client's `meta` (its
    /// `_meta` object as written) under the other client's `id`, within
    /// this client's timeout, and returns the server's response message.
    /// Notifications the server sends for it go to `notes`.
    pub(crate) async fn pass_request(
        &self,
        id: &RequestId,
        method: &str,
        params: Map<String, Value>,
        meta: Option<&str>,
        notes: Option<&mpsc::Sender<Vec<u8>>>,
    ) -> Result<Vec<u8>, ClientError> {
        let inner = &self.inner;
        let Link::Http(link) = &inner.link else {
            return Err(TransportError::Closed.into());
        };
        if inner.closed.load(Ordering::Acquire) {
            return Err(TransportError::Closed.into());
        }
        let params = Value::Object(params);
        let head = inner.head(Some(method), &params);
        let bytes = encode(id, method, &params, meta);
        if let Some(tap) = &inner.options.traffic {
            tap(Direction::Sent, &bytes);
        }
        let answer = tokio::time::timeout(inner.options.timeout, link.pass(bytes, &head, notes))
            .await
            .map_err(|_| ClientError::Timeout(method.to_owned()))??;
        if let Some(tap) = &inner.options.traffic {
            tap(Direction::Received, &answer);
        }
        Ok(answer)
    }
}

/// The request, `meta` written into `params` as it came.
fn encode(id: &RequestId, method: &str, params: &Value, meta: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + meta.map_or(0, str::len));
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    // Ids, method names and JSON values always serialize.
    let _ = serde_json::to_writer(&mut out, id);
    out.extend_from_slice(br#","method":"#);
    let _ = serde_json::to_writer(&mut out, method);
    out.extend_from_slice(br#","params":{"#);
    let mut first = true;
    if let Value::Object(params) = params {
        // The caller's `_meta` is the one sent (middleware may have put one in `params`).
        for (key, value) in params.iter().filter(|(k, _)| meta.is_none() || *k != "_meta") {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            let _ = serde_json::to_writer(&mut out, key);
            out.push(b':');
            let _ = serde_json::to_writer(&mut out, value);
        }
    }
    if let Some(meta) = meta {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(br#""_meta":"#);
        out.extend_from_slice(meta.as_bytes());
    }
    out.extend_from_slice(b"}}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_other_clients_meta_goes_in_as_written() {
        let params = serde_json::json!({ "name": "add", "arguments": { "a": 1 } });
        let meta = r#"{"progressToken":"p 1","io.modelcontextprotocol/protocolVersion":"2026-07-28"}"#;
        let bytes = encode(&RequestId::Number(7), "tools/call", &params, Some(meta));
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["id"], 7);
        assert_eq!(v["method"], "tools/call");
        assert_eq!(v["params"]["name"], "add");
        assert_eq!(v["params"]["arguments"]["a"], 1);
        assert_eq!(v["params"]["_meta"]["progressToken"], "p 1");
        let bare = encode(
            &RequestId::String("x".into()),
            "tools/call",
            &serde_json::json!({}),
            None,
        );
        assert_eq!(
            std::str::from_utf8(&bare).unwrap(),
            r#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{}}"#
        );
        let only_meta = encode(&RequestId::Number(1), "m", &serde_json::json!({}), Some("{}"));
        assert!(serde_json::from_slice::<Value>(&only_meta).is_ok());
        let twice = encode(
            &RequestId::Number(1),
            "m",
            &serde_json::json!({ "_meta": { "a": 1 }, "x": 2 }),
            Some(r#"{"b":1}"#),
        );
        assert_eq!(
            std::str::from_utf8(&twice).unwrap(),
            r#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"x":2,"_meta":{"b":1}}}"#
        );
    }
}
