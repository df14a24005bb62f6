//! What several built-ins need: who is calling, the era, an outcome, and
//! redacted arguments.

use serde_json::{Map, Value};

use crate::context::Context;

use super::McpResult;

/// Keys whose values the built-ins never log or record.
pub(crate) const REDACTED_BY_DEFAULT: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "authorization",
    "cookie",
    "credentials",
    "private_key",
    "client_secret",
];

/// What a redacted value becomes.
pub(crate) const REDACTED: &str = "[redacted]";

/// The default redaction list, owned.
pub(crate) fn default_redacted() -> Vec<String> {
    REDACTED_BY_DEFAULT.iter().map(|k| (*k).to_owned()).collect()
}

/// A key as compared for redaction: lower case, `-` as `_`.
fn normal(key: &str) -> String {
    key.to_ascii_lowercase().replace('-', "_")
}

/// Normalizes a redaction list once, so matching is a plain comparison.
pub(crate) fn normalize(keys: impl IntoIterator<Item = String>) -> Vec<String> {
    keys.into_iter().map(|k| normal(&k)).collect()
}

/// `args` with the values of `keys` (at any depth) replaced.
pub(crate) fn redact(args: &Map<String, Value>, keys: &[String]) -> Value {
    Value::Object(redact_map(args, keys))
}

fn redact_map(map: &Map<String, Value>, keys: &[String]) -> Map<String, Value> {
    map.iter()
        .map(|(k, v)| {
            let n = normal(k);
            let v = if keys.contains(&n) {
                Value::String(REDACTED.into())
            } else {
                redact_value(v, keys)
            };
            (k.clone(), v)
        })
        .collect()
}

fn redact_value(v: &Value, keys: &[String]) -> Value {
    match v {
        Value::Object(m) => Value::Object(redact_map(m, keys)),
        Value::Array(a) => Value::Array(a.iter().map(|v| redact_value(v, keys)).collect()),
        other => other.clone(),
    }
}

/// The caller's verified subject, if any.
pub(crate) fn subject(cx: &Context) -> Option<&str> {
    cx.principal().map(|p| p.subject.as_str())
}

/// `modern` (2026-07-28 and later) or `legacy` (session revisions).
pub(crate) fn era(cx: &Context) -> &'static str {
    if cx.protocol_version().is_modern() {
        "modern"
    } else {
        "legacy"
    }
}

/// How a request ended: `ok`, `tool_error` (a tool result with
/// `isError`), or `error` with its JSON-RPC code.
pub(crate) fn outcome(out: &McpResult) -> (&'static str, Option<i64>) {
    match out {
        Ok(v) if is_tool_error(v) => ("tool_error", None),
        Ok(_) => ("ok", None),
        Err(e) => ("error", Some(e.code())),
    }
}

/// Whether a result is a tool result reporting a failure.
pub(crate) fn is_tool_error(v: &Value) -> bool {
    v.get("isError").and_then(Value::as_bool) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redaction_matches_keys_at_any_depth_ignoring_case_and_dashes() {
        let args = json!({
            "user": "ada",
            "Password": "hunter2",
            "nested": { "api-key": "k", "list": [{ "token": "t", "keep": 1 }] },
            "max_tokens": 5,
        });
        let out = redact(args.as_object().unwrap(), &default_redacted());
        assert_eq!(
            out,
            json!({
                "user": "ada",
                "Password": REDACTED,
                "nested": { "api-key": REDACTED, "list": [{ "token": REDACTED, "keep": 1 }] },
                "max_tokens": 5,
            })
        );
        let custom = normalize(["SSN".to_owned()]);
        let out = redact(json!({"ssn": "1", "password": "p"}).as_object().unwrap(), &custom);
        assert_eq!(out, json!({"ssn": REDACTED, "password": "p"}));
    }
}
