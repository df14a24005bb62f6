//! Asking the client for input in the middle of a request, in both eras.
//!
//! - Legacy sessions: a real server→client request (`elicitation/create`,
//!   `sampling/createMessage`, `roots/list`) on the connection, answered by
//!   the client's JSON-RPC response, matched by id ([`PendingRequests`]).
//! - Modern requests (Multi Round-Trip Requests): the handler's first
//!   unanswered input request stops it, and the engine answers
//!   `InputRequiredResult` with the collected `inputRequests` and a signed
//!   `requestState` carrying the answers so far. The retry re-runs the
//!   handler; each input call returns its recorded answer ([`Mrtr`]).
//!
//! The `requestState` is `base64url(payload) "." base64url(HMAC-SHA256)`,
//! where the payload binds the answers to the method, a digest of the
//! request's name/URI and arguments, and an expiry, so any replica holding the
//! key can resume it and no client can forge, alter or move it to another
//! request. The first of the server's [`RequestStateKeys`] signs; any of
//! them verifies, so a key can be rotated while states signed with the one
//! before are still in flight.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use mcp_serve_core::jsonrpc::{ErrorObject, RequestId};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use tokio::sync::{Notify, oneshot};

use crate::engine::RequestStateKeys;
use crate::error::McpError;

/// How long a `requestState` stays valid.
pub(crate) const STATE_TTL: Duration = Duration::from_secs(15 * 60);

/// Server→client requests of a legacy connection awaiting their response.
pub(crate) struct PendingRequests {
    /// `mcp-serve-<replica tag>-`: whose ids they are, across replicas.
    prefix: String,
    next: AtomicU64,
    waiting: Mutex<HashMap<RequestId, oneshot::Sender<Result<Value, ErrorObject>>>>,
}

impl PendingRequests {
    /// For a connection of the replica tagged `tag` (see `engine::routes`).
    pub(crate) fn tagged(tag: &str) -> Self {
        PendingRequests {
            prefix: format!("mcp-serve-{tag}-"),
            next: AtomicU64::new(0),
            waiting: Mutex::default(),
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<RequestId, oneshot::Sender<Result<Value, ErrorObject>>>> {
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A fresh id (distinct from any client id by its prefix, and from
    /// other replicas' by its tag) and the receiver of its response.
    pub(crate) fn register(&self) -> (RequestId, oneshot::Receiver<Result<Value, ErrorObject>>) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = RequestId::String(format!("{}{n}", self.prefix));
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id.clone(), tx);
        (id, rx)
    }

    /// Delivers a response; `false` when nobody waits for that id.
    pub(crate) fn resolve(&self, id: &RequestId, result: Result<Value, ErrorObject>) -> bool {
        match self.lock().remove(id) {
            Some(tx) => tx.send(result).is_ok(),
            None => false,
        }
    }

    pub(crate) fn forget(&self, id: &RequestId) {
        self.lock().remove(id);
    }
}

/// The input requests and answers of one modern request.
///
/// Plain multi round-trip: an unanswered input request stops the handler
/// (the engine answers `InputRequiredResult` and drops it). Once the request
/// runs as a task (the tasks extension) the `Mrtr` is *live*: an unanswered
/// input request waits until `tasks/update` delivers the answer.
pub(crate) struct Mrtr {
    /// Answers from `inputResponses` and the verified `requestState`, then
    /// (live) from `tasks/update`.
    answers: Mutex<Map<String, Value>>,
    /// Input requests the handler made that have no answer yet, in order.
    pending: Mutex<Vec<(String, Value)>>,
    /// Woken when the handler needs input it does not have.
    pub(crate) needed: Notify,
    counter: AtomicU64,
    /// Input is awaited, not replayed (the request became a task).
    live: AtomicBool,
    /// Woken when an answer arrives or the request becomes live.
    answered: Notify,
    /// The handler may turn the request into a task (`Context::begin_task`).
    may_begin: AtomicBool,
    /// Woken when the handler asks to become a task.
    pub(crate) begin: Notify,
}

impl Mrtr {
    pub(crate) fn new(answers: Map<String, Value>) -> Self {
        Mrtr {
            answers: Mutex::new(answers),
            pending: Mutex::new(Vec::new()),
            needed: Notify::new(),
            counter: AtomicU64::new(0),
            live: AtomicBool::new(false),
            answered: Notify::new(),
            may_begin: AtomicBool::new(false),
            begin: Notify::new(),
        }
    }

    /// For a request that runs as a task from the start.
    pub(crate) fn live() -> Self {
        let m = Self::new(Map::new());
        m.live.store(true, Ordering::Release);
        m
    }

    fn lock_answers(&self) -> std::sync::MutexGuard<'_, Map<String, Value>> {
        self.answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The answer to the input request `key`, if there is one.
    pub(crate) fn answer(&self, key: &str) -> Option<Value> {
        self.lock_answers().get(key).cloned()
    }

    /// Every answer so far (signed into the next `requestState`).
    pub(crate) fn answers(&self) -> Map<String, Value> {
        self.lock_answers().clone()
    }

    /// Waits for the answer to `key`: for ever unless live (the engine
    /// drops a plain MRTR handler once it needs input).
    pub(crate) async fn wait(&self, key: &str) -> Value {
        loop {
            let woken = self.answered.notified();
            tokio::pin!(woken);
            // Register before checking, so an answer in between is not missed.
            woken.as_mut().enable();
            if self.live.load(Ordering::Acquire) {
                if let Some(v) = self.answer(key) {
                    return v;
                }
            }
            woken.await;
        }
    }

    /// Delivers an answer given with `tasks/update`.
    pub(crate) fn provide(&self, key: String, answer: Value) {
        self.lock_answers().insert(key, answer);
        self.answered.notify_waiters();
    }

    /// From now on input requests wait for `tasks/update`.
    pub(crate) fn go_live(&self) {
        self.live.store(true, Ordering::Release);
        self.answered.notify_waiters();
    }

    /// Lets the handler turn this request into a task.
    pub(crate) fn allow_begin(&self) {
        self.may_begin.store(true, Ordering::Release);
    }

    /// The handler asks to become a task; `true` when the engine will do it
    /// (only once, and only where allowed).
    pub(crate) fn request_begin(&self) -> bool {
        if self.live.load(Ordering::Acquire) || !self.may_begin.swap(false, Ordering::AcqRel) {
            return false;
        }
        self.begin.notify_one();
        true
    }

    /// The key for the next input request without an explicit one: its
    /// position among the handler's input requests, which is stable across
    /// retries as long as the handler is deterministic up to that point.
    pub(crate) fn next_key(&self, method: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let kind = method.split('/').next().unwrap_or("input");
        format!("{kind}-{n}")
    }

    /// Records a request that needs an answer and wakes the engine.
    pub(crate) fn need(&self, key: String, request: Value) {
        let mut p = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !p.iter().any(|(k, _)| *k == key) {
            p.push((key, request));
        }
        drop(p);
        self.needed.notify_one();
    }

    pub(crate) fn take_pending(&self) -> Vec<(String, Value)> {
        std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// The digest a request's `requestState` is bound to. Hashing costs as much
/// as the rest of a small call, and only requests that carry a state or
/// whose handler asks for input need it, so by default it is computed from a
/// copy of the raw params when first asked for.
pub(crate) enum Digest {
    Ready(String),
    Deferred {
        method: &'static str,
        params: Option<std::sync::Arc<str>>,
        /// The subject of the caller's verified credential.
        subject: Option<String>,
    },
}

impl Digest {
    pub(crate) fn get(&self) -> String {
        match self {
            Digest::Ready(d) => d.clone(),
            Digest::Deferred {
                method,
                params,
                subject,
            } => {
                // Only name, uri and arguments are hashed, so the members the
                // engine removed from the parsed params (`_meta`,
                // `inputResponses`, `requestState`) make no difference.
                let params: Map<String, Value> = params
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .unwrap_or_default();
                bound_to(request_digest(method, &params), subject.as_deref())
            }
        }
    }
}

/// A digest bound to the caller's subject too, so that another caller
/// cannot resume a request with a `requestState` it was shown.
pub(crate) fn bound_to(digest: String, subject: Option<&str>) -> String {
    match subject {
        None => digest,
        Some(s) => {
            let mut h = Sha256::new();
            h.update(digest.as_bytes());
            h.update(b"\0subject\0");
            h.update(s.as_bytes());
            B64.encode(h.finalize())
        }
    }
}

/// What a `requestState` is bound to: the method and a digest of the request.
pub(crate) fn request_digest(method: &str, params: &Map<String, Value>) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    for field in ["name", "uri"] {
        if let Some(v) = params.get(field) {
            h.update(field.as_bytes());
            h.update(v.to_string().as_bytes());
        }
    }
    // serde_json's Map is ordered by key, so this is canonical.
    if let Some(args) = params.get("arguments") {
        h.update(b"arguments");
        h.update(args.to_string().as_bytes());
    }
    B64.encode(h.finalize())
}

fn mac(key: &[u8], payload: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(payload);
    m.finalize().into_bytes().to_vec()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Signs the answers so far into a `requestState`, with the signing key.
pub(crate) fn sign_state(keys: &RequestStateKeys, digest: &str, answers: &Map<String, Value>) -> String {
    let payload = json!({
        "v": 1,
        "d": digest,
        "e": now_secs() + STATE_TTL.as_secs(),
        "a": answers,
    })
    .to_string();
    let sig = mac(keys.signing(), payload.as_bytes());
    format!("{}.{}", B64.encode(payload.as_bytes()), B64.encode(sig))
}

/// Verifies a `requestState` and returns the answers it carries.
///
/// # Errors
/// `-32602` when the state was altered, signed by none of the keys, belongs
/// to another request, or has expired.
pub(crate) fn verify_state(
    keys: &RequestStateKeys,
    digest: &str,
    state: &str,
) -> Result<Map<String, Value>, McpError> {
    let bad = |why: &str| {
        McpError::invalid_params(format!(
            "requestState rejected: {why}; re-send the original request without it"
        ))
    };
    let (payload_b64, sig_b64) = state.split_once('.').ok_or_else(|| bad("malformed"))?;
    let payload = B64.decode(payload_b64).map_err(|_| bad("malformed"))?;
    let sig = B64.decode(sig_b64).map_err(|_| bad("malformed"))?;
    // Each comparison is constant-time; which key matched may show, not the MAC.
    let signed = keys.verifying().any(|key| {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        m.update(&payload);
        m.verify_slice(&sig).is_ok()
    });
    if !signed {
        return Err(bad("integrity check failed"));
    }
    let v: Value = serde_json::from_slice(&payload).map_err(|_| bad("malformed"))?;
    if v["d"].as_str() != Some(digest) {
        return Err(bad("it belongs to a different request"));
    }
    if v["e"].as_u64().is_none_or(|e| e < now_secs()) {
        return Err(bad("it has expired"));
    }
    Ok(v["a"].as_object().cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_rejects_tampering() {
        let key = &RequestStateKeys::new([b"0123456789abcdef0123456789abcdef"]).unwrap();
        let mut answers = Map::new();
        answers.insert(
            "user_name".into(),
            json!({"action": "accept", "content": {"name": "Ada"}}),
        );
        let mut params = Map::new();
        params.insert("name".into(), json!("greet"));
        let d = request_digest("tools/call", &params);
        // The deferred digest, from the raw params, is the same.
        let raw = r#"{"name":"greet","_meta":{"progressToken":1},"requestState":"x"}"#;
        let deferred = Digest::Deferred {
            method: "tools/call",
            params: Some(raw.into()),
            subject: None,
        };
        assert_eq!(deferred.get(), d);
        // Bound to a subject, it is another digest, the same either way.
        let alice = Digest::Deferred {
            method: "tools/call",
            params: Some(raw.into()),
            subject: Some("alice".into()),
        };
        assert_eq!(alice.get(), bound_to(d.clone(), Some("alice")));
        let signed_for_alice = sign_state(key, &alice.get(), &answers);
        assert!(verify_state(key, &bound_to(d.clone(), Some("bob")), &signed_for_alice).is_err());
        assert!(verify_state(key, &d, &signed_for_alice).is_err());
        let s = sign_state(key, &d, &answers);
        assert_eq!(verify_state(key, &d, &s).unwrap(), answers);
        // Another key, another request, an altered payload: all refused.
        let another = RequestStateKeys::new([b"another key"]).unwrap();
        assert!(verify_state(&another, &d, &s).is_err());
        params.insert("name".into(), json!("other"));
        assert!(verify_state(key, &request_digest("tools/call", &params), &s).is_err());
        let (p, sig) = s.split_once('.').unwrap();
        let mut bytes = B64.decode(p).unwrap();
        bytes[10] ^= 1;
        assert!(verify_state(key, &d, &format!("{}.{sig}", B64.encode(bytes))).is_err());
        assert!(verify_state(key, &d, "garbage").is_err());
    }

    #[test]
    fn a_rotated_key_still_verifies_and_an_unknown_one_does_not() {
        let (new, old, unknown) = (
            b"the new key".to_vec(),
            b"the old key".to_vec(),
            b"unknown".to_vec(),
        );
        let before = RequestStateKeys::new([old.clone()]).unwrap();
        let after = RequestStateKeys::new([new.clone(), old.clone()]).unwrap();
        let d = request_digest("tools/call", &Map::new());
        let answers: Map<String, Value> = [("k".to_owned(), json!(1))].into_iter().collect();
        // Signed before the rotation, verified after it.
        let old_state = sign_state(&before, &d, &answers);
        assert_eq!(verify_state(&after, &d, &old_state).unwrap(), answers);
        // After the rotation the new key signs, so replicas not yet rotated refuse it.
        let new_state = sign_state(&after, &d, &answers);
        assert_eq!(
            verify_state(&RequestStateKeys::new([new]).unwrap(), &d, &new_state).unwrap(),
            answers
        );
        assert!(verify_state(&before, &d, &new_state).is_err());
        // Once the old key is dropped, what it signed is refused, as is an unknown key's.
        let dropped = RequestStateKeys::new([b"the new key".to_vec()]).unwrap();
        let err = verify_state(&dropped, &d, &old_state).unwrap_err();
        assert!(err.to_string().contains("integrity check failed"), "{err}");
        let forged = sign_state(&RequestStateKeys::new([unknown]).unwrap(), &d, &answers);
        let err = verify_state(&after, &d, &forged).unwrap_err();
        assert!(err.to_string().contains("integrity check failed"), "{err}");
    }
}
