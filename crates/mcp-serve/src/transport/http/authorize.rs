//! The OAuth resource server at the HTTP front: the protected resource
//! metadata (RFC 9728), reading and verifying the credential, the
//! `WWW-Authenticate` challenges (RFC 6750 §3), and the scope check that
//! asks a client to step up.

use std::sync::Arc;

use http::{HeaderValue, Response, StatusCode, header};
use serde_json::json;

use super::McpBody;
use crate::auth::{Auth, AuthError, Principal};

/// The metadata document, when `path` is where it is served.
pub(super) fn metadata(
    auth: &Auth,
    headers: &http::HeaderMap,
    path: &str,
    tls: bool,
) -> Option<Response<McpBody>> {
    let resource = auth.metadata_for(headers, path, tls)?;
    let mut r = Response::new(McpBody::full(auth.metadata(&resource).to_string()));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Browser-based clients fetch it cross-origin before they have a token.
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    Some(r)
}

/// A header value's quoted-string form (RFC 9110 §5.6.4).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A challenge response: `status`, `WWW-Authenticate: Bearer …` with the
/// error (none when no credential was sent), the scopes and the metadata
/// URL, and an OAuth-style JSON body saying the same.
fn challenge(
    resource: &str,
    status: StatusCode,
    error: Option<(&str, &str)>,
    scopes: &[String],
) -> Response<McpBody> {
    let mut params = Vec::new();
    if let Some((code, _)) = error {
        params.push(format!("error={}", quoted(code)));
    }
    if !scopes.is_empty() {
        params.push(format!("scope={}", quoted(&scopes.join(" "))));
    }
    params.push(format!(
        "resource_metadata={}",
        quoted(&Auth::metadata_url(resource))
    ));
    if let Some((_, description)) = error {
        params.push(format!("error_description={}", quoted(description)));
    }
    let value = format!("Bearer {}", params.join(", "));
    let body = match error {
        Some((code, description)) => json!({"error": code, "error_description": description}),
        None => json!({
            "error": "unauthorized",
            "error_description": "this server needs an access token: see the resource_metadata in WWW-Authenticate",
        }),
    };
    let mut r = Response::new(McpBody::full(body.to_string()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&value) {
        h.insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// The credential a request carries: `Authorization: Bearer`, or one of the
/// configured API key headers. `Err` holds the refusal for a malformed one.
fn credential<'a>(
    auth: &Auth,
    resource: &str,
    parts: &'a http::request::Parts,
) -> Result<Option<&'a str>, Response<McpBody>> {
    let mut found = None;
    let mut authorizations = parts.headers.get_all(header::AUTHORIZATION).iter();
    if let Some(v) = authorizations.next() {
        if authorizations.next().is_some() {
            return Err(challenge(
                resource,
                StatusCode::BAD_REQUEST,
                Some(("invalid_request", "send one Authorization header")),
                &[],
            ));
        }
        let v = v.to_str().unwrap_or_default();
        let token = v
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty());
        match token {
            Some(t) => found = Some(t),
            None => {
                return Err(challenge(
                    resource,
                    StatusCode::UNAUTHORIZED,
                    Some((
                        "invalid_request",
                        "use the Bearer scheme: Authorization: Bearer <token>",
                    )),
                    &auth.scopes_supported,
                ));
            }
        }
    }
    if found.is_none() {
        found = auth
            .key_headers
            .iter()
            .find_map(|name| parts.headers.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty());
    }
    Ok(found)
}

/// Whether the query string carries a token (never accepted: URLs end up in
/// logs and histories).
fn token_in_query(parts: &http::request::Parts) -> bool {
    parts.uri.query().is_some_and(|q| {
        q.split('&').any(|kv| {
            kv.split('=')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("access_token"))
        })
    })
}

/// Authenticates a request: the caller, put in the request's extensions
/// (where [`Context::principal`](crate::context::Context::principal) reads
/// it), or the challenge to answer with.
pub(super) async fn authenticate(
    auth: &Auth,
    parts: &mut http::request::Parts,
    tls: bool,
) -> Result<(), Response<McpBody>> {
    let resource = auth.resource_for(&parts.headers, parts.uri.path(), tls);
    let resource = resource.as_str();
    if token_in_query(parts) {
        return Err(challenge(
            resource,
            StatusCode::UNAUTHORIZED,
            Some((
                "invalid_request",
                "access tokens are never accepted in the query string: send Authorization: Bearer <token>",
            )),
            &auth.scopes_supported,
        ));
    }
    let Some(token) = credential(auth, resource, parts)? else {
        return Err(challenge(
            resource,
            StatusCode::UNAUTHORIZED,
            None,
            &auth.scopes_supported,
        ));
    };
    let Some(verifier) = &auth.verifier else {
        return Err(challenge(
            resource,
            StatusCode::UNAUTHORIZED,
            Some((
                "invalid_token",
                "this server accepts no credentials (no verifier is configured)",
            )),
            &[],
        ));
    };
    match verifier.verify(token, resource).await {
        Ok(principal) => {
            parts.extensions.insert(Arc::new(principal));
            if auth.filter_lists {
                parts.extensions.insert(crate::auth::FilterLists);
            }
            Ok(())
        }
        Err(AuthError::InvalidToken(why)) => Err(challenge(
            resource,
            StatusCode::UNAUTHORIZED,
            Some(("invalid_token", &why)),
            &auth.scopes_supported,
        )),
        Err(AuthError::Unavailable(why)) => {
            tracing::warn!(reason = %why, "could not verify a credential");
            let mut r = challenge(
                resource,
                StatusCode::SERVICE_UNAVAILABLE,
                Some((
                    "temporarily_unavailable",
                    "the credential could not be checked now; retry shortly",
                )),
                &[],
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            Err(r)
        }
    }
}

/// The 403 step-up challenge when the caller lacks any of `required`;
/// it names every scope the operation needs.
pub(super) fn step_up(
    auth: &Auth,
    parts: &http::request::Parts,
    principal: Option<&Principal>,
    required: &[String],
    tls: bool,
) -> Option<Response<McpBody>> {
    let missing = match principal {
        Some(p) => p.missing(required),
        None => required.iter().map(String::as_str).collect(),
    };
    if missing.is_empty() {
        return None;
    }
    let description = format!("this operation needs the scope(s): {}", missing.join(" "));
    let resource = auth.resource_for(&parts.headers, parts.uri.path(), tls);
    Some(challenge(
        &resource,
        StatusCode::FORBIDDEN,
        Some(("insufficient_scope", &description)),
        required,
    ))
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quoted_strings_escape_what_they_must() {
        assert_eq!(quoted(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quoted("line\nbreak"), r#""linebreak""#);
    }
}
