//! [`ErrorMasking`]: error mapping, and internal errors masked with a
//! correlation id.

use std::collections::HashMap;

use mcp_serve_core::error::code;
use serde_json::json;

use super::{McpRequest, McpResult, Middleware, Next};
use crate::error::McpError;

/// Maps error codes and messages, and masks internal errors.
///
/// **Masking.** An internal error (`-32603`) reaching the client from
/// anywhere (a handler, another middleware, a tower timeout) is replaced
/// by a generic message carrying a correlation id, also in the error's
/// `data` as `correlationId`. The original is logged at `ERROR` with the
/// same id, target `mcp_serve::errors`, so a user's report can be matched
/// to the log. [`ErrorMasking::keep_internal`] turns this off.
///
/// **Mapping.** [`ErrorMasking::map_code`] changes one code into another;
/// [`ErrorMasking::map_message`] replaces the message of a code. Mapping
/// comes first, so an error mapped to `-32603` is masked too.
///
/// Tool failures the model should read (`isError` results) are left
/// alone; the engine already masks a handler's unexpected tool errors over
/// HTTP (see [`Server::mask_errors`](crate::server::Server::mask_errors)).
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::ErrorMasking;
///
/// let server = Server::new("demo", "1.0.0").middleware(
///     ErrorMasking::new()
///         .message("Something went wrong on our side")
///         .map_code(-32099, -32603)
///         .map_message(-32002, "No such document"),
/// );
/// ```
#[derive(Debug, Clone)]
pub struct ErrorMasking {
    mask: bool,
    generic: String,
    codes: HashMap<i64, i64>,
    messages: HashMap<i64, String>,
}

impl Default for ErrorMasking {
    fn default() -> Self {
        ErrorMasking::new()
    }
}

impl ErrorMasking {
    /// Masks internal errors; maps nothing.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::ErrorMasking::new();
    /// ```
    pub fn new() -> Self {
        ErrorMasking {
            mask: true,
            generic: "Internal error".into(),
            codes: HashMap::new(),
            messages: HashMap::new(),
        }
    }

    /// The message masked errors get (the correlation id is appended).
    ///
    /// ```
    /// let _ = mcp_serve::middleware::ErrorMasking::new().message("Our fault; please report it");
    /// ```
    #[must_use]
    pub fn message(mut self, generic: impl Into<String>) -> Self {
        self.generic = generic.into();
        self
    }

    /// Leaves internal errors as they are (only maps).
    ///
    /// ```
    /// let _ = mcp_serve::middleware::ErrorMasking::new().keep_internal().map_code(-32099, -32603);
    /// ```
    #[must_use]
    pub fn keep_internal(mut self) -> Self {
        self.mask = false;
        self
    }

    /// Errors with code `from` go out with code `to`.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::ErrorMasking::new().map_code(-32001, -32602);
    /// ```
    #[must_use]
    pub fn map_code(mut self, from: i64, to: i64) -> Self {
        self.codes.insert(from, to);
        self
    }

    /// Errors with code `code` (after [`ErrorMasking::map_code`]) go out
    /// with `message`.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::ErrorMasking::new().map_message(-32601, "Not offered here");
    /// ```
    #[must_use]
    pub fn map_message(mut self, code: i64, message: impl Into<String>) -> Self {
        self.messages.insert(code, message.into());
        self
    }

    fn apply(&self, method: &str, mut e: McpError) -> McpError {
        if let Some(to) = self.codes.get(&e.code()) {
            e.0.code = *to;
        }
        if let Some(message) = self.messages.get(&e.code()) {
            e.0.message.clone_from(message);
        }
        if !self.mask || e.code() != code::INTERNAL_ERROR {
            return e;
        }
        let id = correlation_id();
        tracing::error!(
            target: "mcp_serve::errors",
            correlation_id = %id,
            method,
            error = e.message(),
            data = e.0.data.as_ref().map(|d| d.to_string()).as_deref(),
            "internal error, masked for the client",
        );
        McpError::new(code::INTERNAL_ERROR, format!("{} (reference {id})", self.generic))
            .with_data(json!({ "correlationId": id }))
    }
}

/// 16 hex digits, random: enough to find one line in a log.
fn correlation_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

impl Middleware for ErrorMasking {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let method = req.method().to_owned();
        next.run(req).await.map_err(|e| self.apply(&method, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_are_masked_with_a_fresh_correlation_id() {
        let m = ErrorMasking::new().message("Oops");
        let e = m.apply("tools/call", McpError::internal("db password is hunter2"));
        assert_eq!(e.code(), code::INTERNAL_ERROR);
        assert!(e.message().starts_with("Oops (reference "), "{e}");
        assert!(!e.message().contains("hunter2"));
        let id = e.0.data.as_ref().unwrap()["correlationId"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 16);
        assert!(e.message().contains(&id));
        let again = m.apply("tools/call", McpError::internal("x"));
        assert_ne!(again.0.data.unwrap()["correlationId"], id.as_str());
    }

    #[test]
    fn codes_and_messages_are_mapped_before_masking() {
        let m = ErrorMasking::new()
            .map_code(-32099, code::INTERNAL_ERROR)
            .map_code(-32001, code::INVALID_PARAMS)
            .map_message(code::INVALID_PARAMS, "Bad input");
        let e = m.apply("x", McpError::new(-32001, "quota table missing"));
        assert_eq!((e.code(), e.message()), (code::INVALID_PARAMS, "Bad input"));
        let e = m.apply("x", McpError::new(-32099, "secret detail"));
        assert_eq!(e.code(), code::INTERNAL_ERROR);
        assert!(!e.message().contains("secret"));
        let untouched = m.apply("x", McpError::new(-32601, "Method not found"));
        assert_eq!(untouched.message(), "Method not found");
        let kept = ErrorMasking::new()
            .keep_internal()
            .apply("x", McpError::internal("detail"));
        assert!(kept.message().contains("detail"));
    }
}
