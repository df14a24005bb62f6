//! A backend tool's modern calls handed on as they came (see
//! `tool::passthrough`): only the tool's name changes, from the front's to
//! the backend's. The backend then sees the caller's own progress token and
//! log level and asks for input in its own result, which reaches the caller
//! unchanged, as does the caller's answer.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;

use super::{Catalog, rpc};
use crate::error::McpError;
use crate::tool::passthrough::{Passed, Passthrough};

/// One backend tool's passthrough.
pub(super) struct Pass {
    pub(super) catalog: Catalog,
    /// The tool's name on the backend.
    pub(super) name: String,
}

impl Passthrough for Pass {
    fn pass(self: Arc<Self>, call: Passed) -> BoxFuture<'static, Result<Vec<u8>, McpError>> {
        Box::pin(async move {
            let mut params = call.params;
            params.insert("name".into(), Value::String(self.name.clone()));
            let catalog = &self.catalog;
            catalog
                .client
                .pass_request(
                    &call.id,
                    "tools/call",
                    params,
                    call.meta.as_deref(),
                    call.stream.as_ref(),
                )
                .await
                .inspect_err(|e| catalog.failed(e))
                .map_err(rpc)
        })
    }
}
