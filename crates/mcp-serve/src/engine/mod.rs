//! The transport-agnostic core: takes one incoming frame and the context of
//! the connection it came on, and yields the frames to send back.
//!
//! - `catalog`: registries (tools, resources, templates, prompts).
//! - `handle`: [`ServerHandle`], the built engine that transports connect to
//!   and applications change at run time.
//! - `connection`: one client connection, a frame's way through it, by file:
//!   - `connection/mod.rs`: [`Connection`] and the types transports exchange
//!     with it ([`Reply`], [`Answer`], [`Inbound`], [`MirroredHeaders`]);
//!   - `era` (with `params`): era selection (legacy sessions started by
//!     `initialize`, modern stateless requests carrying `_meta`), header checks;
//!   - `legacy`: the `initialize` handshake, session state, `logging/setLevel`,
//!     resource subscriptions, session tasks;
//!   - `dispatch`: method → `methods::…`, and a result → response bytes;
//!   - `call`: running a handler (span, cancellation, MRTR `input_required`,
//!     the handler's context);
//!   - `changes`: change forwarding and `subscriptions/listen` streams.
//! - `failure`: a handler's panic or unexpected error, as the client
//!   hears it (contained to its request; masked over HTTP by default).
//! - [`limits`]: caps on the strings clients send, checked before dispatch.
//! - `methods`: one function per MCP method, shared by both eras.
//! - `shape`: how a result is dressed for each era (`resultType`, cache
//!   hints, `serverInfo`).
//! - [`RequestStateKeys`]: the keys that sign `requestState`, from the code
//!   or [`REQUEST_STATE_KEY_ENV`], shared by replicas and rotated.
//! - `tasks`: task-augmented tool calls (legacy sessions, and the modern
//!   tasks extension backed by the server's task store).

mod ask;
mod bus;
pub(crate) mod catalog;
pub(crate) mod connection;
pub(crate) mod extensions;
pub(crate) mod failure;
mod handle;
pub(crate) mod input;
pub mod limits;
mod methods;
pub(crate) mod mount;
mod pagination;
mod routes;
pub(crate) mod search;
mod shape;
mod state_keys;
pub(crate) mod tasks;
mod validate;

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use mcp_serve_core::types::{CacheScope, Implementation};
use tokio::sync::broadcast;

pub use bus::{Bus, LocalBus};
pub use catalog::{ListKind, RegistrationError};
pub use connection::{Answer, Connection, Inbound, MirroredHeaders, Reply, RestoreError, SessionState};
pub use handle::ServerHandle;
pub use state_keys::{REQUEST_STATE_KEY_ENV, RequestStateKeys};

use crate::context::StateMap;
use crate::schema::SchemaSettings;
use catalog::Catalog;

/// Something connected clients may need to hear about.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// A list changed.
    List(ListKind),
    /// A resource's contents changed.
    ResourceUpdated(Arc<str>),
}

/// Tunables of the engine.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) page_size: Option<usize>,
    pub(crate) list_ttl_ms: u64,
    pub(crate) cache_scope: CacheScope,
    pub(crate) server_info_in_results: bool,
    pub(crate) tasks: crate::tasks::TaskConfig,
    /// Serve only the session revisions (see `Server::legacy_only`).
    pub(crate) legacy_only: bool,
    /// Send unexpected handler errors as a generic message (see
    /// `Server::mask_errors`); `None`: for requests that came over HTTP.
    pub(crate) mask_errors: Option<bool>,
    /// How long an ordinary call may run (see `Server::call_timeout`);
    /// `None`: `DEFAULT_HTTP_CALL_TIMEOUT` over HTTP, unbounded elsewhere.
    pub(crate) call_timeout: Option<Option<std::time::Duration>>,
    /// Authorization for the HTTP transport (see `Server::auth`).
    #[cfg(feature = "auth")]
    pub(crate) auth: Option<Arc<crate::auth::Auth>>,
    /// The middleware chain (see `Server::layer`); `None`: no middleware,
    /// and none of its cost.
    pub(crate) middleware: Option<Arc<crate::middleware::Chain>>,
    /// Extensions declared with `Server::extension`.
    pub(crate) extensions: Arc<extensions::Registry>,
    /// Between a mount's prefix and a tool or prompt name (see
    /// `Server::mount_separator`).
    pub(crate) mount_separator: Arc<str>,
}

/// How long an ordinary call over HTTP may run unless
/// `Server::call_timeout` says otherwise.
pub(crate) const DEFAULT_HTTP_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

impl Default for Options {
    fn default() -> Self {
        Options {
            page_size: None,
            list_ttl_ms: 60_000,
            cache_scope: CacheScope::Private,
            server_info_in_results: true,
            tasks: crate::tasks::TaskConfig::default(),
            legacy_only: false,
            mask_errors: None,
            call_timeout: None,
            #[cfg(feature = "auth")]
            auth: None,
            middleware: None,
            extensions: Arc::default(),
            mount_separator: Arc::from("_"),
        }
    }
}

/// Everything every connection shares: identity, registries, state.
pub(crate) struct Shared {
    pub(crate) info: Implementation,
    pub(crate) instructions: Option<String>,
    pub(crate) schema: SchemaSettings,
    pub(crate) options: Options,
    pub(crate) state: StateMap,
    pub(crate) catalog: ArcSwap<Catalog>,
    /// Serialises writers; readers never take it.
    pub(crate) write: Mutex<()>,
    pub(crate) changes: broadcast::Sender<Change>,
    /// `info` as JSON, made once: every modern result carries it.
    pub(crate) info_value: serde_json::Value,
    /// `info_value` serialized, written as is into modern results.
    pub(crate) info_json: Box<[u8]>,
    /// Sign and verify `requestState` (Multi Round-Trip Requests).
    pub(crate) state_keys: RequestStateKeys,
    /// Tasks of modern clients (the tasks extension).
    pub(crate) tasks: tasks::modern::TaskRuntime,
    /// The servers this one is mounted in (see `Server::mount`).
    pub(crate) mounted_in: Mutex<Vec<mount::Parent>>,
    /// Where changes go to reach the other replicas, once joined.
    pub(crate) bus: std::sync::OnceLock<bus::Outbox>,
    /// The bus joined, for the transports' own topics (legacy sessions).
    pub(crate) joined: std::sync::OnceLock<Arc<dyn bus::Bus>>,
    /// Answers and cancellations routed to and from other replicas.
    pub(crate) routes: routes::Routes,
}

impl Shared {
    pub(crate) fn new(
        info: Implementation,
        instructions: Option<String>,
        schema: SchemaSettings,
        options: Options,
        state: StateMap,
        catalog: Catalog,
        state_keys: RequestStateKeys,
    ) -> Self {
        let (changes, _) = broadcast::channel(64);
        let info_value = serde_json::to_value(&info).unwrap_or(serde_json::Value::Null);
        Shared {
            tasks: tasks::modern::TaskRuntime::new(&options.tasks),
            info_json: serde_json::to_vec(&info_value).unwrap_or_default().into(),
            info_value,
            info,
            instructions,
            schema,
            options,
            state,
            catalog: ArcSwap::from_pointee(catalog),
            write: Mutex::new(()),
            changes,
            mounted_in: Mutex::new(Vec::new()),
            bus: std::sync::OnceLock::new(),
            joined: std::sync::OnceLock::new(),
            routes: routes::Routes::default(),
            state_keys,
        }
    }

    /// Applies a change to a copy of the catalog: `f` returns its result,
    /// whether the copy is to be published, and the kinds of list clients
    /// are to hear changed.
    pub(crate) fn edit<R>(
        &self,
        f: impl FnOnce(&mut Catalog, &SchemaSettings) -> Result<(R, bool, Vec<ListKind>), RegistrationError>,
    ) -> Result<R, RegistrationError> {
        let _guard = self
            .write
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut next = Catalog::clone(&self.catalog.load());
        let (result, publish, changed) = f(&mut next, &self.schema)?;
        if publish {
            self.catalog.store(Arc::new(next));
            for kind in changed {
                self.announce(Change::List(kind));
            }
        }
        Ok(result)
    }

    /// Applies a change to a copy of the catalog and, when `f` reports that
    /// something changed, publishes it and tells connected clients.
    pub(crate) fn update(
        &self,
        kind: ListKind,
        f: impl FnOnce(&mut Catalog, &SchemaSettings) -> Result<bool, RegistrationError>,
    ) -> Result<bool, RegistrationError> {
        let _guard = self
            .write
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut next = Catalog::clone(&self.catalog.load());
        let changed = f(&mut next, &self.schema)?;
        if changed {
            self.catalog.store(Arc::new(next));
            self.announce(Change::List(kind));
        }
        Ok(changed)
    }
}
