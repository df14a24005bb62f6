//! Reading a request: `Accept` negotiation, header values (mirrored
//! headers included) and the size-limited body.

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode, header};
use http_body_util::BodyExt;

use super::McpBody;
use super::respond::plain;
use super::service::Shared;

pub(super) fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',').any(|p| {
                let p = p.split(';').next().unwrap_or_default().trim();
                p == mime || p == "*/*" || (p.ends_with("/*") && mime.starts_with(&p[..p.len() - 1]))
            })
        })
}

/// Whether the `Accept` headers admit JSON and SSE: [`accepts`] for both
/// types in one pass.
pub(super) fn accepts_json_sse(headers: &HeaderMap) -> (bool, bool) {
    const JSON: &str = "application/json";
    const SSE: &str = "text/event-stream";
    let (mut json, mut sse) = (false, false);
    for v in headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        // What MCP clients send, without splitting it.
        if v == "application/json, text/event-stream" {
            return (true, true);
        }
        for p in v.split(',') {
            let p = p.split(';').next().unwrap_or_default().trim();
            let wild = p == "*/*";
            let prefix = p.strip_suffix('*').filter(|_| p.ends_with("/*"));
            json |= p == JSON || wild || prefix.is_some_and(|pre| JSON.starts_with(pre));
            sse |= p == SSE || wild || prefix.is_some_and(|pre| SSE.starts_with(pre));
        }
    }
    (json, sse)
}

pub(super) fn header_str(headers: &HeaderMap, name: impl http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A mirrored header's field value: repeated lines are combined with ", "
/// (RFC 9110 §5.3), so a duplicate can never match the body and slip past
/// the header check on its first value alone.
pub(super) fn mirrored_value(headers: &HeaderMap, name: &http::HeaderName) -> Option<String> {
    let mut values = headers.get_all(name).iter();
    let first = String::from_utf8_lossy(values.next()?.as_bytes()).into_owned();
    Some(values.fold(first, |mut all, v| {
        all.push_str(", ");
        all.push_str(&String::from_utf8_lossy(v.as_bytes()));
        all
    }))
}

/// Decodes the `=?base64?…?=` form of `Mcp-Name` and `Mcp-Param-*`.
pub(super) fn decode_mirrored(value: &str) -> Option<String> {
    match value.strip_prefix("=?base64?").and_then(|v| v.strip_suffix("?=")) {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .and_then(|b| String::from_utf8(b).ok()),
        None => Some(value.to_owned()),
    }
}

pub(super) async fn read_body<B>(shared: &Shared, body: B) -> Result<Bytes, Response<McpBody>>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limit = shared.options.max_body_bytes;
    let too_large = || {
        plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "request body larger than {limit} bytes (raise HttpOptions::max_body_bytes to accept it)"
            ),
        )
    };
    // A declared Content-Length over the limit is refused before reading:
    // otherwise a client could hold the request open, trickling a body that
    // will be refused anyway.
    if usize::try_from(http_body::Body::size_hint(&body).lower()).map_or(true, |n| n > limit) {
        return Err(too_large());
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(plain(
            StatusCode::BAD_REQUEST,
            &format!("could not read the request body: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn one_pass_accept_matches_accepts() {
        for values in [
            &[][..],
            &["application/json, text/event-stream"][..],
            &["text/event-stream"][..],
            &["application/json;q=0.9"][..],
            &["*/*"][..],
            &["application/*", "text/html"][..],
            &["text/*"][..],
            &["text/html, image/*"][..],
            &["appl*"][..],
        ] {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(header::ACCEPT, HeaderValue::from_static(v));
            }
            assert_eq!(
                accepts_json_sse(&h),
                (accepts(&h, "application/json"), accepts(&h, "text/event-stream")),
                "{values:?}"
            );
        }
    }
}
