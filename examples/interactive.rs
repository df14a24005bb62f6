//! The interactive server: tools that talk back to the client while they run.
//! Progress and log notifications, a form the user fills in (elicitation), a
//! question for the client's model (sampling), the client's roots, a URL the
//! user is sent to, a long task the client can cancel, and a resource whose
//! subscribers hear about every change.
//!
//! ```text
//! cargo run --example interactive                          # stdio
//! cargo run --example interactive -- --http 127.0.0.1:8000 # Streamable HTTP at /mcp
//! scripts/interop.sh --interactive target/debug/examples/interactive
//! ```
//!
//! # How input reaches a handler, in each protocol era
//!
//! The same handler code serves both eras; only the plumbing differs.
//!
//! - **Legacy sessions** (`initialize`, up to 2025-11-25): `ctx.elicit`,
//!   `ctx.sample*`, `ctx.roots` and `ctx.input_request` send a real
//!   server→client JSON-RPC request and wait for its response. The handler
//!   runs once, straight through.
//! - **Modern requests** (2026-07-28, Multi Round-Trip Requests): the first
//!   input call without an answer stops the handler, and the client receives
//!   an `input_required` result listing what is needed. The client asks its
//!   user / model, then *retries the whole call* with the answers, and the
//!   handler **runs again from the top**; input calls already answered return
//!   their recorded answer immediately.
//!
//! So in a handler that asks for input, everything before its **last** input
//! call may run several times: keep it replay-safe (reads, pure computation,
//! idempotent notifications), and put side effects (booking, writing,
//! counting) after the last input call. Answers are matched to input calls by
//! their order, so the sequence of input calls must be deterministic for the
//! same arguments and answers; `ctx.input_request(Some(key), ..)` names one
//! explicitly instead.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mcp_serve::context::Elicitation;
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::{
    CreateMessageRequestParams, ElicitAction, LoggingLevel, ResourceContents, SamplingMessage,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The resource every change below is reported on.
const STATUS_URI: &str = "interactive://status";

// ---------------------------------------------------------------------------
// Shared state
// ---------------------------------------------------------------------------

/// What the server has done so far, shown by the status resource.
#[derive(Default)]
struct Journal {
    bookings: AtomicU64,
    cancelled_tasks: AtomicU64,
    finished_tasks: AtomicU64,
    notes: Mutex<Vec<String>>,
}

/// The status resource's contents.
#[derive(Serialize, schemars::JsonSchema)]
struct Status {
    /// Trips booked.
    bookings: u64,
    /// Long tasks the client cancelled.
    cancelled_tasks: u64,
    /// Long tasks that ran to the end.
    finished_tasks: u64,
    /// Notes added with `add_note`.
    notes: Vec<String>,
}

impl Journal {
    fn status(&self) -> Status {
        Status {
            bookings: self.bookings.load(Ordering::Relaxed),
            cancelled_tasks: self.cancelled_tasks.load(Ordering::Relaxed),
            finished_tasks: self.finished_tasks.load(Ordering::Relaxed),
            notes: self
                .notes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }
}

/// The server's journal: trips booked, tasks finished or cancelled, notes.
/// Subscribe to it to hear about every change.
#[resource("interactive://status", name = "status", mime = "application/json")]
fn status(journal: State<Journal>) -> Status {
    journal.status()
}

// ---------------------------------------------------------------------------
// Progress and logging
// ---------------------------------------------------------------------------

/// Crunch some numbers, reporting progress after every step and logging as it goes.
#[tool(annotations(read_only))]
async fn crunch(
    #[arg(desc = "How many steps to run (1-100)", default = 5)] steps: u32,
    ctx: Context,
) -> Result<String, ToolError> {
    if !(1..=100).contains(&steps) {
        return Err(ToolError::new("steps must be between 1 and 100"));
    }
    let total = f64::from(steps);
    // Progress is only sent when the client asked for it (a progress token in
    // `_meta`), logs only at or above the level the client chose.
    ctx.info(format!("crunching {steps} steps")).await;
    ctx.progress(0.0, Some(total), Some("starting")).await;
    let mut sum = 0u64;
    for step in 1..=steps {
        tokio::time::sleep(Duration::from_millis(30)).await;
        sum += u64::from(step) * u64::from(step);
        ctx.debug(json!({ "step": step, "partial_sum": sum })).await;
        ctx.progress(
            f64::from(step),
            Some(total),
            Some(&format!("step {step} of {steps}")),
        )
        .await;
    }
    ctx.log(
        LoggingLevel::Notice,
        format!("done: sum of squares 1..={steps} is {sum}"),
    )
    .await;
    Ok(format!("crunched {steps} steps: sum of squares = {sum}"))
}

// ---------------------------------------------------------------------------
// Elicitation (form), sampling and roots in one handler
// ---------------------------------------------------------------------------

/// Where the trip goes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, schemars::JsonSchema)]
enum Destination {
    Lisbon,
    Kyoto,
    Reykjavik,
}

// The form the user fills in: the struct's doc is the form's description,
// field docs the fields' descriptions, `#[serde(default)]` values their
// defaults, the enum a drop-down.

/// Your trip.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
struct TripForm {
    /// Where to go.
    destination: Destination,
    /// How many nights to stay.
    #[serde(default = "default_nights")]
    #[schemars(range(min = 1, max = 30))]
    nights: u32,
    /// Book it now?
    #[serde(default)]
    confirm: bool,
}

fn default_nights() -> u32 {
    3
}

/// Book a trip: asks the user for the details (a form), asks the client's
/// model for a suggestion (sampling), and looks at the client's roots to file
/// the itinerary.
#[tool]
async fn book_trip(
    #[arg(desc = "Who is travelling", default = "traveller".to_owned())] traveller: String,
    ctx: Context,
    journal: State<Journal>,
) -> Result<String, ToolError> {
    // Replay safety (modern era): this handler asks for input three times and
    // runs up to four times (once per round trip). Nothing before the roots
    // call below changes anything; the booking is recorded after it.

    // 1. The form. A missing elicitation capability is a protocol error (`?`).
    let form = match ctx
        .elicit::<TripForm>(&format!("Where should {traveller} go?"))
        .await?
    {
        Elicitation::Accept(form) => form,
        Elicitation::Decline => return Ok(format!("{traveller} declined to book a trip.")),
        Elicitation::Cancel => return Ok("Booking cancelled.".to_owned()),
    };
    if !form.confirm {
        return Ok(format!(
            "Not booked: {traveller} did not confirm {} nights in {:?}.",
            form.nights, form.destination
        ));
    }

    // 2. The client's model, with a system prompt and a token budget.
    let question = format!(
        "Suggest one thing to do during {} nights in {:?}.",
        form.nights, form.destination
    );
    let request = CreateMessageRequestParams::new(vec![SamplingMessage::user_text(question)], 100)
        .with_system_prompt("You are a concise travel agent. Answer in one sentence.");
    let suggestion = ctx.sample(request).await?;
    let suggestion = serde_json::to_value(&suggestion.content)
        .ok()
        .and_then(|c| c["text"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "(no text)".to_owned());

    // 3. The client's roots: where the itinerary would be filed.
    let roots = ctx.roots().await?;
    let folder = roots
        .first()
        .map_or_else(|| "(no roots shared)".to_owned(), |r| r.uri.clone());

    // After the last input request: side effects are safe now.
    journal.bookings.fetch_add(1, Ordering::Relaxed);
    ctx.server().notify_resource_updated(STATUS_URI);
    ctx.info(format!("booked {:?} for {traveller}", form.destination))
        .await;
    Ok(format!(
        "Booked {} nights in {:?} for {traveller}. Suggestion: {suggestion} Itinerary filed under {folder} ({} root(s) shared). Era: {}.",
        form.nights,
        form.destination,
        roots.len(),
        ctx.protocol_version(),
    ))
}

/// Pick a colour: a hand-written elicitation sent with `input_request` under
/// an explicit key, so its answer is found by name on a retry.
#[tool]
async fn pick_color(ctx: Context) -> Result<String, ToolError> {
    ctx.require_capability("elicitation", None)?;
    let mut params = json!({
        "message": "Pick a colour",
        "requestedSchema": {
            "type": "object",
            "properties": {
                "color": {
                    "type": "string",
                    "title": "Colour",
                    "enum": ["red", "green", "blue"],
                    "default": "green"
                }
            },
            "required": ["color"]
        }
    });
    if ctx.protocol_version() >= mcp_serve::protocol::version::ProtocolVersion::V2025_11_25 {
        params["mode"] = json!("form");
    }
    let answer = ctx
        .input_request(Some("color"), "elicitation/create", params)
        .await?;
    match (answer["action"].as_str(), answer["content"]["color"].as_str()) {
        (Some("accept"), Some(color)) => Ok(format!("You picked {color}.")),
        (Some(action), _) => Ok(format!("No colour picked ({action}).")),
        _ => Err(ToolError::new(format!("unexpected answer: {answer}"))),
    }
}

// ---------------------------------------------------------------------------
// URL elicitation
// ---------------------------------------------------------------------------

/// Connect a (pretend) payment account: sends the user to a URL to sign in there.
#[tool]
async fn connect_account(
    #[arg(desc = "The account provider", default = "examplepay".to_owned())] provider: String,
    ctx: Context,
) -> Result<String, ToolError> {
    // The URL must not change between retries of the same call (modern era),
    // so it derives from the arguments only.
    let url = format!("https://{provider}.example.com/oauth/authorize?client=mcp-serve-interactive");
    let action = ctx
        .elicit_url(&url, &format!("Sign in to {provider} to connect your account"))
        .await?;
    Ok(match action {
        ElicitAction::Accept => format!("The user agreed to open {url}"),
        ElicitAction::Decline => format!("The user declined to open {url}"),
        _ => "The user dismissed the request.".to_owned(),
    })
}

// ---------------------------------------------------------------------------
// Cancellation
// ---------------------------------------------------------------------------

/// Records a cancelled task in the journal when dropped before `finish`.
///
/// When a request is cancelled, the engine may stop polling its handler
/// without letting it run on (mcp-serve drops the handler's future as soon as
/// the cancellation arrives), so cleanup that must happen lives in `Drop`;
/// `ctx.cancelled()` is for stopping early and for work the handler spawned.
struct CancelGuard {
    journal: State<Journal>,
    ctx: Context,
    armed: bool,
}

impl CancelGuard {
    fn finish(mut self) {
        self.armed = false;
        self.journal.finished_tasks.fetch_add(1, Ordering::Relaxed);
        self.ctx.server().notify_resource_updated(STATUS_URI);
    }
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if self.armed {
            self.journal.cancelled_tasks.fetch_add(1, Ordering::Relaxed);
            self.ctx.server().notify_resource_updated(STATUS_URI);
        }
    }
}

/// A long task (one step every 100 ms) that stops as soon as the client cancels it.
#[tool]
async fn long_task(
    #[arg(desc = "How many seconds to run", default = 30)] seconds: u64,
    ctx: Context,
    journal: State<Journal>,
) -> String {
    let guard = CancelGuard {
        journal,
        ctx: ctx.clone(),
        armed: true,
    };
    let steps = seconds.saturating_mul(10).max(1);
    for step in 0..steps {
        tokio::select! {
            // Nobody reads this result: the client gave up on the call. The
            // guard records the cancellation when it is dropped.
            () = ctx.cancelled() => return format!("cancelled after {step} of {steps} steps"),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        #[allow(clippy::cast_precision_loss)]
        ctx.progress((step + 1) as f64, Some(steps as f64), None).await;
    }
    guard.finish();
    format!("finished all {steps} steps")
}

/// A background task: the client gets a task id at once and polls it (both
/// eras; with MCP_SERVE_REDIS_URL set, on any replica).
#[tool(task)]
async fn slow_task(
    #[arg(desc = "How many seconds to take (at most 600)", default = 5)] seconds: u64,
) -> String {
    let seconds = seconds.min(600);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    format!("done after {seconds} s")
}

// ---------------------------------------------------------------------------
// Resource updates and a server that changes at run time
// ---------------------------------------------------------------------------

/// Add a note to the journal; subscribers of interactive://status are told.
#[tool]
async fn add_note(
    #[arg(desc = "The note")] text: String,
    ctx: Context,
    journal: State<Journal>,
) -> Result<String, ToolError> {
    journal
        .notes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(text);
    ctx.server().notify_resource_updated(STATUS_URI);
    // Read the resource back through the server, as a client would.
    let contents = ctx.read_resource(STATUS_URI).await?;
    let text = match contents.first() {
        Some(ResourceContents::Text(t)) => t.text.clone(),
        _ => String::new(),
    };
    Ok(format!("noted; {STATUS_URI} is now {text}"))
}

/// Say hello (added at run time by `unlock_bonus`).
#[tool]
fn bonus(#[arg(desc = "Who to greet")] name: String) -> String {
    format!("Bonus hello, {name}!")
}

/// Add the `bonus` tool to the server (clients are told the tool list changed).
#[tool]
fn unlock_bonus(ctx: Context) -> String {
    match ctx.server().add_tool(bonus) {
        Ok(()) => "bonus tool added".to_owned(),
        Err(e) => format!("bonus tool not added: {e}"),
    }
}

/// Logs every tool call with its outcome (`RUST_LOG=info` shows them).
/// Input requests pass through it too: in the modern era a call that needs
/// input ends with an `input_required` result, and its retry is a new call.
struct CallLog;

impl mcp_serve::middleware::Middleware for CallLog {
    async fn on_call_tool(
        &self,
        req: mcp_serve::middleware::McpRequest,
        next: mcp_serve::middleware::Next,
    ) -> mcp_serve::middleware::McpResult {
        let tool = req.name().unwrap_or_default().to_owned();
        let version = req.context().protocol_version();
        let out = next.run(req).await;
        let outcome = match &out {
            Ok(r) if r.get("resultType").and_then(|t| t.as_str()) == Some("input_required") => {
                "input_required"
            }
            Ok(r) if r.get("isError") == Some(&serde_json::Value::Bool(true)) => "tool error",
            Ok(_) => "ok",
            Err(_) => "error",
        };
        tracing::info!(%tool, %version, outcome, "tools/call");
        out
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: stdout belongs to the protocol.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();

    Server::new("interactive", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Tools that talk back: progress and logs (crunch), a form + the client's model + roots \
             (book_trip), a raw keyed elicitation (pick_color), a URL to visit (connect_account), a \
             cancellable call (long_task), a background task (slow_task), and a journal resource with update notifications (add_note).",
        )
        .tool(crunch)
        .tool(book_trip)
        .tool(pick_color)
        .tool(connect_account)
        .tool(long_task)
        .tool(slow_task)
        .tool(add_note)
        .tool(unlock_bonus)
        .resource(status)
        .state(Journal::default())
        .middleware(CallLog)
        .run()
        .await?;
    Ok(())
}
