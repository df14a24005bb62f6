//! The wire types of the Model Context Protocol, in one flat namespace.
//!
//! Every type is named after its `schema.ts` counterpart and has the shape of the
//! canonical revision `2026-07-28`; fields that only older revisions send
//! (`2024-11-05` … `2025-11-25`) are optional and documented where they live, and
//! types that only exist in the legacy revisions (`initialize`, `ping`, tasks, …)
//! are here too. JSON-RPC framing lives in [`crate::jsonrpc`].
//!
//! Conventions: Rust field names are the `snake_case` of the JSON names, `_meta` is
//! `meta: Option<Meta>`, optional fields are `Option`s that are omitted when `None`,
//! and unions discriminated by `type` are enums whose variants hold the
//! type-less structs.
//!
//! Structs a later revision may extend are `#[non_exhaustive]`: build them
//! with their constructor (`new`, or `default()` when every field is
//! optional) and set the public fields, so a new optional field is not a
//! breaking change.
//!
//! ```
//! use mcp_serve_core::types::{CallToolResult, ContentBlock, Tool};
//!
//! let tool = Tool::new("add", "Adds");
//! assert_eq!(serde_json::to_value(&tool).unwrap()["inputSchema"]["type"], "object");
//!
//! let result = CallToolResult::text("3");
//! assert_eq!(result.content, vec![ContentBlock::text("3")]);
//! assert_eq!(
//!     serde_json::to_string(&result).unwrap(),
//!     r#"{"content":[{"type":"text","text":"3"}]}"#
//! );
//! ```

mod capabilities;
mod completion;
mod content;
mod elicitation;
mod errors;
mod lifecycle;
mod logging;
mod mrtr;
mod notifications;
mod prompts;
mod resources;
mod result;
mod roots;
mod sampling;
mod subscriptions;
mod tasks;
mod tools;

pub use capabilities::*;
pub use completion::*;
pub use content::*;
pub use elicitation::*;
pub use errors::*;
pub use lifecycle::*;
pub use logging::*;
pub use mrtr::*;
pub use notifications::*;
pub use prompts::*;
pub use resources::*;
pub use result::*;
pub use roots::*;
pub use sampling::*;
pub use subscriptions::*;
pub use tasks::*;
pub use tools::*;

pub use crate::jsonrpc::RequestId;
pub use crate::meta::Meta;

/// An open JSON object (`JSONObject` in the schema).
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// `MetaObject` in the schema: the `_meta` object of a type (same as [`Meta`]).
pub type MetaObject = Meta;

/// An opaque pagination cursor (`Cursor` in the schema).
pub type Cursor = String;

/// Serde helpers shared by the submodules.
pub(crate) mod serde_util {
    use serde::Serializer;

    /// Writes an `f64` with an integral value as a JSON integer (`50`, not `50.0`),
    /// so numbers round-trip the way peers wrote them.
    pub(crate) fn f64<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
            s.serialize_i64(*v as i64)
        } else {
            s.serialize_f64(*v)
        }
    }

    /// [`f64`] for an `Option<f64>`.
    pub(crate) fn opt_f64<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => f64(v, s),
            None => s.serialize_none(),
        }
    }

    /// Defines a zero-sized type that serializes as one string literal and
    /// refuses any other string.
    macro_rules! literal {
        ($(#[$m:meta])* $name:ident = $lit:literal) => {
            $(#[$m])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
            pub struct $name;

            impl $name {
                /// The literal on the wire.
                pub const VALUE: &'static str = $lit;
            }

            impl ::serde::Serialize for $name {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str($lit)
                }
            }

            impl<'de> ::serde::Deserialize<'de> for $name {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let s = <String as ::serde::Deserialize>::deserialize(d)?;
                    if s == $lit {
                        Ok($name)
                    } else {
                        Err(<D::Error as ::serde::de::Error>::invalid_value(
                            ::serde::de::Unexpected::Str(&s),
                            &$lit,
                        ))
                    }
                }
            }
        };
    }
    pub(crate) use literal;

    /// Defines a request or notification type: `{ method, params }` without the
    /// JSON-RPC envelope (`jsonrpc`, `id`), which [`crate::jsonrpc`] adds.
    macro_rules! message {
        ($(#[$m:meta])* $name:ident, $method:literal, required $params:ty) => {
            $(#[$m])*
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct $name {
                #[doc = concat!("The method name, always `\"", $method, "\"`.")]
                pub method: String,
                /// The parameters.
                pub params: $params,
            }

            impl $name {
                /// The method name.
                pub const METHOD: &'static str = $method;

                /// A message with these parameters.
                pub fn new(params: $params) -> Self {
                    $name { method: Self::METHOD.into(), params }
                }
            }

            impl Default for $name {
                fn default() -> Self {
                    Self::new(Default::default())
                }
            }
        };
        ($(#[$m:meta])* $name:ident, $method:literal, required_no_default $params:ty) => {
            $(#[$m])*
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct $name {
                #[doc = concat!("The method name, always `\"", $method, "\"`.")]
                pub method: String,
                /// The parameters.
                pub params: $params,
            }

            impl $name {
                /// The method name.
                pub const METHOD: &'static str = $method;

                /// A message with these parameters.
                pub fn new(params: $params) -> Self {
                    $name { method: Self::METHOD.into(), params }
                }
            }
        };
        ($(#[$m:meta])* $name:ident, $method:literal, optional $params:ty) => {
            $(#[$m])*
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct $name {
                #[doc = concat!("The method name, always `\"", $method, "\"`.")]
                pub method: String,
                /// The parameters (may be absent).
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub params: Option<$params>,
            }

            impl $name {
                /// The method name.
                pub const METHOD: &'static str = $method;

                /// A message with these parameters.
                pub fn new(params: Option<$params>) -> Self {
                    $name { method: Self::METHOD.into(), params }
                }
            }

            impl Default for $name {
                fn default() -> Self {
                    Self::new(None)
                }
            }
        };
    }
    pub(crate) use message;
}
