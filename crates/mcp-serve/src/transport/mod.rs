//! Transports: how frames reach the engine and answers go back.
//!
//! - [`stdio`]: newline-delimited JSON on stdin/stdout (logs go to stderr).
//! - `http`: Streamable HTTP (both eras) and the 2024-11-05 HTTP+SSE
//!   transport (the `http` feature).
//!
//! Transports are thin: framing, limits and concurrency; no protocol logic.

#[cfg(feature = "http")]
pub mod http;
pub mod stdio;

/// A transport failed: the connection is unusable.
///
/// ```
/// use mcp_serve::transport::TransportError;
/// let e = TransportError::Closed;
/// assert_eq!(e.to_string(), "the connection is closed");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Reading or writing failed.
    #[error("I/O error on the transport: {0}")]
    Io(#[from] std::io::Error),
    /// The other side went away.
    #[error("the connection is closed")]
    Closed,
    /// A child process could not be started.
    #[error("could not start `{command}`: {source}; check that the command exists and is executable")]
    Spawn {
        /// The command line.
        command: String,
        /// Why.
        source: std::io::Error,
    },
}
