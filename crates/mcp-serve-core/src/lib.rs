//! # mcp-serve-core
//!
//! The stable core of [mcp-serve](https://docs.rs/mcp-serve): the wire types of the
//! Model Context Protocol for every revision from `2024-11-05` to `2026-07-28`,
//! JSON-RPC 2.0 framing, error codes and version negotiation. No I/O, no runtime.
//!
//! The modern revision (`2026-07-28`) is the canonical shape of every type; the
//! differences of the legacy revisions are handled where messages are built and
//! read (see [`version`]).
//!
//! ```
//! use mcp_serve_core::types::Tool;
//! let tool: Tool = serde_json::from_str(r#"{"name":"add","inputSchema":{"type":"object"}}"#).unwrap();
//! assert_eq!(tool.name, "add");
//! ```

pub mod error;
pub mod jsonrpc;
pub mod meta;
pub mod types;
pub mod version;
