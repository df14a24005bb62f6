//! Error codes of JSON-RPC 2.0 and of the Model Context Protocol.
//!
//! ```
//! use mcp_serve_core::error::code;
//! assert_eq!(code::METHOD_NOT_FOUND, -32601);
//! ```

/// Numeric error codes.
pub mod code {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON sent is not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid method parameters (also: unknown tool, unknown prompt, and, from
    /// `2026-07-28`, an unknown resource).
    pub const INVALID_PARAMS: i64 = -32602;
    /// Internal JSON-RPC error.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Resource not found (revisions up to `2025-11-25`).
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
    /// A legacy client requested something before `initialize` (implementation-defined
    /// in the legacy range; the official SDKs use `-32600` for this, so do we).
    pub const NOT_INITIALIZED: i64 = INVALID_REQUEST;
    /// Streamable HTTP headers disagree with the body (`2026-07-28`).
    pub const HEADER_MISMATCH: i64 = -32020;
    /// The request needs a client capability the client did not declare (`2026-07-28`).
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    /// The requested protocol revision is not supported (`2026-07-28`).
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
    /// The legacy `URLElicitationRequired` error (`2025-11-25`).
    pub const URL_ELICITATION_REQUIRED: i64 = -32042;
}
