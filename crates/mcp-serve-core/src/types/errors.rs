//! The `data` of MCP-specific JSON-RPC errors (the error object itself is
//! [`crate::jsonrpc::ErrorObject`], the codes are in [`crate::error::code`]).

use serde::{Deserialize, Serialize};

use super::{ClientCapabilities, ElicitRequestURLParams, JsonObject};

/// `data` of the `-32022` error (`UnsupportedProtocolVersionError`, `2026-07-28`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UnsupportedProtocolVersionErrorData {
    /// The revisions the server supports.
    pub supported: Vec<String>,
    /// The revision the client asked for.
    pub requested: String,
}

/// `data` of the `-32021` error (`MissingRequiredClientCapabilityError`, `2026-07-28`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MissingRequiredClientCapabilityErrorData {
    /// The capabilities the request needs.
    pub required_capabilities: ClientCapabilities,
}

/// `data` of the `-32042` error (`URLElicitationRequiredError`, `2025-11-25` only).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct URLElicitationRequiredErrorData {
    /// The URL elicitations the client must complete first.
    pub elicitations: Vec<ElicitRequestURLParams>,
    /// Other members.
    #[serde(flatten)]
    pub extra: JsonObject,
}
