//! The three kinds of failure, kept apart on purpose:
//!
//! - [`ToolError`]: a tool failed. The model sees it, as a result with `isError: true`.
//! - [`McpError`]: the request itself was wrong or could not be served: a JSON-RPC
//!   error the client sees (unknown tool, resource not found, bad params, ...).
//! - [`TransportError`](crate::transport::TransportError): the connection failed.
//!
//! ```
//! use mcp_serve::error::{McpError, ToolError};
//! fn check(x: i64) -> Result<i64, ToolError> {
//!     if x < 0 { return Err(ToolError::new("x must not be negative")) }
//!     Ok(x)
//! }
//! assert!(check(-1).is_err());
//! assert_eq!(McpError::invalid_params("no").code(), -32602);
//! ```

use std::fmt;

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::types::{CallToolResult, ContentBlock};

/// A tool's failure, reported to the model as a result with `isError: true`.
///
/// Any `std::error::Error` converts into it, so `?` works inside tools.
///
/// ```
/// use mcp_serve::error::ToolError;
/// fn parse(s: &str) -> Result<i32, ToolError> { Ok(s.parse::<i32>()?) }
/// assert!(parse("x").unwrap_err().to_string().contains("invalid digit"));
/// ```
pub struct ToolError {
    content: Vec<ContentBlock>,
    message: String,
    /// Set when a protocol error travelled through `?` in a tool: it is
    /// answered as that JSON-RPC error, not as a tool result.
    protocol: Option<ErrorObject>,
    /// Made by `?` from another error type: its text may carry internals.
    unexpected: bool,
}

impl ToolError {
    /// A failure with a message for the model.
    pub fn new(message: impl Into<String>) -> Self {
        let message = message.into();
        ToolError {
            content: vec![ContentBlock::text(message.clone())],
            message,
            protocol: None,
            unexpected: false,
        }
    }

    /// A failure whose result carries these content blocks.
    pub fn with_content(message: impl Into<String>, content: Vec<ContentBlock>) -> Self {
        ToolError {
            content,
            message: message.into(),
            protocol: None,
            unexpected: false,
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this failure was made by `?` (or `.into()`) from another
    /// error type, rather than written for the model with [`ToolError::new`]
    /// or [`ToolError::with_content`]. Such a message may carry internals
    /// (paths, queries, addresses): a server that masks errors (by default
    /// over HTTP, see [`Server::mask_errors`](crate::server::Server::mask_errors))
    /// sends the model a generic message instead and logs this one.
    ///
    /// ```
    /// use mcp_serve::error::ToolError;
    /// fn open() -> Result<String, ToolError> {
    ///     Ok(std::fs::read_to_string("/no/such/file")?)
    /// }
    /// assert!(open().unwrap_err().is_unexpected());
    /// assert!(!ToolError::new("city not found: try a larger one nearby").is_unexpected());
    /// ```
    pub fn is_unexpected(&self) -> bool {
        self.unexpected
    }

    /// The protocol error this failure carries, if it came from an [`McpError`].
    pub fn protocol_error(&self) -> Option<&ErrorObject> {
        self.protocol.as_ref()
    }

    pub(crate) fn into_protocol_error(self) -> Result<ErrorObject, ToolError> {
        match self.protocol {
            Some(e) => Ok(e),
            None => Err(self),
        }
    }

    /// The `isError` result the model sees.
    pub fn into_result(self) -> CallToolResult {
        CallToolResult::error(self.content)
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ToolError").field(&self.message).finish()
    }
}

impl<E: std::error::Error> From<E> for ToolError {
    /// An unexpected failure (see [`ToolError::is_unexpected`]).
    fn from(e: E) -> Self {
        ToolError {
            unexpected: true,
            ..ToolError::new(e.to_string())
        }
    }
}

impl From<McpError> for ToolError {
    /// Keeps the protocol error: a tool that fails with an [`McpError`]
    /// (e.g. a missing client capability) answers with that JSON-RPC error.
    fn from(e: McpError) -> Self {
        let message = e.0.message.clone();
        ToolError {
            content: vec![ContentBlock::text(message.clone())],
            message,
            protocol: Some(e.0),
            unexpected: false,
        }
    }
}

/// A protocol-level failure: the JSON-RPC error the client receives.
///
/// It deliberately does not implement `std::error::Error`, so that `?` in a
/// tool keeps it a protocol error instead of turning it into tool text.
///
/// ```
/// use mcp_serve::error::McpError;
/// let e = McpError::resource_not_found("users://9");
/// assert!(e.message().contains("users://9"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct McpError(pub ErrorObject);

impl fmt::Display for McpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl McpError {
    /// An error with any code.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        McpError(ErrorObject::new(code, message))
    }

    /// `-32602`: the parameters are wrong; say which and how.
    pub fn invalid_params(message: impl fmt::Display) -> Self {
        McpError(ErrorObject::invalid_params(message))
    }

    /// `-32603`: the server failed.
    pub fn internal(message: impl fmt::Display) -> Self {
        McpError(ErrorObject::internal(message))
    }

    /// The resource does not exist. The code depends on the revision (`-32002`
    /// up to 2025-11-25, `-32602` from 2026-07-28); the engine fixes it up.
    pub fn resource_not_found(uri: &str) -> Self {
        McpError(
            ErrorObject::new(code::RESOURCE_NOT_FOUND, format!("Resource not found: {uri}"))
                .with_data(serde_json::json!({ "uri": uri })),
        )
    }

    /// Attaches structured `data` to the error.
    #[must_use]
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.0.data = Some(data);
        self
    }

    /// The numeric code.
    pub fn code(&self) -> i64 {
        self.0.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The wire error object.
    pub fn into_error_object(self) -> ErrorObject {
        self.0
    }
}

impl From<ErrorObject> for McpError {
    fn from(e: ErrorObject) -> Self {
        McpError(e)
    }
}

impl From<ToolError> for McpError {
    /// A tool error raised where no tool result can carry it (a resource or a
    /// prompt) becomes an internal error with the same message.
    fn from(e: ToolError) -> Self {
        match e.protocol {
            Some(p) => McpError(p),
            None => McpError::new(code::INTERNAL_ERROR, e.message),
        }
    }
}

/// A registration that cannot be served, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// A tool, resource or prompt has no handler.
    #[error("{kind} `{name}` has no handler: call .handler(...) on it before registering")]
    NoHandler {
        /// `tool`, `resource` or `prompt`.
        kind: &'static str,
        /// Its name.
        name: String,
    },
    /// A schema is not valid JSON Schema.
    #[error("tool `{name}` has an invalid input schema: {reason}")]
    InvalidSchema {
        /// The tool.
        name: String,
        /// What the schema compiler said.
        reason: String,
    },
    /// The input schema does not describe an object.
    #[error(
        "tool `{name}`: an input schema must have \"type\": \"object\" at its root (MCP passes arguments as an object)"
    )]
    NotAnObject {
        /// The tool.
        name: String,
    },
    /// A resource URI template does not parse.
    #[error("{0}")]
    InvalidTemplate(String),
    /// Two registrations share a name (tools, prompts) or a URI (resources,
    /// templates) in the builder. (`ServerHandle::add_tool`
    /// and its siblings replace instead.)
    #[error(
        "two {kind}s are registered as `{name}`: give one of them another {key} (`#[{kind}(name = \"...\")]` or the builder's name) or drop one"
    )]
    Duplicate {
        /// `tool`, `resource` or `prompt`.
        kind: &'static str,
        /// The name or URI they share.
        name: String,
        /// `name` or `URI`.
        key: &'static str,
    },
    /// A server cannot be mounted as asked (see `Server::mount`): a bad
    /// prefix, a prefix used twice, a name clash, or a cycle.
    #[error("mount `{prefix}`: {reason}")]
    Mount {
        /// The prefix it was to be mounted under.
        prefix: String,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// An extension cannot be declared as given.
    #[error("extension `{id}`: {reason}")]
    Extension {
        /// Its identifier.
        id: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A handler takes `State<T>` (or declared it with `requires_state`), but
    /// the server was given no `T`.
    #[error(
        "{kind} `{name}` takes `State<{type_name}>`, but the server has no `{type_name}`: call `.state(value)` with one on the `Server`"
    )]
    MissingState {
        /// `tool`, `resource` or `prompt`.
        kind: &'static str,
        /// Its name (a resource's URI).
        name: String,
        /// The state's type.
        type_name: &'static str,
    },
    /// A tool transform ([`crate::tool::ToolTransform`]) or the tool search
    /// ([`crate::tool::ToolSearch`]) names something that does not exist, or
    /// asks for something that cannot be done.
    #[error("tool transform `{tool}`: {reason}")]
    Transform {
        /// The tool the transform starts from.
        tool: String,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// A server setting, given in code or in the environment, cannot be
    /// used (e.g. `MCP_SERVE_REQUEST_STATE_KEY` that is not base64).
    #[error("{setting}: {reason}")]
    Setting {
        /// The builder method or environment variable.
        setting: String,
        /// What is wrong, and what to write instead.
        reason: String,
    },
    /// A name is empty or too long.
    #[error("{kind} name {name:?} is invalid: use 1-128 characters of letters, digits, '_', '-', '.' or '/'")]
    InvalidName {
        /// `tool` or `prompt`.
        kind: &'static str,
        /// The name.
        name: String,
    },
}
