//! Who may talk to the inspector. The official MCP Inspector once had a remote
//! code execution hole because its local proxy accepted anyone: any web page
//! could ask it to start a command. Here the API (which can restart a server
//! and answer for the user) is guarded three ways:
//!
//! - it listens on 127.0.0.1 only;
//! - every API request must carry the per-run token from the URL fragment in
//!   the `X-Inspector-Token` header (fragments never leave the browser, and a
//!   custom header cannot be sent cross-origin without a preflight we never
//!   grant) — else 401;
//! - the `Host` must be `127.0.0.1:PORT` or `localhost:PORT` (DNS rebinding: a
//!   foreign name resolving to 127.0.0.1 still carries its own Host) and an
//!   `Origin`, when present, must be this inspector's (CSRF) — else 403.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The header the page sends the token in.
pub(crate) const TOKEN_HEADER: &str = "x-inspector-token";

/// The checks' parameters.
#[derive(Debug)]
pub(crate) struct Guard {
    token: String,
    hosts: [String; 2],
    origins: [String; 2],
}

impl Guard {
    pub(crate) fn new(token: String, port: u16) -> Guard {
        Guard {
            token,
            hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
            origins: [
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ],
        }
    }

    /// A fresh random token (128 bits, hex).
    pub(crate) fn random_token() -> String {
        let bytes: [u8; 16] = rand::random();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Why `headers` may not go through, for a request to `path`.
    fn check(&self, path: &str, headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !self.hosts.contains(&host) {
            return Err((
                StatusCode::FORBIDDEN,
                "forbidden: the Host header must be 127.0.0.1 or localhost with the inspector's port",
            ));
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or_default().to_ascii_lowercase();
            if !self.origins.contains(&origin) {
                return Err((
                    StatusCode::FORBIDDEN,
                    "forbidden: cross-origin requests are not allowed",
                ));
            }
        }
        if path.starts_with("/api/") || path == "/api" {
            let given = headers
                .get(TOKEN_HEADER)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !constant_time_eq(given, self.token.as_bytes()) {
                return Err((
                    StatusCode::UNAUTHORIZED,
                    "unauthorized: open the inspector with the URL mcp-serve dev printed (it carries the token)",
                ));
            }
        }
        Ok(())
    }
}

/// Compares without leaking where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware: every route goes through it.
pub(crate) async fn enforce(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    match guard.check(request.uri().path(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err((status, why)) => {
            (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], why).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn token_host_and_origin() {
        let g = Guard::new("abc".into(), 6274);
        let ok = headers(&[("host", "127.0.0.1:6274"), (TOKEN_HEADER, "abc")]);
        assert!(g.check("/api/state", &ok).is_ok());
        assert!(
            g.check(
                "/api/state",
                &headers(&[("host", "localhost:6274"), (TOKEN_HEADER, "abc")])
            )
            .is_ok()
        );
        // The page itself needs no token (it reads it from the fragment).
        assert!(g.check("/", &headers(&[("host", "127.0.0.1:6274")])).is_ok());

        let no_token = headers(&[("host", "127.0.0.1:6274")]);
        assert_eq!(
            g.check("/api/state", &no_token).unwrap_err().0,
            StatusCode::UNAUTHORIZED
        );
        let wrong = headers(&[("host", "127.0.0.1:6274"), (TOKEN_HEADER, "abd")]);
        assert_eq!(
            g.check("/api/state", &wrong).unwrap_err().0,
            StatusCode::UNAUTHORIZED
        );

        for bad_host in ["evil.example:6274", "127.0.0.1:80", "127.0.0.1", ""] {
            let h = headers(&[("host", bad_host), (TOKEN_HEADER, "abc")]);
            assert_eq!(
                g.check("/", &h).unwrap_err().0,
                StatusCode::FORBIDDEN,
                "{bad_host}"
            );
        }
        let foreign = headers(&[
            ("host", "127.0.0.1:6274"),
            (TOKEN_HEADER, "abc"),
            ("origin", "http://evil.example"),
        ]);
        assert_eq!(
            g.check("/api/state", &foreign).unwrap_err().0,
            StatusCode::FORBIDDEN
        );
        let null = headers(&[("host", "127.0.0.1:6274"), ("origin", "null")]);
        assert_eq!(g.check("/", &null).unwrap_err().0, StatusCode::FORBIDDEN);
        let same = headers(&[
            ("host", "127.0.0.1:6274"),
            (TOKEN_HEADER, "abc"),
            ("origin", "http://127.0.0.1:6274"),
        ]);
        assert!(g.check("/api/state", &same).is_ok());
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (Guard::random_token(), Guard::random_token());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
