//! Calling the API: arguments to an HTTP request (reqwest), the answer to a
//! tool result or resource contents.

use std::fmt::Write as _;
use std::time::Duration;

use base64::Engine as _;
use mcp_serve_core::types::{
    BlobResourceContents, CallToolResult, ContentBlock, ResourceContents, TextResourceContents,
};
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::operation::{BodyShape, Operation, ParamLocation, Style};

/// Everything but the RFC 3986 unreserved characters is escaped in a path segment.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What RFC 6265 does not allow in a cookie value (and `%`, so the escape
/// is unambiguous) is escaped; the rest is sent as it is, since servers
/// rarely decode cookies.
const COOKIE_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// The longest error message taken from a response body.
const MAX_MESSAGE: usize = 1000;

/// What every call shares: the client, where the API is, the credentials
/// that are not headers, the limits.
#[derive(Debug)]
pub(crate) struct Caller {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    /// API keys sent in the query string or a cookie: (location, name, value).
    pub(crate) secrets: Vec<(ParamLocation, String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: usize,
}

/// Why a call failed, worded for the model.
#[derive(Debug)]
pub(crate) enum CallFailure {
    /// The arguments cannot make a request (a missing path parameter...).
    Arguments(String),
    /// The API answered with a status that is not 2xx.
    Status {
        status: reqwest::StatusCode,
        message: String,
    },
    /// No usable answer: connection, timeout, size.
    Transport(String),
}

impl std::fmt::Display for CallFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallFailure::Arguments(m) | CallFailure::Transport(m) => f.write_str(m),
            CallFailure::Status { status, message } if message.is_empty() => write!(f, "HTTP {status}"),
            CallFailure::Status { status, message } => write!(f, "HTTP {status}: {message}"),
        }
    }
}

/// A successful answer.
pub(crate) struct Answer {
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// A JSON value as the text a parameter carries.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A `simple`-style value (path, header): arrays and objects comma-joined.
fn simple(v: &Value, explode: bool) -> String {
    match v {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                if explode {
                    format!("{k}={}", scalar(v))
                } else {
                    format!("{k},{}", scalar(v))
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        other => scalar(other),
    }
}

impl Caller {
    /// Sends the request `args` make for `op`.
    pub(crate) async fn send(
        &self,
        op: &Operation,
        args: &Map<String, Value>,
    ) -> Result<Answer, CallFailure> {
        let mut path = String::new();
        let mut rest = op.path.as_str();
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let name = &rest[open + 1..close];
            let param = op
                .params
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == name);
            let value = param.and_then(|p| args.get(&p.arg)).filter(|v| !v.is_null());
            let Some(value) = value else {
                return Err(CallFailure::Arguments(format!(
                    "the path parameter `{}` is missing",
                    param.map_or(name, |p| p.arg.as_str())
                )));
            };
            let explode = param.is_some_and(|p| p.explode);
            path.push_str(&utf8_percent_encode(&simple(value, explode), COMPONENT).to_string());
            rest = &rest[(close + 1).min(rest.len())..];
        }
        path.push_str(rest);
        // The base's own path is kept: `https://h/api/v3` + `/pet` = `https://h/api/v3/pet`.
        let mut url = self.base.clone();
        let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);

        let mut cookies: Vec<String> = Vec::new();
        let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        {
            let mut query = url.query_pairs_mut();
            for p in &op.params {
                let Some(value) = args.get(&p.arg).filter(|v| !v.is_null()) else {
                    continue;
                };
                match p.location {
                    ParamLocation::Path => {}
                    ParamLocation::Query => match (p.style, value) {
                        (Style::Json, v) => {
                            query.append_pair(&p.name, &v.to_string());
                        }
                        (Style::DeepObject, Value::Object(map)) => {
                            for (k, v) in map {
                                query.append_pair(&format!("{}[{k}]", p.name), &scalar(v));
                            }
                        }
                        (Style::Form, Value::Array(items)) if p.explode => {
                            for v in items {
                                query.append_pair(&p.name, &scalar(v));
                            }
                        }
                        (Style::Form, Value::Object(map)) if p.explode => {
                            for (k, v) in map {
                                query.append_pair(k, &scalar(v));
                            }
                        }
                        (Style::SpaceDelimited | Style::PipeDelimited, Value::Array(items)) => {
                            let sep = if p.style == Style::SpaceDelimited {
                                " "
                            } else {
                                "|"
                            };
                            let joined = items.iter().map(scalar).collect::<Vec<_>>().join(sep);
                            query.append_pair(&p.name, &joined);
                        }
                        (_, v) => {
                            query.append_pair(&p.name, &simple(v, false));
                        }
                    },
                    ParamLocation::Header => {
                        let text = if p.style == Style::Json {
                            value.to_string()
                        } else {
                            simple(value, p.explode)
                        };
                        let name = HeaderName::from_bytes(p.name.as_bytes()).map_err(|_| {
                            CallFailure::Arguments(format!("`{}` is not a valid header name", p.name))
                        })?;
                        let value = HeaderValue::from_str(&text).map_err(|_| {
                            CallFailure::Arguments(format!(
                                "`{}` cannot be sent as an HTTP header value",
                                p.arg
                            ))
                        })?;
                        headers.push((name, value));
                    }
                    ParamLocation::Cookie => {
                        let text = if p.style == Style::Json {
                            value.to_string()
                        } else {
                            simple(value, false)
                        };
                        cookies.push(format!("{}={}", p.name, utf8_percent_encode(&text, COOKIE_VALUE)));
                    }
                }
            }
            for (location, name, value) in &self.secrets {
                match location {
                    ParamLocation::Query => {
                        query.append_pair(name, value);
                    }
                    ParamLocation::Cookie => {
                        cookies.push(format!("{name}={}", utf8_percent_encode(value, COOKIE_VALUE)))
                    }
                    ParamLocation::Path | ParamLocation::Header => {}
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }

        let mut request = self.http.request(op.method.clone(), url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if !cookies.is_empty() {
            request = request.header(COOKIE, cookies.join("; "));
        }
        if let Some(body) = &op.body {
            let payload = match &body.shape {
                BodyShape::Properties(names) => {
                    let map: Map<String, Value> = names
                        .iter()
                        .filter_map(|n| args.get(n).map(|v| (n.clone(), v.clone())))
                        .collect();
                    (!map.is_empty() || body.required).then_some(Value::Object(map))
                }
                BodyShape::Whole(arg) => args.get(arg).cloned(),
            };
            if let Some(payload) = payload {
                let bytes = match (&payload, body.raw) {
                    (Value::String(s), true) => s.clone().into_bytes(),
                    (other, true) => scalar(other).into_bytes(),
                    (other, false) => serde_json::to_vec(other).unwrap_or_default(),
                };
                request = request
                    .header(CONTENT_TYPE, body.content_type.as_str())
                    .body(bytes);
            }
        }

        let mut response = request.send().await.map_err(|e| self.transport(&e))?;
        let status = response.status();
        if let Some(len) = response.content_length() {
            if len > self.max_response_bytes as u64 {
                return Err(self.too_large());
            }
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(&e))? {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(self.too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(CallFailure::Status {
                status,
                message: error_message(&body),
            });
        }
        Ok(Answer { content_type, body })
    }

    fn too_large(&self) -> CallFailure {
        CallFailure::Transport(format!(
            "the API's answer is larger than the {} bytes this server accepts",
            self.max_response_bytes
        ))
    }

    fn transport(&self, e: &reqwest::Error) -> CallFailure {
        if e.is_timeout() {
            CallFailure::Transport(format!(
                "the API did not answer within {}",
                humantime::format_duration(self.timeout)
            ))
        } else if e.is_connect() {
            CallFailure::Transport(format!("cannot connect to the API at {}", self.base))
        } else {
            // reqwest's Display names the URL; its source says why.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                let _ = write!(text, ": {s}");
                source = s.source();
            }
            CallFailure::Transport(format!("the request failed: {text}"))
        }
    }
}

/// The message an error body carries: the usual fields of JSON error
/// bodies (FastAPI's `detail`, `message`, `error`, RFC 9457's `title` and
/// `detail`), else the body's text, cut to [`MAX_MESSAGE`] characters.
pub(crate) fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let message = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            let field = |v: &Value| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                Value::Object(o) if o.get("message").is_some_and(Value::is_string) => {
                    o["message"].as_str().map(str::to_owned)
                }
                other => Some(other.to_string()),
            };
            let title = map.get("title").and_then(Value::as_str);
            let found = [
                "detail",
                "message",
                "error_description",
                "error",
                "errors",
                "title",
            ]
            .iter()
            .find_map(|k| map.get(*k).and_then(field));
            match (title, found) {
                (Some(t), Some(d)) if t != d => format!("{t}: {d}"),
                (_, Some(d)) => d,
                _ => text.trim().to_owned(),
            }
        }
        _ => text.trim().to_owned(),
    };
    match message.char_indices().nth(MAX_MESSAGE) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let media = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media.starts_with("text/")
        || super::operation::is_json(&media)
        || media.ends_with("+xml")
        || media == "application/xml"
        || media == "application/javascript"
        || media == "application/x-www-form-urlencoded"
}

/// A success answer as a tool result: structured when the tool has an
/// output schema, else text, an image or an embedded blob.
pub(crate) fn tool_result(op: &Operation, uri: &str, answer: Answer) -> Result<CallToolResult, String> {
    let ct = answer.content_type.as_deref();
    if let Some(output) = &op.output {
        let value: Value = if answer.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&answer.body).map_err(|e| {
                format!(
                    "the API answered {} where its OpenAPI document promises JSON: {e}",
                    ct.unwrap_or("without a content type")
                )
            })?
        };
        return match (output.wrapped, value) {
            (true, v) => {
                // The text block is the API's own answer, unwrapped.
                let text = v.to_string();
                let mut r = CallToolResult::structured(serde_json::json!({ "result": v }));
                r.content = vec![ContentBlock::text(text)];
                Ok(r)
            }
            (false, v @ Value::Object(_)) => Ok(CallToolResult::structured(v)),
            (false, other) => Err(format!(
                "the API answered {other} where its OpenAPI document promises an object"
            )),
        };
    }
    if answer.body.is_empty() {
        return Ok(CallToolResult::text(""));
    }
    if is_text(ct) {
        if let Ok(text) = String::from_utf8(answer.body.clone()) {
            return Ok(CallToolResult::text(text));
        }
    }
    let data = base64::engine::general_purpose::STANDARD.encode(&answer.body);
    let mime = ct.unwrap_or("application/octet-stream").to_owned();
    if mime.starts_with("image/") {
        return Ok(CallToolResult::success(vec![ContentBlock::image(data, mime)]));
    }
    Ok(CallToolResult::success(vec![ContentBlock::resource(
        BlobResourceContents::new(uri, data).with_mime_type(mime),
    )]))
}

/// A success answer as a resource's contents.
pub(crate) fn resource_contents(uri: &str, fallback_type: Option<&str>, answer: Answer) -> ResourceContents {
    let mime = answer
        .content_type
        .as_deref()
        .or(fallback_type)
        .map(str::to_owned);
    if is_text(mime.as_deref()) {
        if let Ok(text) = String::from_utf8(answer.body.clone()) {
            let c = TextResourceContents::new(uri, text);
            return match mime {
                Some(m) => c.with_mime_type(m),
                None => c,
            }
            .into();
        }
    }
    let c = BlobResourceContents::new(
        uri,
        base64::engine::general_purpose::STANDARD.encode(&answer.body),
    );
    match mime {
        Some(m) => c.with_mime_type(m),
        None => c,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_come_from_the_usual_fields() {
        assert_eq!(error_message(br#"{"detail":"Item not found"}"#), "Item not found");
        assert_eq!(
            error_message(br#"{"detail":[{"loc":["query","q"],"msg":"field required"}]}"#),
            r#"[{"loc":["query","q"],"msg":"field required"}]"#
        );
        assert_eq!(
            error_message(br#"{"error":{"message":"bad key","code":7}}"#),
            "bad key"
        );
        assert_eq!(
            error_message(br#"{"type":"about:blank","title":"Forbidden","detail":"no access"}"#),
            "Forbidden: no access"
        );
        assert_eq!(error_message(b"  plain text\n"), "plain text");
        let long = "é".repeat(5000);
        let m = error_message(long.as_bytes());
        assert_eq!(m.chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn simple_style_values() {
        assert_eq!(simple(&serde_json::json!([1, "a", true]), false), "1,a,true");
        assert_eq!(simple(&serde_json::json!({"a": 1, "b": "x"}), true), "a=1,b=x");
        assert_eq!(simple(&serde_json::json!({"a": 1}), false), "a,1");
        assert_eq!(simple(&serde_json::json!("a b"), false), "a b");
        assert_eq!(
            utf8_percent_encode("a b/c?", COMPONENT).to_string(),
            "a%20b%2Fc%3F"
        );
        assert_eq!(
            utf8_percent_encode("s=1/x; é%", COOKIE_VALUE).to_string(),
            "s=1/x%3B%20%C3%A9%25"
        );
    }
}
