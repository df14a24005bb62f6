//! What the client hears when a handler fails unexpectedly: a handler that
//! panics fails only its own request (a JSON-RPC internal error), and when
//! errors are masked (over HTTP unless
//! [`Server::mask_errors`](crate::server::Server::mask_errors) says
//! otherwise), unexpected errors reach the client as a generic message.
//! The log (`tracing`, target `mcp_serve::handler`) gets the full error with
//! the request id either way.
//!
//! Unexpected: a panic, a [`ToolError`] made by `?` from another error type
//! ([`ToolError::is_unexpected`]), and a JSON-RPC internal error (`-32603`)
//! from a handler. Deliberate, and always sent as they are: a
//! [`ToolError::new`] (or [`ToolError::with_content`]) and an
//! [`McpError`] with any other code.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;
use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::RequestId;
use mcp_serve_core::types::CallToolResult;

use crate::error::{McpError, ToolError};

/// One handler call: what its failures are logged with, and whether the
/// client gets them masked.
pub(crate) struct Guard {
    mask: bool,
    method: &'static str,
    target: String,
    id: Option<RequestId>,
}

impl Guard {
    pub(crate) fn new(mask: bool, method: &'static str, target: String, id: Option<&RequestId>) -> Self {
        Guard {
            mask,
            method,
            target,
            id: id.cloned(),
        }
    }

    /// The tool's name or the resource's URI.
    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    /// Calls a handler to get its future: a panic while doing so is the
    /// request's error.
    pub(crate) fn start<F>(&self, make: impl FnOnce() -> F) -> Result<F, McpError> {
        std::panic::catch_unwind(AssertUnwindSafe(make)).map_err(|panic| self.panicked(&*panic))
    }

    /// Awaits a handler's future: a panic while polling it is the request's error.
    pub(crate) async fn run<T>(&self, fut: impl Future<Output = T>) -> Result<T, McpError> {
        AssertUnwindSafe(fut)
            .catch_unwind()
            .await
            .map_err(|panic| self.panicked(&*panic))
    }

    fn panicked(&self, panic: &(dyn Any + Send)) -> McpError {
        let message = panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic with a non-text payload");
        tracing::error!(
            target: "mcp_serve::handler",
            id = %self.id(),
            method = self.method,
            target = %self.target,
            panic = message,
            "the handler panicked; only this request failed",
        );
        if self.mask {
            self.generic()
        } else {
            McpError::internal(format!(
                "the handler of {} {} panicked: {message}",
                self.method, self.target
            ))
        }
    }

    /// A protocol error from the handler: internal errors are masked.
    pub(crate) fn protocol(&self, e: McpError) -> McpError {
        if e.code() != code::INTERNAL_ERROR {
            return e;
        }
        tracing::warn!(
            target: "mcp_serve::handler",
            id = %self.id(),
            method = self.method,
            target = %self.target,
            error = %e.message(),
            masked = self.mask,
            "the handler failed with an internal error",
        );
        if self.mask { self.generic() } else { e }
    }

    /// A tool's failure: one made from an unexpected error is masked.
    pub(crate) fn tool(&self, e: ToolError) -> CallToolResult {
        if !e.is_unexpected() {
            return e.into_result();
        }
        tracing::warn!(
            target: "mcp_serve::handler",
            id = %self.id(),
            method = self.method,
            target = %self.target,
            error = %e.message(),
            masked = self.mask,
            "the tool failed with an unexpected error",
        );
        if self.mask {
            ToolError::new(format!(
                "The tool failed with an internal error (request {}); the details are in the server's log.",
                self.id()
            ))
            .into_result()
        } else {
            e.into_result()
        }
    }

    fn generic(&self) -> McpError {
        // `internal` says "Internal error: " first.
        McpError::internal(format!(
            "the details are in the server's log (request {}).",
            self.id()
        ))
    }

    fn id(&self) -> String {
        self.id
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string)
    }
}
