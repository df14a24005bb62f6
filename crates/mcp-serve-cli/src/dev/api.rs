//! The HTTP API the page uses (all under `/api/`, all behind
//! [`super::security`]). Requests to the server answer
//! `{ok: true, result, callId, ms}` or `{ok: false, error: {kind, message, code?, data?}}`:
//! a JSON-RPC error is still a 200 (the server answered), a missing
//! connection is a 503 and a timeout a 504.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_stream::wrappers::BroadcastStream;

use super::bridge::{Bridge, RequestError};
use super::events::Event;
use super::inputs::{Answer, Root};

/// How often an idle event stream says it is alive (so dead ones are noticed).
const KEEPALIVE: Duration = Duration::from_secs(15);
/// Pages of a list followed at most.
const MAX_PAGES: usize = 100;

#[derive(Clone)]
pub(crate) struct Api {
    bridge: Arc<Bridge>,
    next_call: Arc<AtomicU64>,
}

/// The API routes.
pub(crate) fn routes(bridge: Arc<Bridge>) -> Router {
    let api = Api {
        bridge,
        next_call: Arc::new(AtomicU64::new(1)),
    };
    Router::new()
        .route("/api/state", get(state))
        .route("/api/events", get(events))
        .route("/api/history", get(history).delete(clear_history))
        .route("/api/logs", get(logs))
        .route("/api/tools", get(list_tools))
        .route("/api/resources", get(list_resources))
        .route("/api/resource-templates", get(list_templates))
        .route("/api/prompts", get(list_prompts))
        .route("/api/tools/call", post(call_tool))
        .route("/api/resources/read", post(read_resource))
        .route("/api/resources/subscribe", post(subscribe))
        .route("/api/resources/unsubscribe", post(unsubscribe))
        .route("/api/prompts/get", post(get_prompt))
        .route("/api/complete", post(complete))
        .route("/api/rpc", post(rpc))
        .route("/api/calls/{id}/cancel", post(cancel))
        .route("/api/inputs", get(inputs))
        .route("/api/inputs/{id}", post(answer))
        .route("/api/roots", get(roots).put(set_roots))
        .route("/api/log-level", put(set_log_level))
        .route("/api/restart", post(restart))
        .fallback(|| async { problem(StatusCode::NOT_FOUND, "no such route") })
        .with_state(api)
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "ok": false, "error": { "kind": "request", "message": message.into() } })),
    )
        .into_response()
}

async fn state(State(api): State<Api>) -> Json<Value> {
    Json(api.bridge.snapshot())
}

/// Newline-delimited JSON events: the state first, then everything as it
/// happens. (Not `EventSource`: it cannot send the token header.)
async fn events(State(api): State<Api>) -> Response {
    let hub = api.bridge.hub();
    let rx = hub.subscribe();
    let first = serde_json::to_string(&Event::State(api.bridge.snapshot())).unwrap_or_default();
    let resync = serde_json::to_string(&Event::Resync).unwrap_or_default();
    let updates = BroadcastStream::new(rx).map(move |r| match r {
        Ok(line) => line.to_string(),
        Err(_) => resync.clone(),
    });
    let pings = futures::stream::unfold((), |()| async {
        tokio::time::sleep(KEEPALIVE).await;
        Some((r#"{"type":"ping"}"#.to_owned(), ()))
    });
    let stream = futures::stream::once(async move { first })
        .chain(futures::stream::select(updates, pings))
        .map(|line| Ok::<_, Infallible>(line + "\n"));
    (
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

#[derive(Deserialize)]
struct HistoryQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    q: String,
    dir: Option<String>,
    limit: Option<usize>,
}

async fn history(State(api): State<Api>, Query(q): Query<HistoryQuery>) -> Response {
    let dir = match q.dir.as_deref() {
        None | Some("" | "all") => None,
        Some(d @ ("sent" | "received")) => Some(d),
        Some(other) => {
            return problem(
                StatusCode::BAD_REQUEST,
                format!("dir must be sent, received or all, not `{other}`"),
            );
        }
    };
    let frames = api
        .bridge
        .hub()
        .history(q.after, &q.q, dir, q.limit.unwrap_or(1_000).min(5_000));
    let frames: Vec<&super::events::Frame> = frames.iter().map(|f| &**f).collect();
    Json(json!({ "frames": frames })).into_response()
}

async fn clear_history(State(api): State<Api>) -> Json<Value> {
    api.bridge.hub().clear_history();
    Json(json!({ "ok": true }))
}

async fn logs(State(api): State<Api>) -> Json<Value> {
    let (logs, stderr) = api.bridge.hub().logs();
    let logs: Vec<&super::events::LogLine> = logs.iter().map(|l| &**l).collect();
    Json(json!({ "logs": logs, "stderr": stderr }))
}

/// Turns a request's outcome into the API's answer.
fn outcome(result: Result<Value, RequestError>, call_id: Option<&str>, started: Instant) -> Response {
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (status, error) = match result {
        Ok(result) => {
            return Json(json!({ "ok": true, "result": result, "callId": call_id, "ms": ms }))
                .into_response();
        }
        Err(RequestError::Rpc(e)) => (
            StatusCode::OK,
            json!({ "kind": "rpc", "code": e.code, "message": e.message, "data": e.data }),
        ),
        Err(RequestError::Cancelled) => (
            StatusCode::OK,
            json!({ "kind": "cancelled", "message": "cancelled" }),
        ),
        Err(RequestError::Timeout) => (
            StatusCode::GATEWAY_TIMEOUT,
            json!({ "kind": "timeout", "message": "the server did not answer in time" }),
        ),
        Err(RequestError::NotConnected) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "kind": "notConnected", "message": "no server is connected (see the status above)" }),
        ),
        Err(RequestError::Transport(m)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "kind": "transport", "message": m }),
        ),
    };
    (
        status,
        Json(json!({ "ok": false, "error": error, "callId": call_id, "ms": ms })),
    )
        .into_response()
}

async fn list_all(api: &Api, method: &str, key: &str) -> Response {
    let started = Instant::now();
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let params = cursor.map_or_else(|| json!({}), |c| json!({ "cursor": c }));
        match api.bridge.request(method, params, None).await {
            Ok(page) => {
                if let Some(Value::Array(more)) = page.get(key) {
                    items.extend(more.iter().cloned());
                }
                cursor = page.get("nextCursor").and_then(Value::as_str).map(str::to_owned);
                if cursor.is_none() {
                    break;
                }
            }
            Err(e) => return outcome(Err(e), None, started),
        }
    }
    outcome(Ok(json!({ key: items })), None, started)
}

async fn list_tools(State(api): State<Api>) -> Response {
    list_all(&api, "tools/list", "tools").await
}

async fn list_resources(State(api): State<Api>) -> Response {
    list_all(&api, "resources/list", "resources").await
}

async fn list_templates(State(api): State<Api>) -> Response {
    list_all(&api, "resources/templates/list", "resourceTemplates").await
}

async fn list_prompts(State(api): State<Api>) -> Response {
    list_all(&api, "prompts/list", "prompts").await
}

/// A call id from the page (it needs one before the call ends, to cancel it
/// and match progress) or a fresh one; `None` when the page's is malformed.
fn call_id(api: &Api, given: Option<String>) -> Option<String> {
    match given {
        None => Some(format!("call-{}", api.next_call.fetch_add(1, Ordering::Relaxed))),
        Some(id)
            if (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
        {
            Some(id)
        }
        Some(_) => None,
    }
}

async fn send(api: &Api, method: &str, params: Value, given: Option<String>) -> Response {
    let Some(id) = call_id(api, given) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "callId must be 1-64 letters, digits, `-`, `_`, `.` or `:`",
        );
    };
    let started = Instant::now();
    let result = api.bridge.request(method, params, Some(&id)).await;
    outcome(result, Some(&id), started)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallTool {
    name: String,
    #[serde(default)]
    arguments: Option<Value>,
    call_id: Option<String>,
}

async fn call_tool(State(api): State<Api>, Json(body): Json<CallTool>) -> Response {
    let arguments = body.arguments.unwrap_or_else(|| json!({}));
    if !arguments.is_object() {
        return problem(StatusCode::BAD_REQUEST, "arguments must be a JSON object");
    }
    let params = json!({ "name": body.name, "arguments": arguments });
    send(&api, "tools/call", params, body.call_id).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReadResource {
    uri: String,
    call_id: Option<String>,
}

async fn read_resource(State(api): State<Api>, Json(body): Json<ReadResource>) -> Response {
    send(&api, "resources/read", json!({ "uri": body.uri }), body.call_id).await
}

#[derive(Deserialize)]
struct ResourceUri {
    uri: String,
}

/// Subscribes to a resource's updates (`notifications/resources/updated`).
async fn subscribe(State(api): State<Api>, Json(body): Json<ResourceUri>) -> Response {
    match api.bridge.subscribe(&body.uri).await {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(m) => problem(StatusCode::CONFLICT, m),
    }
}

async fn unsubscribe(State(api): State<Api>, Json(body): Json<ResourceUri>) -> Response {
    if api.bridge.unsubscribe(&body.uri) {
        Json(json!({ "ok": true })).into_response()
    } else {
        problem(StatusCode::NOT_FOUND, format!("not subscribed to {}", body.uri))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetPrompt {
    name: String,
    #[serde(default)]
    arguments: Option<Value>,
    call_id: Option<String>,
}

async fn get_prompt(State(api): State<Api>, Json(body): Json<GetPrompt>) -> Response {
    let mut params = json!({ "name": body.name });
    if let Some(args) = body.arguments {
        if !args.is_object() {
            return problem(StatusCode::BAD_REQUEST, "arguments must be a JSON object");
        }
        params["arguments"] = args;
    }
    send(&api, "prompts/get", params, body.call_id).await
}

/// `completion/complete` params, passed through (`ref`, `argument`, `context`).
async fn complete(State(api): State<Api>, Json(body): Json<Value>) -> Response {
    if body.get("ref").is_none() || body.get("argument").is_none() {
        return problem(
            StatusCode::BAD_REQUEST,
            "give `ref` and `argument` (completion/complete params)",
        );
    }
    let started = Instant::now();
    let result = api.bridge.request("completion/complete", body, None).await;
    outcome(result, None, started)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rpc {
    method: String,
    #[serde(default)]
    params: Option<Value>,
    call_id: Option<String>,
}

/// Any request, for what the page has no form for.
async fn rpc(State(api): State<Api>, Json(body): Json<Rpc>) -> Response {
    let params = body.params.unwrap_or_else(|| json!({}));
    if !params.is_object() {
        return problem(StatusCode::BAD_REQUEST, "params must be a JSON object");
    }
    send(&api, &body.method, params, body.call_id).await
}

async fn cancel(State(api): State<Api>, Path(id): Path<String>) -> Response {
    if api.bridge.cancel(&id) {
        Json(json!({ "ok": true })).into_response()
    } else {
        problem(StatusCode::NOT_FOUND, format!("no call `{id}` is running"))
    }
}

async fn inputs(State(api): State<Api>) -> Json<Value> {
    Json(json!({ "inputs": api.bridge.inputs().pending() }))
}

async fn answer(State(api): State<Api>, Path(id): Path<u64>, Json(body): Json<Answer>) -> Response {
    if api.bridge.inputs().answer(id, body) {
        Json(json!({ "ok": true })).into_response()
    } else {
        problem(
            StatusCode::NOT_FOUND,
            format!("nothing waits for an answer under id {id}"),
        )
    }
}

async fn roots(State(api): State<Api>) -> Json<Value> {
    Json(json!({ "roots": api.bridge.inputs().roots() }))
}

#[derive(Deserialize)]
struct SetRoots {
    roots: Vec<Root>,
}

async fn set_roots(State(api): State<Api>, Json(body): Json<SetRoots>) -> Response {
    if let Some(bad) = body.roots.iter().find(|r| !r.uri.starts_with("file://")) {
        return problem(
            StatusCode::BAD_REQUEST,
            format!("roots must be file:// URIs, not `{}`", bad.uri),
        );
    }
    api.bridge.set_roots(body.roots).await;
    Json(json!({ "ok": true, "roots": api.bridge.inputs().roots() })).into_response()
}

#[derive(Deserialize)]
struct SetLogLevel {
    level: String,
}

async fn set_log_level(State(api): State<Api>, Json(body): Json<SetLogLevel>) -> Response {
    match api.bridge.set_log_level(&body.level).await {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(m) => problem(StatusCode::BAD_REQUEST, m),
    }
}

/// Restarts in the background; the page follows along through the events.
async fn restart(State(api): State<Api>) -> Response {
    let bridge = Arc::clone(&api.bridge);
    tokio::spawn(async move { bridge.restart(false).await });
    (StatusCode::ACCEPTED, Json(json!({ "ok": true }))).into_response()
}
