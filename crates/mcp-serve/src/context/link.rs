//! The engine as a request's [`Context`] sees it: narrow traits the engine
//! implements, so the handler API never names an engine type and the engine
//! can change without touching what handler authors use.

use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;
use mcp_serve_core::types::ResourceContents;
use serde_json::Value;

use super::{Context, StateMap};
use crate::error::McpError;

/// The server a request is served by.
pub(crate) trait Served: Send + Sync + 'static {
    /// Values registered with `Server::state`.
    fn state(&self) -> &StateMap;

    /// Reads one of the server's resources, with `cx` as its handler's context.
    fn read_resource(
        &self,
        uri: &str,
        cx: Context,
    ) -> BoxFuture<'static, Result<Vec<ResourceContents>, McpError>>;

    /// The tags of the tool or prompt `name`, or of the resource `name`
    /// (a URI), that a request of `method` names.
    fn tags_of(&self, method: &str, name: &str) -> Vec<String>;

    /// The annotations of the tool `name`, when it exists and has some
    /// (middleware reads `idempotentHint` to decide on retries).
    fn tool_annotations(&self, name: &str) -> Option<mcp_serve_core::types::ToolAnnotations>;

    /// Whether `name` is the tool search's tool that calls other tools by
    /// name (see `ToolSearch`), whose target per-request rules must check.
    fn is_search_call(&self, name: &str) -> bool;

    /// The engine itself, for layers above the handler API
    /// (`Context::server` hands out the engine's handle).
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// How a request's handler asks the client for input: the engine implements
/// it once per era (server→client requests on a legacy session, multi
/// round-trip requests for modern clients), so one handler signature serves
/// both.
pub(crate) trait AskClient: Send + Sync {
    /// Sends `method` with `params` (keyed by `key` where the era needs one)
    /// and returns the client's answer.
    fn ask<'a>(
        &'a self,
        cx: &'a Context,
        key: Option<&'a str>,
        method: &'a str,
        params: Value,
    ) -> BoxFuture<'a, Result<Value, McpError>>;

    /// Asks for the call to become a task (see `Context::begin_task`);
    /// whether the engine will hand the handler over.
    fn begin_task(&self) -> bool {
        false
    }
}

/// The legacy task a handler runs as.
pub(crate) trait RunningTask: Send + Sync {
    /// Its id, named in the `_meta` of every related message.
    fn id(&self) -> String;
}
