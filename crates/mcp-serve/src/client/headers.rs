//! The request metadata headers of modern Streamable HTTP: `Mcp-Name`
//! encoding and the `x-mcp-header` tool parameters mirrored into
//! `Mcp-Param-{Name}` (2026-07-28 `basic/transports/streamable-http.mdx`,
//! "Custom Headers from Tool Parameters").

use base64::Engine as _;
use serde_json::Value;

/// One annotated parameter: where its value is in the arguments, and the
/// header name part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamHeader {
    path: Vec<String>,
    name: String,
}

/// A header value as the spec's "Value Encoding" wants it: plain when it is
/// safe visible ASCII, else `=?base64?…?=`.
pub(crate) fn encode_value(value: &str) -> String {
    let unsafe_char = value.bytes().any(|b| !(0x20..=0x7e).contains(&b));
    let padded = value != value.trim_matches([' ', '\t']);
    let sentinel = value.starts_with("=?base64?") && value.ends_with("?=");
    if unsafe_char || padded || sentinel {
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    } else {
        value.to_owned()
    }
}

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The `x-mcp-header` annotations of a tool's input schema, or why the tool
/// must be left out of `tools/list`.
pub(crate) fn param_headers(schema: &Value) -> Result<Vec<ParamHeader>, String> {
    let mut found = Vec::new();
    let mut stray = 0usize;
    walk(schema, Some(&mut Vec::new()), &mut found, &mut stray)?;
    if stray > 0 {
        return Err(
            "an x-mcp-header annotation is not reachable from the schema root through \
             `properties` alone"
                .into(),
        );
    }
    let mut seen = std::collections::HashSet::new();
    for h in &found {
        if !seen.insert(h.name.to_ascii_lowercase()) {
            return Err(format!(
                "x-mcp-header {:?} is used twice (names are case-insensitive)",
                h.name
            ));
        }
    }
    Ok(found)
}

/// Collects annotations reachable through `properties` chains (`path` is
/// `Some` while the walk is on such a chain) and counts the others.
fn walk(
    schema: &Value,
    path: Option<&mut Vec<String>>,
    found: &mut Vec<ParamHeader>,
    stray: &mut usize,
) -> Result<(), String> {
    let Value::Object(map) = schema else {
        if let Value::Array(items) = schema {
            for item in items {
                walk(item, None, found, stray)?;
            }
        }
        return Ok(());
    };
    let mut path = path;
    for (key, value) in map {
        match key.as_str() {
            "x-mcp-header" => match path.as_deref() {
                Some(p) if !p.is_empty() => found.push(check(p, value, map)?),
                _ => *stray += 1,
            },
            "properties" => {
                if let Value::Object(props) = value {
                    for (name, sub) in props {
                        match path.as_deref_mut() {
                            Some(p) => {
                                p.push(name.clone());
                                walk(sub, Some(p), found, stray)?;
                                p.pop();
                            }
                            None => walk(sub, None, found, stray)?,
                        }
                    }
                }
            }
            // Values, not schemas: an `x-mcp-header` key inside is data.
            "default" | "const" | "enum" | "examples" => {}
            _ => walk(value, None, found, stray)?,
        }
    }
    Ok(())
}

fn check(
    path: &[String],
    value: &Value,
    schema: &serde_json::Map<String, Value>,
) -> Result<ParamHeader, String> {
    let at = path.join(".");
    let Some(name) = value.as_str() else {
        return Err(format!("x-mcp-header of `{at}` is not a string"));
    };
    if name.is_empty() {
        return Err(format!("x-mcp-header of `{at}` is empty"));
    }
    if !name.chars().all(is_tchar) {
        return Err(format!(
            "x-mcp-header {name:?} of `{at}` is not a valid header name token"
        ));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string" | "integer" | "boolean") => {}
        other => {
            return Err(format!(
                "x-mcp-header {name:?} is on `{at}` of type {}, but only string, integer and \
                 boolean parameters may be mirrored",
                other.map_or_else(|| "unspecified".to_owned(), |t| format!("{t:?}"))
            ));
        }
    }
    Ok(ParamHeader {
        path: path.to_vec(),
        name: name.to_owned(),
    })
}

/// The `Mcp-Param-*` headers for a call with `arguments`.
pub(crate) fn param_values(headers: &[ParamHeader], arguments: &Value) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|h| {
            let mut v = arguments;
            for key in &h.path {
                v = v.get(key)?;
            }
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                    (Some(i), _, _) => i.to_string(),
                    (_, Some(u), _) => u.to_string(),
                    // An integer sent as 42.0 is still 42.
                    (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                        format!("{f:.0}")
                    }
                    _ => n.to_string(),
                },
                _ => return None,
            };
            Some((format!("Mcp-Param-{}", h.name), encode_value(&text)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_encoded_as_the_spec_table_says() {
        assert_eq!(encode_value("us-west1"), "us-west1");
        assert_eq!(encode_value("Hello, 世界"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
        assert_eq!(encode_value(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(encode_value("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(
            encode_value("=?base64?literal?="),
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
        );
        assert_eq!(encode_value("\tindented"), "=?base64?CWluZGVudGVk?=");
        assert_eq!(encode_value("us west 1"), "us west 1");
        assert_eq!(encode_value(""), "");
    }

    #[test]
    fn annotations_are_found_and_mirrored() {
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "priority": {"type": "integer", "x-mcp-header": "Priority"},
            "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
            "nested": {"type": "object", "properties": {"tenant": {"type": "string", "x-mcp-header": "Tenant"}}},
            "query": {"type": "string"}
        }});
        let h = param_headers(&schema).unwrap();
        let mut got = param_values(
            &h,
            &json!({"region": "eu", "priority": 42.0, "verbose": null, "nested": {"tenant": "t 1 "}}),
        );
        got.sort();
        assert_eq!(
            got,
            vec![
                ("Mcp-Param-Priority".to_owned(), "42".to_owned()),
                ("Mcp-Param-Region".to_owned(), "eu".to_owned()),
                ("Mcp-Param-Tenant".to_owned(), "=?base64?dCAxIA==?=".to_owned()),
            ]
        );
    }

    #[test]
    fn invalid_annotations_are_rejected() {
        for bad in [
            json!({"properties": {"v": {"type": "string", "x-mcp-header": ""}}}),
            json!({"properties": {"v": {"type": "object", "x-mcp-header": "V"}}}),
            json!({"properties": {"v": {"type": "number", "x-mcp-header": "V"}}}),
            json!({"properties": {"v": {"type": "null", "x-mcp-header": "V"}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": "My"}, "b": {"type": "string", "x-mcp-header": "my"}}}),
            json!({"properties": {"v": {"type": "string", "x-mcp-header": "My Region"}}}),
            json!({"properties": {"v": {"type": "string", "x-mcp-header": "Région"}}}),
            json!({"properties": {"v": {"type": "string", "x-mcp-header": "A:B"}}}),
            json!({"properties": {"v": {"type": "string", "x-mcp-header": "A\tB"}}}),
            json!({"properties": {"v": {"type": "array", "items": {"type": "string", "x-mcp-header": "V"}}}}),
            json!({"$defs": {"d": {"type": "string", "x-mcp-header": "V"}}}),
            json!({"anyOf": [{"properties": {"v": {"type": "string", "x-mcp-header": "V"}}}]}),
        ] {
            assert!(param_headers(&bad).is_err(), "{bad}");
        }
        // A property that happens to be named x-mcp-header is fine.
        let ok = json!({"properties": {"x-mcp-header": {"type": "string"}}});
        assert_eq!(param_headers(&ok).unwrap(), vec![]);
    }
}
