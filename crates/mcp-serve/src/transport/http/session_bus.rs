//! Legacy session changes announced on the cluster bus (topic `sessions`),
//! so that a replica can trust its own copy of a session instead of reading
//! the shared store on every request.
//!
//! A replica that saves a changed session (`notifications/initialized`,
//! `logging/setLevel`, `resources/subscribe`/`unsubscribe`) or ends it
//! (DELETE) says so; the others that hold a copy check it against the store
//! at its next use (changed) or drop it (ended). Pub/sub may lose a notice
//! (a subscriber reconnecting), and the bus says nothing of reconnects: a
//! copy is also checked once it was last checked longer ago than
//! [`HttpOptions::session_revalidate`](super::HttpOptions::session_revalidate).

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::session::Sessions;
use crate::engine::Bus;

/// The bus topic of session notices.
const TOPIC: &str = "sessions";

/// How long one announcement may take before it is given up (the copies
/// elsewhere are then checked within the revalidation interval).
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);

/// What happened to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum Notice {
    /// Its state changed and was saved: other copies are stale.
    Changed,
    /// It was ended (DELETE): other copies are to be dropped.
    Ended,
}

/// A notice as it travels between replicas.
#[derive(Debug, Serialize, Deserialize)]
struct Wire {
    /// The replica that published it (skipped by itself).
    origin: String,
    session: String,
    event: Notice,
}

/// This replica's link to the other replicas' session notices.
pub(super) struct SessionBus {
    bus: Arc<dyn Bus>,
    origin: Box<str>,
}

impl SessionBus {
    /// Subscribes to the notices of the other replicas on `bus`, which go
    /// to `sessions` for as long as it lives.
    pub(super) fn join(bus: Arc<dyn Bus>, sessions: Weak<Sessions>) -> SessionBus {
        let origin: Box<str> = format!("{:032x}", rand::random::<u128>()).into();
        let mut incoming = bus.subscribe(TOPIC);
        let me = origin.clone();
        tokio::spawn(async move {
            while let Some(payload) = incoming.next().await {
                let Some(sessions) = sessions.upgrade() else { break };
                let Ok(wire) = serde_json::from_slice::<Wire>(&payload) else {
                    tracing::debug!("an unreadable session notice on the cluster bus was skipped");
                    continue;
                };
                if *wire.origin != *me {
                    sessions.take_notice(&wire.session, wire.event);
                }
            }
        });
        SessionBus { bus, origin }
    }

    /// Tells the other replicas what happened to session `id`.
    pub(super) async fn announce(&self, id: &str, event: Notice) {
        let wire = Wire {
            origin: self.origin.to_string(),
            session: id.to_owned(),
            event,
        };
        let Ok(payload) = serde_json::to_vec(&wire) else {
            return;
        };
        match tokio::time::timeout(PUBLISH_TIMEOUT, self.bus.publish(TOPIC, payload)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(session = %id, error = %e, "a session change could not be announced to the other replicas; their copies are checked against the store within the revalidation interval");
            }
            Err(_) => {
                tracing::warn!(session = %id, "announcing a session change to the other replicas timed out; their copies are checked against the store within the revalidation interval");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_survives_the_wire() {
        let wire = Wire {
            origin: "a".into(),
            session: "s".into(),
            event: Notice::Ended,
        };
        let text = serde_json::to_string(&wire).unwrap();
        assert_eq!(text, r#"{"origin":"a","session":"s","event":"ended"}"#);
        let back: Wire = serde_json::from_str(&text).unwrap();
        assert_eq!(back.event, Notice::Ended);
    }
}
