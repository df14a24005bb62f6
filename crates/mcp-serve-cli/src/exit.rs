//! Exit codes that mean something to scripts.

use mcp_serve::client::ClientError;

/// The tool ran and reported an error (`isError: true`).
pub(crate) const TOOL_ERROR: u8 = 1;
/// The command line was wrong (clap uses 2 as well).
pub(crate) const USAGE: u8 = 2;
/// The server could not be started or reached.
pub(crate) const CONNECT: u8 = 3;
/// The server answered with a JSON-RPC error (unknown tool, bad arguments…).
pub(crate) const PROTOCOL: u8 = 4;
/// No answer within the timeout.
pub(crate) const TIMEOUT: u8 = 5;
/// Anything else.
pub(crate) const INTERNAL: u8 = 70;

/// A failure with the exit code it maps to; other errors map by their cause.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Failure {
    /// A usage mistake, with what to do about it.
    pub(crate) fn usage(message: impl Into<String>) -> anyhow::Error {
        Failure {
            code: USAGE,
            message: message.into(),
        }
        .into()
    }

    /// The server could not be reached.
    pub(crate) fn connect(message: impl Into<String>) -> anyhow::Error {
        Failure {
            code: CONNECT,
            message: message.into(),
        }
        .into()
    }
}

/// The exit code for an error.
pub(crate) fn code_for(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.code;
        }
        if let Some(c) = cause.downcast_ref::<ClientError>() {
            return match c {
                ClientError::Rpc(_) => PROTOCOL,
                ClientError::Timeout(_) => TIMEOUT,
                ClientError::Transport(_) | ClientError::Http { .. } | ClientError::Protocol(_) => CONNECT,
                ClientError::Config(_) => USAGE,
                _ => INTERNAL,
            };
        }
    }
    INTERNAL
}
