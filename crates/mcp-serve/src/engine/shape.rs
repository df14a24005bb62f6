//! Dressing results for the era of the request: modern results carry
//! `resultType`, cache hints on cacheable results, and the server's identity
//! in `_meta`; legacy results are sent as the handler made them.

use mcp_serve_core::meta::SERVER_INFO;
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{json, Map, Value};

use super::Shared;

/// Whether a method's result is a `CacheableResult` in 2026-07-28.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cache {
    No,
    /// Cacheable, with this time-to-live.
    Ttl(u64),
}

pub(crate) fn shape(shared: &Shared, version: ProtocolVersion, cache: Cache, result: &mut Value) {
    if !version.has_result_type() {
        downgrade_content(version, result);
        return;
    }
    let Value::Object(map) = result else { return };
    map.entry("resultType").or_insert_with(|| json!("complete"));
    if let Cache::Ttl(ttl) = cache {
        map.entry("ttlMs").or_insert_with(|| json!(ttl));
        map.entry("cacheScope")
            .or_insert_with(|| json!(shared.options.cache_scope));
    }
    if shared.options.server_info_in_results {
        let meta = map.entry("_meta").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(meta) = meta {
            meta.entry(SERVER_INFO)
                .or_insert_with(|| shared.info_value.clone());
        }
    }
}

/// Rewrites content blocks an older revision cannot represent (resource links
/// before 2025-06-18, audio before 2025-03-26) as text, so older clients,
/// which validate content by type, still get the information.
fn downgrade_content(version: ProtocolVersion, result: &mut Value) {
    if version.has_structured_content() {
        return;
    }
    let Value::Object(map) = result else { return };
    // Structured output arrived in 2025-06-18; older clients get the text copy.
    map.remove("structuredContent");
    if let Some(Value::Array(tools)) = map.get_mut("tools") {
        for t in tools.iter_mut().filter_map(Value::as_object_mut) {
            t.remove("outputSchema");
        }
    }
    if let Some(Value::Array(blocks)) = map.get_mut("content") {
        blocks.iter_mut().for_each(|b| downgrade_block(version, b));
    }
    if let Some(Value::Array(messages)) = map.get_mut("messages") {
        for m in messages {
            if let Some(block) = m.get_mut("content") {
                downgrade_block(version, block);
            }
        }
    }
}

fn downgrade_block(version: ProtocolVersion, block: &mut Value) {
    let text = match block.get("type").and_then(Value::as_str) {
        Some("resource_link") => {
            let uri = block.get("uri").and_then(Value::as_str).unwrap_or_default();
            let name = block.get("name").and_then(Value::as_str).unwrap_or(uri);
            format!("{name}: {uri}")
        }
        Some("audio") if !version.has_audio() => {
            let mime = block.get("mimeType").and_then(Value::as_str).unwrap_or("audio");
            format!("[{mime} audio omitted: this client's protocol revision cannot carry audio]")
        }
        _ => return,
    };
    *block = json!({ "type": "text", "text": text });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_revisions_get_text_for_new_content_types() {
        let mut r = json!({ "content": [
            { "type": "resource_link", "uri": "file:///a", "name": "a" },
            { "type": "audio", "data": "AA==", "mimeType": "audio/wav" },
            { "type": "text", "text": "kept" }
        ]});
        downgrade_content(ProtocolVersion::V2024_11_05, &mut r);
        assert_eq!(r["content"][0], json!({ "type": "text", "text": "a: file:///a" }));
        assert_eq!(r["content"][1]["type"], "text");
        assert_eq!(r["content"][2]["text"], "kept");
        let mut r2 = json!({ "content": [{ "type": "audio", "data": "AA==", "mimeType": "audio/wav" }] });
        downgrade_content(ProtocolVersion::V2025_03_26, &mut r2);
        assert_eq!(r2["content"][0]["type"], "audio");
        let mut r3 = json!({ "content": [{ "type": "resource_link", "uri": "x:y", "name": "y" }] });
        downgrade_content(ProtocolVersion::V2025_11_25, &mut r3);
        assert_eq!(r3["content"][0]["type"], "resource_link");
    }
}
