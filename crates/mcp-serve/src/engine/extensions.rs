//! The extensions a server offers: what goes into
//! `capabilities.extensions`, which handler serves each method and
//! notification they add, and whether the client declared them.
//!
//! Two kinds go through this one registry: those a server's author declares
//! with [`Extension`], and those built into the engine ([`Builtin`]: the
//! official `io.modelcontextprotocol/tasks`), whose methods are served from
//! engine state (the task store) rather than by a handler, and which may
//! also take over a core `tools/call`. Both are advertised, looked up,
//! checked for the client's declaration and wrapped by middleware the same
//! way; another official extension is one more entry in [`BUILTINS`].

use std::collections::HashMap;
use std::sync::Arc;

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value, json};

use super::Shared;
use super::connection::{Connection, Reply, Scope};
use crate::error::RegistrationError;
use crate::extension::{Extension, MethodFn, NotificationFn};

/// A method of an extension built into the engine: served from engine
/// state, with the connection at hand (it answers as it likes: now, later,
/// or by starting background work).
pub(crate) type EngineMethod = fn(&Connection, &Scope, &str, Map<String, Value>) -> Reply;

/// A built-in extension's say over a core `tools/call` of a client that may
/// use it: `Ok` answers the call, `Err` hands the parameters back for the
/// ordinary call. The last argument says whether the connection is shared
/// (no per-request cancellation registry).
pub(crate) type CallHook =
    fn(&Connection, &Scope, Map<String, Value>, bool) -> Result<Reply, Map<String, Value>>;

/// An extension built into the engine.
pub(crate) struct Builtin {
    pub(crate) id: &'static str,
    /// Whether the server has anything to offer with it right now (it is
    /// advertised only then); read on each `server/discover`.
    pub(crate) offered: fn(&Shared) -> bool,
    /// Whether it is negotiated in the legacy era too (advertised in
    /// `initialize`, its methods served to sessions).
    pub(crate) legacy: bool,
    /// Its methods; all need the client to declare the extension.
    pub(crate) methods: &'static [(&'static str, EngineMethod)],
    /// Its part in `tools/call`, if any.
    pub(crate) tools_call: Option<CallHook>,
}

/// The extensions built into the engine, advertised before the server's own.
const BUILTINS: &[fn() -> Builtin] = &[super::tasks::modern::extension];

/// Who serves an extension's method.
pub(crate) enum Serve {
    /// A handler of the server's author: it runs like a tool call (span,
    /// timeout, cancellation, its `Context`), see `dispatch_call`.
    Handler(Arc<MethodFn>),
    /// The engine itself.
    Engine(EngineMethod),
}

/// An extension's method, and whether its client must declare it.
pub(crate) struct ExtMethod {
    pub(crate) extension: String,
    pub(crate) client_required: bool,
    /// Served in the legacy era too.
    legacy: bool,
    pub(crate) serve: Serve,
}

/// An advertised extension.
struct Declared {
    id: String,
    settings: Map<String, Value>,
    /// `None`: always offered.
    offered: Option<fn(&Shared) -> bool>,
    legacy: bool,
}

/// Every extension, indexed.
pub(crate) struct Registry {
    /// In declaration order, built-ins first.
    declared: Vec<Declared>,
    methods: HashMap<String, ExtMethod>,
    pub(crate) notifications: HashMap<String, Arc<NotificationFn>>,
    /// The built-ins' parts in `tools/call` (modern era).
    call_hooks: Vec<(&'static str, CallHook)>,
}

impl Default for Registry {
    /// The built-in extensions only.
    fn default() -> Self {
        let mut r = Registry {
            declared: Vec::new(),
            methods: HashMap::new(),
            notifications: HashMap::new(),
            call_hooks: Vec::new(),
        };
        for builtin in BUILTINS {
            let b = builtin();
            for (name, run) in b.methods {
                r.methods.insert(
                    (*name).to_owned(),
                    ExtMethod {
                        extension: b.id.to_owned(),
                        client_required: true,
                        legacy: b.legacy,
                        serve: Serve::Engine(*run),
                    },
                );
            }
            if let Some(hook) = b.tools_call {
                r.call_hooks.push((b.id, hook));
            }
            r.declared.push(Declared {
                id: b.id.to_owned(),
                settings: Map::new(),
                offered: Some(b.offered),
                legacy: b.legacy,
            });
        }
        r
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.declared.iter().map(|d| &d.id))
            .finish()
    }
}

impl Registry {
    /// Checks and indexes the server's extensions next to the built-in
    /// ones; two with one identifier, or two claiming one method, are
    /// refused.
    pub(crate) fn build(extensions: Vec<Extension>) -> Result<Self, RegistrationError> {
        let mut r = Registry::default();
        for ext in extensions {
            ext.check()?;
            let id = ext.id().to_owned();
            let clash = |reason: String| RegistrationError::Extension {
                id: id.clone(),
                reason,
            };
            if let Some(d) = r.declared.iter().find(|d| d.id == id) {
                return Err(clash(if d.offered.is_some() {
                    "declared twice (this extension is built into the engine, which serves it itself)".into()
                } else {
                    "declared twice".into()
                }));
            }
            for (name, run) in &ext.methods {
                if let Some(other) = r.methods.get(name) {
                    return Err(clash(format!(
                        "method `{name}` is already added by `{}`",
                        other.extension
                    )));
                }
                r.methods.insert(
                    name.clone(),
                    ExtMethod {
                        extension: id.clone(),
                        client_required: ext.client_required,
                        legacy: true,
                        serve: Serve::Handler(Arc::clone(run)),
                    },
                );
            }
            for (name, run) in &ext.notifications {
                if r.notifications.insert(name.clone(), Arc::clone(run)).is_some() {
                    return Err(clash(format!("notification `{name}` is added twice")));
                }
            }
            r.declared.push(Declared {
                id,
                settings: ext.settings_object().clone(),
                offered: None,
                legacy: true,
            });
        }
        Ok(r)
    }

    /// The extension method `name` as served in `version`.
    pub(crate) fn method(&self, name: &str, version: ProtocolVersion) -> Option<&ExtMethod> {
        self.methods.get(name).filter(|m| m.legacy || version.is_modern())
    }

    /// Whether `name` is an extension method in some era (middleware wraps
    /// those).
    pub(crate) fn has_method(&self, name: &str) -> bool {
        self.methods.contains_key(name)
    }

    /// The built-ins' parts in a modern `tools/call`, with the extension
    /// each belongs to.
    pub(crate) fn call_hooks(&self) -> &[(&'static str, CallHook)] {
        &self.call_hooks
    }

    /// Adds the extensions offered in `version` to
    /// `capabilities.extensions`.
    pub(crate) fn advertise(&self, shared: &Shared, version: ProtocolVersion, caps: &mut Value) {
        let mut offered = self
            .declared
            .iter()
            .filter(|d| d.legacy || version.is_modern())
            .filter(|d| d.offered.is_none_or(|f| f(shared)))
            .peekable();
        if offered.peek().is_none() {
            return;
        }
        let Value::Object(caps) = caps else { return };
        let entry = caps
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = entry {
            for d in offered {
                map.insert(d.id.clone(), Value::Object(d.settings.clone()));
            }
        }
    }
}

/// Whether the client declared extension `id` (a `null` entry declares
/// nothing).
pub(crate) fn declares(scope: &Scope, id: &str) -> bool {
    scope
        .capabilities
        .as_ref()
        .and_then(|c| c.extensions.as_ref())
        .and_then(|e| e.get(id))
        .is_some_and(|v| !v.is_null())
}

/// `-32021` for `what` (a method, a tool, a field) needing extension `id`
/// the client did not declare, saying where a client of `version`
/// declares it.
pub(crate) fn missing(id: &str, what: &str, version: ProtocolVersion) -> ErrorObject {
    let place = if version.is_modern() {
        format!("_meta[\"{}\"]", mcp_serve_core::meta::CLIENT_CAPABILITIES)
    } else {
        "the client's capabilities at initialize".to_owned()
    };
    ErrorObject::new(
        code::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!(
            "Missing required client capability: {what} needs the {id} extension; declare it under extensions in {place}"
        ),
    )
    .with_data(json!({ "requiredCapabilities": { "extensions": { id: {} } } }))
}
