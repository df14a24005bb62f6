//! Argument completion (`completion/complete`) for prompt arguments and
//! resource template variables.
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::resource::Resource;
//! let r = Resource::new("lang://{name}")
//!     .text("...")
//!     .complete("name", |prefix, _ctx| async move {
//!         ["rust", "python", "go"].iter().filter(|l| l.starts_with(&prefix)).map(|l| l.to_string()).collect()
//!     });
//! # let _ = Server::new("demo", "1.0.0").resource(r);
//! ```

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::context::Context;

/// The spec's cap on values per completion response.
pub(crate) const MAX_VALUES: usize = 100;

pub(crate) type CompleterFn = dyn Fn(String, Context) -> BoxFuture<'static, Vec<String>> + Send + Sync;

/// A completion function: the partial value in, candidate values out.
#[derive(Clone)]
pub struct Completer(pub(crate) Arc<CompleterFn>);

impl std::fmt::Debug for Completer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Completer")
    }
}
