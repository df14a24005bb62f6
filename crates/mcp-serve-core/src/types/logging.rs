//! Logging: `notifications/message` and the legacy `logging/setLevel`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::serde_util::message;
use crate::meta::Meta;

/// Severity of a log message (`LoggingLevel`, RFC 5424), ordered from `Debug`
/// (least) to `Emergency` (most).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoggingLevel {
    /// `debug`.
    Debug,
    /// `info`.
    Info,
    /// `notice`.
    Notice,
    /// `warning`.
    Warning,
    /// `error`.
    Error,
    /// `critical`.
    Critical,
    /// `alert`.
    Alert,
    /// `emergency`.
    Emergency,
}

/// Parameters of the legacy `logging/setLevel` (`SetLevelRequestParams`, up to
/// `2025-11-25`; modern clients send [`meta::LOG_LEVEL`](crate::meta::LOG_LEVEL) instead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SetLevelRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The minimum level to send.
    pub level: LoggingLevel,
}

message!(
    /// `logging/setLevel` (legacy, up to `2025-11-25`).
    SetLevelRequest, "logging/setLevel", required SetLevelRequestParams
);

impl Default for SetLevelRequestParams {
    fn default() -> Self {
        SetLevelRequestParams {
            meta: None,
            level: LoggingLevel::Info,
        }
    }
}

/// Parameters of `notifications/message` (`LoggingMessageNotificationParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoggingMessageNotificationParams {
    /// Notification metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The severity.
    pub level: LoggingLevel,
    /// The name of the logger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logger: Option<String>,
    /// The message: any JSON.
    pub data: Value,
}

impl Default for LoggingMessageNotificationParams {
    fn default() -> Self {
        LoggingMessageNotificationParams {
            meta: None,
            level: LoggingLevel::Info,
            logger: None,
            data: Value::Null,
        }
    }
}

impl LoggingMessageNotificationParams {
    /// A log message.
    pub fn new(level: LoggingLevel, data: impl Into<Value>) -> Self {
        LoggingMessageNotificationParams {
            level,
            data: data.into(),
            ..Default::default()
        }
    }
}

message!(
    /// `notifications/message`: a log message from the server.
    LoggingMessageNotification, "notifications/message", required LoggingMessageNotificationParams
);

impl SetLevelRequestParams {
    /// Asks for messages at `level` and above.
    ///
    /// ```
    /// use mcp_serve_core::types::{LoggingLevel, SetLevelRequestParams};
    /// assert_eq!(SetLevelRequestParams::new(LoggingLevel::Info).level, LoggingLevel::Info);
    /// ```
    pub fn new(level: LoggingLevel) -> Self {
        SetLevelRequestParams { meta: None, level }
    }
}
