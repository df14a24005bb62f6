//! The server's questions for the user — elicitation and sampling — wait here
//! until the page answers them; roots are answered at once from the list the
//! page edits. One handler serves legacy server→client requests and modern
//! multi round-trip input requests alike (the client library routes both).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use mcp_serve_core::jsonrpc::ErrorObject;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::events::{Event, Hub, now_ms};

/// A root the inspector shares with the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Root {
    /// A `file://` URI.
    pub(crate) uri: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
}

/// What the page sends back for a pending input.
#[derive(Debug, Deserialize)]
pub(crate) struct Answer {
    /// The result to return to the server (`{action, content}`, a sampling result…).
    pub(crate) result: Option<Value>,
    /// Or an error (e.g. `{code: -1, message: "User rejected sampling request"}`).
    pub(crate) error: Option<ErrorObject>,
}

type Reply = Result<Value, ErrorObject>;

struct Pending {
    view: Value,
    tx: oneshot::Sender<Reply>,
}

/// Pending questions and the roots list.
pub(crate) struct Inputs {
    hub: Hub,
    next: AtomicU64,
    pending: Mutex<BTreeMap<u64, Pending>>,
    roots: Mutex<Vec<Root>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Withdraws a question whose asker went away (the call was cancelled, the
/// server restarted), so the page stops showing it.
struct Withdraw<'a> {
    inputs: &'a Inputs,
    id: u64,
}

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        if lock(&self.inputs.pending).remove(&self.id).is_some() {
            self.inputs.hub.emit(&Event::InputDone { id: self.id });
        }
    }
}

impl Inputs {
    pub(crate) fn new(hub: Hub, roots: Vec<Root>) -> Inputs {
        Inputs {
            hub,
            next: AtomicU64::new(1),
            pending: Mutex::default(),
            roots: Mutex::new(roots),
        }
    }

    /// Answers one server request (the client's input handler).
    pub(crate) async fn handle(&self, method: String, params: Value) -> Reply {
        match method.as_str() {
            "roots/list" => Ok(json!({ "roots": self.roots() })),
            "ping" => Ok(json!({})),
            "elicitation/create" | "sampling/createMessage" => self.ask(method, params).await,
            _ => Err(ErrorObject::method_not_found(&method)),
        }
    }

    async fn ask(&self, method: String, params: Value) -> Reply {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let view = json!({ "id": id, "method": method, "params": params, "createdAt": now_ms() });
        lock(&self.pending).insert(
            id,
            Pending {
                view: view.clone(),
                tx,
            },
        );
        let _withdraw = Withdraw { inputs: self, id };
        self.hub.emit(&Event::Input(view));
        rx.await.unwrap_or_else(|_| {
            Err(ErrorObject::internal(
                "the inspector restarted before the user answered",
            ))
        })
    }

    /// Delivers the page's answer; false when nothing waits under `id`.
    pub(crate) fn answer(&self, id: u64, answer: Answer) -> bool {
        let Some(p) = lock(&self.pending).remove(&id) else {
            return false;
        };
        let reply = match (answer.error, answer.result) {
            (Some(e), _) => Err(e),
            (None, Some(v)) => Ok(v),
            (None, None) => Ok(json!({ "action": "cancel" })),
        };
        let _ = p.tx.send(reply);
        self.hub.emit(&Event::InputDone { id });
        true
    }

    /// The questions waiting, oldest first.
    pub(crate) fn pending(&self) -> Vec<Value> {
        lock(&self.pending).values().map(|p| p.view.clone()).collect()
    }

    /// Fails every waiting question (the connection is going away).
    pub(crate) fn fail_all(&self) {
        let drained = std::mem::take(&mut *lock(&self.pending));
        for id in drained.keys() {
            self.hub.emit(&Event::InputDone { id: *id });
        }
    }

    pub(crate) fn roots(&self) -> Vec<Root> {
        lock(&self.roots).clone()
    }

    pub(crate) fn set_roots(&self, roots: Vec<Root>) {
        *lock(&self.roots) = roots;
    }
}

/// The default root: the working directory as a `file://` URI.
pub(crate) fn cwd_root() -> Vec<Root> {
    let Ok(dir) = std::env::current_dir() else {
        return Vec::new();
    };
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    vec![Root {
        uri: file_uri(&dir.to_string_lossy()),
        name,
    }]
}

/// `file://` + the path, percent-encoding what a URI path cannot hold.
fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::from("file://");
    if !path.starts_with('/') {
        out.push('/');
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:@!$&'()*+,;=".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_question_waits_for_the_page() {
        let inputs = Arc::new(Inputs::new(Hub::new(), Vec::new()));
        let asking = {
            let inputs = Arc::clone(&inputs);
            tokio::spawn(async move {
                inputs
                    .handle("elicitation/create".into(), json!({"message": "?"}))
                    .await
            })
        };
        let id = loop {
            if let Some(p) = inputs.pending().first() {
                break p["id"].as_u64().unwrap();
            }
            tokio::task::yield_now().await;
        };
        assert!(!inputs.answer(
            id + 100,
            Answer {
                result: None,
                error: None
            }
        ));
        let answer = Answer {
            result: Some(json!({"action": "accept", "content": {"x": 1}})),
            error: None,
        };
        assert!(inputs.answer(id, answer));
        assert_eq!(asking.await.unwrap().unwrap()["content"]["x"], 1);
        assert!(inputs.pending().is_empty());
    }

    #[tokio::test]
    async fn an_abandoned_question_is_withdrawn() {
        let inputs = Arc::new(Inputs::new(Hub::new(), Vec::new()));
        let asking = {
            let inputs = Arc::clone(&inputs);
            tokio::spawn(async move { inputs.handle("sampling/createMessage".into(), json!({})).await })
        };
        while inputs.pending().is_empty() {
            tokio::task::yield_now().await;
        }
        asking.abort();
        let _ = asking.await;
        assert!(inputs.pending().is_empty());
    }

    #[tokio::test]
    async fn roots_and_unknown_methods() {
        let roots = vec![Root {
            uri: "file:///tmp".into(),
            name: None,
        }];
        let inputs = Inputs::new(Hub::new(), roots);
        let r = inputs.handle("roots/list".into(), Value::Null).await.unwrap();
        assert_eq!(r["roots"][0]["uri"], "file:///tmp");
        assert!(inputs.handle("nope".into(), Value::Null).await.is_err());
    }

    #[test]
    fn file_uris() {
        assert_eq!(file_uri("/home/a b/x"), "file:///home/a%20b/x");
        assert_eq!(file_uri("C:\\work"), "file:///C:/work");
    }
}
