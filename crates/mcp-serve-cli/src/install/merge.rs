//! Putting one server entry into a config file's text: the file is edited in
//! place (comments, key order, indentation and other keys stay as they were),
//! an identical entry is left alone, and a different one of the same name is
//! replaced only when asked.

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstRootNode};
use serde_json::Value;

use super::entry::to_json;

/// What merging did to the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// The entry was new; here is the file with it.
    Added(String),
    /// A different entry of that name was replaced (with `force`).
    Replaced {
        /// The file with the new entry.
        text: String,
        /// The entry that was there.
        previous: Value,
    },
    /// The file already holds an equivalent entry; nothing to write.
    Unchanged,
    /// The file holds a different entry of that name and `force` was not given.
    Conflict {
        /// The entry that is there.
        existing: Value,
    },
}

/// Why a file cannot be merged into; it must then be left as it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum MergeError {
    /// Not JSON (or JSONC), with where it went wrong.
    #[error("it is not valid JSON: {0}")]
    Syntax(String),
    /// The top level is not an object.
    #[error("its top level is not a JSON object")]
    NotAnObject,
    /// The servers key holds something other than an object.
    #[error("its `{0}` is not a JSON object")]
    ServersNotAnObject(String),
}

/// One entry to put into a file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Merge<'a> {
    /// The key holding the servers: `mcpServers`, or `servers` for VS Code.
    pub(crate) servers_key: &'a str,
    /// The server's name.
    pub(crate) name: &'a str,
    /// The entry.
    pub(crate) entry: &'a CstInputValue,
    /// Replace a different entry of the same name.
    pub(crate) force: bool,
}

/// The options for reading config files: JSON plus comments and trailing
/// commas (JSONC, as VS Code writes it), nothing looser.
fn parse_options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses a config file's text (JSONC); blank text is an empty file.
pub(crate) fn parse(text: &str) -> Result<CstRootNode, MergeError> {
    let text = if text.trim().is_empty() { "" } else { text };
    let root = CstRootNode::parse(text, &parse_options()).map_err(|e| MergeError::Syntax(e.to_string()))?;
    match root.value() {
        None => Ok(root),
        Some(v) if v.as_object().is_some() => Ok(root),
        Some(_) => Err(MergeError::NotAnObject),
    }
}

/// Whether the text is strict JSON (no comments, no trailing commas).
pub(crate) fn is_strict_json(text: &str) -> bool {
    text.trim().is_empty() || serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// The servers a file holds, in file order (for `--list`).
pub(crate) fn servers(text: &str, servers_key: &str) -> Result<Vec<(String, Value)>, MergeError> {
    let root = parse(text)?;
    let Some(object) = root.object_value() else {
        return Ok(Vec::new());
    };
    let Some(prop) = object.get(servers_key) else {
        return Ok(Vec::new());
    };
    let servers = prop
        .object_value()
        .ok_or_else(|| MergeError::ServersNotAnObject(servers_key.to_owned()))?;
    Ok(servers
        .properties()
        .into_iter()
        .filter_map(|p| {
            let name = p.name()?.decoded_value().ok()?;
            let value = p.value()?.to_serde_value().unwrap_or(Value::Null);
            Some((name, value))
        })
        .collect())
}

/// Puts the entry into `existing` (the file's text, `None` when there is no
/// file yet).
pub(crate) fn merge(existing: Option<&str>, merge: Merge<'_>) -> Result<Outcome, MergeError> {
    let text = existing.unwrap_or("");
    let root = parse(text)?;
    let root_object = root.object_value_or_set();
    if let Some(prop) = root_object.get(merge.servers_key) {
        if prop.object_value().is_none() {
            return Err(MergeError::ServersNotAnObject(merge.servers_key.to_owned()));
        }
    }
    root_object.ensure_multiline();
    let servers = root_object.object_value_or_set(merge.servers_key);
    let new = to_json(merge.entry);
    let previous = match servers.get(merge.name) {
        None => {
            servers.ensure_multiline();
            servers.append(merge.name, merge.entry.clone());
            None
        }
        Some(prop) => {
            let existing = prop
                .value()
                .and_then(|v| v.to_serde_value())
                .unwrap_or(Value::Null);
            if equivalent(&existing, &new) {
                return Ok(Outcome::Unchanged);
            }
            if !merge.force {
                return Ok(Outcome::Conflict { existing });
            }
            prop.set_value(merge.entry.clone());
            Some(existing)
        }
    };
    let mut out = root.to_string();
    if !out.ends_with('\n') {
        out.push_str(if text.contains("\r\n") { "\r\n" } else { "\n" });
    }
    Ok(match previous {
        None => Outcome::Added(out),
        Some(previous) => Outcome::Replaced { text: out, previous },
    })
}

/// Whether two entries mean the same: equal once empty `args`/`env`/
/// `headers` and the default `"type": "stdio"` are dropped (what other tools
/// write, e.g. `claude mcp add`'s `"env": {}`).
pub(crate) fn equivalent(a: &Value, b: &Value) -> bool {
    normalized(a) == normalized(b)
}

/// The top-level fields in which two entries differ (after [`equivalent`]'s
/// normalization), sorted.
pub(crate) fn differing_fields(a: &Value, b: &Value) -> Vec<String> {
    let (a, b) = (normalized(a), normalized(b));
    let (Value::Object(a), Value::Object(b)) = (&a, &b) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// An entry without the fields that change nothing.
fn normalized(entry: &Value) -> Value {
    let Value::Object(fields) = entry else {
        return entry.clone();
    };
    let mut fields = fields.clone();
    for key in ["args", "env", "headers"] {
        let empty = match fields.get(key) {
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            _ => false,
        };
        if empty {
            fields.remove(key);
        }
    }
    if fields.get("type").and_then(Value::as_str) == Some("stdio") {
        fields.remove("type");
    }
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry() -> CstInputValue {
        CstInputValue::Object(vec![
            ("command".into(), "/bin/w".into()),
            ("args".into(), CstInputValue::Array(vec!["--x".into()])),
        ])
    }

    fn run(existing: Option<&str>, force: bool) -> Result<Outcome, MergeError> {
        merge(
            existing,
            Merge {
                servers_key: "mcpServers",
                name: "weather",
                entry: &entry(),
                force,
            },
        )
    }

    fn added(existing: Option<&str>) -> String {
        match run(existing, false).unwrap() {
            Outcome::Added(text) => text,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_fresh_file() {
        let expected = "{\n  \"mcpServers\": {\n    \"weather\": {\n      \"command\": \"/bin/w\",\n      \
                        \"args\": [\"--x\"]\n    }\n  }\n}\n";
        assert_eq!(added(None), expected);
        assert_eq!(added(Some("")), expected);
        assert_eq!(added(Some("  \n")), expected);
        assert_eq!(added(Some("{}")), expected);
    }

    #[test]
    fn other_keys_order_and_indentation_stay() {
        let text = "{\n    \"zeta\": 1,\n    \"mcpServers\": {\n        \"b\": {\"command\": \"b\"}\n    },\n    \
                    \"alpha\": [1, 2]\n}\n";
        let out = added(Some(text));
        assert_eq!(
            out,
            "{\n    \"zeta\": 1,\n    \"mcpServers\": {\n        \"b\": {\"command\": \"b\"},\n        \
             \"weather\": {\n            \"command\": \"/bin/w\",\n            \"args\": [\"--x\"]\n        }\n    \
             },\n    \"alpha\": [1, 2]\n}\n"
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["zeta"], 1);
        assert_eq!(v["alpha"], json!([1, 2]));
        assert_eq!(v["mcpServers"]["b"], json!({"command": "b"}));
    }

    #[test]
    fn comments_and_trailing_commas_stay() {
        let text = "// my servers\n{\n  \"inputs\": [],\n  \"servers\": {\n    // old one\n    \"a\": {\"url\": \
                    \"http://a\"},\n  },\n}\n";
        let out = match merge(
            Some(text),
            Merge {
                servers_key: "servers",
                name: "weather",
                entry: &entry(),
                force: false,
            },
        )
        .unwrap()
        {
            Outcome::Added(text) => text,
            other => panic!("{other:?}"),
        };
        assert!(out.starts_with("// my servers\n{\n  \"inputs\": [],"), "{out}");
        assert!(
            out.contains("    // old one\n    \"a\": {\"url\": \"http://a\"},\n    \"weather\": {"),
            "{out}"
        );
        assert!(!is_strict_json(text));
        let names: Vec<String> = servers(&out, "servers")
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["a", "weather"]);
    }

    #[test]
    fn minified_files_become_readable() {
        let out = added(Some(r#"{"a":1}"#));
        assert!(out.starts_with("{\n  \"a\":1,\n  \"mcpServers\": {\n"), "{out}");
        assert!(out.ends_with("}\n"));
    }

    #[test]
    fn crlf_files_keep_crlf_at_the_end() {
        let out = added(Some("{\r\n  \"a\": 1\r\n}"));
        assert!(out.ends_with("}\r\n"), "{out:?}");
    }

    #[test]
    fn same_name() {
        let same =
            "{\"mcpServers\": {\"weather\": {\"args\": [\"--x\"], \"command\": \"/bin/w\", \"env\": {}}}}";
        assert_eq!(run(Some(same), false).unwrap(), Outcome::Unchanged);
        assert_eq!(run(Some(same), true).unwrap(), Outcome::Unchanged);

        let other =
            "{\n  \"mcpServers\": {\n    \"weather\": {\"command\": \"/bin/old\"},\n    \"z\": {}\n  }\n}\n";
        assert_eq!(
            run(Some(other), false).unwrap(),
            Outcome::Conflict {
                existing: json!({"command": "/bin/old"})
            }
        );
        let Outcome::Replaced { text, previous } = run(Some(other), true).unwrap() else {
            panic!()
        };
        assert_eq!(previous, json!({"command": "/bin/old"}));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["mcpServers"]["weather"],
            json!({"command": "/bin/w", "args": ["--x"]})
        );
        let names: Vec<String> = servers(&text, "mcpServers")
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["weather", "z"], "the replaced entry keeps its place");
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(matches!(run(Some("{ not json"), false), Err(MergeError::Syntax(m)) if m.contains("line 1")));
        assert!(matches!(run(Some("{'a': 1}"), false), Err(MergeError::Syntax(_))));
        assert_eq!(run(Some("[1, 2]"), false), Err(MergeError::NotAnObject));
        assert_eq!(run(Some("\"x\""), false), Err(MergeError::NotAnObject));
        assert_eq!(
            run(Some("{\"mcpServers\": []}"), false),
            Err(MergeError::ServersNotAnObject("mcpServers".into()))
        );
        assert!(servers("{\"mcpServers\": 1}", "mcpServers").is_err());
    }

    #[test]
    fn equivalence_ignores_what_changes_nothing() {
        assert!(equivalent(
            &json!({"type": "stdio", "command": "a", "args": [], "env": {}}),
            &json!({"command": "a"})
        ));
        assert!(!equivalent(&json!({"command": "a"}), &json!({"command": "b"})));
        assert!(!equivalent(
            &json!({"command": "a", "env": {"K": "1"}}),
            &json!({"command": "a", "env": {"K": "2"}})
        ));
        assert!(!equivalent(
            &json!({"type": "http", "url": "u"}),
            &json!({"type": "sse", "url": "u"})
        ));
        assert!(equivalent(
            &json!({"url": "u", "headers": {}}),
            &json!({"url": "u"})
        ));
        assert_eq!(
            differing_fields(
                &json!({"type": "http", "url": "u", "headers": {"A": "b"}}),
                &json!({"type": "http", "url": "u"})
            ),
            ["headers"]
        );
        assert_eq!(
            differing_fields(
                &json!({"command": "a", "args": []}),
                &json!({"command": "b", "env": {"K": "V"}})
            ),
            ["command", "env"]
        );
    }
}
