//! Compile-time choice of how a handler's return value is converted, used by
//! the macros (autoref specialisation): a type with a direct conversion (text,
//! content blocks, results, ...) is used as is; any other `Serialize +
//! JsonSchema` type is wrapped in [`Json`] so it becomes structured output,
//! also inside `Result<T, E>` and `Option<T>`.

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::Serialize;

use crate::tool::Json;

/// Types that convert to handler output directly, without `Json`.
pub trait PlainOutput {}

macro_rules! plain {
    ($($t:ty),*) => {$( impl PlainOutput for $t {} )*};
}
plain!(
    String,
    &'static str,
    std::borrow::Cow<'static, str>,
    (),
    bool,
    char,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    mcp_serve_core::types::CallToolResult,
    mcp_serve_core::types::ContentBlock,
    mcp_serve_core::types::ResourceContents,
    mcp_serve_core::types::ReadResourceResult,
    mcp_serve_core::types::GetPromptResult,
    mcp_serve_core::types::PromptMessage,
    crate::resource::Blob
);
impl PlainOutput for Vec<mcp_serve_core::types::ContentBlock> {}
impl PlainOutput for Vec<mcp_serve_core::types::ResourceContents> {}
impl PlainOutput for Vec<mcp_serve_core::types::PromptMessage> {}
impl<T> PlainOutput for Json<T> {}
impl<T: PlainOutput> PlainOutput for Option<T> {}
impl<T: PlainOutput, E> PlainOutput for Result<T, E> {}

pub struct Probe<T>(PhantomData<T>);
// Copy so the by-value impl is reachable through the autoref receiver.
impl<T> Clone for Probe<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Probe<T> {}
impl<T> Probe<T> {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

pub struct Direct<T>(PhantomData<T>);
pub struct StructuredResult<T>(PhantomData<T>);
pub struct StructuredValue<T>(PhantomData<T>);
pub struct StructuredOption<T>(PhantomData<T>);

pub trait DirectKind<T> {
    fn kind(self) -> Direct<T>;
}
impl<T: PlainOutput> DirectKind<T> for &&Probe<T> {
    fn kind(self) -> Direct<T> {
        Direct(PhantomData)
    }
}
pub trait StructuredResultKind<T> {
    fn kind(self) -> StructuredResult<T>;
}
impl<T: Serialize + JsonSchema, E> StructuredResultKind<Result<T, E>> for &Probe<Result<T, E>> {
    fn kind(self) -> StructuredResult<Result<T, E>> {
        StructuredResult(PhantomData)
    }
}
pub trait StructuredOptionKind<T> {
    fn kind(self) -> StructuredOption<T>;
}
impl<T: Serialize + JsonSchema> StructuredOptionKind<Option<T>> for &Probe<Option<T>> {
    fn kind(self) -> StructuredOption<Option<T>> {
        StructuredOption(PhantomData)
    }
}
pub trait StructuredValueKind<T> {
    fn kind(self) -> StructuredValue<T>;
}
impl<T: Serialize + JsonSchema> StructuredValueKind<T> for Probe<T> {
    fn kind(self) -> StructuredValue<T> {
        StructuredValue(PhantomData)
    }
}

impl<T> Direct<T> {
    pub fn wrap(self, v: T) -> T {
        v
    }
}
impl<T, E> StructuredResult<Result<T, E>> {
    pub fn wrap(self, v: Result<T, E>) -> Result<Json<T>, E> {
        v.map(Json)
    }
}
impl<T> StructuredOption<Option<T>> {
    /// `None` stays `None` (no content; for a resource, not found).
    pub fn wrap(self, v: Option<T>) -> Option<Json<T>> {
        v.map(Json)
    }
}
impl<T> StructuredValue<T> {
    pub fn wrap(self, v: T) -> Json<T> {
        Json(v)
    }
}

/// The output schema of what a wrapping function produces.
pub fn tool_output_schema<R, W: crate::tool::IntoToolOutput>(
    _wrap: fn(R) -> W,
) -> fn(&crate::schema::SchemaSettings) -> Option<serde_json::Value> {
    W::output_schema
}
