//! The `_meta` object and the well-known keys the specification reserves in it.
//!
//! Every request, notification and result may carry `_meta`; mcp-serve passes
//! unknown keys through untouched.
//!
//! ```
//! use mcp_serve_core::meta::{self, Meta};
//! let mut m = Meta::new();
//! m.insert(meta::PROTOCOL_VERSION.into(), "2026-07-28".into());
//! assert_eq!(m[meta::PROTOCOL_VERSION], "2026-07-28");
//! ```

/// The `_meta` object: an open JSON object.
pub type Meta = serde_json::Map<String, serde_json::Value>;

/// Request `_meta` key carrying the protocol revision of a modern request.
pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// Request `_meta` key carrying the client's capabilities on a modern request.
pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// Request `_meta` key carrying the client's name and version on a modern request.
pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// Request `_meta` key asking for `notifications/message` at or above a level.
pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// Result `_meta` key identifying the server.
pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
/// Notification `_meta` key tagging notifications of a `subscriptions/listen` stream.
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
/// Request `_meta` key carrying the progress token.
pub const PROGRESS_TOKEN: &str = "progressToken";
/// `_meta` key naming the task (`{"taskId": ..}`) on every message about a
/// 2025-11-25 task: its result, and the requests and notifications it causes.
pub const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
/// The tasks extension identifier.
pub const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";
