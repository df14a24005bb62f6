//! Routing what the backend says during a forwarded request back to the
//! front request that caused it: progress by token, log messages and input
//! requests (elicitation, sampling, roots) to the call in flight.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures::FutureExt as _;
use mcp_serve_core::jsonrpc::{ErrorObject, Notification};
use mcp_serve_core::types::LoggingLevel;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::context::Context;
use crate::error::McpError;

tokio::task_local! {
    /// The front call whose backend request is being awaited on this task:
    /// modern backends ask for input from inside `Client::request_raw`, so
    /// the asking happens on the very task that forwarded the call.
    static CURRENT: Arc<Call>;
}

/// A front request being forwarded.
pub(super) struct Call {
    id: u64,
    pub(super) context: Context,
    /// Cancelled when the front handler ends, however it ends: input
    /// requests still waiting for it give up (a modern front drops the
    /// handler when it answers `input_required`).
    done: CancellationToken,
}

/// The calls in flight, newest last, and how far the backend's
/// notifications have been relayed.
#[derive(Default)]
pub(super) struct Relay {
    next: AtomicU64,
    calls: Mutex<Vec<Arc<Call>>>,
    /// Whether a task is relaying the backend's notifications.
    following: AtomicBool,
    /// Notifications of the backend's client handled so far (its count, see
    /// `Client::notifications_delivered`).
    relayed: AtomicU64,
    /// Told each time `relayed` grows or following ends.
    moved: tokio::sync::Notify,
}

/// Removes the call from the relay when the forwarding future ends.
pub(super) struct CallGuard {
    relay: Arc<Relay>,
    call: Arc<Call>,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.call.done.cancel();
        self.relay
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|c| c.id != self.call.id);
    }
}

impl Relay {
    /// Registers a front call; the progress token to send to the backend is
    /// derived from its id.
    pub(super) fn begin(self: &Arc<Self>, context: Context) -> CallGuard {
        let call = Arc::new(Call {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            context,
            done: CancellationToken::new(),
        });
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::clone(&call));
        CallGuard {
            relay: Arc::clone(self),
            call,
        }
    }

    /// A task starts relaying the client's notifications, `base` of them
    /// having been delivered before it.
    pub(super) fn follow_from(&self, base: u64) {
        self.relayed.store(base, Ordering::Release);
        self.following.store(true, Ordering::Release);
    }

    /// One more notification handled (or, with `ended`, no more will be).
    pub(super) fn handled(&self, ended: bool) {
        if ended {
            self.following.store(false, Ordering::Release);
        } else {
            self.relayed.fetch_add(1, Ordering::AcqRel);
        }
        self.moved.notify_waiters();
    }

    /// Waits until the first `upto` notifications have been relayed: the
    /// progress and log messages a backend sent before its response reach
    /// the front call before its result does (they travel apart: the
    /// response to its waiter, notifications through the following task).
    pub(super) async fn caught_up(&self, upto: u64) {
        loop {
            let moved = self.moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            if !self.following.load(Ordering::Acquire) || self.relayed.load(Ordering::Acquire) >= upto {
                return;
            }
            moved.await;
        }
    }

    /// Runs `fut` with `guard`'s call as the current one.
    pub(super) async fn scoped<F: std::future::Future>(guard: &CallGuard, fut: F) -> F::Output {
        CURRENT.scope(Arc::clone(&guard.call), fut).await
    }

    fn by_id(&self, id: u64) -> Option<Arc<Call>> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|c| c.id == id)
            .cloned()
    }

    /// The call an untagged message belongs to: the task's own, else the
    /// newest in flight (a legacy backend's requests carry no link to the
    /// request that caused them).
    fn current(&self) -> Option<Arc<Call>> {
        CURRENT.try_with(Arc::clone).ok().or_else(|| {
            self.calls
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .last()
                .cloned()
        })
    }

    /// Answers a backend input request by asking the front client.
    pub(super) async fn input(&self, method: String, params: Value) -> Result<Value, ErrorObject> {
        let Some(call) = self.current() else {
            return Err(ErrorObject::new(
                mcp_serve_core::error::code::INVALID_REQUEST,
                format!("{method} arrived outside any forwarded request; the proxy has no client to ask"),
            ));
        };
        let asking = call
            .context
            .input_request(None, &method, params)
            .map(|r| r.map_err(|e: McpError| e.0));
        tokio::select! {
            r = asking => r,
            () = call.done.cancelled() => Err(ErrorObject::new(
                mcp_serve_core::error::code::INTERNAL_ERROR,
                "the forwarded request ended before the client answered",
            )),
        }
    }

    /// Delivers a backend notification to the front call it belongs to.
    pub(super) async fn notify(&self, n: &Notification) {
        let params = n.params.as_ref().unwrap_or(&Value::Null);
        match n.method.as_str() {
            "notifications/progress" => {
                let Some(call) = params["progressToken"]
                    .as_str()
                    .and_then(parse_token)
                    .and_then(|id| self.by_id(id))
                else {
                    return;
                };
                let progress = params["progress"].as_f64().unwrap_or(0.0);
                call.context
                    .progress(progress, params["total"].as_f64(), params["message"].as_str())
                    .await;
            }
            "notifications/message" => {
                let Some(call) = self.current() else { return };
                let level: LoggingLevel =
                    serde_json::from_value(params["level"].clone()).unwrap_or(LoggingLevel::Info);
                call.context.log(level, params["data"].clone()).await;
            }
            _ => {}
        }
    }
}

const TOKEN_PREFIX: &str = "mcp-serve-proxy-";

/// The progress token the backend sees for a call.
pub(super) fn token(guard: &CallGuard) -> String {
    format!("{TOKEN_PREFIX}{}", guard.call.id)
}

fn parse_token(token: &str) -> Option<u64> {
    token.strip_prefix(TOKEN_PREFIX)?.parse().ok()
}
