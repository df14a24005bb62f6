//! [`ApiKeys`]: static bearer tokens or API keys, each standing for a
//! [`Principal`].

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{AuthError, Principal, TokenVerifier, VerifyFuture};

/// A fixed set of API keys (or static bearer tokens), each for a caller.
/// Keys are held as SHA-256 digests and looked up by digest, so neither the
/// table nor the comparison reveals them.
///
/// ```
/// use mcp_serve::auth::{ApiKeys, Principal};
/// let keys = ApiKeys::new()
///     .key("k-live-123", Principal::new("ci").with_scopes(["deploy"]))
///     .key("k-live-456", Principal::new("backup"));
/// assert_eq!(keys.len(), 2);
/// ```
#[derive(Default, Clone)]
pub struct ApiKeys {
    by_digest: HashMap<[u8; 32], Principal>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys")
            .field("keys", &self.by_digest.len())
            .finish()
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl ApiKeys {
    /// No keys yet.
    ///
    /// ```
    /// assert!(mcp_serve::auth::ApiKeys::new().is_empty());
    /// ```
    pub fn new() -> Self {
        ApiKeys::default()
    }

    /// Accepts `key` as `principal`.
    ///
    /// ```
    /// use mcp_serve::auth::{ApiKeys, Principal};
    /// assert_eq!(ApiKeys::new().key("k", Principal::new("a")).len(), 1);
    /// ```
    #[must_use]
    pub fn key(mut self, key: impl AsRef<str>, principal: Principal) -> Self {
        self.by_digest.insert(digest(key.as_ref()), principal);
        self
    }

    /// Keys from a file: one per line, `KEY SUBJECT [SCOPE ...]`,
    /// whitespace-separated; blank lines and `#` comments are skipped.
    ///
    /// ```
    /// let path = std::env::temp_dir().join("mcp-serve-doc-keys.txt");
    /// std::fs::write(&path, "# ci\nk-123 ci deploy read\n").unwrap();
    /// let keys = mcp_serve::auth::ApiKeys::from_file(&path).unwrap();
    /// assert_eq!(keys.len(), 1);
    /// ```
    ///
    /// # Errors
    /// The file cannot be read, or a line has no subject (its number is named).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the API keys file {}: {e}", path.display()))?;
        let mut keys = ApiKeys::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(key), Some(subject)) = (words.next(), words.next()) else {
                return Err(format!(
                    "{}:{}: expected `KEY SUBJECT [SCOPE ...]`",
                    path.display(),
                    n + 1
                ));
            };
            keys = keys.key(key, Principal::new(subject).with_scopes(words));
        }
        Ok(keys)
    }

    /// How many keys there are.
    ///
    /// ```
    /// assert_eq!(mcp_serve::auth::ApiKeys::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.by_digest.len()
    }

    /// Whether there are none.
    ///
    /// ```
    /// assert!(mcp_serve::auth::ApiKeys::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }
}

impl TokenVerifier for ApiKeys {
    fn verify<'a>(&'a self, token: &'a str, _resource: &'a str) -> VerifyFuture<'a> {
        let found = self
            .by_digest
            .get(&digest(token))
            .cloned()
            .ok_or_else(|| AuthError::InvalidToken("unknown API key".into()));
        Box::pin(std::future::ready(found))
    }
}
