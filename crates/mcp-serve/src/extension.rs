//! Extensions: optional additions to the protocol, negotiated by identifier
//! (`2026-07-28/basic/versioning.mdx`, "Extension Negotiation").
//!
//! A server declares an [`Extension`]: its identifier (`{vendor-prefix}/{name}`,
//! e.g. `com.example/search`) and settings go into `capabilities.extensions`
//! (of `server/discover`, and of `initialize` for session clients), and the
//! request methods and notifications it adds are served next to the core
//! ones, on every transport and in both eras, through the middleware. A
//! handler reads what the client declared for an extension with
//! [`Context::client_extension`].
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::extension::Extension;
//! use serde_json::{Value, json};
//!
//! #[derive(serde::Deserialize)]
//! struct Reverse { text: String }
//!
//! let ext = Extension::new("com.example/reverse")
//!     .settings(json!({ "maxLength": 1000 }))
//!     .method("reverse/text", |p: Reverse, _cx: Context| async move {
//!         Ok(json!({ "text": p.text.chars().rev().collect::<String>() }))
//!     });
//! let server = Server::new("demo", "1.0.0").extension(ext);
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::{McpError, RegistrationError};

/// What an extension method runs.
pub(crate) type MethodFn =
    dyn Fn(Map<String, Value>, Context) -> BoxFuture<'static, Result<Value, McpError>> + Send + Sync;

/// What an extension notification runs.
pub(crate) type NotificationFn = dyn Fn(Map<String, Value>, Context) -> BoxFuture<'static, ()> + Send + Sync;

/// An extension a server offers: its identifier, its settings, and the
/// methods and notifications it adds.
///
/// ```
/// use mcp_serve::extension::Extension;
/// let ext = Extension::new("com.example/audit").settings(serde_json::json!({ "version": 2 }));
/// assert_eq!(ext.id(), "com.example/audit");
/// ```
#[derive(Clone)]
pub struct Extension {
    id: String,
    settings: Map<String, Value>,
    pub(crate) methods: HashMap<String, Arc<MethodFn>>,
    pub(crate) notifications: HashMap<String, Arc<NotificationFn>>,
    pub(crate) client_required: bool,
}

impl std::fmt::Debug for Extension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extension")
            .field("id", &self.id)
            .field("settings", &self.settings)
            .field("methods", &self.methods.keys().collect::<Vec<_>>())
            .field("notifications", &self.notifications.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Extension {
    /// An extension named `id`: `{vendor-prefix}/{name}` with a reversed
    /// domain you own as the prefix (`com.example/search`).
    /// `Server::into_handle` refuses a malformed one.
    ///
    /// ```
    /// let ext = mcp_serve::extension::Extension::new("com.example/search");
    /// # let _ = ext;
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        Extension {
            id: id.into(),
            settings: Map::new(),
            methods: HashMap::new(),
            notifications: HashMap::new(),
            client_required: false,
        }
    }

    /// The identifier.
    ///
    /// ```
    /// assert_eq!(mcp_serve::extension::Extension::new("com.example/x").id(), "com.example/x");
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The settings object advertised under the identifier (default `{}`:
    /// supported, no settings). A value that is not an object is ignored.
    ///
    /// ```
    /// let ext = mcp_serve::extension::Extension::new("com.example/x")
    ///     .settings(serde_json::json!({ "formats": ["csv"] }));
    /// # let _ = ext;
    /// ```
    #[must_use]
    pub fn settings(mut self, settings: Value) -> Self {
        if let Value::Object(map) = settings {
            self.settings = map;
        }
        self
    }

    /// Serves its methods only to clients that declare the extension:
    /// others get the missing-client-capability error (`-32021`) naming it.
    ///
    /// ```
    /// let ext = mcp_serve::extension::Extension::new("com.example/x").require_client_support();
    /// # let _ = ext;
    /// ```
    #[must_use]
    pub fn require_client_support(mut self) -> Self {
        self.client_required = true;
        self
    }

    /// Adds a request method. Its parameters (without `_meta`) are
    /// deserialized into `P` (bad ones get `-32602` naming the problem), and
    /// what the handler returns is the result, dressed for the client's era.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::extension::Extension;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Query { q: String }
    /// #[derive(serde::Serialize)]
    /// struct Hits { hits: Vec<String> }
    ///
    /// let ext = Extension::new("com.example/search")
    ///     .method("search/query", |p: Query, _cx: Context| async move {
    ///         Ok(Hits { hits: vec![format!("result for {}", p.q)] })
    ///     });
    /// # let _ = ext;
    /// ```
    #[must_use]
    pub fn method<P, R, F, Fut>(mut self, name: impl Into<String>, handler: F) -> Self
    where
        P: DeserializeOwned + Send + 'static,
        R: Serialize + Send + 'static,
        F: Fn(P, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, McpError>> + Send + 'static,
    {
        let name = name.into();
        let method = name.clone();
        let run: Arc<MethodFn> = Arc::new(move |params, cx| {
            let parsed = serde_json::from_value::<P>(Value::Object(params))
                .map_err(|e| McpError::invalid_params(format!("{method}: {e}")));
            match parsed {
                Err(e) => Box::pin(async move { Err(e) }),
                Ok(p) => {
                    let fut = handler(p, cx);
                    Box::pin(async move {
                        let r = fut.await?;
                        serde_json::to_value(r).map_err(McpError::internal)
                    })
                }
            }
        });
        self.methods.insert(name, run);
        self
    }

    /// Adds a notification the client may send. Its handler runs in the
    /// background; a notification has no answer.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::extension::Extension;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Seen { id: String }
    ///
    /// let ext = Extension::new("com.example/receipts")
    ///     .notification("notifications/receipts/seen", |p: Seen, _cx: Context| async move {
    ///         tracing::info!(id = %p.id, "seen");
    ///     });
    /// # let _ = ext;
    /// ```
    #[must_use]
    pub fn notification<P, F, Fut>(mut self, name: impl Into<String>, handler: F) -> Self
    where
        P: DeserializeOwned + Send + 'static,
        F: Fn(P, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let name = name.into();
        let method = name.clone();
        let run: Arc<NotificationFn> = Arc::new(move |params, cx| {
            match serde_json::from_value::<P>(Value::Object(params)) {
                Ok(p) => Box::pin(handler(p, cx)),
                Err(e) => {
                    // A notification cannot be answered: the mistake is logged.
                    tracing::debug!(notification = %method, error = %e, "unreadable extension notification");
                    Box::pin(async {})
                }
            }
        });
        self.notifications.insert(name, run);
        self
    }

    /// The settings object.
    pub(crate) fn settings_object(&self) -> &Map<String, Value> {
        &self.settings
    }

    /// Refuses an identifier without a vendor prefix, and methods that
    /// shadow the core protocol's.
    pub(crate) fn check(&self) -> Result<(), RegistrationError> {
        let bad = |reason: String| RegistrationError::Extension {
            id: self.id.clone(),
            reason,
        };
        let Some((prefix, name)) = self.id.split_once('/') else {
            return Err(bad(
                "an identifier is `{vendor-prefix}/{name}`, e.g. `com.example/search`".into(),
            ));
        };
        let label = |s: &str| {
            !s.is_empty()
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.ends_with(|c: char| c.is_ascii_alphanumeric())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !prefix.split('.').all(label) {
            return Err(bad(format!(
                "the prefix `{prefix}` must be dot-separated labels (letters, digits, hyphens), like a reversed domain you own"
            )));
        }
        let name_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name.ends_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(bad(format!(
                "the name `{name}` must be letters, digits, hyphens, underscores and dots, starting and ending with a letter or digit"
            )));
        }
        for m in self.methods.keys().chain(self.notifications.keys()) {
            if is_core_method(m) {
                return Err(bad(format!(
                    "`{m}` is a method of the core protocol; extensions add their own"
                )));
            }
        }
        Ok(())
    }
}

/// Methods and notifications of the core protocol. `tasks/*` are core in
/// the 2025-11-25 revision; the tasks extension's own (modern) methods are
/// registered by the engine next to these (`engine::extensions`).
fn is_core_method(m: &str) -> bool {
    matches!(
        m,
        "initialize"
            | "ping"
            | "server/discover"
            | "logging/setLevel"
            | "completion/complete"
            | "subscriptions/listen"
            | "sampling/createMessage"
            | "elicitation/create"
    ) || ["tools/", "resources/", "prompts/", "tasks/", "roots/"]
        .iter()
        .any(|p| m.starts_with(p))
        || matches!(
            m,
            "notifications/initialized"
                | "notifications/cancelled"
                | "notifications/progress"
                | "notifications/message"
                | "notifications/roots/list_changed"
        )
}
