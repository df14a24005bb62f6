//! Dressing results for the era of the request: modern results carry
//! `resultType`, cache hints on cacheable results, and the server's identity
//! in `_meta`; legacy results are sent as the handler made them.

use mcp_serve_core::jsonrpc::RequestId;
use mcp_serve_core::meta::SERVER_INFO;
use mcp_serve_core::types::{CacheScope, CallToolResult, ContentBlock};
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value, json};

use super::Shared;
use super::connection::Members;

/// Whether a method's result is a `CacheableResult` in 2026-07-28.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cache {
    No,
    /// Cacheable, with this time-to-live, in the server's cache scope.
    Ttl(u64),
    /// Cacheable, with this time-to-live, only by this caller: the result
    /// depends on who asked (a list filtered by the caller's scopes).
    Private(u64),
}

impl Cache {
    /// The time-to-live and scope of a cacheable result.
    fn hints(self, shared: &Shared) -> Option<(u64, CacheScope)> {
        match self {
            Cache::No => None,
            Cache::Ttl(ttl) => Some((ttl, shared.options.cache_scope)),
            Cache::Private(ttl) => Some((ttl, CacheScope::Private)),
        }
    }
}

pub(crate) fn shape(shared: &Shared, version: ProtocolVersion, cache: Cache, result: &mut Value) {
    if !version.has_result_type() {
        downgrade_content(version, result);
        return;
    }
    let Value::Object(map) = result else { return };
    map.entry("resultType").or_insert_with(|| json!("complete"));
    if let Some((ttl, scope)) = cache.hints(shared) {
        map.entry("ttlMs").or_insert_with(|| json!(ttl));
        map.entry("cacheScope").or_insert_with(|| json!(scope));
    }
    if shared.options.server_info_in_results {
        let meta = map.entry("_meta").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(meta) = meta {
            meta.entry(SERVER_INFO)
                .or_insert_with(|| shared.info_value.clone());
        }
    }
}

/// Serializes the response to `id` carrying `result` dressed as [`shape`]
/// would dress it, byte for byte, without building the dressed value: the
/// extra members are written in their sorted places (`serde_json::Map` is
/// ordered by key) and the server's identity comes pre-serialized.
pub(crate) fn encode_response(
    shared: &Shared,
    id: &RequestId,
    version: ProtocolVersion,
    cache: Cache,
    result: Value,
) -> Result<Vec<u8>, serde_json::Error> {
    // Room for a typical small result, so the buffer rarely grows.
    let mut out = Vec::with_capacity(256 + shared.info_json.len());
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut out, id)?;
    out.extend_from_slice(br#","result":"#);
    write_result(&mut out, shared, version, cache, result)?;
    out.push(b'}');
    Ok(out)
}

/// The response to `id` whose result is `result`, already serialized.
pub(crate) fn encode_with_result(id: &RequestId, result: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(result.len() + 48);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    // Ids are strings or integers: they always serialize.
    let _ = serde_json::to_writer(&mut out, id);
    out.extend_from_slice(br#","result":"#);
    out.extend_from_slice(result);
    out.push(b'}');
    out
}

/// Writes `result` dressed for the era (see [`encode_response`]).
pub(crate) fn write_result(
    out: &mut Vec<u8>,
    shared: &Shared,
    version: ProtocolVersion,
    cache: Cache,
    mut result: Value,
) -> Result<(), serde_json::Error> {
    match &result {
        Value::Object(map) if version.has_result_type() => write_dressed(out, shared, cache, map),
        _ => {
            shape(shared, version, cache, &mut result);
            serde_json::to_writer(out, &result)
        }
    }
}

/// The response carrying a tool result made only of plain text blocks (what
/// most tools return), written straight from its type: the same bytes as
/// serializing it to a `Value`, dressing and encoding that (keys in sorted
/// order), without building the `Value`. `None` for any other result.
pub(crate) fn encode_text_result(
    shared: &Shared,
    id: &RequestId,
    version: ProtocolVersion,
    result: &CallToolResult,
) -> Option<Vec<u8>> {
    if result.meta.is_some() || result.result_type.is_some() || result.structured_content.is_some() {
        return None;
    }
    let mut texts = Vec::with_capacity(result.content.len());
    for block in &result.content {
        match block {
            ContentBlock::Text(t) if t.annotations.is_none() && t.meta.is_none() => {
                texts.push(t.text.as_str())
            }
            _ => return None,
        }
    }
    let modern = version.has_result_type();
    let text_len: usize = texts.iter().map(|t| t.len() + 32).sum();
    let mut out = Vec::with_capacity(128 + text_len + shared.info_json.len());
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut out, id).ok()?;
    out.extend_from_slice(br#","result":{"#);
    if modern && shared.options.server_info_in_results {
        out.extend_from_slice(br#""_meta":{"#);
        serde_json::to_writer(&mut out, SERVER_INFO).ok()?;
        out.push(b':');
        out.extend_from_slice(&shared.info_json);
        out.extend_from_slice(b"},");
    }
    out.extend_from_slice(br#""content":["#);
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"text":"#);
        serde_json::to_writer(&mut out, text).ok()?;
        out.extend_from_slice(br#","type":"text"}"#);
    }
    out.push(b']');
    if let Some(is_error) = result.is_error {
        out.extend_from_slice(if is_error {
            br#","isError":true"#
        } else {
            br#","isError":false"#
        });
    }
    if modern {
        out.extend_from_slice(br#","resultType":"complete""#);
    }
    out.extend_from_slice(b"}}");
    Some(out)
}

/// A member `shape` would add.
enum Extra<'a> {
    /// `_meta` holding only the server's identity.
    NewMeta,
    /// The result's own `_meta`, with the server's identity added.
    MergedMeta(&'a Map<String, Value>),
    Str(&'static str),
    U64(u64),
    Scope(CacheScope),
}

fn write_dressed(
    out: &mut Vec<u8>,
    shared: &Shared,
    cache: Cache,
    map: &Map<String, Value>,
) -> Result<(), serde_json::Error> {
    // In key order, as the members of a `serde_json::Map` are written.
    let mut extras: [Option<(&str, Extra<'_>)>; 4] = [None, None, None, None];
    if shared.options.server_info_in_results {
        extras[0] = match map.get("_meta") {
            None => Some(("_meta", Extra::NewMeta)),
            Some(Value::Object(meta)) if !meta.contains_key(SERVER_INFO) => {
                Some(("_meta", Extra::MergedMeta(meta)))
            }
            Some(_) => None,
        };
    }
    if let Some((ttl, scope)) = cache.hints(shared) {
        if !map.contains_key("cacheScope") {
            extras[1] = Some(("cacheScope", Extra::Scope(scope)));
        }
        if !map.contains_key("ttlMs") {
            extras[3] = Some(("ttlMs", Extra::U64(ttl)));
        }
    }
    if !map.contains_key("resultType") {
        extras[2] = Some(("resultType", Extra::Str("complete")));
    }
    let merged_meta = matches!(extras[0], Some((_, Extra::MergedMeta(_))));
    let mut extras = extras.into_iter().flatten().peekable();
    let mut first = true;
    let mut member = |out: &mut Vec<u8>, key: &str| write_key(out, &mut first, key);
    out.push(b'{');
    for (key, value) in map {
        while let Some((k, extra)) = extras.next_if(|(k, _)| *k <= key.as_str()) {
            member(out, k)?;
            write_extra(out, shared, &extra)?;
        }
        if merged_meta && key == "_meta" {
            // Written above, with the server's identity added.
            continue;
        }
        member(out, key)?;
        serde_json::to_writer(&mut *out, value)?;
    }
    for (k, extra) in extras {
        member(out, k)?;
        write_extra(out, shared, &extra)?;
    }
    out.push(b'}');
    Ok(())
}

/// The front's response to `id` made of a backend's response to a call
/// handed on (see `tool::passthrough`): its result as the backend wrote it
/// (values copied, not parsed), with this server's identity in `_meta` in
/// place of the backend's, or its error. The error's code comes along for
/// the transport. `None` when the bytes are no JSON-RPC response.
pub(crate) fn encode_passed(
    shared: &Shared,
    id: &RequestId,
    response: &[u8],
) -> Option<(Vec<u8>, Option<i64>)> {
    use serde_json::value::RawValue;
    #[derive(serde::Deserialize)]
    struct Message<'a> {
        #[serde(borrow)]
        result: Option<Members<'a>>,
        #[serde(borrow)]
        error: Option<&'a RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Code {
        code: i64,
    }
    // Line breaks are JSON whitespace but end an SSE `data:` line or a
    // stdio message: a response written over lines is written again compactly.
    if response.iter().any(|&b| b == b'\n' || b == b'\r') {
        let compact = serde_json::to_vec(&serde_json::from_slice::<Value>(response).ok()?).ok()?;
        return encode_passed(shared, id, &compact);
    }
    let message: Message<'_> = serde_json::from_slice(response).ok()?;
    let mut out = Vec::with_capacity(response.len() + shared.info_json.len() + 16);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut out, id).ok()?;
    if let Some(error) = message.error {
        let code = serde_json::from_str::<Code>(error.get()).ok()?.code;
        out.extend_from_slice(br#","error":"#);
        out.extend_from_slice(error.get().as_bytes());
        out.push(b'}');
        return Some((out, Some(code)));
    }
    let result = message.result?.0;
    out.extend_from_slice(br#","result":{"#);
    let mut first = true;
    let identity = shared.options.server_info_in_results;
    let mut meta_written = false;
    let mut typed = false;
    for (key, value) in &result {
        if key == "_meta" && value.get() == "null" {
            continue;
        }
        if key == "_meta" {
            // The backend's identity out, this server's in; the rest as it was.
            let meta: Members<'_> = serde_json::from_str(value.get()).ok()?;
            let kept: Vec<_> = meta.0.iter().filter(|(k, _)| k != SERVER_INFO).collect();
            if identity || !kept.is_empty() {
                write_key(&mut out, &mut first, "_meta").ok()?;
                let mut inner = true;
                out.push(b'{');
                if identity {
                    write_key(&mut out, &mut inner, SERVER_INFO).ok()?;
                    out.extend_from_slice(&shared.info_json);
                }
                for (k, v) in kept {
                    write_key(&mut out, &mut inner, k).ok()?;
                    out.extend_from_slice(v.get().as_bytes());
                }
                out.push(b'}');
            }
            meta_written = true;
            continue;
        }
        typed |= key == "resultType";
        write_key(&mut out, &mut first, key).ok()?;
        out.extend_from_slice(value.get().as_bytes());
    }
    if identity && !meta_written {
        write_key(&mut out, &mut first, "_meta").ok()?;
        out.push(b'{');
        serde_json::to_writer(&mut out, SERVER_INFO).ok()?;
        out.push(b':');
        out.extend_from_slice(&shared.info_json);
        out.push(b'}');
    }
    if !typed {
        write_key(&mut out, &mut first, "resultType").ok()?;
        out.extend_from_slice(br#""complete""#);
    }
    out.extend_from_slice(b"}}");
    Some((out, None))
}

/// Writes `"key":`, after a comma unless it is the object's first member.
fn write_key(out: &mut Vec<u8>, first: &mut bool, key: &str) -> Result<(), serde_json::Error> {
    if !std::mem::take(first) {
        out.push(b',');
    }
    serde_json::to_writer(&mut *out, key)?;
    out.push(b':');
    Ok(())
}

fn write_extra(out: &mut Vec<u8>, shared: &Shared, extra: &Extra<'_>) -> Result<(), serde_json::Error> {
    match extra {
        Extra::NewMeta => {
            out.push(b'{');
            serde_json::to_writer(&mut *out, SERVER_INFO)?;
            out.push(b':');
            out.extend_from_slice(&shared.info_json);
            out.push(b'}');
        }
        Extra::MergedMeta(meta) => {
            let mut info = Some(SERVER_INFO);
            let mut first = true;
            let mut member = |out: &mut Vec<u8>, key: &str| write_key(out, &mut first, key);
            out.push(b'{');
            for (key, value) in *meta {
                if let Some(k) = info.take_if(|k| *k < key.as_str()) {
                    member(out, k)?;
                    out.extend_from_slice(&shared.info_json);
                }
                member(out, key)?;
                serde_json::to_writer(&mut *out, value)?;
            }
            if let Some(k) = info {
                member(out, k)?;
                out.extend_from_slice(&shared.info_json);
            }
            out.push(b'}');
        }
        Extra::Str(s) => serde_json::to_writer(&mut *out, s)?,
        Extra::U64(n) => serde_json::to_writer(&mut *out, n)?,
        Extra::Scope(scope) => serde_json::to_writer(&mut *out, scope)?,
    }
    Ok(())
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

    fn shared(server_info_in_results: bool) -> Shared {
        let options = crate::engine::Options {
            server_info_in_results,
            // Unlike `Cache::Private`, so the tests tell them apart.
            cache_scope: CacheScope::Public,
            ..Default::default()
        };
        Shared::new(
            mcp_serve_core::types::Implementation::new("t\"x", "1"),
            None,
            crate::schema::SchemaSettings::default(),
            options,
            crate::context::StateMap::default(),
            crate::engine::catalog::Catalog::default(),
            crate::engine::RequestStateKeys::random(),
        )
    }

    #[test]
    fn a_passed_response_carries_this_servers_identity() {
        let id = RequestId::Number(9);
        let backend = br#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"5"}],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"backend","version":"2"},"x/keep":1},"resultType":"complete"}}"#;
        let (bytes, error) = encode_passed(&shared(true), &id, backend).unwrap();
        assert_eq!(error, None);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["id"], 9, "the front request's id");
        assert_eq!(v["result"]["_meta"][SERVER_INFO]["name"], "t\"x");
        assert_eq!(v["result"]["_meta"]["x/keep"], 1);
        assert_eq!(v["result"]["content"][0]["text"], "5");
        assert_eq!(v["result"]["resultType"], "complete");
        // Without the identity, the backend's goes too, and an empty `_meta` with it.
        let bare = br#"{"jsonrpc":"2.0","id":1,"result":{"_meta":{"io.modelcontextprotocol/serverInfo":{}},"content":[]}}"#;
        let (bytes, _) = encode_passed(&shared(false), &id, bare).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"jsonrpc":"2.0","id":9,"result":{"content":[],"resultType":"complete"}}"#
        );
        let refused = br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32020,"message":"Header mismatch"}}"#;
        let (bytes, error) = encode_passed(&shared(true), &id, refused).unwrap();
        assert_eq!(error, Some(-32020));
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["id"], 9);
        assert_eq!(v["error"]["message"], "Header mismatch");
        let spread = b"{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"result\": {\"_meta\": null, \"content\": [\n  ]}\n}";
        let (bytes, _) = encode_passed(&shared(false), &id, spread).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"jsonrpc":"2.0","id":9,"result":{"content":[],"resultType":"complete"}}"#,
            "written on one line, a null `_meta` dropped"
        );
        for junk in [
            &b"<html>"[..],
            br#"{"jsonrpc":"2.0","id":1}"#,
            br#"{"result":[1]}"#,
        ] {
            assert!(encode_passed(&shared(true), &id, junk).is_none());
        }
    }

    #[test]
    fn encoded_responses_match_shaped_values() {
        let results = [
            json!({ "content": [{ "type": "text", "text": "hi" }], "isError": false }),
            json!({}),
            json!({ "_meta": { "a": 1, "zz": [1] }, "content": [] }),
            json!({ "_meta": { SERVER_INFO: "mine" }, "A": 1 }),
            json!({ "_meta": "not an object", "resultType": "input_required" }),
            json!({ "_meta": {}, "cacheScope": "public", "ttlMs": 5, "tools": [] }),
            json!({ "Zed": 1, "aa": 2, "resultTypf": 3, "ttlMt": 4, "ttlMz": 5, "~": 6 }),
            json!({ "_meta": { "io.modelcontextprotocol/serverInfn": 1, "io.modelcontextprotocol/serverInfp": 2 } }),
            json!("not an object"),
            Value::Null,
        ];
        let ids = [RequestId::Number(7), RequestId::String("a\"b".into())];
        for info in [true, false] {
            let shared = shared(info);
            for version in ProtocolVersion::ALL {
                for cache in [Cache::No, Cache::Ttl(60_000), Cache::Private(5)] {
                    for result in &results {
                        for id in &ids {
                            let mut shaped = result.clone();
                            shape(&shared, version, cache, &mut shaped);
                            let want = mcp_serve_core::jsonrpc::encode_result(id, &shaped).unwrap();
                            let got = encode_response(&shared, id, version, cache, result.clone()).unwrap();
                            assert_eq!(
                                String::from_utf8(got).unwrap(),
                                String::from_utf8(want).unwrap(),
                                "{version} {cache:?} {result}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn text_results_encode_as_their_values_would() {
        use mcp_serve_core::types::TextContent;
        let mut annotated = TextContent::new("a");
        annotated.annotations = Some(Default::default());
        let results = [
            CallToolResult::text("hi \"there\"\n\u{1F600}"),
            CallToolResult::default(),
            CallToolResult::success(vec![ContentBlock::text("a"), ContentBlock::text("")]),
            crate::error::ToolError::new("bad").into_result(),
            {
                let mut r = CallToolResult::text("x");
                r.is_error = Some(false);
                r
            },
        ];
        for info in [true, false] {
            let shared = shared(info);
            for version in ProtocolVersion::ALL {
                for result in &results {
                    let id = RequestId::Number(3);
                    let value = serde_json::to_value(result).unwrap();
                    let want = encode_response(&shared, &id, version, Cache::No, value).unwrap();
                    let got = encode_text_result(&shared, &id, version, result).expect("a text result");
                    assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap());
                }
            }
        }
        let other = [CallToolResult::success(vec![ContentBlock::Text(annotated)]), {
            let mut r = CallToolResult::default();
            r.structured_content = Some(json!({}));
            r
        }];
        for result in &other {
            assert!(
                encode_text_result(
                    &shared(true),
                    &RequestId::Number(1),
                    ProtocolVersion::LATEST,
                    result
                )
                .is_none()
            );
        }
    }

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
