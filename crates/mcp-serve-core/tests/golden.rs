//! Golden tests: every example of the `2026-07-28` schema parses into its Rust
//! type and serializes back to the same JSON; serialized values validate against
//! the `schema.json` of each revision.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs;
use std::path::PathBuf;

use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::meta;
use mcp_serve_core::types::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `T { a: x, ..Default::default() }` for the `#[non_exhaustive]` wire
/// types, which other crates cannot build with a struct expression: a
/// default value (or `base`) with some fields set.
macro_rules! with {
    (from $base:expr; { $($field:ident : $value:expr),* $(,)? }) => {{
        let mut v = $base;
        $(v.$field = $value;)*
        v
    }};
    ($ty:path { $($field:ident : $value:expr),* $(,)? }) => {{
        let mut v = <$ty>::default();
        $(v.$field = $value;)*
        v
    }};
}

const CANONICAL: &str = "2026-07-28";
const REVISIONS: [&str; 5] = [
    "2024-11-05",
    "2025-03-26",
    "2025-06-18",
    "2025-11-25",
    "2026-07-28",
];

fn schema_dir(revision: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/spec/schema")
        .join(revision)
}

// ---------------------------------------------------------------------------
// JSON-RPC envelopes used by the example directories. The types in
// `mcp_serve_core::types` are `{ method, params }` without `jsonrpc`/`id`;
// `ListRootsRequest` & co. are sent without `jsonrpc` (input requests) but the
// example carries an `id`, so both are optional here.

#[derive(Debug, Serialize, Deserialize)]
struct Envelope<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jsonrpc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<RequestId>,
    #[serde(flatten)]
    message: T,
}

#[derive(Debug, Serialize, Deserialize)]
struct ResultResponse<R> {
    jsonrpc: String,
    id: RequestId,
    result: R,
}

#[derive(Debug, Serialize, Deserialize)]
struct ErrorResponse {
    jsonrpc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<RequestId>,
    error: ErrorObject,
}

/// Parses `v` as `T`, serializes it back and compares.
fn rt<T: DeserializeOwned + Serialize + Debug>(v: &Value) -> Result<T, String> {
    let parsed: T = serde_json::from_value(v.clone()).map_err(|e| format!("parse: {e}"))?;
    let back = serde_json::to_value(&parsed).map_err(|e| format!("serialize: {e}"))?;
    if &back != v {
        return Err(format!("round trip differs\n  expected: {v}\n  actual:   {back}"));
    }
    Ok(parsed)
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

/// A message type with a fixed method.
trait Method {
    const METHOD: &'static str;
    fn method(&self) -> &str;
}

macro_rules! methods {
    ($($t:ty),* $(,)?) => {$(
        impl Method for $t {
            const METHOD: &'static str = <$t>::METHOD;
            fn method(&self) -> &str {
                &self.method
            }
        }
    )*};
}

methods!(
    CallToolRequest,
    CompleteRequest,
    CreateMessageRequest,
    DiscoverRequest,
    ElicitRequest,
    GetPromptRequest,
    ListPromptsRequest,
    ListResourceTemplatesRequest,
    ListResourcesRequest,
    ListRootsRequest,
    ListToolsRequest,
    ReadResourceRequest,
    SubscriptionsListenRequest,
    CancelledNotification,
    LoggingMessageNotification,
    ProgressNotification,
    PromptListChangedNotification,
    ResourceListChangedNotification,
    ResourceUpdatedNotification,
    SubscriptionsAcknowledgedNotification,
    ToolListChangedNotification,
);

/// A request or notification, inside its JSON-RPC envelope.
fn msg<T: DeserializeOwned + Serialize + Debug + Method>(v: &Value) -> Result<(), String> {
    let e: Envelope<T> = rt(v)?;
    check(
        e.message.method() == T::METHOD,
        &format!("method {} != {}", e.message.method(), T::METHOD),
    )?;
    check(
        e.jsonrpc.as_deref().is_none_or(|j| j == "2.0"),
        "jsonrpc must be 2.0",
    )
}

fn response<R: DeserializeOwned + Serialize + Debug>(v: &Value) -> Result<(), String> {
    let r: ResultResponse<R> = rt(v)?;
    check(r.jsonrpc == "2.0", "jsonrpc must be 2.0")
}

fn error_object(v: &Value, code: i64) -> Result<(), String> {
    let e: ErrorObject = rt(v)?;
    check(e.code == code, &format!("code {} != {code}", e.code))
}

fn error_response<D: DeserializeOwned + Serialize + Debug>(
    v: &Value,
    code: i64,
    typed_data: bool,
) -> Result<(), String> {
    let e: ErrorResponse = rt(v)?;
    check(e.error.code == code, &format!("code {} != {code}", e.error.code))?;
    if typed_data {
        let data = e.error.data.ok_or("missing data")?;
        rt::<D>(&data)?;
    }
    Ok(())
}

fn content(v: &Value, want: fn(&ContentBlock) -> bool) -> Result<(), String> {
    let c: ContentBlock = rt(v)?;
    check(want(&c), &format!("wrong variant: {c:?}"))
}

fn sampling_content(v: &Value, want: fn(&SamplingMessageContentBlock) -> bool) -> Result<(), String> {
    let c: SamplingMessageContentBlock = rt(v)?;
    check(want(&c), &format!("wrong variant: {c:?}"))
}

fn primitive<T: DeserializeOwned + Serialize + Debug>(
    v: &Value,
    want: fn(&PrimitiveSchemaDefinition) -> bool,
) -> Result<(), String> {
    rt::<T>(v)?;
    let p: PrimitiveSchemaDefinition = rt(v)?;
    check(want(&p), &format!("wrong variant: {p:?}"))
}

/// Checks one example of directory `dir`; `None` when the directory is unknown.
fn check_example(dir: &str, v: &Value) -> Option<Result<(), String>> {
    use ContentBlock as C;
    use PrimitiveSchemaDefinition as P;
    use SamplingMessageContentBlock as S;
    let r = match dir {
        // Content.
        "TextContent" => content(v, |c| matches!(c, C::Text(_))),
        "ImageContent" => content(v, |c| matches!(c, C::Image(_))),
        "AudioContent" => content(v, |c| matches!(c, C::Audio(_))),
        "ResourceLink" => content(v, |c| matches!(c, C::ResourceLink(_))),
        "EmbeddedResource" => content(v, |c| matches!(c, C::Resource(_))),
        "ToolUseContent" => sampling_content(v, |c| matches!(c, S::ToolUse(_))),
        "ToolResultContent" => sampling_content(v, |c| matches!(c, S::ToolResult(_))),
        "TextResourceContents" => rt::<TextResourceContents>(v).and_then(|_| {
            let c: ResourceContents = rt(v)?;
            check(matches!(c, ResourceContents::Text(_)), "not Text")
        }),
        "BlobResourceContents" => rt::<BlobResourceContents>(v).and_then(|_| {
            let c: ResourceContents = rt(v)?;
            check(matches!(c, ResourceContents::Blob(_)), "not Blob")
        }),
        "SamplingMessage" => rt::<SamplingMessage>(v).map(drop),
        "ModelPreferences" => rt::<ModelPreferences>(v).map(drop),

        // Elicitation schemas.
        "StringSchema" => primitive::<StringSchema>(v, |p| matches!(p, P::String(_))),
        "NumberSchema" => primitive::<NumberSchema>(v, |p| matches!(p, P::Number(_))),
        "BooleanSchema" => primitive::<BooleanSchema>(v, |p| matches!(p, P::Boolean(_))),
        "UntitledSingleSelectEnumSchema" => primitive::<UntitledSingleSelectEnumSchema>(v, |p| {
            matches!(
                p,
                P::Enum(EnumSchema::SingleSelect(SingleSelectEnumSchema::Untitled(_)))
            )
        }),
        "TitledSingleSelectEnumSchema" => primitive::<TitledSingleSelectEnumSchema>(v, |p| {
            matches!(
                p,
                P::Enum(EnumSchema::SingleSelect(SingleSelectEnumSchema::Titled(_)))
            )
        }),
        "UntitledMultiSelectEnumSchema" => primitive::<UntitledMultiSelectEnumSchema>(v, |p| {
            matches!(
                p,
                P::Enum(EnumSchema::MultiSelect(MultiSelectEnumSchema::Untitled(_)))
            )
        }),
        "TitledMultiSelectEnumSchema" => primitive::<TitledMultiSelectEnumSchema>(v, |p| {
            matches!(
                p,
                P::Enum(EnumSchema::MultiSelect(MultiSelectEnumSchema::Titled(_)))
            )
        }),

        // Plain types.
        "Tool" => rt::<Tool>(v).map(drop),
        "Resource" => rt::<Resource>(v).map(drop),
        "Root" => rt::<Root>(v).map(drop),
        "ClientCapabilities" => rt::<ClientCapabilities>(v).map(drop),
        "ServerCapabilities" => rt::<ServerCapabilities>(v).map(drop),

        // Params.
        "CallToolRequestParams" => rt::<CallToolRequestParams>(v).map(drop),
        "CancelledNotificationParams" => rt::<CancelledNotificationParams>(v).map(drop),
        "CompleteRequestParams" => rt::<CompleteRequestParams>(v).map(drop),
        "CreateMessageRequestParams" => rt::<CreateMessageRequestParams>(v).map(drop),
        "GetPromptRequestParams" => rt::<GetPromptRequestParams>(v).map(drop),
        "LoggingMessageNotificationParams" => rt::<LoggingMessageNotificationParams>(v).map(drop),
        "PaginatedRequestParams" => rt::<PaginatedRequestParams>(v).map(drop),
        "ProgressNotificationParams" => rt::<ProgressNotificationParams>(v).map(drop),
        "ResourceUpdatedNotificationParams" => rt::<ResourceUpdatedNotificationParams>(v).map(drop),
        "ElicitRequestFormParams" => rt::<ElicitRequestFormParams>(v).and_then(|_| {
            let p: ElicitRequestParams = rt(v)?;
            check(matches!(p, ElicitRequestParams::Form(_)), "not Form")
        }),
        "ElicitRequestURLParams" => rt::<ElicitRequestURLParams>(v).and_then(|_| {
            let p: ElicitRequestParams = rt(v)?;
            check(matches!(p, ElicitRequestParams::Url(_)), "not Url")
        }),

        // Results.
        "CallToolResult" => rt::<CallToolResult>(v).map(drop),
        "CompleteResult" => rt::<CompleteResult>(v).map(drop),
        "CreateMessageResult" => rt::<CreateMessageResult>(v).map(drop),
        "DiscoverResult" => rt::<DiscoverResult>(v).map(drop),
        "ElicitResult" => rt::<ElicitResult>(v).map(drop),
        "GetPromptResult" => rt::<GetPromptResult>(v).map(drop),
        "InputRequiredResult" => rt::<InputRequiredResult>(v).and_then(|r| {
            check(
                r.result_type == Some(ResultType::InputRequired),
                "resultType must be input_required",
            )
        }),
        "ListPromptsResult" => rt::<ListPromptsResult>(v).map(drop),
        "ListResourceTemplatesResult" => rt::<ListResourceTemplatesResult>(v).map(drop),
        "ListResourcesResult" => rt::<ListResourcesResult>(v).map(drop),
        "ListRootsResult" => rt::<ListRootsResult>(v).map(drop),
        "ListToolsResult" => rt::<ListToolsResult>(v).map(drop),
        "ReadResourceResult" => rt::<ReadResourceResult>(v).map(drop),
        "SubscriptionsListenResult" => rt::<SubscriptionsListenResult>(v).map(drop),

        // Multi round-trip maps.
        "InputRequests" => rt::<InputRequests>(v).and_then(|m| {
            check(
                matches!(m.get("github_login"), Some(InputRequest::Elicit(_)))
                    && matches!(m.get("capital_of_france"), Some(InputRequest::CreateMessage(_))),
                "wrong input request variants",
            )
        }),
        "InputResponses" => rt::<InputResponses>(v).and_then(|m| {
            check(
                matches!(m.get("github_login"), Some(InputResponse::Elicit(_)))
                    && matches!(m.get("capital_of_france"), Some(InputResponse::CreateMessage(_))),
                "wrong input response variants",
            )
        }),

        // Requests.
        "CallToolRequest" => msg::<CallToolRequest>(v),
        "CompleteRequest" => msg::<CompleteRequest>(v),
        "CreateMessageRequest" => msg::<CreateMessageRequest>(v),
        "DiscoverRequest" => msg::<DiscoverRequest>(v),
        "ElicitRequest" => msg::<ElicitRequest>(v),
        "GetPromptRequest" => msg::<GetPromptRequest>(v),
        "ListPromptsRequest" => msg::<ListPromptsRequest>(v),
        "ListResourceTemplatesRequest" => msg::<ListResourceTemplatesRequest>(v),
        "ListResourcesRequest" => msg::<ListResourcesRequest>(v),
        "ListRootsRequest" => msg::<ListRootsRequest>(v),
        "ListToolsRequest" => msg::<ListToolsRequest>(v),
        "ReadResourceRequest" => msg::<ReadResourceRequest>(v),
        "SubscriptionsListenRequest" => msg::<SubscriptionsListenRequest>(v),

        // Notifications.
        "CancelledNotification" => msg::<CancelledNotification>(v),
        "LoggingMessageNotification" => msg::<LoggingMessageNotification>(v),
        "ProgressNotification" => msg::<ProgressNotification>(v),
        "PromptListChangedNotification" => msg::<PromptListChangedNotification>(v),
        "ResourceListChangedNotification" => msg::<ResourceListChangedNotification>(v),
        "ResourceUpdatedNotification" => msg::<ResourceUpdatedNotification>(v),
        "SubscriptionsAcknowledgedNotification" => msg::<SubscriptionsAcknowledgedNotification>(v),
        "ToolListChangedNotification" => msg::<ToolListChangedNotification>(v),

        // Responses (`X | InputRequiredResult`: the examples are all complete).
        "CallToolResultResponse" => response::<CallToolResult>(v),
        "CompleteResultResponse" => response::<CompleteResult>(v),
        "DiscoverResultResponse" => response::<DiscoverResult>(v),
        "GetPromptResultResponse" => response::<GetPromptResult>(v),
        "ListPromptsResultResponse" => response::<ListPromptsResult>(v),
        "ListResourceTemplatesResultResponse" => response::<ListResourceTemplatesResult>(v),
        "ListResourcesResultResponse" => response::<ListResourcesResult>(v),
        "ListToolsResultResponse" => response::<ListToolsResult>(v),
        "ReadResourceResultResponse" => response::<ReadResourceResult>(v),
        "SubscriptionsListenResultResponse" => response::<SubscriptionsListenResult>(v),

        // Errors: bare error objects ...
        "ParseError" => error_object(v, -32700),
        "InvalidParamsError" => error_object(v, -32602),
        "MethodNotFoundError" => error_object(v, -32601),
        "InternalError" => error_object(v, -32603),
        // ... and full error responses.
        "HeaderMismatchError" => error_response::<Value>(v, -32020, false),
        "UnsupportedProtocolVersionError" => {
            error_response::<UnsupportedProtocolVersionErrorData>(v, -32022, true)
        }
        "MissingRequiredClientCapabilityError" => {
            error_response::<MissingRequiredClientCapabilityErrorData>(v, -32021, true)
        }

        _ => return None,
    };
    Some(r)
}

/// Loads `schema.json` of a revision and returns a validator for one definition.
fn validator(revision: &str, def: &str) -> jsonschema::Validator {
    let path = schema_dir(revision).join("schema.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    let key = if schema.get("$defs").is_some() {
        "$defs"
    } else {
        "definitions"
    };
    assert!(
        schema[key].get(def).is_some(),
        "{revision} has no definition {def}"
    );
    schema["$ref"] = json!(format!("#/{key}/{def}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{revision}: {e}"))
}

fn has_def(revision: &str, def: &str) -> bool {
    let text = fs::read_to_string(schema_dir(revision).join("schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(|d| d.get(def))
        .is_some()
}

fn assert_valid(revision: &str, def: &str, value: &impl Serialize) {
    let v = serde_json::to_value(value).unwrap();
    let errors: Vec<String> = validator(revision, def)
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{revision} {def} rejects {v}:\n{}",
        errors.join("\n")
    );
}

#[test]
fn every_canonical_example_round_trips() {
    let root = schema_dir(CANONICAL).join("examples");
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut files, mut failures, mut unmapped) = (0, Vec::new(), Vec::new());
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let mut examples: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        examples.sort();
        for file in examples {
            let v: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
            files += 1;
            match check_example(&name, &v) {
                None => {
                    unmapped.push(name.clone());
                    break;
                }
                Some(Err(e)) => failures.push(format!("{}: {e}", file.display())),
                Some(Ok(())) => {}
            }
        }
    }
    assert!(
        unmapped.is_empty(),
        "example directories without a Rust type: {unmapped:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {files} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Guards against a wrong path or a truncated checkout (88 directories and
    // 129 examples when this was written; new directories fail above until mapped).
    assert!(dirs.len() >= 88, "only {} example directories", dirs.len());
    assert!(files >= 129, "only {files} examples");
}

/// The re-serialized examples are valid against their definition in `schema.json`.
#[test]
fn reserialized_examples_validate_against_schema() {
    let root = schema_dir(CANONICAL).join("examples");
    let mut checked = 0;
    for dir in fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        if !has_def(CANONICAL, &name) {
            continue;
        }
        let validator = validator(CANONICAL, &name);
        for file in fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let v: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
            // Re-serialize through the Rust type (the round-trip test proves equality,
            // so this validates what the types emit).
            assert!(check_example(&name, &v).is_some_and(|r| r.is_ok()));
            let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", file.display());
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} examples checked");
}

fn sample_tool() -> Tool {
    with!(Tool {
        name: "add".into(),
        description: Some("Adds two numbers".into()),
        input_schema: json!({
            "type": "object",
            "properties": { "a": { "type": "number" }, "b": { "type": "number" } },
            "required": ["a", "b"]
        }),
        annotations: Some(with!(ToolAnnotations {
            read_only_hint: Some(true)
        }))
    })
}

#[test]
fn constructed_values_validate_against_canonical_schema() {
    let rev = CANONICAL;
    assert_valid(rev, "Tool", &Tool::default());
    let mut tool = sample_tool();
    tool.title = Some("Adder".into());
    tool.output_schema = Some(json!({ "type": "array", "items": { "type": "number" } }));
    tool.icons = Some(vec![with!(Icon {
        src: "https://example.com/i.png".into(),
        theme: Some(IconTheme::Dark)
    })]);
    assert_valid(rev, "Tool", &tool);

    let mut result = CallToolResult::text("3");
    result.result_type = Some(ResultType::Complete);
    assert_valid(rev, "CallToolResult", &result);
    let mut err = CallToolResult::error_text("boom");
    err.result_type = Some(ResultType::Complete);
    err.structured_content = Some(json!([1, 2]));
    assert_valid(rev, "CallToolResult", &err);

    let list = with!(ListToolsResult {
        result_type: Some(ResultType::Complete),
        tools: vec![sample_tool()],
        next_cursor: Some("c2".into()),
        ttl_ms: Some(60_000),
        cache_scope: Some(CacheScope::Private)
    });
    assert_valid(rev, "ListToolsResult", &list);

    let mut server_meta = Meta::new();
    server_meta.insert(
        meta::SERVER_INFO.into(),
        serde_json::to_value(Implementation::new("srv", "1.0.0")).unwrap(),
    );
    let discover = with!(DiscoverResult {
        meta: Some(server_meta),
        result_type: Some(ResultType::Complete),
        supported_versions: vec![CANONICAL.into(), "2025-11-25".into()],
        capabilities: with!(ServerCapabilities {
            tools: Some(with!(ToolsCapability {
                list_changed: Some(true),
            })),
            resources: Some(with!(ResourcesCapability {
                subscribe: Some(true),
                list_changed: Some(true),
            })),
            logging: Some(JsonObject::new())
        }),
        instructions: Some("Be nice".into()),
        ttl_ms: Some(0),
        cache_scope: Some(CacheScope::Public),
    });
    assert_valid(rev, "DiscoverResult", &discover);

    let input = InputRequiredResult::new(
        Some(BTreeMap::from([
            (
                "confirm".to_owned(),
                InputRequest::from(ElicitRequest::new(ElicitRequestParams::Form(with!(
                    ElicitRequestFormParams {
                        message: "Sure?".into()
                    }
                )))),
            ),
            (
                "ask".to_owned(),
                InputRequest::from(CreateMessageRequest::new(with!(CreateMessageRequestParams {
                    messages: vec![SamplingMessage::user_text("hi")],
                    max_tokens: 10
                }))),
            ),
            ("roots".to_owned(), ListRootsRequest::default().into()),
        ])),
        Some("state".into()),
    );
    assert_valid(rev, "InputRequiredResult", &input);

    let prompt = with!(GetPromptResult {
        result_type: Some(ResultType::Complete),
        messages: vec![
            PromptMessage::user_text("hello"),
            PromptMessage::assistant_text("hi"),
        ]
    });
    assert_valid(rev, "GetPromptResult", &prompt);

    let progress = ProgressNotificationParams::new("t".into(), 1.0, Some(2.5));
    assert_valid(rev, "ProgressNotificationParams", &progress);
}

#[test]
fn constructed_values_validate_against_legacy_schemas() {
    let init = with!(InitializeResult {
        protocol_version: "2025-11-25".into(),
        capabilities: with!(ServerCapabilities {
            tools: Some(with!(ToolsCapability {
                list_changed: Some(true),
            })),
            tasks: Some(json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } }))
        }),
        server_info: with!(from Implementation::new("srv", "1.0.0"); {
            title: Some("Server".into()),
            website_url: Some("https://example.com".into())}),
        instructions: Some("Be nice".into())
    });
    assert_valid("2025-11-25", "InitializeResult", &init);
    let params = with!(InitializeRequestParams {
        protocol_version: "2025-11-25".into(),
        capabilities: with!(ClientCapabilities {
            roots: Some(with!(RootsCapability {
                list_changed: Some(true),
            })),
            sampling: Some(SamplingCapability::default())
        }),
        client_info: Implementation::new("cli", "0.1.0")
    });
    assert_valid("2025-11-25", "InitializeRequestParams", &params);
    let mut tool = sample_tool();
    tool.execution = Some(with!(ToolExecution {
        task_support: Some(TaskSupport::Optional),
    }));
    assert_valid("2025-11-25", "Tool", &tool);
    assert_valid("2025-11-25", "CallToolResult", &CallToolResult::text("x"));
    assert_valid(
        "2025-11-25",
        "CreateTaskResult",
        &with!(CreateTaskResult {
            task: with!(Task {
                task_id: "t1".into(),
                status: TaskStatus::Working,
                created_at: "2025-01-01T00:00:00Z".into(),
                last_updated_at: "2025-01-01T00:00:00Z".into(),
                ttl: None,
                poll_interval: Some(500)
            })
        }),
    );

    // Every legacy revision accepts the plain shapes (no `title`, no `resultType`).
    for rev in &REVISIONS[..4] {
        let init = with!(InitializeResult {
            protocol_version: (*rev).into(),
            server_info: Implementation::new("srv", "1.0.0")
        });
        assert_valid(rev, "InitializeResult", &init);
        assert_valid(rev, "CallToolResult", &CallToolResult::error_text("bad"));
        let list = with!(ListToolsResult {
            tools: vec![Tool::new("echo", "Echoes")]
        });
        assert_valid(rev, "ListToolsResult", &list);
        assert_valid(
            rev,
            "LoggingMessageNotification",
            &Envelope {
                jsonrpc: Some("2.0".into()),
                id: None,
                message: LoggingMessageNotification::new(LoggingMessageNotificationParams::new(
                    LoggingLevel::Warning,
                    "careful",
                )),
            },
        );
    }
}

#[test]
fn legacy_messages_deserialize() {
    // 2024-11-05 initialize request.
    let v = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {
            "protocolVersion": "2024-11-05",
            "capabilities": { "roots": { "listChanged": true }, "sampling": {} },
            "clientInfo": { "name": "c", "version": "1" }
        }
    });
    let e: Envelope<InitializeRequest> = rt(&v).unwrap();
    assert_eq!(e.message.method, InitializeRequest::METHOD);
    assert_eq!(
        e.message.params.capabilities.roots.unwrap().list_changed,
        Some(true)
    );

    // 2025-11-25 task-augmented call and URL elicitation with an id.
    let call: CallToolRequestParams =
        rt(&json!({ "name": "slow", "arguments": {}, "task": { "ttl": 60000 } })).unwrap();
    assert_eq!(call.task.unwrap().ttl, Some(60000));
    let url: ElicitRequestParams = rt(&json!({
        "mode": "url", "message": "m", "url": "https://x", "elicitationId": "e1"
    }))
    .unwrap();
    assert!(matches!(url, ElicitRequestParams::Url(u) if u.elicitation_id.as_deref() == Some("e1")));
    let task: GetTaskResult = rt(&json!({
        "taskId": "t", "status": "input_required", "createdAt": "a", "lastUpdatedAt": "b", "ttl": null
    }))
    .unwrap();
    assert_eq!(task.task.status, TaskStatus::InputRequired);

    // Old sampling results have a single content block; unknown stop reasons survive.
    let r: CreateMessageResult = rt(&json!({
        "role": "assistant", "content": { "type": "text", "text": "hi" },
        "model": "m", "stopReason": "somethingElse"
    }))
    .unwrap();
    assert_eq!(r.stop_reason, Some(StopReason::Other("somethingElse".into())));

    // Unknown result types survive too; legacy enum schemas keep enumNames.
    let t: ResultType = serde_json::from_value(json!("later")).unwrap();
    assert_eq!(t, ResultType::Other("later".into()));
    let legacy: PrimitiveSchemaDefinition = rt(&json!({
        "type": "string", "enum": ["a", "b"], "enumNames": ["A", "B"]
    }))
    .unwrap();
    assert!(matches!(
        legacy,
        PrimitiveSchemaDefinition::Enum(EnumSchema::Legacy(_))
    ));

    // Missing inputSchema is tolerated.
    let tool: Tool = serde_json::from_value(json!({ "name": "x" })).unwrap();
    assert_eq!(tool.input_schema, json!({ "type": "object" }));
}

#[test]
fn numbers_keep_their_shape() {
    let p = ProgressNotificationParams::new(ProgressToken::Number(1), 50.0, Some(0.5));
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({ "progressToken": 1, "progress": 50, "total": 0.5 })
    );
}
