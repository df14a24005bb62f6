//! What an outgoing message carries besides its method and params, by era
//! and transport: the modern `_meta` (revision, capabilities, client info,
//! log level) and the progress token; the Streamable HTTP headers that mirror
//! the message (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`,
//! `Mcp-Param-*`); and the memory of each tool's `x-mcp-header` annotations
//! the last of those need, learnt from `tools/list`. Separate from the RPC
//! core, which decides when and whether to send: this is only what the spec
//! says a message must look like.

use mcp_serve_core::meta;
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value, json};

use super::http::Head;
use super::rpc::Round;
use super::{Client, Era, Inner, Link, headers, lock};

/// Tools whose `x-mcp-header` annotations are remembered.
const MAX_TOOL_HEADERS: usize = 10_000;

impl Client {
    /// Lists the tools again, only to learn their `x-mcp-header` annotations.
    pub(super) async fn relist_tools(&self, round: &Round<'_>) {
        let mut params = None;
        for _page in 0..100 {
            let Ok(page) = self.request_once("tools/list", params, round).await else {
                return;
            };
            let page = self.inner.screen_tools(page);
            match page.get("nextCursor") {
                Some(cursor) if !cursor.is_null() => params = Some(json!({ "cursor": cursor })),
                _ => return,
            }
        }
    }
}

impl Inner {
    /// Adds the era's `_meta` (and a progress token) to a request's params.
    pub(super) fn with_meta(&self, params: Option<Value>, progress: Option<&Value>) -> Option<Value> {
        let mut params = match params {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let modern = self.era() == Era::Modern;
        if modern || progress.is_some() {
            let meta = params.entry("_meta").or_insert_with(|| json!({}));
            if let Value::Object(meta) = meta {
                if modern {
                    meta.entry(meta::PROTOCOL_VERSION)
                        .or_insert_with(|| json!(ProtocolVersion::LATEST));
                    meta.entry(meta::CLIENT_CAPABILITIES)
                        .or_insert_with(|| self.identity.0.clone());
                    meta.entry(meta::CLIENT_INFO)
                        .or_insert_with(|| self.identity.1.clone());
                    if let Some(level) = *lock(&self.log_level) {
                        meta.entry(meta::LOG_LEVEL).or_insert_with(|| json!(level));
                    }
                }
                if let Some(token) = progress {
                    meta.entry(meta::PROGRESS_TOKEN).or_insert_with(|| token.clone());
                }
            }
        }
        (!params.is_empty()).then_some(Value::Object(params))
    }

    /// The HTTP headers that mirror a message (modern) or carry the
    /// negotiated revision (legacy).
    pub(super) fn head(&self, method: Option<&str>, params: &Value) -> Head {
        let Link::Http(link) = &self.link else {
            return Head::default();
        };
        if link.is_sse() {
            return Head::default();
        }
        match self.era() {
            Era::Modern => {
                let version = params
                    .get("_meta")
                    .and_then(|m| m.get(meta::PROTOCOL_VERSION))
                    .and_then(Value::as_str)
                    .unwrap_or(ProtocolVersion::LATEST.as_str());
                let name_field = match method {
                    Some("tools/call" | "prompts/get") => "name",
                    Some("resources/read") => "uri",
                    _ => "",
                };
                let name = params.get(name_field).and_then(Value::as_str).map(str::to_owned);
                let params_headers = match (method, &name) {
                    (Some("tools/call"), Some(tool)) => lock(&self.tool_headers)
                        .get(tool)
                        .map(|h| headers::param_values(h, params.get("arguments").unwrap_or(&Value::Null)))
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                Head {
                    protocol_version: Some(version.to_owned()),
                    method: method.map(str::to_owned),
                    name,
                    params: params_headers,
                }
            }
            Era::Legacy(v) if method != Some("initialize") => Head {
                protocol_version: Some(v.as_str().to_owned()),
                ..Head::default()
            },
            _ => Head::default(),
        }
    }

    /// Over modern Streamable HTTP: leaves out tools with invalid
    /// `x-mcp-header` annotations and remembers the valid ones for calls.
    pub(super) fn screen_tools(&self, mut result: Value) -> Value {
        if !self.streamable_modern() {
            return result;
        }
        if let Some(Value::Array(tools)) = result.get_mut("tools") {
            let mut known = lock(&self.tool_headers);
            if known.len() > MAX_TOOL_HEADERS {
                known.clear();
            }
            tools.retain(|tool| {
                let name = tool
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                match headers::param_headers(tool.get("inputSchema").unwrap_or(&Value::Null)) {
                    Ok(h) if h.is_empty() => {
                        known.remove(&name);
                        true
                    }
                    Ok(h) => {
                        known.insert(name, h);
                        true
                    }
                    Err(why) => {
                        tracing::warn!(tool = %name, "leaving the tool out of tools/list: {why}");
                        known.remove(&name);
                        false
                    }
                }
            });
        }
        result
    }
}
