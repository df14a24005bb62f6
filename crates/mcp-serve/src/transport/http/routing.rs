//! Routing: the Host/Origin checks, which handler a request goes to (by
//! method and path), and CORS (preflights and response headers).

use std::sync::Arc;

use http::{HeaderValue, Method, Request, Response, StatusCode, header};

use super::legacy_sse::{legacy_sse_open, legacy_sse_post};
use super::post::post;
use super::respond::plain;
use super::service::Shared;
use super::session_routes::{delete, get};
use super::{McpBody, security};

pub(super) fn cors_headers(origin: Option<HeaderValue>, resp: &mut Response<McpBody>) {
    let Some(origin) = origin else {
        return;
    };
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("mcp-session-id, mcp-protocol-version, www-authenticate"),
    );
}

pub(super) async fn handle<B>(shared: Arc<Shared>, req: Request<B>) -> Response<McpBody>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    #[cfg_attr(not(feature = "auth"), allow(unused_mut))]
    let (mut parts, body) = req.into_parts();
    if let Err((status, msg)) = security::single_host_and_origin(&parts.headers) {
        return plain(status, msg);
    }
    if let Err(msg) = security::check(
        &parts.headers,
        shared.options.allowed_hosts.as_deref(),
        shared.options.allowed_origins.as_deref(),
    ) {
        return plain(StatusCode::FORBIDDEN, &msg);
    }
    // Only the Origin is needed once the request is consumed (for CORS).
    let origin = if shared.options.cors {
        parts.headers.get(header::ORIGIN).cloned()
    } else {
        None
    };
    // After the Host and Origin checks; preflights carry no credentials
    // (browsers strip them).
    #[cfg(feature = "auth")]
    if let Some(auth) = &shared.options.auth {
        if parts.method != Method::OPTIONS {
            if let Err(mut r) =
                super::authorize::authenticate(auth, &mut parts, shared.options.serves_tls()).await
            {
                cors_headers(origin, &mut r);
                return r;
            }
        }
    }
    if let Some(limiters) = &shared.limiters {
        if let Some(mut r) = limiters.check_caller(&parts) {
            cors_headers(origin, &mut r);
            return r;
        }
    }
    let path = parts.uri.path();
    let sse_open = shared.options.legacy_sse && path.ends_with("/sse") && parts.method == Method::GET;
    let sse_post = shared.options.legacy_sse && path.ends_with("/messages") && parts.method == Method::POST;
    let mut resp = if sse_open {
        legacy_sse_open(&shared, &parts)
    } else if sse_post {
        legacy_sse_post(&shared, parts, body).await
    } else {
        match parts.method {
            Method::POST => post(&shared, parts, body).await,
            Method::GET => get(&shared, &parts).await,
            Method::DELETE => delete(&shared, &parts).await,
            Method::OPTIONS if shared.options.cors => preflight(),
            _ => {
                let mut r = plain(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "use POST (or GET/DELETE with a legacy session)",
                );
                r.headers_mut().insert(
                    header::ALLOW,
                    HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
                );
                r
            }
        }
    };
    cors_headers(origin, &mut resp);
    resp
}

pub(super) fn preflight() -> Response<McpBody> {
    let mut r = Response::new(McpBody::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id",
        ),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    r
}
