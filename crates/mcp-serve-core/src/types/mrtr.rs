//! Multi-round-trip requests (`2026-07-28`): a server answers `tools/call`,
//! `prompts/get` or `resources/read` with an [`InputRequiredResult`] asking the
//! client for sampling, roots or elicitation; the client retries the request with
//! the answers in `inputResponses` and the echoed `requestState`.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{
    CreateMessageRequest, CreateMessageResult, ElicitRequest, ElicitResult, ListRootsRequest,
    ListRootsResult, ResultType,
};
use crate::meta::Meta;

/// A request the server needs the client to fulfil (`InputRequest`), told apart
/// by `method`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum InputRequest {
    /// `sampling/createMessage`.
    CreateMessage(CreateMessageRequest),
    /// `roots/list`.
    ListRoots(ListRootsRequest),
    /// `elicitation/create`.
    Elicit(ElicitRequest),
}

impl<'de> Deserialize<'de> for InputRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let r = match v.get("method").and_then(Value::as_str) {
            Some(CreateMessageRequest::METHOD) => serde_json::from_value(v).map(InputRequest::CreateMessage),
            Some(ListRootsRequest::METHOD) => serde_json::from_value(v).map(InputRequest::ListRoots),
            Some(ElicitRequest::METHOD) => serde_json::from_value(v).map(InputRequest::Elicit),
            other => {
                return Err(D::Error::custom(format!(
                    "unknown input request method {other:?}"
                )));
            }
        };
        r.map_err(D::Error::custom)
    }
}

impl From<CreateMessageRequest> for InputRequest {
    fn from(r: CreateMessageRequest) -> Self {
        InputRequest::CreateMessage(r)
    }
}

impl From<ListRootsRequest> for InputRequest {
    fn from(r: ListRootsRequest) -> Self {
        InputRequest::ListRoots(r)
    }
}

impl From<ElicitRequest> for InputRequest {
    fn from(r: ElicitRequest) -> Self {
        InputRequest::Elicit(r)
    }
}

/// The client's answer to an [`InputRequest`] (`InputResponse`), told apart by
/// its required fields (`model`, `roots`, `action`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InputResponse {
    /// Answer to `sampling/createMessage`.
    CreateMessage(CreateMessageResult),
    /// Answer to `roots/list`.
    ListRoots(ListRootsResult),
    /// Answer to `elicitation/create`.
    Elicit(ElicitResult),
}

impl From<CreateMessageResult> for InputResponse {
    fn from(r: CreateMessageResult) -> Self {
        InputResponse::CreateMessage(r)
    }
}

impl From<ListRootsResult> for InputResponse {
    fn from(r: ListRootsResult) -> Self {
        InputResponse::ListRoots(r)
    }
}

impl From<ElicitResult> for InputResponse {
    fn from(r: ElicitResult) -> Self {
        InputResponse::Elicit(r)
    }
}

/// Input requests by key (`InputRequests`); the client answers under the same keys.
pub type InputRequests = BTreeMap<String, InputRequest>;

/// Input responses by the key of their request (`InputResponses`).
pub type InputResponses = BTreeMap<String, InputResponse>;

/// A result asking the client for input before the request can complete
/// (`InputRequiredResult`, `"resultType": "input_required"`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InputRequiredResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"input_required"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    /// What the client must answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_requests: Option<InputRequests>,
    /// Opaque state the client echoes on retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
}

impl InputRequiredResult {
    /// An `input_required` result.
    pub fn new(input_requests: Option<InputRequests>, request_state: Option<String>) -> Self {
        InputRequiredResult {
            meta: None,
            result_type: Some(ResultType::InputRequired),
            input_requests,
            request_state,
        }
    }
}

/// The retry fields every MRTR-capable request's parameters carry
/// (`InputResponseRequestParams`; flattened into the concrete params types).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InputResponseRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Answers to the input requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_responses: Option<InputResponses>,
    /// The echoed `requestState`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
}
