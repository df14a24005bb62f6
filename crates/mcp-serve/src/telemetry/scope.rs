//! The request whose handler is running on this task, for code that runs
//! inside a handler without a [`Context`] in hand (the `tracing` bridge).
//! Needs no subscriber crate: the engine uses it with every feature set.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::BoxFuture;

use crate::context::Context;

tokio::task_local! {
    /// The request whose handler is running on this task.
    pub(super) static CURRENT: Context;
}

/// Set once a `ClientLogLayer` exists: until then handlers run without the
/// task-local, so the bridge costs nothing when unused.
pub(super) static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Whether a `ClientLogLayer` exists (so handlers need their scope).
pub(crate) fn bridge_installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Runs a handler future with its request as the current one (see
/// [`bridge_installed`]).
pub(crate) fn in_handler_scope<T: Send + 'static>(
    cx: Option<Context>,
    fut: BoxFuture<'static, T>,
) -> BoxFuture<'static, T> {
    match cx {
        Some(cx) => Box::pin(CURRENT.scope(cx, fut)),
        None => fut,
    }
}
