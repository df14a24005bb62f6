//! [`Cache`]: response caching, per authorization context.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::common::is_tool_error;
use super::{McpRequest, McpResult, Middleware, Next};
use crate::context::Context;

/// Methods never cached, whatever is configured: they change state or
/// belong to a session.
const NEVER: &[&str] = &[
    "initialize",
    "server/discover",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
    "tasks/update",
];

/// The list methods [`Cache::lists`] caches.
const LISTS: &[&str] = &[
    "tools/list",
    "resources/list",
    "resources/templates/list",
    "prompts/list",
];

struct Entry {
    value: Value,
    expires: Instant,
}

struct Inner {
    methods: HashMap<String, Duration>,
    tools: HashMap<String, Duration>,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Caches results: for the methods and tools you name, each with a
/// time-to-live. Keep a clone to [`Cache::clear`] it; clones share the
/// entries.
///
/// **Never shared across authorization contexts.** A result is keyed by the
/// protocol revision, the method, its parameters (the cursor, the tool's
/// arguments…) and the caller's verified subject and scopes; callers
/// without a credential share one context. Only a modern result marked
/// `cacheScope: "public"` is stored for everyone.
///
/// **Hints.** A modern result's positive `ttlMs` shortens the configured
/// TTL, and a cached result is served with `ttlMs` set to the time it has
/// left. `ttlMs: 0` (the engine's hint on `resources/read`: a client may
/// re-fetch every time) does not stop a cache you configured. Errors and `isError` tool results are not cached. The
/// handshake, subscriptions, `logging/setLevel`, `ping` and tasks are
/// never cached.
///
/// **Bounded.** At most 1024 entries (see [`Cache::capacity`]): when full,
/// expired entries go first, then those closest to expiring.
///
/// **Invalidation** is by TTL: a cache does not hear `list_changed` or
/// `resources/updated`. Call [`Cache::clear`] after changing the catalog
/// at runtime, or keep TTLs short for data that changes.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::Cache;
///
/// /// The exchange rate (slow to fetch).
/// #[tool(annotations(read_only))]
/// async fn rate(from: String, to: String) -> String { format!("1 {from} = 0.92 {to}") }
///
/// let cache = Cache::lists(Duration::from_secs(60))
///     .method("resources/read", Duration::from_secs(10))
///     .tool("rate", Duration::from_secs(30));
/// let server = Server::new("demo", "1.0.0").middleware(cache.clone()).tool(rate);
/// ```
#[derive(Clone)]
pub struct Cache(Arc<Inner>);

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("methods", &self.0.methods)
            .field("tools", &self.0.tools)
            .field("capacity", &self.0.capacity)
            .finish_non_exhaustive()
    }
}

impl Default for Cache {
    fn default() -> Self {
        Cache::new()
    }
}

impl Cache {
    /// Caches nothing yet: add methods and tools.
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::middleware::Cache::new().method("prompts/list", Duration::from_secs(300));
    /// ```
    pub fn new() -> Self {
        Cache(Arc::new(Inner {
            methods: HashMap::new(),
            tools: HashMap::new(),
            capacity: 1024,
            entries: Mutex::new(HashMap::new()),
        }))
    }

    /// Caches the four lists (tools, resources, resource templates,
    /// prompts) for `ttl`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::middleware::Cache::lists(Duration::from_secs(60));
    /// ```
    pub fn lists(ttl: Duration) -> Self {
        LISTS.iter().fold(Cache::new(), |c, m| c.method(*m, ttl))
    }

    fn inner_mut(&mut self) -> &mut Inner {
        // Configuration happens before the cache is shared; a clone made
        // earlier keeps its own configuration.
        if Arc::get_mut(&mut self.0).is_none() {
            self.0 = Arc::new(Inner {
                methods: self.0.methods.clone(),
                tools: self.0.tools.clone(),
                capacity: self.0.capacity,
                entries: Mutex::new(HashMap::new()),
            });
        }
        Arc::get_mut(&mut self.0).unwrap_or_else(|| unreachable!("just made unique"))
    }

    /// Caches results of `method` (e.g. `resources/read`, `prompts/get`,
    /// `completion/complete`) for `ttl`. `tools/call` caches every tool;
    /// prefer [`Cache::tool`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::middleware::Cache::new().method("resources/read", Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn method(mut self, method: impl Into<String>, ttl: Duration) -> Self {
        self.inner_mut().methods.insert(method.into(), ttl);
        self
    }

    /// Caches calls of the tool `name` for `ttl`: for tools whose result
    /// depends only on their arguments (and the caller).
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::middleware::Cache::new().tool("geocode", Duration::from_secs(3600));
    /// ```
    #[must_use]
    pub fn tool(mut self, name: impl Into<String>, ttl: Duration) -> Self {
        self.inner_mut().tools.insert(name.into(), ttl);
        self
    }

    /// Holds at most `entries` results (at least one).
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Cache::lists(std::time::Duration::from_secs(60)).capacity(10_000);
    /// ```
    #[must_use]
    pub fn capacity(mut self, entries: usize) -> Self {
        self.inner_mut().capacity = entries.max(1);
        self
    }

    /// Forgets every cached result (after changing the catalog, say).
    ///
    /// ```
    /// let cache = mcp_serve::middleware::Cache::lists(std::time::Duration::from_secs(60));
    /// cache.clear();
    /// assert_eq!(cache.len(), 0);
    /// ```
    pub fn clear(&self) {
        self.entries().clear();
    }

    /// How many results are held (expired ones included until evicted).
    ///
    /// ```
    /// assert_eq!(mcp_serve::middleware::Cache::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether nothing is held.
    ///
    /// ```
    /// assert!(mcp_serve::middleware::Cache::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.0.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The TTL configured for a request, if it is cached at all.
    fn ttl(&self, req: &McpRequest) -> Option<Duration> {
        let method = req.method();
        if NEVER.contains(&method) {
            return None;
        }
        if method == "tools/call" {
            if let Some(ttl) = req.name().and_then(|n| self.0.tools.get(n)) {
                return Some(*ttl);
            }
        }
        self.0.methods.get(method).copied()
    }

    fn get(&self, key: &str, now: Instant) -> Option<Value> {
        let mut entries = self.entries();
        let entry = entries.get(key)?;
        if entry.expires <= now {
            entries.remove(key);
            return None;
        }
        let mut value = entry.value.clone();
        if let Some(ttl) = value.get_mut("ttlMs").filter(|t| t.as_u64() != Some(0)) {
            let left = entry.expires.saturating_duration_since(now);
            *ttl = json!(u64::try_from(left.as_millis()).unwrap_or(u64::MAX).max(1));
        }
        Some(value)
    }

    fn put(&self, key: String, value: Value, expires: Instant, now: Instant) {
        let mut entries = self.entries();
        if entries.len() >= self.0.capacity && !entries.contains_key(&key) {
            entries.retain(|_, e| e.expires > now);
            while entries.len() >= self.0.capacity {
                let Some(soonest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                entries.remove(&soonest);
            }
        }
        entries.insert(key, Entry { value, expires });
    }
}

/// The parts of a key every caller shares: revision, method, parameters.
fn shared_key(req: &McpRequest) -> String {
    let params = canonical(&Value::Object(req.params.clone()));
    format!("{}\n{}\n{params}", req.context().protocol_version(), req.method())
}

/// JSON with object keys sorted, so equal parameters give equal keys.
fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<_> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sort(&m[k])))
                        .collect::<Map<_, _>>(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// The caller's authorization context.
fn who(cx: &Context) -> String {
    match cx.principal() {
        Some(p) => {
            let mut scopes = p.scopes.clone();
            scopes.sort();
            // JSON, so that no subject or scope can forge another's key.
            json!([p.subject, scopes]).to_string()
        }
        None => "anonymous".into(),
    }
}

impl Middleware for Cache {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let Some(ttl) = self.ttl(&req) else {
            return next.run(req).await;
        };
        let shared = shared_key(&req);
        let private = format!("private\n{}\n{shared}", who(req.context()));
        let public = format!("public\n{shared}");
        let now = Instant::now();
        if let Some(hit) = self.get(&private, now).or_else(|| self.get(&public, now)) {
            return Ok(hit);
        }
        let out = next.run(req).await?;
        if is_tool_error(&out) {
            return Ok(out);
        }
        let ttl = match out.get("ttlMs").and_then(Value::as_u64) {
            Some(hint) if hint > 0 => ttl.min(Duration::from_millis(hint)),
            _ => ttl,
        };
        if ttl.is_zero() {
            return Ok(out);
        }
        let now = Instant::now();
        let key = if out.get("cacheScope").and_then(Value::as_str) == Some("public") {
            public
        } else {
            private
        };
        self.put(key, out.clone(), now + ttl, now);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_ignores_key_order() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": null}});
        let b = json!({"a": {"x": null, "y": [1, {"c": 3, "d": 2}]}, "b": 1});
        assert_eq!(canonical(&a), canonical(&b));
        assert_ne!(canonical(&a), canonical(&json!({"b": 2})));
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_cache_evicts_expired_entries_then_the_soonest_to_expire() {
        let cache = Cache::new().capacity(2);
        let now = Instant::now();
        cache.put("a".into(), json!(1), now + Duration::from_secs(10), now);
        cache.put("b".into(), json!(2), now + Duration::from_secs(5), now);
        cache.put("c".into(), json!(3), now + Duration::from_secs(20), now);
        assert_eq!(cache.len(), 2);
        assert!(cache.get("b", now).is_none(), "b expired soonest");
        assert_eq!(cache.get("a", now), Some(json!(1)));
        let later = now + Duration::from_secs(11);
        cache.put("d".into(), json!(4), later + Duration::from_secs(1), later);
        assert!(cache.get("a", later).is_none(), "a had expired");
        assert_eq!(cache.get("c", later), Some(json!(3)));
        assert_eq!(cache.get("d", later), Some(json!(4)));
    }

    #[test]
    fn configuring_a_shared_cache_gives_the_copy_its_own_entries() {
        let first = Cache::new();
        let _keep = first.clone();
        let second = first.method("tools/list", Duration::from_secs(1));
        assert_eq!(second.0.methods.len(), 1);
    }
}
