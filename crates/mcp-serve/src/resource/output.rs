//! Turning what a resource handler returns into resource contents.

use base64::Engine as _;
use mcp_serve_core::types::{
    BlobResourceContents, ReadResourceResult, ResourceContents, TextResourceContents,
};
use serde::Serialize;

use crate::error::McpError;
use crate::tool::Json;

/// A value a resource handler can return.
///
/// Strings become text contents, [`Blob`] binary contents (base64 on the
/// wire), [`Json<T>`] (or, with `#[resource]`, any `Serialize` type) JSON text
/// with MIME type `application/json`. The resource's declared MIME type fills
/// in where the value has none.
///
/// ```
/// use mcp_serve::resource::IntoResourceContents;
/// let c = "hello".to_string().into_contents("memo://1").unwrap();
/// assert_eq!(c.len(), 1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource handler: return text, a `Blob`, `ResourceContents`, `Vec<ResourceContents>`, `ReadResourceResult` or `Json<T>` (inside `Option<_>` for not found, `Result<_, McpError>` to fail)",
    label = "not something a resource can return",
    note = "a type that derives `Serialize` is returned as `Json(value)`, which sends it as JSON text"
)]
pub trait IntoResourceContents: Send {
    /// The contents.
    ///
    /// # Errors
    /// The protocol error the client gets (e.g. not found).
    fn into_contents(self, uri: &str) -> Result<Vec<ResourceContents>, McpError>;
}

fn text(uri: &str, text: String, mime: Option<&str>) -> ResourceContents {
    let mut contents = TextResourceContents::new(uri, text);
    contents.mime_type = mime.map(str::to_owned);
    ResourceContents::Text(contents)
}

impl IntoResourceContents for String {
    fn into_contents(self, uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        Ok(vec![text(uri, self, None)])
    }
}

impl IntoResourceContents for &'static str {
    fn into_contents(self, uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        Ok(vec![text(uri, self.to_owned(), None)])
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_contents(self, _uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        Ok(vec![self])
    }
}

impl IntoResourceContents for Vec<ResourceContents> {
    fn into_contents(self, _uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        Ok(self)
    }
}

impl IntoResourceContents for ReadResourceResult {
    fn into_contents(self, _uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        Ok(self.contents)
    }
}

impl<T: Serialize + Send> IntoResourceContents for Json<T> {
    fn into_contents(self, uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        let body = serde_json::to_string(&self.0)
            .map_err(|e| McpError::internal(format!("the resource could not be serialized: {e}")))?;
        Ok(vec![text(uri, body, Some("application/json"))])
    }
}

impl<T: IntoResourceContents, E: Into<McpError> + Send> IntoResourceContents for Result<T, E> {
    fn into_contents(self, uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        self.map_err(Into::into)?.into_contents(uri)
    }
}

impl<T: IntoResourceContents> IntoResourceContents for Option<T> {
    /// `None` means the resource does not exist.
    fn into_contents(self, uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        self.ok_or_else(|| McpError::resource_not_found(uri))?
            .into_contents(uri)
    }
}

/// Binary resource contents.
///
/// ```
/// use mcp_serve::resource::{Blob, IntoResourceContents};
/// let c = Blob::new(vec![0, 1, 2], "application/octet-stream").into_contents("bin://x").unwrap();
/// assert_eq!(serde_json::to_value(&c[0]).unwrap()["blob"], "AAEC");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their MIME type.
    pub mime_type: Option<String>,
}

impl Blob {
    /// Bytes with a MIME type.
    pub fn new(bytes: impl Into<Vec<u8>>, mime_type: impl Into<String>) -> Self {
        Blob {
            bytes: bytes.into(),
            mime_type: Some(mime_type.into()),
        }
    }
}

impl IntoResourceContents for Blob {
    fn into_contents(self, uri: &str) -> Result<Vec<ResourceContents>, McpError> {
        let mut contents =
            BlobResourceContents::new(uri, base64::engine::general_purpose::STANDARD.encode(self.bytes));
        contents.mime_type = self.mime_type;
        Ok(vec![ResourceContents::Blob(contents)])
    }
}
