//! The era cache: `basic/versioning.mdx` says the era is a property of the
//! server, to be detected once and cached per server process (stdio) or
//! origin (HTTP). Kept per process, keyed by URL or command line.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::Era;

/// What a probe found out about a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Known {
    /// Modern, or the legacy revision it negotiated.
    pub(crate) era: Era,
    /// It speaks only the 2024-11-05 HTTP+SSE transport.
    pub(crate) sse: bool,
}

/// Enough for any realistic number of servers; past it the cache starts over.
const MAX_ENTRIES: usize = 256;

fn cache() -> &'static Mutex<HashMap<String, Known>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Known>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<String, Known>> {
    cache().lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn get(key: &str) -> Option<Known> {
    lock().get(key).copied()
}

pub(crate) fn put(key: &str, known: Known) {
    let mut map = lock();
    if map.len() >= MAX_ENTRIES && !map.contains_key(key) {
        map.clear();
    }
    map.insert(key.to_owned(), known);
}

/// Forgets a server whose cached era no longer works (it was upgraded or replaced).
pub(crate) fn forget(key: &str) {
    lock().remove(key);
}
