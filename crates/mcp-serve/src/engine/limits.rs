//! Caps on the strings a client sends, checked once, when a request's
//! `params` are read and before any handler, matcher or lookup sees them.
//!
//! A message is already bounded as a whole (stdio's
//! [`StdioOptions::max_message_bytes`](crate::transport::stdio::StdioOptions),
//! 4 MiB by default, and the HTTP transport's body limit); these caps bound
//! the strings the engine works on, echoes back in errors, or matches
//! against templates, to sizes no real client needs. A request past one is
//! refused with `-32602` (Invalid params), a message naming the field and
//! the cap, and `data: {"field": ..., "limit": ...}`.
//!
//! | field | methods | cap |
//! |---|---|---|
//! | `uri` | `resources/read`, `resources/subscribe`, `resources/unsubscribe` | [`MAX_URI_BYTES`] |
//! | `ref.uri` | `completion/complete` | [`MAX_URI_BYTES`] |
//! | `name` | `tools/call`, `prompts/get` | [`MAX_NAME_BYTES`] |
//! | `ref.name`, `argument.name` | `completion/complete` | [`MAX_NAME_BYTES`] |
//! | `argument.value` | `completion/complete` | [`MAX_COMPLETION_VALUE_BYTES`] |
//! | `cursor` | `tools/list`, `resources/list`, `resources/templates/list`, `prompts/list`, `tasks/list` | [`MAX_CURSOR_BYTES`] |
//! | `taskId` | `tasks/get`, `tasks/result`, `tasks/update`, `tasks/cancel` | [`MAX_TASK_ID_BYTES`] |
//!
//! Tool arguments, prompt arguments and answers to input requests are the
//! application's data: only the message size bounds them.
//!
//! ```
//! use mcp_serve::engine::limits;
//! use mcp_serve::prelude::*;
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let handle = Server::new("demo", "1.0.0").into_handle().unwrap();
//! let conn = handle.connect(None);
//! let uri = format!("users://{}", "9".repeat(limits::MAX_URI_BYTES));
//! let request = serde_json::json!({
//!     "jsonrpc": "2.0", "id": 1, "method": "resources/read",
//!     "params": {
//!         "uri": uri,
//!         "_meta": { "io.modelcontextprotocol/protocolVersion": "2026-07-28" },
//!     },
//! });
//! let answer = conn.handle(request.to_string().as_bytes(), None).resolve().await.unwrap();
//! let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
//! assert_eq!(answer["error"]["code"], -32602);
//! assert_eq!(answer["error"]["data"]["limit"], limits::MAX_URI_BYTES);
//! # }
//! ```

use mcp_serve_core::jsonrpc::ErrorObject;
use serde_json::{Map, Value, json};

/// The longest resource URI accepted, in bytes (8 KiB: what common HTTP
/// servers accept as a whole request line).
///
/// ```
/// assert_eq!(mcp_serve::engine::limits::MAX_URI_BYTES, 8192);
/// ```
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The longest tool, prompt or argument name accepted, in bytes: the
/// longest name a tool or prompt may be registered under (as the MCP
/// specification recommends for tool names), so no longer name can exist.
///
/// ```
/// assert_eq!(mcp_serve::engine::limits::MAX_NAME_BYTES, 128);
/// ```
pub const MAX_NAME_BYTES: usize = 128;

/// The longest pagination cursor accepted, in bytes. Cursors are made by
/// the server and are short; a longer one cannot be one of them.
///
/// ```
/// assert_eq!(mcp_serve::engine::limits::MAX_CURSOR_BYTES, 1024);
/// ```
pub const MAX_CURSOR_BYTES: usize = 1024;

/// The longest task id accepted, in bytes. Task ids are made by the task
/// store; the built-in one makes UUIDs.
///
/// ```
/// assert_eq!(mcp_serve::engine::limits::MAX_TASK_ID_BYTES, 1024);
/// ```
pub const MAX_TASK_ID_BYTES: usize = 1024;

/// The longest partial value a `completion/complete` request may carry, in
/// bytes: what a user typed into one argument so far.
///
/// ```
/// assert_eq!(mcp_serve::engine::limits::MAX_COMPLETION_VALUE_BYTES, 4096);
/// ```
pub const MAX_COMPLETION_VALUE_BYTES: usize = 4 * 1024;

/// Refuses a request whose capped strings are too long (see the module docs).
pub(crate) fn check(method: &str, params: &Map<String, Value>) -> Result<(), ErrorObject> {
    match method {
        "tools/call" | "prompts/get" => capped(params, "name", "name", MAX_NAME_BYTES),
        "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
            capped(params, "uri", "uri", MAX_URI_BYTES)
        }
        "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" | "tasks/list" => {
            capped(params, "cursor", "cursor", MAX_CURSOR_BYTES)
        }
        "tasks/get" | "tasks/result" | "tasks/update" | "tasks/cancel" => {
            capped(params, "taskId", "taskId", MAX_TASK_ID_BYTES)
        }
        "completion/complete" => {
            let within = |key: &str| params.get(key).and_then(Value::as_object);
            if let Some(reference) = within("ref") {
                capped(reference, "name", "ref.name", MAX_NAME_BYTES)?;
                capped(reference, "uri", "ref.uri", MAX_URI_BYTES)?;
            }
            if let Some(argument) = within("argument") {
                capped(argument, "name", "argument.name", MAX_NAME_BYTES)?;
                capped(argument, "value", "argument.value", MAX_COMPLETION_VALUE_BYTES)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `object[key]`, when a string, is at most `limit` bytes. Other types are
/// left to the method, which says what it expects.
fn capped(object: &Map<String, Value>, key: &str, field: &str, limit: usize) -> Result<(), ErrorObject> {
    match object.get(key) {
        Some(Value::String(s)) if s.len() > limit => Err(ErrorObject::invalid_params(format!(
            "{field}: {} bytes is longer than this server accepts (at most {limit} bytes); send a shorter value",
            s.len()
        ))
        .with_data(json!({ "field": field, "limit": limit }))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn at_the_cap_passes_one_more_byte_does_not() {
        let at = "u".repeat(MAX_URI_BYTES);
        assert!(check("resources/read", &params(json!({ "uri": at }))).is_ok());
        let over = format!("{at}u");
        let e = check("resources/read", &params(json!({ "uri": over }))).unwrap_err();
        assert_eq!(e.code, -32602);
        assert!(e.message.contains("uri: 8193 bytes"), "{}", e.message);
        assert!(e.message.contains("at most 8192 bytes"), "{}", e.message);
        assert_eq!(e.data, Some(json!({ "field": "uri", "limit": 8192 })));
    }

    #[test]
    fn every_capped_field_is_checked() {
        let long = |n: usize| "x".repeat(n + 1);
        let cases = [
            ("tools/call", json!({ "name": long(MAX_NAME_BYTES) }), "name"),
            ("prompts/get", json!({ "name": long(MAX_NAME_BYTES) }), "name"),
            (
                "resources/subscribe",
                json!({ "uri": long(MAX_URI_BYTES) }),
                "uri",
            ),
            (
                "resources/unsubscribe",
                json!({ "uri": long(MAX_URI_BYTES) }),
                "uri",
            ),
            (
                "tools/list",
                json!({ "cursor": long(MAX_CURSOR_BYTES) }),
                "cursor",
            ),
            (
                "tasks/list",
                json!({ "cursor": long(MAX_CURSOR_BYTES) }),
                "cursor",
            ),
            (
                "tasks/get",
                json!({ "taskId": long(MAX_TASK_ID_BYTES) }),
                "taskId",
            ),
            (
                "completion/complete",
                json!({ "ref": { "type": "ref/resource", "uri": long(MAX_URI_BYTES) } }),
                "ref.uri",
            ),
            (
                "completion/complete",
                json!({ "ref": { "name": "p" }, "argument": { "name": "a", "value": long(MAX_COMPLETION_VALUE_BYTES) } }),
                "argument.value",
            ),
            (
                "completion/complete",
                json!({ "argument": { "name": long(MAX_NAME_BYTES), "value": "" } }),
                "argument.name",
            ),
        ];
        for (method, p, field) in cases {
            let e = check(method, &params(p)).expect_err(method);
            assert_eq!(e.data.as_ref().unwrap()["field"], field, "{method}");
        }
        // Uncapped fields and methods, and values of the wrong type (the
        // method reports those), pass.
        assert!(
            check(
                "tools/call",
                &params(json!({ "name": "add", "arguments": { "a": long(100_000) } }))
            )
            .is_ok()
        );
        assert!(check("initialize", &params(json!({ "name": long(100_000) }))).is_ok());
        assert!(check("resources/read", &params(json!({ "uri": 5 }))).is_ok());
    }
}
