//! A legacy session's state as data: what a transport keeps in a shared
//! store so that another replica can serve the session (negotiated
//! revision, client info and capabilities, log level, subscriptions).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mcp_serve_core::types::{ClientCapabilities, Implementation, LoggingLevel};
use mcp_serve_core::version::ProtocolVersion;
use serde::{Deserialize, Serialize};

use super::Connection;
use super::legacy::LegacySession;

/// What a legacy (`initialize`) session has agreed with its client, as
/// data to store and restore elsewhere ([`Connection::session_state`],
/// [`Connection::restore_session`]).
///
/// ```
/// use mcp_serve::engine::SessionState;
/// let state: SessionState = serde_json::from_value(serde_json::json!({
///     "protocolVersion": "2025-11-25",
///     "capabilities": {},
///     "initialized": true,
/// })).unwrap();
/// assert_eq!(state.protocol_version, "2025-11-25");
/// assert!(state.subscriptions.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionState {
    /// The negotiated revision.
    pub protocol_version: String,
    /// The client's `clientInfo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_info: Option<Implementation>,
    /// The client's declared capabilities.
    pub capabilities: ClientCapabilities,
    /// Whether `notifications/initialized` arrived.
    pub initialized: bool,
    /// The level `logging/setLevel` set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<LoggingLevel>,
    /// Subscribed resource URIs, sorted.
    #[serde(default)]
    pub subscriptions: Vec<String>,
    /// The random key that tags the session's tasks in the task store, so
    /// that a replica restoring the session finds them (a fresh one when
    /// absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_key: Option<String>,
}

/// Why a session state could not be restored.
///
/// ```
/// use mcp_serve::engine::RestoreError;
/// assert!(RestoreError::AlreadyInitialized.to_string().contains("already"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The stored revision is not one this server speaks as a session.
    #[error("the stored session's protocol version {0:?} is not a session revision this server speaks")]
    Version(String),
    /// The connection has a session already.
    #[error("the connection is already initialized")]
    AlreadyInitialized,
}

impl Connection {
    /// This connection's legacy session state, if it has a session.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle().unwrap();
    /// let conn = server.connect_detached();
    /// assert!(conn.session_state().is_none());
    /// let init = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#;
    /// conn.handle(init, None).resolve().await;
    /// let state = conn.session_state().unwrap();
    /// assert_eq!(state.protocol_version, "2025-11-25");
    /// assert_eq!(state.client_info.unwrap().name, "c");
    /// # }
    /// ```
    pub fn session_state(&self) -> Option<SessionState> {
        let s = self.inner.legacy.get()?;
        let mut subscriptions: Vec<String> = s
            .subscriptions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        subscriptions.sort();
        Some(SessionState {
            protocol_version: s.version.as_str().to_owned(),
            client_info: s.client_info.as_deref().cloned(),
            capabilities: (*s.capabilities).clone(),
            initialized: s.initialized.load(Ordering::Acquire),
            log_level: *s
                .log_level
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            subscriptions,
            task_key: Some(s.task_key.clone()),
        })
    }

    /// A number that changes whenever [`Self::session_state`] does (`0`
    /// without a session): a transport saves the state when it moved.
    ///
    /// ```
    /// let server = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle().unwrap();
    /// assert_eq!(server.connect_detached().session_generation(), 0);
    /// ```
    pub fn session_generation(&self) -> u64 {
        self.inner
            .legacy
            .get()
            .map_or(0, |s| s.generation.load(Ordering::Acquire) + 1)
    }

    /// Takes what another replica changed in this session (log level,
    /// subscriptions, `initialized`) from `state`, the session as the shared
    /// store has it; what `initialize` fixed (revision, client) stays.
    /// Whether anything changed. The change is not one to save again:
    /// [`Self::session_generation`] does not move.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle().unwrap();
    /// let conn = server.connect_detached();
    /// let init = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}}"#;
    /// conn.handle(init, None).resolve().await;
    /// let mut remote = conn.session_state().unwrap();
    /// remote.subscriptions.push("config://app".into());
    /// let generation = conn.session_generation();
    /// assert!(conn.refresh_session(&remote));
    /// assert_eq!(conn.session_state().unwrap().subscriptions, ["config://app"]);
    /// assert_eq!(conn.session_generation(), generation);
    /// # }
    /// ```
    pub fn refresh_session(&self, state: &SessionState) -> bool {
        let Some(s) = self.inner.legacy.get() else {
            return false;
        };
        let mut changed = s.initialized.swap(state.initialized, Ordering::AcqRel) != state.initialized;
        {
            let mut level = s
                .log_level
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            changed |= *level != state.log_level;
            *level = state.log_level;
        }
        let mut subs = s
            .subscriptions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if subs.len() != state.subscriptions.len() || !state.subscriptions.iter().all(|u| subs.contains(u)) {
            *subs = state.subscriptions.iter().cloned().collect();
            changed = true;
        }
        changed
    }

    /// Makes this fresh connection the session `state` describes, as if its
    /// client had initialized it here.
    ///
    /// ```
    /// use mcp_serve::engine::SessionState;
    /// let server = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle().unwrap();
    /// let state: SessionState = serde_json::from_value(serde_json::json!({
    ///     "protocolVersion": "2025-06-18", "capabilities": {}, "initialized": true,
    ///     "logLevel": "error", "subscriptions": ["config://app"],
    ///     "taskKey": "5f0c9a",
    /// })).unwrap();
    /// let conn = server.connect_detached();
    /// conn.restore_session(state.clone()).unwrap();
    /// assert_eq!(conn.session_state(), Some(state));
    /// ```
    ///
    /// # Errors
    /// The connection has a session already, or the state names a revision
    /// that is not a session revision.
    pub fn restore_session(&self, state: SessionState) -> Result<(), RestoreError> {
        let version = state
            .protocol_version
            .parse::<ProtocolVersion>()
            .ok()
            .filter(|v| v.is_legacy())
            .ok_or_else(|| RestoreError::Version(state.protocol_version.clone()))?;
        let session = LegacySession {
            version,
            client_info: state.client_info.map(Arc::new),
            capabilities: Arc::new(state.capabilities),
            initialized: AtomicBool::new(state.initialized),
            log_level: Mutex::new(state.log_level),
            subscriptions: Mutex::new(state.subscriptions.into_iter().collect()),
            generation: AtomicU64::new(0),
            task_key: state.task_key.unwrap_or_else(super::legacy::new_task_key),
        };
        self.inner
            .legacy
            .set(session)
            .map_err(|_| RestoreError::AlreadyInitialized)
    }
}
