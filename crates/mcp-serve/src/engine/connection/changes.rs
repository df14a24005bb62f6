//! How changes reach clients: the forwarder that sends a legacy session
//! `list_changed` and (for subscribed URIs) `resources/updated`
//! notifications, and the modern `subscriptions/listen` streams, which
//! forward the changes and task statuses their filter names until the
//! client cancels.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use mcp_serve_core::jsonrpc::{ErrorObject, encode_notification};
use mcp_serve_core::meta;
use mcp_serve_core::meta::TASKS_EXTENSION;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Connection, Reply, Scope, error_reply};
use crate::context::Peer;
use crate::engine::extensions;
use crate::engine::{Change, ListKind};

impl Connection {
    /// Forwards `list_changed` notifications to a legacy client until the
    /// connection's outbound channel closes.
    pub(in crate::engine) fn spawn_change_forwarder(&self) {
        let Some(tx) = self.inner.peer.0.as_ref().map(mpsc::Sender::downgrade) else {
            return;
        };
        let mut rx = self.inner.shared.changes.subscribe();
        let weak = Arc::downgrade(&self.inner);
        let closed = self.inner.closed.clone();
        tokio::spawn(async move {
            loop {
                let change: Change = tokio::select! {
                    () = closed.cancelled() => break,
                    r = rx.recv() => match r {
                        Ok(c) => c,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => break,
                    },
                };
                let Some(inner) = weak.upgrade() else { break };
                let frame = inner
                    .legacy
                    .get()
                    .filter(|s| s.initialized.load(Ordering::Acquire))
                    .and_then(|s| match &change {
                        Change::List(kind) => {
                            Some(encode_notification(kind.method(), &serde_json::json!({})))
                        }
                        Change::ResourceUpdated(uri) => s
                            .subscriptions
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .contains(&**uri)
                            .then(|| {
                                encode_notification(
                                    "notifications/resources/updated",
                                    &serde_json::json!({ "uri": &**uri }),
                                )
                            }),
                    });
                drop(inner);
                let Some(tx) = tx.upgrade() else { break };
                if let Some(frame) = frame {
                    if tx.send(frame).await.is_err() {
                        break;
                    }
                }
            }
        });
    }

    /// `subscriptions/listen`: acknowledges the filter, then forwards the
    /// changes it names, tagged with the subscription id, until the client
    /// cancels (closes the stream, or `notifications/cancelled` on stdio).
    pub(super) fn listen(&self, scope: Scope, params: &Map<String, Value>, shared_connection: bool) -> Reply {
        let filter = params.get("notifications").cloned().unwrap_or_else(|| json!({}));
        if !filter.is_object() {
            return error_reply(
                Some(&scope.id),
                &ErrorObject::invalid_params("notifications: must be an object (the subscription filter)"),
            );
        }
        let flag = |k: &str| filter.get(k).and_then(Value::as_bool).unwrap_or(false);
        let (tools, prompts, resources) = (
            flag("toolsListChanged"),
            flag("promptsListChanged"),
            flag("resourcesListChanged"),
        );
        let uris: std::collections::HashSet<String> = filter
            .get("resourceSubscriptions")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        // SEP-2663: task status notifications (`notifications/tasks`) need the tasks extension.
        let task_ids: Vec<String> = match filter.get("taskIds") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(_)) if !extensions::declares(&scope, TASKS_EXTENSION) => {
                return error_reply(
                    Some(&scope.id),
                    &extensions::missing(TASKS_EXTENSION, "notifications.taskIds", scope.version),
                );
            }
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(_) => {
                return error_reply(
                    Some(&scope.id),
                    &ErrorObject::invalid_params("notifications.taskIds: must be an array of task ids"),
                );
            }
        };
        // The acknowledgement echoes the part of the filter we honour: all of it.
        let mut granted = Map::new();
        for (k, on) in [
            ("toolsListChanged", tools),
            ("promptsListChanged", prompts),
            ("resourcesListChanged", resources),
        ] {
            if on {
                granted.insert(k.into(), json!(true));
            }
        }
        if !uris.is_empty() {
            granted.insert(
                "resourceSubscriptions".into(),
                json!(uris.iter().collect::<Vec<_>>()),
            );
        }
        let id = scope.id.clone();
        let sub_meta = json!({ meta::SUBSCRIPTION_ID: id });
        let peer = scope
            .stream
            .clone()
            .map_or_else(|| self.inner.peer.clone(), |s| Peer(Some(s)));
        if peer.0.is_none() {
            return error_reply(
                Some(&id),
                &ErrorObject::internal("this transport cannot carry a subscription stream"),
            );
        }
        let token = CancellationToken::new();
        if !shared_connection {
            self.lock_in_flight().insert(id.clone(), token.clone());
        }
        // Subscribe before acknowledging so no change between the two is lost.
        let mut changes = self.inner.shared.changes.subscribe();
        let closed = self.inner.closed.clone();
        let listening = self.inner.listening.clone();
        let finishing = self.inner.finishing.clone();
        let conn = self.clone();
        let caller = scope.caller();
        Reply::Later(Box::pin(async move {
            let rt = &conn.inner.shared.tasks;
            let mut watch =
                crate::engine::tasks::modern::TaskWatch::new(rt, &task_ids, caller.as_deref()).await;
            if !task_ids.is_empty() {
                granted.insert("taskIds".into(), json!(watch.ids()));
            }
            let mut tick = tokio::time::interval(rt.poll_interval());
            let ack = json!({ "_meta": sub_meta, "notifications": granted });
            peer.send(encode_notification(
                "notifications/subscriptions/acknowledged",
                &ack,
            ))
            .await;
            let mut ended_by_server = false;
            loop {
                let change = tokio::select! {
                    () = token.cancelled() => break,
                    () = closed.cancelled() => break,
                    () = listening.cancelled() => break,
                    () = finishing.cancelled() => {
                        ended_by_server = true;
                        break;
                    }
                    _ = tick.tick(), if !watch.is_empty() => {
                        let mut delivered = true;
                        for mut task in watch.changes(rt).await {
                            task["_meta"] = sub_meta.clone();
                            let frame = encode_notification("notifications/tasks", &task);
                            delivered = match peer.0.as_ref() {
                                Some(tx) => tx.send(frame).await.is_ok(),
                                None => false,
                            };
                            if !delivered {
                                break;
                            }
                        }
                        if !delivered {
                            break;
                        }
                        continue;
                    }
                    c = changes.recv() => match c {
                        Ok(c) => c,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => break,
                    },
                };
                let (method, mut params) = match &change {
                    Change::List(kind) => {
                        let wanted = match kind {
                            ListKind::Tools => tools,
                            ListKind::Prompts => prompts,
                            ListKind::Resources => resources,
                        };
                        if !wanted {
                            continue;
                        }
                        (kind.method(), json!({}))
                    }
                    Change::ResourceUpdated(uri) if uris.contains(&**uri) => {
                        ("notifications/resources/updated", json!({ "uri": &**uri }))
                    }
                    Change::ResourceUpdated(_) => continue,
                };
                params["_meta"] = sub_meta.clone();
                let Some(tx) = peer.0.as_ref() else { break };
                if tx.send(encode_notification(method, &params)).await.is_err() {
                    break;
                }
            }
            if !shared_connection {
                conn.lock_in_flight().remove(&id);
            }
            if ended_by_server {
                // A graceful end (shutdown): the completion result, per the
                // spec, so the client knows to listen again (elsewhere).
                let result = json!({ "resultType": "complete", "_meta": sub_meta });
                let bytes = crate::engine::shape::encode_with_result(&id, result.to_string().as_bytes());
                return Some(super::Answer { bytes, error: None });
            }
            // Ended by the client (or a closed transport): no response, per the spec.
            None
        }))
    }
}
