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
                .or_insert_with(|| serde_json::to_value(&shared.info).unwrap_or(Value::Null));
        }
    }
}
