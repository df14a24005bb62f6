//! One function per MCP method. Each is written once and serves both eras;
//! era differences live in `connection` (selection) and `shape` (dressing).

use std::sync::Arc;

use futures::future::BoxFuture;
use mcp_serve_core::types::{CallToolResult, ResourceContents};
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value, json};

use super::Shared;
use super::catalog::{Catalog, coerce};
use super::failure::Guard;
use super::pagination::page;
use super::shape::Cache;
use super::validate::CheckError;
use crate::auth::Principal;
use crate::complete::MAX_VALUES;
use crate::context::Context;
use crate::error::{McpError, ToolError};
use crate::tool::CallError;

/// A method's result before it is dressed for the era and serialized.
pub(crate) type MethodResult = Result<(Value, Cache), McpError>;

pub(crate) fn to_value<T: serde::Serialize>(v: &T) -> Value {
    // Our own wire types always serialize.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Capabilities for a revision.
pub(crate) fn capabilities(version: ProtocolVersion) -> Value {
    let mut caps = json!({
        "tools": { "listChanged": true },
        "resources": { "listChanged": true, "subscribe": true },
        "prompts": { "listChanged": true },
    });
    if version >= ProtocolVersion::V2025_03_26 {
        caps["completions"] = json!({});
    }
    if version.is_legacy() {
        caps["logging"] = json!({});
    }
    if version == ProtocolVersion::V2025_11_25 {
        caps["tasks"] = json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } });
    }
    caps
}

pub(crate) fn initialize_result(shared: &Shared, version: ProtocolVersion) -> Value {
    let mut caps = capabilities(version);
    shared.options.extensions.advertise(shared, version, &mut caps);
    let mut r = json!({
        "protocolVersion": version,
        "capabilities": caps,
        "serverInfo": to_value(&shared.info),
    });
    if let Some(i) = &shared.instructions {
        r["instructions"] = json!(i);
    }
    r
}

pub(crate) fn discover(shared: &Shared) -> (Value, Cache) {
    let versions: Vec<&str> = ProtocolVersion::ALL
        .iter()
        .rev()
        .filter(|v| v.is_modern())
        .map(|v| v.as_str())
        .collect();
    let mut caps = capabilities(ProtocolVersion::LATEST);
    shared
        .options
        .extensions
        .advertise(shared, ProtocolVersion::LATEST, &mut caps);
    let mut r = json!({
        "supportedVersions": versions,
        "capabilities": caps,
    });
    if let Some(i) = &shared.instructions {
        r["instructions"] = json!(i);
    }
    (r, Cache::Ttl(shared.options.list_ttl_ms))
}

fn cursor(params: &Map<String, Value>) -> Result<Option<&str>, McpError> {
    match params.get("cursor") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(McpError::invalid_params("cursor: must be a string")),
    }
}

/// The caller a list is filtered for: the verified principal, when the
/// transport filters lists by what the caller may use
/// (`Auth::filter_lists`). `None` on stdio and without authorization.
pub(crate) fn list_viewer(http: Option<&http::request::Parts>) -> Option<&Principal> {
    let parts = http?;
    parts.extensions.get::<crate::auth::FilterLists>()?;
    parts.extensions.get::<Arc<Principal>>().map(|p| &**p)
}

/// A page of a list of `(scopes needed, entry)`. With a `viewer`, entries
/// whose scopes it lacks are left out before paging (cursors index the
/// viewer's own list), and the result is cacheable by that caller only;
/// unless no entry needs a scope, when the list is everyone's.
fn list<T>(
    shared: &Shared,
    params: &Map<String, Value>,
    key: &str,
    items: Vec<(&[String], T)>,
    viewer: Option<&Principal>,
) -> MethodResult
where
    T: serde::Serialize,
{
    let viewer = viewer.filter(|_| items.iter().any(|(scopes, _)| !scopes.is_empty()));
    let all: Vec<T> = items
        .into_iter()
        .filter(|(scopes, _)| viewer.is_none_or(|p| p.missing(scopes).is_empty()))
        .map(|(_, item)| item)
        .collect();
    let (range, next) = page(all.len(), cursor(params)?, shared.options.page_size)?;
    let mut r = Map::new();
    r.insert(key.to_owned(), to_value(&&all[range]));
    if let Some(next) = next {
        r.insert("nextCursor".into(), json!(next));
    }
    let ttl = shared.options.list_ttl_ms;
    let cache = if viewer.is_some() {
        Cache::Private(ttl)
    } else {
        Cache::Ttl(ttl)
    };
    Ok((Value::Object(r), cache))
}

pub(crate) fn list_tools(
    shared: &Shared,
    catalog: &Catalog,
    params: &Map<String, Value>,
    viewer: Option<&Principal>,
) -> MethodResult {
    let items = catalog
        .tools
        .values()
        .filter(|t| t.enabled && catalog.tool_listed(&t.def.name))
        .map(|t| (&t.scopes[..], &t.def))
        .collect();
    list(shared, params, "tools", items, viewer)
}

pub(crate) fn list_resources(
    shared: &Shared,
    catalog: &Catalog,
    params: &Map<String, Value>,
    viewer: Option<&Principal>,
) -> MethodResult {
    let items = catalog
        .resources
        .values()
        .filter(|r| r.enabled)
        .map(|r| (&r.source.scopes[..], r.source.resource_def()))
        .collect();
    list(shared, params, "resources", items, viewer)
}

pub(crate) fn list_templates(
    shared: &Shared,
    catalog: &Catalog,
    params: &Map<String, Value>,
    viewer: Option<&Principal>,
) -> MethodResult {
    let items = catalog
        .templates
        .values()
        .filter(|r| r.enabled)
        .map(|r| (&r.source.scopes[..], r.source.template_def()))
        .collect();
    list(shared, params, "resourceTemplates", items, viewer)
}

pub(crate) fn list_prompts(
    shared: &Shared,
    catalog: &Catalog,
    params: &Map<String, Value>,
    viewer: Option<&Principal>,
) -> MethodResult {
    let items = catalog
        .prompts
        .values()
        .filter(|p| p.enabled)
        .map(|p| (&p.scopes[..], &p.def))
        .collect();
    list(shared, params, "prompts", items, viewer)
}

/// A list method's response without a cursor, from the catalog snapshot's
/// cache (rendered on first use).
pub(crate) fn cached_list(
    shared: &Shared,
    method: &str,
    version: ProtocolVersion,
    id: &mcp_serve_core::jsonrpc::RequestId,
) -> Vec<u8> {
    let index = super::catalog::LIST_METHODS
        .iter()
        .position(|m| *m == method)
        .unwrap_or_default();
    let catalog = shared.catalog.load();
    let result = catalog.lists.slot(index, version).get_or_init(|| {
        let no_cursor = Map::new();
        let listed = match index {
            0 => list_tools(shared, &catalog, &no_cursor, None),
            1 => list_resources(shared, &catalog, &no_cursor, None),
            2 => list_templates(shared, &catalog, &no_cursor, None),
            _ => list_prompts(shared, &catalog, &no_cursor, None),
        };
        // Without a cursor, listing cannot fail and our own types serialize.
        let mut out = Vec::new();
        if let Ok((value, cache)) = listed {
            let _ = super::shape::write_result(&mut out, shared, version, cache, value);
        }
        out.into()
    });
    super::shape::encode_with_result(id, result)
}

fn required_str(params: &Map<String, Value>, field: &str) -> Result<String, McpError> {
    match params.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(McpError::invalid_params(format!("{field}: must be a string"))),
        None => Err(McpError::invalid_params(format!(
            "missing required field `{field}`"
        ))),
    }
}

fn object_field(params: &mut Map<String, Value>, field: &str) -> Result<Map<String, Value>, McpError> {
    match params.remove(field) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(McpError::invalid_params(format!("{field}: must be an object"))),
    }
}

/// Whether this request's unexpected errors are masked: as the server says,
/// or else when it came over HTTP (see `Server::mask_errors`).
/// The scopes of `required` a verified caller lacks, as a sentence: `None`
/// when it has them all, or when no credential was verified (stdio, or a
/// server without authorization: scopes then guard nothing).
fn lacking(cx: &Context, required: &[String]) -> Option<String> {
    if required.is_empty() {
        return None;
    }
    let missing = cx.principal()?.missing(required);
    (!missing.is_empty()).then(|| format!("this needs the scope(s): {}", missing.join(" ")))
}

fn masks(shared: &Shared, cx: &Context) -> bool {
    shared.options.mask_errors.unwrap_or_else(|| cx.http().is_some())
}

fn ready(r: MethodResult) -> BoxFuture<'static, MethodResult> {
    Box::pin(std::future::ready(r))
}

pub(crate) fn call_tool(
    shared: &Shared,
    params: Map<String, Value>,
    cx: Context,
) -> BoxFuture<'static, MethodResult> {
    let fut = call_tool_result(shared, params, cx);
    Box::pin(async move { fut.await.map(|r| (to_value(&r), Cache::No)) })
}

/// [`call_tool`] with the result still typed, for the engine's own
/// serialization of the common all-text result.
pub(crate) fn call_tool_result(
    shared: &Shared,
    mut params: Map<String, Value>,
    cx: Context,
) -> BoxFuture<'static, Result<CallToolResult, McpError>> {
    fn ready(r: Result<CallToolResult, McpError>) -> BoxFuture<'static, Result<CallToolResult, McpError>> {
        Box::pin(std::future::ready(r))
    }
    let name = match required_str(&params, "name") {
        Ok(n) => n,
        Err(e) => return ready(Err(e)),
    };
    let args = match object_field(&mut params, "arguments") {
        Ok(a) => a,
        Err(e) => return ready(Err(e)),
    };
    let catalog = shared.catalog.load();
    let Some(tool) = catalog.tools.get(&name).filter(|t| t.enabled).cloned() else {
        return ready(Err(
            McpError::invalid_params(format!("Unknown tool: {name}")).with_data(json!({ "name": name }))
        ));
    };
    drop(catalog);
    // Where the transport did not refuse it already (the HTTP step-up
    // challenge), a tool error the model can read.
    if let Some(why) = lacking(&cx, &tool.scopes) {
        return ready(Ok(ToolError::new(format!("Not allowed: {why}.")).into_result()));
    }
    let args = match tool.validator.check(&name, &tool.def.input_schema, args) {
        Ok(args) => args,
        Err(CheckError::Invalid(msg)) => return ready(Ok(ToolError::new(msg).into_result())),
        Err(CheckError::BadSchema(reason)) => {
            return ready(Err(McpError::internal(format!(
                "tool {name} has an invalid input schema: {reason}"
            ))));
        }
    };
    let guard = Guard::new(masks(shared, &cx), "tools/call", name, cx.request_id());
    let fut = match guard.start(|| (tool.handler)(args, cx)) {
        Ok(fut) => fut,
        Err(e) => return ready(Err(e)),
    };
    let has_output_schema = tool.def.output_schema.is_some();
    Box::pin(async move {
        let result: CallToolResult = match guard.run(fut).await? {
            Ok(r) => r,
            Err(CallError::Tool(e)) => guard.tool(e),
            Err(CallError::Protocol(e)) => return Err(guard.protocol(e)),
        };
        if has_output_schema && result.structured_content.is_none() && result.is_error != Some(true) {
            return Err(McpError::internal(format!(
                "tool {} declares an outputSchema but returned no structuredContent",
                guard.target()
            )));
        }
        Ok(result)
    })
}

pub(crate) fn read_resource(
    shared: &Shared,
    params: Map<String, Value>,
    cx: Context,
) -> BoxFuture<'static, MethodResult> {
    let uri = match required_str(&params, "uri") {
        Ok(u) => u,
        Err(e) => return ready(Err(e)),
    };
    let Some((entry, vars)) = shared.catalog.load().find_resource(&uri) else {
        return ready(Err(McpError::resource_not_found(&uri)));
    };
    if let Some(why) = lacking(&cx, &entry.source.scopes) {
        return ready(Err(McpError::invalid_params(format!("Not allowed: {why}"))));
    }
    let vars: Map<String, Value> = vars
        .into_iter()
        .map(|(k, v)| {
            let v = coerce(&entry.typed_vars, &k, v);
            (k, v)
        })
        .collect();
    let guard = Guard::new(masks(shared, &cx), "resources/read", uri.clone(), cx.request_id());
    let fut = match guard.start(|| (entry.handler)(uri, vars, cx)) {
        Ok(fut) => fut,
        Err(e) => return ready(Err(e)),
    };
    let mime = entry.mime_type.clone();
    Box::pin(async move {
        let mut contents = guard.run(fut).await?.map_err(|e| guard.protocol(e))?;
        for c in &mut contents {
            let slot = match c {
                ResourceContents::Text(t) => &mut t.mime_type,
                ResourceContents::Blob(b) => &mut b.mime_type,
            };
            if slot.is_none() {
                slot.clone_from(&mime);
            }
        }
        Ok((json!({ "contents": contents }), Cache::Ttl(0)))
    })
}

pub(crate) fn get_prompt(
    shared: &Shared,
    mut params: Map<String, Value>,
    cx: Context,
) -> BoxFuture<'static, MethodResult> {
    let name = match required_str(&params, "name") {
        Ok(n) => n,
        Err(e) => return ready(Err(e)),
    };
    let args = match object_field(&mut params, "arguments") {
        Ok(a) => a,
        Err(e) => return ready(Err(e)),
    };
    let Some(prompt) = shared
        .catalog
        .load()
        .prompts
        .get(&name)
        .filter(|p| p.enabled)
        .cloned()
    else {
        return ready(Err(McpError::invalid_params(format!("Unknown prompt: {name}"))));
    };
    if let Some(why) = lacking(&cx, &prompt.scopes) {
        return ready(Err(McpError::invalid_params(format!("Not allowed: {why}"))));
    }
    let mut typed = Map::new();
    for (k, v) in args {
        let v = match v {
            Value::String(s) => coerce(&prompt.typed_args, &k, s),
            other => other,
        };
        typed.insert(k, v);
    }
    let guard = Guard::new(masks(shared, &cx), "prompts/get", name, cx.request_id());
    let fut = match guard.start(|| (prompt.handler)(typed, cx)) {
        Ok(fut) => fut,
        Err(e) => return ready(Err(e)),
    };
    Box::pin(async move {
        let result = guard.run(fut).await?.map_err(|e| guard.protocol(e))?;
        Ok((to_value(&result), Cache::No))
    })
}

pub(crate) fn complete(
    shared: &Shared,
    params: Map<String, Value>,
    cx: Context,
) -> BoxFuture<'static, MethodResult> {
    let reference = params.get("ref").cloned().unwrap_or(Value::Null);
    let argument = params.get("argument").cloned().unwrap_or(Value::Null);
    let (Some(arg_name), Some(value)) = (
        argument.get("name").and_then(Value::as_str).map(str::to_owned),
        argument.get("value").and_then(Value::as_str).map(str::to_owned),
    ) else {
        return ready(Err(McpError::invalid_params(
            "argument: must be an object with string fields `name` and `value`",
        )));
    };
    let catalog = shared.catalog.load();
    let completers = match reference.get("type").and_then(Value::as_str) {
        Some("ref/prompt") => {
            let name = reference.get("name").and_then(Value::as_str).unwrap_or_default();
            match catalog.prompts.get(name).filter(|p| p.enabled) {
                Some(p) => &p.completers,
                None => return ready(Err(McpError::invalid_params(format!("Unknown prompt: {name}")))),
            }
        }
        Some("ref/resource") => {
            let uri = reference.get("uri").and_then(Value::as_str).unwrap_or_default();
            match catalog
                .templates
                .get(uri)
                .or_else(|| catalog.resources.get(uri))
                .filter(|r| r.enabled)
            {
                Some(r) => &r.completers,
                None => return ready(Err(McpError::resource_not_found(uri))),
            }
        }
        _ => {
            return ready(Err(McpError::invalid_params(
                "ref: must be {\"type\": \"ref/prompt\", \"name\": ...} or {\"type\": \"ref/resource\", \"uri\": ...}",
            )));
        }
    };
    let completer = completers.get(&arg_name).cloned();
    drop(catalog);
    let guard = Guard::new(
        masks(shared, &cx),
        "completion/complete",
        arg_name,
        cx.request_id(),
    );
    let fut = match completer {
        Some(c) => match guard.start(|| (c.0)(value, cx)) {
            Ok(fut) => Some(fut),
            Err(e) => return ready(Err(e)),
        },
        None => None,
    };
    Box::pin(async move {
        let mut values = match fut {
            Some(fut) => guard.run(fut).await?,
            None => Vec::new(),
        };
        let total = values.len();
        values.truncate(MAX_VALUES);
        let completion = json!({ "values": values, "total": total, "hasMore": total > MAX_VALUES });
        Ok((json!({ "completion": completion }), Cache::No))
    })
}

/// Decodes a mirrored header value: plain ASCII, or `=?base64?...?=`.
pub(crate) fn decode_header_value(raw: &str) -> Option<String> {
    use base64::Engine as _;
    match raw.strip_prefix("=?base64?").and_then(|v| v.strip_suffix("?=")) {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .and_then(|b| String::from_utf8(b).ok()),
        None => raw
            .bytes()
            .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
            .then(|| raw.to_owned()),
    }
}

/// SEP-2243: arguments whose schema property carries `x-mcp-header: Name`
/// must be mirrored, unchanged, in an `Mcp-Param-Name` header.
pub(crate) fn check_param_headers(
    shared: &Shared,
    params: &Map<String, Value>,
    headers: &super::MirroredHeaders,
) -> Result<(), mcp_serve_core::jsonrpc::ErrorObject> {
    use mcp_serve_core::error::code::HEADER_MISMATCH;
    use mcp_serve_core::jsonrpc::ErrorObject;
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Ok(());
    };
    let catalog = shared.catalog.load();
    let Some(tool) = catalog.tools.get(name) else {
        return Ok(());
    };
    let Some(props) = tool.def.input_schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    let args = params.get("arguments").and_then(Value::as_object);
    for (prop, schema) in props {
        let Some(header) = schema.get("x-mcp-header").and_then(Value::as_str) else {
            continue;
        };
        let wanted = header.to_ascii_lowercase();
        let sent = headers
            .params
            .iter()
            .find(|(n, _)| *n == wanted)
            .map(|(_, v)| v.as_str());
        let body = args.and_then(|a| a.get(prop)).filter(|v| !v.is_null());
        let mismatch = |why: String| {
            ErrorObject::new(
                HEADER_MISMATCH,
                format!("Header mismatch: Mcp-Param-{header}: {why}"),
            )
        };
        match (body, sent) {
            (None, _) => {}
            (Some(_), None) => {
                return Err(mismatch(format!(
                    "the header is required because `{prop}` is in the arguments"
                )));
            }
            (Some(value), Some(raw)) => {
                let decoded = decode_header_value(raw).ok_or_else(|| {
                    mismatch("the value is not valid plain ASCII or =?base64?...?= text".into())
                })?;
                let matches = match value {
                    Value::String(s) => *s == decoded,
                    Value::Bool(b) => decoded == b.to_string(),
                    Value::Number(n) => decoded.parse::<f64>().ok() == n.as_f64(),
                    _ => false,
                };
                if !matches {
                    return Err(mismatch(format!(
                        "header value {decoded:?} does not match body value {value}"
                    )));
                }
            }
        }
    }
    Ok(())
}
