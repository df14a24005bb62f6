//! Protocol revisions, which era each belongs to, what each can carry, and
//! version negotiation for both eras.
//!
//! ```
//! use mcp_serve_core::version::ProtocolVersion;
//! let v: ProtocolVersion = "2025-06-18".parse().unwrap();
//! assert!(v.is_legacy());
//! assert!(v.has_structured_content());
//! assert_eq!(ProtocolVersion::negotiate_legacy("2099-01-01"), ProtocolVersion::LATEST_LEGACY);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::code;
use crate::jsonrpc::ErrorObject;

/// A revision of the Model Context Protocol that mcp-serve speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// The first public revision (HTTP+SSE transport).
    V2024_11_05,
    /// Streamable HTTP, batches, audio, tool annotations.
    V2025_03_26,
    /// Structured tool output, elicitation, resource links; batches removed.
    V2025_06_18,
    /// Icons, URL elicitation, tasks, sampling with tools.
    V2025_11_25,
    /// The stateless revision: per-request `_meta`, `server/discover`, MRTR.
    V2026_07_28,
}

impl ProtocolVersion {
    /// Every revision, oldest first.
    pub const ALL: [ProtocolVersion; 5] = [
        ProtocolVersion::V2024_11_05,
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2026_07_28,
    ];
    /// The newest revision.
    pub const LATEST: ProtocolVersion = ProtocolVersion::V2026_07_28;
    /// The newest handshake-based revision.
    pub const LATEST_LEGACY: ProtocolVersion = ProtocolVersion::V2025_11_25;

    /// The revision's date string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V2024_11_05 => "2024-11-05",
            ProtocolVersion::V2025_03_26 => "2025-03-26",
            ProtocolVersion::V2025_06_18 => "2025-06-18",
            ProtocolVersion::V2025_11_25 => "2025-11-25",
            ProtocolVersion::V2026_07_28 => "2026-07-28",
        }
    }

    /// Whether the revision is stateless (per-request `_meta`, no `initialize`).
    pub const fn is_modern(self) -> bool {
        matches!(self, ProtocolVersion::V2026_07_28)
    }

    /// Whether the revision uses the `initialize` handshake.
    pub const fn is_legacy(self) -> bool {
        !self.is_modern()
    }

    /// JSON-RPC batches are allowed (2025-03-26 only).
    pub const fn allows_batches(self) -> bool {
        matches!(self, ProtocolVersion::V2025_03_26)
    }

    /// `structuredContent`, `outputSchema`, `title`, resource links and elicitation exist.
    pub fn has_structured_content(self) -> bool {
        self >= ProtocolVersion::V2025_06_18
    }

    /// Audio content and tool annotations exist.
    pub fn has_audio(self) -> bool {
        self >= ProtocolVersion::V2025_03_26
    }

    /// Results carry `resultType` and cache hints.
    pub const fn has_result_type(self) -> bool {
        self.is_modern()
    }

    /// The error code for "resource not found" in this revision.
    pub const fn resource_not_found_code(self) -> i64 {
        if self.is_modern() {
            code::INVALID_PARAMS
        } else {
            code::RESOURCE_NOT_FOUND
        }
    }

    /// Picks the revision to answer a legacy `initialize` with: the requested one
    /// when it is a legacy revision we speak, otherwise the newest legacy one (the
    /// client then decides whether it can continue, as the lifecycle spec says).
    pub fn negotiate_legacy(requested: &str) -> ProtocolVersion {
        match requested.parse::<ProtocolVersion>() {
            Ok(v) if v.is_legacy() => v,
            _ => ProtocolVersion::LATEST_LEGACY,
        }
    }

    /// The `UnsupportedProtocolVersion` (`-32022`) error for a modern request,
    /// listing the supported revisions, newest first.
    pub fn unsupported_error(requested: &str, supported: &[ProtocolVersion]) -> ErrorObject {
        let mut list: Vec<&str> = supported.iter().map(|v| v.as_str()).collect();
        list.sort_unstable_by(|a, b| b.cmp(a));
        ErrorObject::new(code::UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version")
            .with_data(json!({ "supported": list, "requested": requested }))
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A revision string that mcp-serve does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown MCP protocol version {0:?}; known: 2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05"
)]
pub struct UnknownVersion(pub String);

impl FromStr for ProtocolVersion {
    type Err = UnknownVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProtocolVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownVersion(s.to_owned()))
    }
}

impl Serialize for ProtocolVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProtocolVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_eras() {
        assert!(ProtocolVersion::V2024_11_05 < ProtocolVersion::V2026_07_28);
        assert!(ProtocolVersion::LATEST.is_modern());
        assert!(ProtocolVersion::V2025_03_26.allows_batches());
        assert!(!ProtocolVersion::V2025_06_18.allows_batches());
        assert_eq!(
            ProtocolVersion::negotiate_legacy("2026-07-28"),
            ProtocolVersion::V2025_11_25
        );
        assert_eq!(
            ProtocolVersion::negotiate_legacy("2024-11-05"),
            ProtocolVersion::V2024_11_05
        );
        let e = ProtocolVersion::unsupported_error("1900-01-01", &ProtocolVersion::ALL);
        assert_eq!(e.code, -32022);
        assert_eq!(e.data.unwrap()["supported"][0], "2026-07-28");
    }
}
