//! The tool search transform ([`ToolSearch`]): its two tools, and which
//! tools `tools/list` shows while it is on.

use std::sync::Arc;

use futures::future::BoxFuture;

use mcp_serve_core::types::CallToolResult;
use serde_json::{Map, Value, json};

use super::catalog::{Catalog, RegistrationError};
use crate::context::Context;
use crate::error::ToolError;
use crate::schema::SchemaSettings;
use crate::tool::search::{Bm25, tokens};
use crate::tool::{Arguments, CallError, Tool, ToolSearch};

/// The longest query `search_tools` takes.
const MAX_QUERY_CHARS: usize = 1000;

/// What the catalog keeps of the transform.
#[derive(Debug)]
pub(crate) struct SearchListing {
    config: ToolSearch,
}

impl SearchListing {
    /// Whether `name` is one of the transform's own tools.
    pub(crate) fn owns(&self, name: &str) -> bool {
        name == self.config.search_name || name == self.config.call_name
    }

    /// Whether `name` is the search's tool that calls other tools.
    pub(crate) fn is_call(&self, name: &str) -> bool {
        name == self.config.call_name
    }
}

/// The BM25 index of one catalog snapshot's searchable tools.
#[derive(Debug)]
pub(crate) struct SearchIndex {
    names: Vec<String>,
    bm25: Bm25,
}

impl Catalog {
    /// Whether `tools/list` shows the tool `name` (an enabled one).
    pub(crate) fn tool_listed(&self, name: &str) -> bool {
        match &self.search {
            None => true,
            Some(s) => s.owns(name) || s.config.always_visible.iter().any(|n| n == name),
        }
    }

    /// Turns the tool search on: checks the names and adds the two tools.
    pub(crate) fn install_search(
        &mut self,
        config: ToolSearch,
        settings: &SchemaSettings,
    ) -> Result<(), RegistrationError> {
        let refuse = |tool: &str, reason: String| RegistrationError::Transform {
            tool: tool.to_owned(),
            reason,
        };
        for name in &config.always_visible {
            if !self.tools.contains_key(name) {
                return Err(refuse(
                    name,
                    "ToolSearch::always_visible names a tool the server does not have; register it, or fix the name"
                        .into(),
                ));
            }
        }
        for name in [&config.search_name, &config.call_name] {
            if self.tools.contains_key(name) {
                return Err(refuse(
                    name,
                    "the tool search needs this name for its own tool, and the server has a tool of that name: \
                     pick others with ToolSearch::names(..)"
                        .into(),
                ));
            }
        }
        if config.search_name == config.call_name {
            return Err(refuse(
                &config.search_name,
                "ToolSearch::names must give the two tools different names".into(),
            ));
        }
        self.search = Some(Arc::new(SearchListing {
            config: config.clone(),
        }));
        self.insert_tool(search_tool(&config), settings)?;
        self.insert_tool(call_tool(&config), settings)?;
        Ok(())
    }

    /// The index over this snapshot's enabled tools, but the search's own.
    fn search_index(&self) -> &SearchIndex {
        self.search_index.get_or_init(|| {
            let searchable: Vec<_> = self
                .tools
                .values()
                .filter(|t| t.enabled && !self.search.as_ref().is_some_and(|s| s.owns(&t.def.name)))
                .collect();
            let names = searchable.iter().map(|t| t.def.name.clone()).collect();
            let bm25 = Bm25::new(searchable.iter().map(|t| {
                let mut words = tokens(&t.def.name);
                if let Some(title) = &t.def.title {
                    words.extend(tokens(title));
                }
                if let Some(d) = &t.def.description {
                    words.extend(tokens(d));
                }
                if let Some(props) = t.def.input_schema.get("properties").and_then(Value::as_object) {
                    for arg in props.keys() {
                        words.extend(tokens(arg));
                    }
                }
                words
            }));
            SearchIndex { names, bm25 }
        })
    }
}

/// `search_tools`: a query → the best matching tools.
fn search_tool(config: &ToolSearch) -> Tool {
    let max = config.max_results;
    Tool::new(config.search_name.clone())
        .description(format!(
            "Search this server's tools by what they do. Returns up to {max} matching tools, best first, \
             with their names, descriptions and input schemas; call one with `{}`.",
            config.call_name
        ))
        .input_schema(json!({
            "type": "object",
            "properties": {
                "query": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_QUERY_CHARS,
                    "description": "What you want to do, in a few words."
                },
                "max_results": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": max,
                    "description": format!("At most this many tools (default {max}).")
                }
            },
            "required": ["query"]
        }))
        .output_schema(json!({
            "type": "object",
            "properties": {
                "tools": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": { "type": "string" },
                            "description": { "type": "string" },
                            "inputSchema": { "type": "object" }
                        },
                        "required": ["name", "inputSchema"]
                    }
                }
            },
            "required": ["tools"]
        }))
        .raw_handler(move |args: Arguments, cx: Context| {
            let query = args
                .get("query")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let limit = args
                .get("max_results")
                .and_then(Value::as_u64)
                .map_or(max, |n| usize::try_from(n).unwrap_or(max).min(max));
            let handle = cx.server();
            let catalog = handle.shared.catalog.load();
            let index = catalog.search_index();
            let tools: Vec<Value> = index
                .bm25
                .search(&query, limit)
                .into_iter()
                .filter_map(|(i, _)| catalog.tools.get(&index.names[i]))
                .map(|t| {
                    let mut found = Map::new();
                    found.insert("name".into(), json!(t.def.name));
                    if let Some(title) = &t.def.title {
                        found.insert("title".into(), json!(title));
                    }
                    if let Some(d) = &t.def.description {
                        found.insert("description".into(), json!(d));
                    }
                    found.insert("inputSchema".into(), t.def.input_schema.clone());
                    Value::Object(found)
                })
                .collect();
            std::future::ready(Ok(CallToolResult::structured(json!({ "tools": tools }))))
        })
}

/// `call_tool`: a name and arguments → that tool's result.
fn call_tool(config: &ToolSearch) -> Tool {
    let search_name = config.search_name.clone();
    let call_name = config.call_name.clone();
    Tool::new(config.call_name.clone())
        .description(format!(
            "Call a tool found with `{search_name}`, by name, with its arguments."
        ))
        .input_schema(json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "description": "The tool's name." },
                "arguments": { "type": "object", "description": "The tool's arguments, as its input schema says." }
            },
            "required": ["name"]
        }))
        .raw_handler(
            move |mut args: Arguments, cx: Context| -> BoxFuture<'static, Result<CallToolResult, CallError>> {
                let name = args.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                if name == search_name || name == call_name {
                    let why = format!("call `{name}` directly, not through `{call_name}`");
                    return Box::pin(std::future::ready(Err(CallError::Tool(ToolError::new(why)))));
                }
                let mut params = Map::new();
                params.insert("name".into(), Value::String(name));
                params.insert(
                    "arguments".into(),
                    args.remove("arguments").unwrap_or_else(|| json!({})),
                );
                // The same way as a direct call: unknown or disabled tools,
                // scopes, argument checks and errors are answered alike.
                let call = super::methods::call_tool_result(&cx.server().shared, params, cx);
                Box::pin(async move { call.await.map_err(CallError::Protocol) })
            },
        )
}
