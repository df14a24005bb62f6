//! JSON-RPC 2.0 framing: ids, requests, notifications, responses, errors and
//! batches, and the parser that classifies bad input the way the spec asks
//! (`-32700` for bytes that are not JSON, `-32600` for JSON that is not a message).
//!
//! Incoming messages are parsed once into a borrowed [`RawMessage`]: `params`
//! stays raw JSON until the handler's argument type is known.
//!
//! ```
//! use mcp_serve_core::jsonrpc::{parse, Incoming, RawMessage};
//! let Incoming::Single(msg) = parse(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap() else { panic!() };
//! assert_eq!(msg.method(), Some("ping"));
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::code;

/// The `jsonrpc` member: always `"2.0"`.
pub const VERSION: &str = "2.0";

/// A request id: a string or an integer (MCP forbids `null`).
///
/// ```
/// use mcp_serve_core::jsonrpc::RequestId;
/// let id: RequestId = serde_json::from_str("7").unwrap();
/// assert_eq!(id, RequestId::Number(7));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// A numeric id.
    Number(i64),
    /// A string id.
    String(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for RequestId {
    fn from(n: i64) -> Self {
        RequestId::Number(n)
    }
}

impl From<&str> for RequestId {
    fn from(s: &str) -> Self {
        RequestId::String(s.to_owned())
    }
}

/// The error object of a JSON-RPC error response.
///
/// ```
/// use mcp_serve_core::jsonrpc::ErrorObject;
/// let e = ErrorObject::method_not_found("tools/frobnicate");
/// assert_eq!(e.code, -32601);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The error code (see [`crate::error::code`]).
    pub code: i64,
    /// A short description for humans.
    pub message: String,
    /// Structured detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error with a code and message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Attaches `data`.
    #[must_use]
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// `-32700`: the bytes were not JSON.
    pub fn parse_error(detail: impl fmt::Display) -> Self {
        Self::new(code::PARSE_ERROR, format!("Parse error: {detail}"))
    }

    /// `-32600`: the JSON was not a valid request.
    pub fn invalid_request(detail: impl fmt::Display) -> Self {
        Self::new(code::INVALID_REQUEST, format!("Invalid request: {detail}"))
    }

    /// `-32601`: no such method.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(code::METHOD_NOT_FOUND, format!("Method not found: {method}"))
    }

    /// `-32602`: bad parameters.
    pub fn invalid_params(detail: impl fmt::Display) -> Self {
        Self::new(code::INVALID_PARAMS, format!("Invalid params: {detail}"))
    }

    /// `-32603`: the server failed.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(code::INTERNAL_ERROR, format!("Internal error: {detail}"))
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ErrorObject {}

/// An owned JSON-RPC request.
///
/// ```
/// use mcp_serve_core::jsonrpc::Request;
/// let r = Request::new(1, "tools/list", None);
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Always `"2.0"`.
    pub jsonrpc: Cow<'static, str>,
    /// The id the response will carry.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

impl Request {
    /// A request.
    pub fn new(id: impl Into<RequestId>, method: impl Into<String>, params: Option<Value>) -> Self {
        Request {
            jsonrpc: Cow::Borrowed(VERSION),
            id: id.into(),
            method: method.into(),
            params,
        }
    }
}

/// An owned JSON-RPC notification.
///
/// ```
/// use mcp_serve_core::jsonrpc::Notification;
/// let n = Notification::new("notifications/initialized", None);
/// assert!(serde_json::to_string(&n).unwrap().contains("initialized"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Always `"2.0"`.
    pub jsonrpc: Cow<'static, str>,
    /// The method name.
    pub method: String,
    /// The parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

impl Notification {
    /// A notification.
    pub fn new(method: impl Into<String>, params: Option<Value>) -> Self {
        Notification {
            jsonrpc: Cow::Borrowed(VERSION),
            method: method.into(),
            params,
        }
    }
}

/// An owned JSON-RPC response: a result or an error. A missing id (an error
/// about a message whose id could not be read) is omitted on the wire, as MCP
/// forbids `null` ids.
///
/// ```
/// use mcp_serve_core::jsonrpc::{Response, RequestId};
/// let r = Response::result(RequestId::Number(1), serde_json::json!({}));
/// assert!(r.is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Always `"2.0"`.
    pub jsonrpc: Cow<'static, str>,
    /// The id of the request answered; `None` only for errors about a
    /// message whose id could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequestId>,
    /// The result, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The error, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

impl Response {
    /// A success response.
    pub fn result(id: RequestId, result: Value) -> Self {
        Response {
            jsonrpc: Cow::Borrowed(VERSION),
            id: Some(id),
            result: Some(result),
            error: None,
        }
    }

    /// An error response.
    pub fn error(id: Option<RequestId>, error: ErrorObject) -> Self {
        Response {
            jsonrpc: Cow::Borrowed(VERSION),
            id,
            result: None,
            error: Some(error),
        }
    }

    /// Whether this is a success.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// The result, or the error as an `Err`.
    ///
    /// # Errors
    /// The response's error object.
    pub fn into_result(self) -> Result<Value, ErrorObject> {
        match (self.result, self.error) {
            (_, Some(e)) => Err(e),
            (Some(v), None) => Ok(v),
            (None, None) => Ok(Value::Null),
        }
    }
}

/// Any owned JSON-RPC message, as a client reads them.
///
/// ```
/// use mcp_serve_core::jsonrpc::Message;
/// let m: Message = serde_json::from_str(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#).unwrap();
/// assert!(matches!(m, Message::Response(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Message {
    /// A request (has `id` and `method`).
    Request(Request),
    /// A notification (has `method`, no `id`).
    Notification(Notification),
    /// A response (has `result` or `error`).
    Response(Response),
}

/// A message as the server reads it: borrowed from the input buffer, with
/// `id` and `params` kept as raw JSON. Every member is read whatever its
/// type, so a malformed message still yields its id for the error reply.
#[derive(Debug)]
pub struct RawMessage<'a> {
    jsonrpc: Option<&'a RawValue>,
    id: Option<&'a RawValue>,
    /// `method` when it is a string; `None` also when it is absent.
    method: Option<Cow<'a, str>>,
    /// `method` was present but not a string.
    bad_method: bool,
    params: Option<&'a RawValue>,
    result: Option<&'a RawValue>,
    error: Option<&'a RawValue>,
}

/// The members as they came; `null` counts as present for `id` (a `null`
/// id is an error), `method` and `result` (a `null` result is a result).
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    jsonrpc: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    // `"params": null` is read as no params.
    #[serde(default, borrow)]
    params: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    // `"error": null` (some clients send it beside a result) is no error.
    #[serde(default, borrow)]
    error: Option<&'a RawValue>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&'de RawValue>::deserialize(d).map(Some)
}

/// A raw JSON string's text (`None` when the value is not a string). Without
/// escapes the text is the slice between the quotes: no second parse on the
/// hot path.
///
/// ```
/// use mcp_serve_core::jsonrpc::raw_str;
/// use serde_json::value::RawValue;
/// let plain: Box<RawValue> = serde_json::from_str(r#""tools/list""#).unwrap();
/// assert_eq!(raw_str(&plain).as_deref(), Some("tools/list"));
/// let escaped: Box<RawValue> = serde_json::from_str(r#""a\"b""#).unwrap();
/// assert_eq!(raw_str(&escaped).as_deref(), Some("a\"b"));
/// let number: Box<RawValue> = serde_json::from_str("5").unwrap();
/// assert_eq!(raw_str(&number), None);
/// ```
pub fn raw_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Some(Cow::Borrowed(inner)),
        _ => serde_json::from_str(text).ok(),
    }
}

impl<'de> Deserialize<'de> for RawMessage<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let e = Envelope::deserialize(d)?;
        let method = e.method.and_then(raw_str);
        Ok(RawMessage {
            jsonrpc: e.jsonrpc,
            id: e.id,
            bad_method: e.method.is_some() && method.is_none(),
            method,
            params: e.params,
            result: e.result,
            error: e.error,
        })
    }
}

/// What kind of message a [`RawMessage`] is, once validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Has an id and a method.
    Request,
    /// Has a method and no id.
    Notification,
    /// Has a result or an error and no method (the id may be missing or
    /// null: such a response is dropped, never answered).
    Response,
}

impl<'a> RawMessage<'a> {
    /// The method, for requests and notifications.
    pub fn method(&self) -> Option<&str> {
        self.method.as_deref()
    }

    /// The raw params.
    pub fn params(&self) -> Option<&'a RawValue> {
        self.params
    }

    /// The raw `result` member of a response.
    pub fn result(&self) -> Option<&'a RawValue> {
        self.result
    }

    /// The raw `error` member of a response.
    pub fn error(&self) -> Option<&'a RawValue> {
        self.error
    }

    /// The id, if present and well-formed (string or integer).
    pub fn id(&self) -> Option<RequestId> {
        self.id.and_then(|raw| serde_json::from_str(raw.get()).ok())
    }

    /// Checks the envelope and says what kind of message this is.
    ///
    /// # Errors
    /// An `-32600` error object saying what is wrong (wrong `jsonrpc`, an id
    /// that is neither a string nor an integer, no method, ...).
    pub fn validate(&self) -> Result<Kind, ErrorObject> {
        let answer = self.result.is_some() || self.error.is_some();
        if self.method.is_none() && !self.bad_method && answer {
            // A response is never answered, however malformed: its id may
            // be null (an error response to an unreadable request), and an
            // error reply to an error reply could loop between two peers.
            return Ok(Kind::Response);
        }
        let version = self.jsonrpc.and_then(raw_str);
        if version.as_deref() != Some(VERSION) {
            return Err(ErrorObject::invalid_request(
                "the \"jsonrpc\" member must be exactly \"2.0\"",
            ));
        }
        if let Some(raw) = self.id {
            if raw.get() == "null" {
                return Err(ErrorObject::invalid_request(
                    "the \"id\" member must not be null: a request needs a string or integer id (a notification has no id)",
                ));
            }
            if serde_json::from_str::<RequestId>(raw.get()).is_err() {
                return Err(ErrorObject::invalid_request(
                    "the \"id\" member must be a string or an integer",
                ));
            }
        }
        if self.bad_method {
            return Err(ErrorObject::invalid_request(
                "the \"method\" member must be a string",
            ));
        }
        if let Some(params) = self.params {
            let first = params.get().trim_start().as_bytes().first().copied();
            if !matches!(first, Some(b'{')) {
                return Err(ErrorObject::invalid_request(
                    "the \"params\" member must be an object",
                ));
            }
        }
        match (&self.method, self.id, answer) {
            (Some(_), Some(_), false) => Ok(Kind::Request),
            (Some(_), None, false) => Ok(Kind::Notification),
            (None, _, _) => Err(ErrorObject::invalid_request(
                "a request needs a \"method\" member",
            )),
            (Some(_), _, true) => Err(ErrorObject::invalid_request(
                "a message cannot be both a request and a response",
            )),
        }
    }
}

/// The result of parsing one frame of input.
#[derive(Debug)]
pub enum Incoming<'a> {
    /// One message.
    Single(RawMessage<'a>),
    /// A JSON array of messages (allowed by revision 2025-03-26 only). Each
    /// element is parsed on its own so one bad element does not spoil the rest.
    Batch(Vec<Result<RawMessage<'a>, ErrorObject>>),
}

/// A frame that could not be parsed, with the error to send back (id `null`).
///
/// ```
/// use mcp_serve_core::jsonrpc::parse;
/// assert_eq!(parse(b"{not json").unwrap_err().code, -32700);
/// assert_eq!(parse(b"[]").unwrap_err().code, -32600);
/// assert_eq!(parse(b"42").unwrap_err().code, -32600);
/// ```
pub type ParseFailure = ErrorObject;

/// Parses one frame (a line on stdio, a body on HTTP).
///
/// Invalid UTF-8 and malformed JSON give `-32700`; JSON that is not a message
/// object (or array of them) gives `-32600`. Nesting deeper than serde_json's
/// recursion limit (128) is rejected as a parse error rather than overflowing
/// the stack.
///
/// # Errors
/// The error object to answer with, id `null`.
pub fn parse(bytes: &[u8]) -> Result<Incoming<'_>, ParseFailure> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ErrorObject::parse_error(format!("input is not valid UTF-8 ({e})")))?;
    let trimmed = text.trim_start();
    match trimmed.as_bytes().first() {
        Some(b'{') => parse_object(text).map(Incoming::Single),
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(classify)?;
            if items.is_empty() {
                return Err(ErrorObject::invalid_request("an empty batch"));
            }
            Ok(Incoming::Batch(
                items.into_iter().map(|raw| parse_object(raw.get())).collect(),
            ))
        }
        _ => {
            // Valid JSON of the wrong shape is an invalid request; anything else a parse error.
            serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(classify)?;
            Err(ErrorObject::invalid_request("a message must be a JSON object"))
        }
    }
}

fn parse_object(text: &str) -> Result<RawMessage<'_>, ErrorObject> {
    if !text.trim_start().starts_with('{') {
        return Err(ErrorObject::invalid_request("a message must be a JSON object"));
    }
    serde_json::from_str(text).map_err(classify)
}

/// Tells a syntax error (`-32700`) from valid JSON of the wrong shape (`-32600`).
fn classify(e: serde_json::Error) -> ErrorObject {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => ErrorObject::invalid_request(e),
        Category::Syntax | Category::Eof | Category::Io => ErrorObject::parse_error(e),
    }
}

/// Serializes a success response straight from a serializable result, without
/// building an intermediate `Value`.
///
/// ```
/// use mcp_serve_core::jsonrpc::{encode_result, RequestId};
/// let bytes = encode_result(&RequestId::Number(3), &serde_json::json!({"ok": true})).unwrap();
/// assert_eq!(bytes, br#"{"jsonrpc":"2.0","id":3,"result":{"ok":true}}"#);
/// ```
///
/// # Errors
/// When `result` fails to serialize.
pub fn encode_result<T: Serialize + ?Sized>(
    id: &RequestId,
    result: &T,
) -> Result<Vec<u8>, serde_json::Error> {
    #[derive(Serialize)]
    struct Envelope<'a, T: ?Sized> {
        jsonrpc: &'static str,
        id: &'a RequestId,
        result: &'a T,
    }
    serde_json::to_vec(&Envelope {
        jsonrpc: VERSION,
        id,
        result,
    })
}

/// Serializes an error response.
///
/// ```
/// use mcp_serve_core::jsonrpc::{encode_error, ErrorObject};
/// let bytes = encode_error(None, &ErrorObject::parse_error("x"));
/// assert!(bytes.starts_with(br#"{"jsonrpc":"2.0","error":{"code":-32700"#));
/// ```
pub fn encode_error(id: Option<&RequestId>, error: &ErrorObject) -> Vec<u8> {
    #[derive(Serialize)]
    struct Envelope<'a> {
        jsonrpc: &'static str,
        // MCP forbids a null id: an error about an unreadable message omits it.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a RequestId>,
        error: &'a ErrorObject,
    }
    serde_json::to_vec(&Envelope {
        jsonrpc: VERSION,
        id,
        error,
    })
    .expect("error objects always serialize")
}

/// Serializes a notification.
///
/// ```
/// use mcp_serve_core::jsonrpc::encode_notification;
/// let b = encode_notification("notifications/tools/list_changed", &serde_json::json!({}));
/// assert_eq!(b, br#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{}}"#);
/// ```
pub fn encode_notification<P: Serialize + ?Sized>(method: &str, params: &P) -> Vec<u8> {
    #[derive(Serialize)]
    struct Envelope<'a, P: ?Sized> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }
    serde_json::to_vec(&Envelope {
        jsonrpc: VERSION,
        method,
        params,
    })
    .unwrap_or_else(|e| {
        encode_error(
            None,
            &ErrorObject::internal(format!("notification failed to serialize: {e}")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bad_input() {
        assert_eq!(parse(b"not json").unwrap_err().code, code::PARSE_ERROR);
        assert_eq!(parse(&[0xff, 0xfe]).unwrap_err().code, code::PARSE_ERROR);
        assert_eq!(parse(b"\"str\"").unwrap_err().code, code::INVALID_REQUEST);
        let Incoming::Single(m) = parse(br#"{"jsonrpc":"1.0","id":1,"method":"x"}"#).unwrap() else {
            panic!()
        };
        assert_eq!(m.validate().unwrap_err().code, code::INVALID_REQUEST);
        let Incoming::Single(m) = parse(br#"{"jsonrpc":"2.0","id":{},"method":"x"}"#).unwrap() else {
            panic!()
        };
        assert_eq!(m.validate().unwrap_err().code, code::INVALID_REQUEST);
        let Incoming::Single(m) = parse(br#"{"jsonrpc":"2.0","id":1}"#).unwrap() else {
            panic!()
        };
        assert_eq!(m.validate().unwrap_err().code, code::INVALID_REQUEST);
    }

    fn single(text: &str) -> RawMessage<'_> {
        match parse(text.as_bytes()).unwrap() {
            Incoming::Single(m) => m,
            Incoming::Batch(_) => panic!("not a single message"),
        }
    }

    #[test]
    fn a_null_id_is_an_invalid_request_not_a_notification() {
        let m = single(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#);
        let e = m.validate().unwrap_err();
        assert_eq!(e.code, code::INVALID_REQUEST);
        assert!(e.message.contains("must not be null"), "{}", e.message);
        assert_eq!(m.id(), None);
    }

    #[test]
    fn a_readable_id_survives_other_bad_members() {
        for text in [
            r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
            r#"{"jsonrpc":2.0,"id":1,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#,
        ] {
            let m = single(text);
            assert_eq!(m.validate().unwrap_err().code, code::INVALID_REQUEST, "{text}");
            assert_eq!(m.id(), Some(RequestId::Number(1)), "{text}");
        }
    }

    #[test]
    fn escaped_members_are_read_like_plain_ones() {
        let m = single(r#"{"jsonrpc":"2\u002e0","id":1,"method":"tools\/list"}"#);
        assert_eq!(m.validate(), Ok(Kind::Request));
        assert_eq!(m.method(), Some("tools/list"));
        let m = single(r#"{"jsonrpc":"2.0","id":1,"method":"say \"hi\""}"#);
        assert_eq!(m.method(), Some("say \"hi\""));
    }

    #[test]
    fn responses_are_responses_whatever_their_id_or_result() {
        for text in [
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#,
            r#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"x"}}"#,
            r#"{"jsonrpc":"2.0","id":"s-1","result":null}"#,
            r#"{"id":1,"result":{}}"#,
            r#"{"jsonrpc":"1.0","id":1,"result":{}}"#,
        ] {
            assert_eq!(single(text).validate(), Ok(Kind::Response), "{text}");
        }
        let m = single(r#"{"jsonrpc":"2.0","id":"s-1","result":null}"#);
        assert_eq!(m.result().map(RawValue::get), Some("null"));
        let m = single(r#"{"jsonrpc":"2.0","id":"s-1","result":{"ok":true},"error":null}"#);
        assert_eq!(m.validate(), Ok(Kind::Response));
        assert!(m.error().is_none());
        assert_eq!(m.result().map(RawValue::get), Some(r#"{"ok":true}"#));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut s = String::from(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":"#);
        s.push_str(&"[".repeat(100_000));
        s.push_str(&"]".repeat(100_000));
        s.push_str("}}");
        match parse(s.as_bytes()) {
            Err(e) => assert!(e.code == code::PARSE_ERROR || e.code == code::INVALID_REQUEST),
            Ok(Incoming::Single(m)) => {
                // Kept raw; typed parsing later hits the recursion limit.
                let v: Result<Value, _> = serde_json::from_str(m.params().unwrap().get());
                assert!(v.is_err());
            }
            Ok(Incoming::Batch(_)) => panic!("not a batch"),
        }
    }

    #[test]
    fn batch_elements_are_independent() {
        let Incoming::Batch(items) = parse(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}, 5]"#).unwrap()
        else {
            panic!()
        };
        assert!(items[0].is_ok());
        assert!(items[1].is_err());
    }
}
