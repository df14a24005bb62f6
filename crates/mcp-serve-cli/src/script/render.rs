//! Printing results: JSON for scripts (the default), or readable text and
//! tables for people (`--format table`).

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::Value;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Pretty JSON, exactly what the server sent.
    Json,
    /// Tables and plain text.
    Table,
}

/// Pretty JSON with a trailing newline.
pub(crate) fn json(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

fn cell(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A table of `items` with the given `(heading, field)` columns.
pub(crate) fn table(items: &[Value], columns: &[(&str, &str)]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(columns.iter().map(|(h, _)| *h));
    for item in items {
        t.add_row(columns.iter().map(|(_, field)| cell(item.get(*field))));
    }
    format!("{t}\n")
}

/// One line for a content block that is not plain text.
fn describe_binary(kind: &str, block: &Value, field: &str) -> String {
    let mime = cell(block.get("mimeType"));
    let len = block
        .get(field)
        .and_then(Value::as_str)
        .map_or(0, |b| b.len() * 3 / 4);
    format!("[{kind} {mime}, about {len} bytes]")
}

/// Readable text for content blocks (tool results, prompt messages).
pub(crate) fn content(blocks: &[Value]) -> String {
    let mut out = String::new();
    for block in blocks {
        let line = match block.get("type").and_then(Value::as_str) {
            Some("text") => cell(block.get("text")),
            Some("image") => describe_binary("image", block, "data"),
            Some("audio") => describe_binary("audio", block, "data"),
            Some("resource_link") => format!("-> {} ({})", cell(block.get("uri")), cell(block.get("name"))),
            Some("resource") => resource_contents(std::slice::from_ref(
                block.get("resource").unwrap_or(&Value::Null),
            )),
            _ => json(block).trim_end().to_owned(),
        };
        out.push_str(line.trim_end_matches('\n'));
        out.push('\n');
    }
    out
}

/// Readable text for `resources/read` contents.
pub(crate) fn resource_contents(contents: &[Value]) -> String {
    let mut out = String::new();
    for c in contents {
        if let Some(text) = c.get("text").and_then(Value::as_str) {
            out.push_str(text);
        } else {
            out.push_str(&describe_binary("blob", c, "blob"));
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_is_readable() {
        let text = content(&[
            json!({"type": "text", "text": "hello"}),
            json!({"type": "image", "mimeType": "image/png", "data": "AAAA"}),
            json!({"type": "resource_link", "uri": "file:///x", "name": "x"}),
            json!({"type": "resource", "resource": {"uri": "a://b", "text": "inner"}}),
        ]);
        assert_eq!(
            text,
            "hello\n[image image/png, about 3 bytes]\n-> file:///x (x)\ninner\n"
        );
    }

    #[test]
    fn tables_have_the_columns() {
        let t = table(
            &[json!({"name": "add", "description": "Adds"})],
            &[("NAME", "name"), ("DESCRIPTION", "description")],
        );
        assert!(
            t.contains("NAME") && t.contains("add") && t.contains("Adds"),
            "{t}"
        );
    }
}
