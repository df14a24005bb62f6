//! DNS-rebinding protection: which `Host` and `Origin` values are accepted.

use http::HeaderMap;

/// Hosts a loopback-bound server answers to by default.
pub(crate) const LOOPBACK: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

/// Strips the port from a `Host` value or an origin's authority.
fn host_only(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        // [::1]:8080
        return rest
            .split_once(']')
            .map_or(authority, |(h, _)| &authority[..h.len() + 2]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            authority
        }
    })
}

/// Refuses a request with two `Host` lines (400, as RFC 9112 §3.2 requires)
/// or two `Origin` lines (403): a proxy and the checks here could each look
/// at a different one.
pub(crate) fn single_host_and_origin(headers: &HeaderMap) -> Result<(), (http::StatusCode, &'static str)> {
    let twice = |name| headers.get_all(name).iter().nth(1).is_some();
    if twice(http::header::HOST) {
        return Err((
            http::StatusCode::BAD_REQUEST,
            "send exactly one Host header (a proxy in front must replace it, not add another)",
        ));
    }
    if twice(http::header::ORIGIN) {
        return Err((
            http::StatusCode::FORBIDDEN,
            "send at most one Origin header (a proxy in front must replace it, not add another)",
        ));
    }
    Ok(())
}

/// Whether the request's `Host` and `Origin` are acceptable; `None` (no
/// list) accepts anything.
pub(crate) fn check(
    headers: &HeaderMap,
    hosts: Option<&[String]>,
    origins: Option<&[String]>,
) -> Result<(), String> {
    if let Some(hosts) = hosts {
        if let Some(host) = headers.get(http::header::HOST) {
            let host = host.to_str().unwrap_or_default();
            let name = host_only(host);
            if !hosts.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                return Err(format!(
                    "Host {host:?} is not allowed (DNS rebinding protection); allow it with HttpOptions::allowed_hosts"
                ));
            }
        }
    }
    if let Some(origins) = origins {
        if let Some(origin) = headers.get(http::header::ORIGIN) {
            let origin = origin.to_str().unwrap_or_default();
            let ok = origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin)) || {
                // A bare host in the list allows that host on any scheme and port.
                let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
                let name = host_only(authority);
                origins
                    .iter()
                    .any(|o| !o.contains("://") && o.eq_ignore_ascii_case(name))
            };
            if !ok {
                return Err(format!(
                    "Origin {origin:?} is not allowed (DNS rebinding protection); allow it with HttpOptions::allowed_origins"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: Option<&str>, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = host {
            h.insert(http::header::HOST, v.parse().unwrap());
        }
        if let Some(v) = origin {
            h.insert(http::header::ORIGIN, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn loopback_only_by_default() {
        let hosts: Vec<String> = LOOPBACK.iter().map(|s| s.to_string()).collect();
        assert!(check(&headers(Some("localhost:3000"), None), Some(&hosts), Some(&hosts)).is_ok());
        assert!(check(&headers(Some("[::1]:3000"), None), Some(&hosts), Some(&hosts)).is_ok());
        assert!(
            check(
                &headers(Some("127.0.0.1"), Some("http://localhost:6274")),
                Some(&hosts),
                Some(&hosts)
            )
            .is_ok()
        );
        assert!(
            check(
                &headers(Some("evil.example:80"), None),
                Some(&hosts),
                Some(&hosts)
            )
            .is_err()
        );
        assert!(
            check(
                &headers(Some("localhost"), Some("https://evil.example")),
                Some(&hosts),
                Some(&hosts)
            )
            .is_err()
        );
        assert!(
            check(
                &headers(Some("evil.example"), Some("https://evil.example")),
                None,
                None
            )
            .is_ok()
        );
    }
}
