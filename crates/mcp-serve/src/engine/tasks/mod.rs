//! Tasks in both eras, from one `#[tool(task)]` declaration.
//!
//! - `legacy`: the 2025-11-25 core tasks utility, per session (`task` on
//!   `tools/call`, `tasks/get|result|list|cancel`, `notifications/tasks/status`).
//! - `modern`: the `io.modelcontextprotocol/tasks` extension (SEP-2663) for
//!   2026-07-28 requests, whose state lives in the server's
//!   [`TaskStore`](crate::tasks::TaskStore) so any replica can serve it:
//!   `modern` runs the work, `requests` serves `tasks/*` from the store,
//!   `wire` holds the extension's shapes and errors.

pub(crate) mod legacy;
pub(crate) mod modern;
mod requests;
mod wire;

pub(crate) use legacy::{TaskEntry, Tasks};
