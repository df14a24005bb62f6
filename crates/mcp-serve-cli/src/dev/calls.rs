//! Requests the page has in flight, by the page's call id, so the Cancel
//! button (and a restart) can stop them. Cancelling a token makes the client
//! library cancel the request the way its transport wants
//! (`notifications/cancelled` on stdio and legacy sessions, closing the
//! request's stream on modern HTTP).

use std::collections::HashMap;
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

/// The calls in flight.
#[derive(Default)]
pub(crate) struct Calls {
    inner: Mutex<HashMap<String, CancellationToken>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Forgets its call when dropped, however the request ended.
pub(crate) struct Running<'a> {
    calls: &'a Calls,
    id: String,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        lock(&self.calls.inner).remove(&self.id);
    }
}

impl Calls {
    /// A call starts: the token that cancels it, and a guard that forgets it.
    pub(crate) fn start(&self, call_id: &str) -> (CancellationToken, Running<'_>) {
        let token = CancellationToken::new();
        lock(&self.inner).insert(call_id.to_owned(), token.clone());
        let running = Running {
            calls: self,
            id: call_id.to_owned(),
        };
        (token, running)
    }

    /// Cancels a call; false when no such call runs.
    pub(crate) fn cancel(&self, call_id: &str) -> bool {
        match lock(&self.inner).remove(call_id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels every call (the connection is going away).
    pub(crate) fn cancel_all(&self) {
        for (_, token) in lock(&self.inner).drain() {
            token.cancel();
        }
    }

    /// The ids of the calls in flight.
    pub(crate) fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = lock(&self.inner).keys().cloned().collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_cancelled_and_forgotten() {
        let calls = Calls::default();
        let (token, running) = calls.start("c1");
        assert_eq!(calls.ids(), ["c1"]);
        assert!(calls.cancel("c1"));
        assert!(token.is_cancelled());
        assert!(!calls.cancel("c1"), "only once");
        drop(running);

        let (token, running) = calls.start("c2");
        drop(running);
        assert!(calls.ids().is_empty(), "a finished call is forgotten");
        assert!(!token.is_cancelled());

        let (a, _ra) = calls.start("a");
        let (b, _rb) = calls.start("b");
        calls.cancel_all();
        assert!(a.is_cancelled() && b.is_cancelled());
    }
}
