//! The keys that sign `requestState` (Multi Round-Trip Requests of modern
//! clients), shared by replicas and rotated without refusing requests in
//! flight: the first key signs, every key verifies.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::error::RegistrationError;

/// The environment variable that gives the `requestState` keys when the code
/// does not ([`Server::request_state_key`](crate::server::Server::request_state_key)
/// or [`request_state_keys`](crate::server::Server::request_state_keys)).
///
/// Its value is one key or a comma-separated list of keys, each **base64**
/// (standard or URL-safe alphabet, padding optional) of **at least 32
/// bytes**, the signing key first: make one with `openssl rand -base64 32`
/// (or `head -c 32 /dev/urandom | base64`). To rotate, put the new key
/// first and keep the old one after it until the states it signed have
/// expired (15 minutes), then drop it. Unset, each process makes its own
/// key, and a retry that reaches another replica is refused. A value that
/// cannot be used stops the server at its start with a message saying what
/// to write. See [`RequestStateKeys`]'s `FromStr`.
///
/// ```
/// assert_eq!(mcp_serve::engine::REQUEST_STATE_KEY_ENV, "MCP_SERVE_REQUEST_STATE_KEY");
/// ```
pub const REQUEST_STATE_KEY_ENV: &str = "MCP_SERVE_REQUEST_STATE_KEY";

/// The keys that sign and verify `requestState`: the first signs, any of
/// them verifies. Its `Debug` shows how many keys there are, never the keys.
///
/// ```
/// use mcp_serve::engine::RequestStateKeys;
/// // Two keys of 32 bytes, base64: the first signs, both verify.
/// let keys: RequestStateKeys =
///     "ZmlsbGVyIGZpbGxlciBmaWxsZXIgZmlsbGVyIGZpbGw=, b2xkIGtleSBvbGQga2V5IG9sZCBrZXkgb2xkIGtleSE"
///         .parse()
///         .unwrap();
/// assert_eq!(keys.len(), 2);
/// assert_eq!(format!("{keys:?}"), "RequestStateKeys { keys: 2, .. }");
/// ```
#[derive(Clone)]
pub struct RequestStateKeys {
    /// Never empty.
    keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for RequestStateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestStateKeys")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl RequestStateKeys {
    /// The fewest bytes a key given in [`REQUEST_STATE_KEY_ENV`] may decode
    /// to: the output size of HMAC-SHA256, below which a key is easier to
    /// guess than the signature.
    ///
    /// ```
    /// use mcp_serve::engine::RequestStateKeys;
    /// let short = "c2hvcnQ=".parse::<RequestStateKeys>().unwrap_err(); // 5 bytes
    /// assert!(short.contains(&format!("fewer than {}", RequestStateKeys::MIN_KEY_BYTES)));
    /// ```
    pub const MIN_KEY_BYTES: usize = 32;

    /// The most keys a list may hold: a `requestState` that no key verifies
    /// is checked against each of them.
    ///
    /// ```
    /// use mcp_serve::engine::RequestStateKeys;
    /// let too_many = vec![b"k".to_vec(); RequestStateKeys::MAX_KEYS + 1];
    /// assert!(RequestStateKeys::new(too_many).is_err());
    /// ```
    pub const MAX_KEYS: usize = 16;

    /// Keys given as bytes, the signing key first.
    ///
    /// # Errors
    /// No key, an empty key (anyone could sign with it), or more than
    /// [`Self::MAX_KEYS`] keys.
    ///
    /// ```
    /// use mcp_serve::engine::RequestStateKeys;
    /// let keys = RequestStateKeys::new([b"a secret of 32 bytes, or more...".to_vec()]).unwrap();
    /// assert_eq!(keys.len(), 1);
    /// assert!(RequestStateKeys::new(Vec::<Vec<u8>>::new()).is_err());
    /// assert!(RequestStateKeys::new([Vec::new()]).is_err());
    /// ```
    pub fn new<K: Into<Vec<u8>>>(keys: impl IntoIterator<Item = K>) -> Result<Self, String> {
        let keys: Vec<Vec<u8>> = keys.into_iter().map(Into::into).collect();
        if keys.is_empty() {
            return Err("no request state key given: give at least one (32 random bytes or more)".into());
        }
        if keys.iter().any(Vec::is_empty) {
            return Err(
                "a request state key is empty: anyone could sign with it; give 32 random bytes or more"
                    .into(),
            );
        }
        if keys.len() > Self::MAX_KEYS {
            return Err(format!(
                "{} request state keys given: keep at most {} (the signing key and the ones it replaced)",
                keys.len(),
                Self::MAX_KEYS
            ));
        }
        Ok(RequestStateKeys { keys })
    }

    /// A random key of 32 bytes, for one process.
    pub(crate) fn random() -> Self {
        RequestStateKeys {
            keys: vec![rand::random::<[u8; 32]>().to_vec()],
        }
    }

    /// The keys from [`REQUEST_STATE_KEY_ENV`], or `None` when it is unset.
    ///
    /// # Errors
    /// A value that does not parse, naming the variable and saying what to
    /// write.
    ///
    /// ```
    /// use mcp_serve::engine::RequestStateKeys;
    /// // Unset here: each process makes its own key.
    /// # if std::env::var_os("MCP_SERVE_REQUEST_STATE_KEY").is_none() {
    /// assert!(RequestStateKeys::from_env().unwrap().is_none());
    /// # }
    /// ```
    pub fn from_env() -> Result<Option<Self>, String> {
        Self::env().map_err(|reason| format!("{REQUEST_STATE_KEY_ENV}: {reason}"))
    }

    /// [`Self::from_env`], its error without the variable's name.
    fn env() -> Result<Option<Self>, String> {
        match std::env::var(REQUEST_STATE_KEY_ENV) {
            Ok(v) => v.parse().map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("not UTF-8: {}", Self::HOW)),
        }
    }

    /// The keys a server signs with: those from the code, else those from
    /// the environment, else a random key for this process.
    pub(crate) fn resolve(code: Option<Vec<Vec<u8>>>) -> Result<Self, RegistrationError> {
        let (setting, keys) = match code {
            Some(keys) => ("request_state_keys", Self::new(keys)),
            None => (
                REQUEST_STATE_KEY_ENV,
                Self::env().map(|k| k.unwrap_or_else(Self::random)),
            ),
        };
        keys.map_err(|reason| RegistrationError::Setting {
            setting: setting.to_owned(),
            reason,
        })
    }

    /// How many keys there are.
    ///
    /// ```
    /// use mcp_serve::engine::RequestStateKeys;
    /// assert_eq!(RequestStateKeys::new(["one key, long enough for the doc"]).unwrap().len(), 1);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always `false`: there is at least one key (for clippy's sake).
    ///
    /// ```
    /// use mcp_serve::engine::RequestStateKeys;
    /// assert!(!RequestStateKeys::new(["k"]).unwrap().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key that signs new states.
    pub(crate) fn signing(&self) -> &[u8] {
        &self.keys[0]
    }

    /// Every key a state may have been signed with, the signing key first.
    pub(crate) fn verifying(&self) -> impl Iterator<Item = &[u8]> {
        self.keys.iter().map(Vec::as_slice)
    }

    const HOW: &'static str = "write one key, or several comma-separated with the signing key first, each \
         base64 of at least 32 random bytes (make one with `openssl rand -base64 32`)";
}

impl std::str::FromStr for RequestStateKeys {
    type Err = String;

    /// Reads keys written as in [`REQUEST_STATE_KEY_ENV`]: comma-separated,
    /// each base64 (standard or URL-safe, padding optional) of at least
    /// [`Self::MIN_KEY_BYTES`] bytes, the signing key first.
    ///
    /// ```
    /// use mcp_serve::engine::RequestStateKeys;
    /// let one = "c2lnbmluZyBrZXkgc2lnbmluZyBrZXkgc2lnbmluZyE=";
    /// assert_eq!(one.parse::<RequestStateKeys>().unwrap().len(), 1);
    /// let err = "hunter2".parse::<RequestStateKeys>().unwrap_err();
    /// assert!(err.contains("openssl rand -base64 32"), "{err}");
    /// ```
    fn from_str(text: &str) -> Result<Self, String> {
        let items: Vec<&str> = text.split(',').map(str::trim).collect();
        if items.iter().all(|i| i.is_empty()) {
            return Err(format!("no key given: {}", Self::HOW));
        }
        let mut keys = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let which = if items.len() == 1 {
                "the key".to_owned()
            } else {
                format!("key {} of {}", n + 1, items.len())
            };
            if item.is_empty() {
                return Err(format!("{which} is empty: {}", Self::HOW));
            }
            // One alphabet for both: URL-safe base64 is standard base64
            // with two other characters.
            let standard: String = item
                .trim_end_matches('=')
                .chars()
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect();
            let key = STANDARD_NO_PAD
                .decode(standard.as_bytes())
                .map_err(|_| format!("{which} is not base64: {}", Self::HOW))?;
            if key.len() < Self::MIN_KEY_BYTES {
                return Err(format!(
                    "{which} is {} bytes, fewer than {}: {}",
                    key.len(),
                    Self::MIN_KEY_BYTES,
                    Self::HOW
                ));
            }
            keys.push(key);
        }
        Self::new(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn keys_parse_in_both_alphabets_and_bad_ones_say_what_to_write() {
        // Bytes whose base64 holds '+' and '/' (standard) or '-' and '_' (URL-safe).
        let raw: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) ^ 0xfb).collect();
        let std = b64(&raw);
        assert!(std.contains('+') || std.contains('/'), "{std}");
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        let other = b64(&[7u8; 32]);
        let keys: RequestStateKeys = format!(" {std} ,{url},{other}").parse().unwrap();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys.signing(), raw.as_slice());
        let all: Vec<&[u8]> = keys.verifying().collect();
        assert_eq!(all, [raw.as_slice(), raw.as_slice(), &[7u8; 32][..]]);

        for (value, expected) in [
            ("", "no key given"),
            (" , ", "no key given"),
            ("correct horse battery staple", "the key is not base64"),
            (&b64(&[1u8; 31]), "the key is 31 bytes, fewer than 32"),
            (&format!("{other},,{other}"), "key 2 of 3 is empty"),
            (&format!("{other},{}", b64(b"short")), "key 2 of 2 is 5 bytes"),
        ] {
            let err = value.parse::<RequestStateKeys>().unwrap_err();
            assert!(
                err.contains(expected) && err.contains("openssl rand -base64 32"),
                "{value:?}: {err}"
            );
        }
        let many = vec![other.clone(); RequestStateKeys::MAX_KEYS + 1].join(",");
        assert!(
            many.parse::<RequestStateKeys>()
                .unwrap_err()
                .contains("at most 16")
        );
        // The Debug output never shows a key.
        assert!(!format!("{keys:?}").contains(&std[..8]));
    }

    #[test]
    fn keys_from_code_must_not_be_empty() {
        assert!(RequestStateKeys::resolve(Some(vec![])).is_err());
        let err = RequestStateKeys::resolve(Some(vec![vec![]]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("request_state_keys") && err.contains("empty"),
            "{err}"
        );
        let keys = RequestStateKeys::resolve(Some(vec![b"new".to_vec(), b"old".to_vec()])).unwrap();
        assert_eq!(keys.signing(), b"new");
    }
}
