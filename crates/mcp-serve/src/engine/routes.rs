//! Routing between replicas on the cluster bus: a legacy client's answer to
//! a server→client request (elicitation, sampling, roots), and its
//! `notifications/cancelled`, may reach a replica other than the one running
//! the call when a load balancer spreads a session's requests; so may a
//! task's cancellation or input answers (both eras), which reach the
//! runner through the task store and are announced here so it looks at
//! once. The replica
//! that gets it forwards it on the bus (topic `calls`); the one holding the
//! call takes it. Nothing waits for a forwarded message: one that no replica
//! can use is dropped with a debug log.
//!
//! Which replica owns an answer is written in its request id: each server
//! tags the ids of the requests it sends (`mcp-serve-<tag>-<n>`), so an
//! answer goes to exactly one replica, and two replicas serving one session
//! never issue the same id. A cancellation names the client's own request
//! id, which says nothing of where it runs, so every replica hears it and the
//! one running that request in that session cancels it.
//!
//! Messages received from the bus are acted on here and never published
//! again, and a replica skips its own, so nothing loops.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use futures::StreamExt;
use mcp_serve_core::jsonrpc::{ErrorObject, RequestId};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::Shared;
use super::bus::Bus;
use super::connection::{Connection, WeakConnection};

/// The bus topic of forwarded answers and cancellations.
const CALLS: &str = "calls";

/// The largest answer forwarded to another replica, as large as the HTTP
/// transport's default body limit; a larger one reaches the waiting handler
/// as an error saying so, rather than not at all.
pub(crate) const MAX_FORWARDED: usize = 4 * 1024 * 1024;

/// Forwarded messages waiting to be published; when full (the bus is stuck),
/// more are dropped with a warning instead of queueing without bound.
const QUEUE: usize = 256;

/// How long one publish may take before the message is given up.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// The prefix of the ids of server→client requests.
const ID_PREFIX: &str = "mcp-serve-";

/// This replica's routing: its tag, its sessions by id, and the way out.
pub(crate) struct Routes {
    /// Random, per server: tags this replica's request ids and messages.
    tag: Box<str>,
    /// The connections of the legacy sessions held here, by session id.
    sessions: Mutex<HashMap<Box<str>, WeakConnection>>,
    /// Where forwarded messages go to be published, once the bus is joined.
    out: OnceLock<mpsc::Sender<Vec<u8>>>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            tag: format!("{:016x}", rand::random::<u64>()).into(),
            sessions: Mutex::new(HashMap::new()),
            out: OnceLock::new(),
        }
    }
}

/// What travels on the `calls` topic. A flat struct: raw JSON members do not
/// survive serde's tagged or flattened enums.
#[derive(Debug, Serialize, Deserialize)]
struct Routed {
    /// The replica that published it (skipped by itself).
    origin: String,
    kind: RoutedKind,
    /// The session the message came in.
    session: String,
    /// The answered request's id (an answer), or the cancelled one's.
    id: RequestId,
    /// An answer's owner: the tag in its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<Box<RawValue>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum RoutedKind {
    Answer,
    Cancel,
    /// A task changed in the store (cancelled, answered): `id` is the task's
    /// id; the replica running it looks at it at once.
    Task,
}

impl Routes {
    /// This replica's tag.
    pub(crate) fn tag(&self) -> &str {
        &self.tag
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, WeakConnection>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers the connection serving session `id` here.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(super) fn register(&self, id: &str, conn: WeakConnection) {
        self.lock().insert(id.into(), conn);
    }

    /// Forgets session `id`, if the connection at `addr` still serves it (a
    /// session restored again meanwhile has another connection).
    pub(crate) fn forget(&self, id: &str, addr: usize) {
        let mut map = self.lock();
        if map.get(id).is_some_and(|c| c.addr() == addr) {
            map.remove(id);
        }
    }

    fn find(&self, id: &str) -> Option<Connection> {
        self.lock().get(id)?.upgrade()
    }

    /// The replica that issued `id`, when it is a tagged id of ours.
    fn owner_of(id: &RequestId) -> Option<&str> {
        let RequestId::String(s) = id else { return None };
        let (tag, n) = s.strip_prefix(ID_PREFIX)?.split_once('-')?;
        (tag.len() == 16 && n.bytes().all(|b| b.is_ascii_digit())).then_some(tag)
    }

    /// Forwards a client's answer to the replica whose request it answers;
    /// `false` when there is none to forward to (not a tagged id, ours, or
    /// no bus).
    pub(crate) fn forward_answer(
        &self,
        session: &str,
        id: &RequestId,
        result: Option<&RawValue>,
        error: Option<&RawValue>,
    ) -> bool {
        let Some(owner) = Self::owner_of(id).filter(|t| *t != &*self.tag) else {
            return false;
        };
        let Some(out) = self.out.get() else {
            return false;
        };
        let size = result.map_or(0, |r| r.get().len()) + error.map_or(0, |e| e.get().len());
        let (result, error) = if size > MAX_FORWARDED {
            // The handler waiting on the other replica hears why, at once.
            let e = ErrorObject::internal(format!(
                "the client's answer ({size} bytes) is larger than the {MAX_FORWARDED} bytes replicas forward to each other"
            ));
            (None, serde_json::value::to_raw_value(&e).ok())
        } else {
            (result.map(ToOwned::to_owned), error.map(ToOwned::to_owned))
        };
        self.send(
            out,
            &Routed {
                origin: self.tag.to_string(),
                kind: RoutedKind::Answer,
                session: session.to_owned(),
                id: id.clone(),
                to: Some(owner.to_owned()),
                result,
                error,
            },
        )
    }

    /// Tells the other replicas that the client cancelled request `id` of
    /// `session`; `false` without a bus.
    pub(crate) fn forward_cancel(&self, session: &str, id: &RequestId) -> bool {
        self.tell(RoutedKind::Cancel, session, id.clone())
    }

    /// Tells the other replicas that task `task_id` changed in the store.
    fn forward_task(&self, task_id: &str) -> bool {
        self.tell(RoutedKind::Task, "", RequestId::String(task_id.to_owned()))
    }

    /// Publishes a message that carries no answer; `false` without a bus.
    fn tell(&self, kind: RoutedKind, session: &str, id: RequestId) -> bool {
        let Some(out) = self.out.get() else {
            return false;
        };
        self.send(
            out,
            &Routed {
                origin: self.tag.to_string(),
                kind,
                session: session.to_owned(),
                id,
                to: None,
                result: None,
                error: None,
            },
        )
    }

    fn send(&self, out: &mpsc::Sender<Vec<u8>>, msg: &Routed) -> bool {
        let Ok(payload) = serde_json::to_vec(msg) else {
            return false;
        };
        if out.try_send(payload).is_err() {
            tracing::warn!(id = %msg.id, "the cluster bus is not keeping up; a message for another replica was dropped");
            return false;
        }
        tracing::debug!(id = %msg.id, kind = ?msg.kind, "forwarded to the other replicas");
        true
    }
}

/// Starts routing on `bus` for the server `shared`: one task publishes what
/// this replica forwards, one takes what others forwarded to it.
pub(super) fn join(shared: &Arc<Shared>, bus: &Arc<dyn Bus>) {
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    if shared.routes.out.set(tx).is_err() {
        return;
    }
    let out = Arc::clone(bus);
    tokio::spawn(async move {
        while let Some(payload) = rx.recv().await {
            match tokio::time::timeout(PUBLISH_TIMEOUT, out.publish(CALLS, payload)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "a message for another replica could not be published");
                }
                Err(_) => tracing::warn!("publishing a message for another replica timed out"),
            }
        }
    });
    let weak: Weak<Shared> = Arc::downgrade(shared);
    let announcer = weak.clone();
    shared.tasks.announce_with(move |task_id| {
        if let Some(shared) = announcer.upgrade() {
            shared.routes.forward_task(task_id);
        }
    });
    let mut incoming = bus.subscribe(CALLS);
    tokio::spawn(async move {
        while let Some(payload) = incoming.next().await {
            let Some(shared) = weak.upgrade() else { break };
            take(&shared, &payload);
        }
    });
}

/// Acts on one message from the bus.
fn take(shared: &Shared, payload: &[u8]) {
    let routes = &shared.routes;
    // An answer within the limit, and its envelope.
    if payload.len() > MAX_FORWARDED + 64 * 1024 {
        tracing::debug!(
            bytes = payload.len(),
            "an oversized message on the cluster bus was skipped"
        );
        return;
    }
    let Ok(msg) = serde_json::from_slice::<Routed>(payload) else {
        tracing::debug!("an unreadable message on the cluster bus was skipped");
        return;
    };
    if msg.origin == *routes.tag {
        return;
    }
    match msg.kind {
        RoutedKind::Answer => {
            if msg.to.as_deref() != Some(&*routes.tag) {
                return;
            }
            let Some(answer) = super::connection::answer_of(msg.result.as_deref(), msg.error.as_deref())
            else {
                return;
            };
            let taken = routes
                .find(&msg.session)
                .is_some_and(|conn| conn.take_answer(&msg.id, answer));
            if taken {
                tracing::debug!(id = %msg.id, "took an answer another replica received");
            } else {
                tracing::debug!(id = %msg.id, "an answer forwarded by another replica matched no waiting request here; dropped");
            }
        }
        RoutedKind::Task => {
            if let RequestId::String(task_id) = &msg.id {
                shared.tasks.poke(task_id);
            }
        }
        RoutedKind::Cancel => {
            if routes
                .find(&msg.session)
                .is_some_and(|conn| conn.cancel_here(&msg.id))
            {
                tracing::debug!(id = %msg.id, "cancelled a call on another replica's word");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tagged_ids_have_an_owner() {
        let id = |s: &str| RequestId::String(s.to_owned());
        assert_eq!(
            Routes::owner_of(&id("mcp-serve-0123456789abcdef-7")),
            Some("0123456789abcdef")
        );
        assert_eq!(Routes::owner_of(&id("mcp-serve-7")), None);
        assert_eq!(Routes::owner_of(&id("mcp-serve-0123456789abcdef-x")), None);
        assert_eq!(Routes::owner_of(&id("mcp-serve-short-1")), None);
        assert_eq!(Routes::owner_of(&RequestId::Number(3)), None);
    }

    #[test]
    fn an_answer_survives_the_wire_raw() {
        let msg = Routed {
            origin: "a".into(),
            kind: RoutedKind::Answer,
            session: "s".into(),
            id: RequestId::String("mcp-serve-0123456789abcdef-1".into()),
            to: Some("0123456789abcdef".into()),
            result: Some(RawValue::from_string(r#"{"action":"accept"}"#.into()).unwrap()),
            error: None,
        };
        let back: Routed = serde_json::from_slice(&serde_json::to_vec(&msg).unwrap()).unwrap();
        assert_eq!(back.kind, RoutedKind::Answer);
        assert_eq!(back.result.unwrap().get(), r#"{"action":"accept"}"#);
        assert!(back.error.is_none());
    }
}
