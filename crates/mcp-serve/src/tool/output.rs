//! Turning what a tool returns into a `CallToolResult`.

use std::borrow::Cow;

use mcp_serve_core::types::{CallToolResult, ContentBlock};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::error::ToolError;
use crate::schema::SchemaSettings;

/// A value a tool can return.
///
/// Text-like values become one text block; [`Json<T>`] becomes
/// `structuredContent` (plus the same JSON as text, for older clients) and
/// gives the tool an `outputSchema`; `Result<T, E>` reports `Err` as a tool
/// error the model sees.
///
/// ```
/// use mcp_serve::tool::IntoToolOutput;
/// let r = 5.0_f64.into_tool_result().unwrap();
/// assert_eq!(serde_json::to_value(&r).unwrap()["content"][0]["text"], "5");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool handler: return text, a number, content blocks, `CallToolResult` or `Json<T>` (inside `Result<_, ToolError>` to fail)",
    label = "not something a tool can return",
    note = "a type that derives `Serialize` and `JsonSchema` is returned as `Json(value)`, which makes it structured content with an output schema"
)]
pub trait IntoToolOutput: Send {
    /// The result.
    ///
    /// # Errors
    /// The tool's failure.
    fn into_tool_result(self) -> Result<CallToolResult, ToolError>;

    /// The output schema this type implies, if any.
    fn output_schema(_settings: &SchemaSettings) -> Option<Value>
    where
        Self: Sized,
    {
        None
    }
}

impl IntoToolOutput for CallToolResult {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(self)
    }
}

impl IntoToolOutput for ContentBlock {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(CallToolResult::success(vec![self]))
    }
}

impl IntoToolOutput for Vec<ContentBlock> {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(CallToolResult::success(self))
    }
}

impl IntoToolOutput for () {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(CallToolResult::default())
    }
}

impl IntoToolOutput for String {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(CallToolResult::text(self))
    }
}

impl IntoToolOutput for &'static str {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(CallToolResult::text(self))
    }
}

impl IntoToolOutput for Cow<'static, str> {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        Ok(CallToolResult::text(self.into_owned()))
    }
}

macro_rules! display_output {
    ($($t:ty),*) => {$(
        impl IntoToolOutput for $t {
            fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
                Ok(CallToolResult::text(self.to_string()))
            }
        }
    )*};
}
display_output!(
    bool, char, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl<T: IntoToolOutput> IntoToolOutput for Option<T> {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        match self {
            Some(v) => v.into_tool_result(),
            None => Ok(CallToolResult::default()),
        }
    }
}

impl<T: IntoToolOutput, E: Into<ToolError> + Send> IntoToolOutput for Result<T, E> {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        self.map_err(Into::into)?.into_tool_result()
    }

    fn output_schema(settings: &SchemaSettings) -> Option<Value> {
        T::output_schema(settings)
    }
}

/// Structured output: the value is sent as `structuredContent` (and as JSON
/// text), and the tool advertises `T`'s schema as its `outputSchema`.
///
/// `#[tool]` functions returning any `Serialize + JsonSchema` type get this
/// without writing `Json`.
///
/// ```
/// use mcp_serve::tool::{IntoToolOutput, Json};
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Sum { total: f64 }
/// let r = Json(Sum { total: 3.0 }).into_tool_result().unwrap();
/// assert_eq!(r.structured_content.unwrap()["total"], 3.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema + Send> IntoToolOutput for Json<T> {
    fn into_tool_result(self) -> Result<CallToolResult, ToolError> {
        structured(&self.0)
    }

    fn output_schema(settings: &SchemaSettings) -> Option<Value> {
        settings.output_schema_for::<T>()
    }
}

pub(crate) fn structured<T: Serialize + ?Sized>(value: &T) -> Result<CallToolResult, ToolError> {
    let value = serde_json::to_value(value)
        .map_err(|e| ToolError::new(format!("the tool's result could not be serialized: {e}")))?;
    let text = value.to_string();
    let mut result = CallToolResult::text(text);
    // Older revisions require structured content to be an object.
    result.structured_content = value.is_object().then_some(value);
    Ok(result)
}
