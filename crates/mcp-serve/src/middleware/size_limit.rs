//! [`SizeLimit`]: results larger than a bound become errors.

use std::io;

use mcp_serve_core::error::code;
use serde_json::Value;

use super::{McpRequest, McpResult, Middleware, Next};
use crate::error::McpError;

/// Refuses results larger than a number of bytes (as serialized JSON):
/// a tool call's becomes an `isError` result the model can read (it may
/// ask for less); any other request's becomes an internal error. Both say
/// the size and the limit.
///
/// The handshake (`initialize`, `server/discover`) is never refused.
/// Measuring stops at the limit, so a huge result costs no more than the
/// limit to check.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::SizeLimit;
///
/// let server = Server::new("demo", "1.0.0").middleware(SizeLimit::new(1 << 20));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SizeLimit {
    max: usize,
}

impl SizeLimit {
    /// At most `bytes` bytes per result.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::SizeLimit::new(512 * 1024);
    /// ```
    pub fn new(bytes: usize) -> Self {
        SizeLimit { max: bytes }
    }
}

/// Counts bytes written, failing once past `max`.
struct Counter {
    n: usize,
    max: usize,
}

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.n += buf.len();
        if self.n > self.max {
            return Err(io::Error::other("over the limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether `v` serializes to more than `max` bytes.
fn too_big(v: &Value, max: usize) -> bool {
    serde_json::to_writer(&mut Counter { n: 0, max }, v).is_err()
}

impl Middleware for SizeLimit {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let method = req.method().to_owned();
        let out = next.run(req).await?;
        if matches!(method.as_str(), "initialize" | "server/discover") || !too_big(&out, self.max) {
            return Ok(out);
        }
        let size = serde_json::to_vec(&out).map_or(0, |b| b.len());
        let message = format!(
            "the result is {size} bytes, over this server's limit of {} bytes; ask for less (a narrower query, a smaller page)",
            self.max
        );
        tracing::warn!(target: "mcp_serve::size_limit", method = method.as_str(), size, limit = self.max, "result refused");
        if method == "tools/call" {
            Ok(tool_error(&message))
        } else {
            Err(McpError::new(code::INTERNAL_ERROR, message))
        }
    }
}

/// A tool result reporting `message` as a failure the model can read.
pub(crate) fn tool_error(message: &str) -> Value {
    serde_json::json!({
        "content": [{ "type": "text", "text": message }],
        "isError": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_are_measured_as_serialized_json() {
        let v = json!({"a": "xyz"});
        let exact = serde_json::to_vec(&v).unwrap().len();
        assert!(!too_big(&v, exact));
        assert!(too_big(&v, exact - 1));
    }
}
