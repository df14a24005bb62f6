//! Compile-time choices the macros make by type (autoref specialisation).
//!
//! How a handler's return value is converted: a type with a direct conversion
//! (text, content blocks, results, ...) is used as is; any other `Serialize +
//! JsonSchema` type is wrapped in [`Json`] so it becomes structured output,
//! also inside `Result<T, E>` and `Option<T>`. A type that fits none of these
//! falls through to [`Unsupported`], whose `wrap` requires [`ToolReturn`] or
//! [`ResourceReturn`]: traits with no implementations whose
//! `#[diagnostic::on_unimplemented]` message says what may be returned. The
//! error is then that sentence, at the return type, instead of a failed
//! method lookup on these internals.
//!
//! Likewise [`ArgProbe`] checks each parameter the client fills in, so that
//! one that is neither `Deserialize + JsonSchema` nor an extractor is reported
//! first with what an argument must be (the argument struct's derives then
//! fail on it too).

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

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

/// What the probed value is returned from: a tool.
pub enum ForTool {}
/// What the probed value is returned from: a resource.
pub enum ForResource {}

/// `K` says what the value is returned from ([`ForTool`], [`ForResource`]),
/// so that a type no kind accepts gets the message for that kind.
pub struct Probe<T, K>(PhantomData<fn() -> (T, K)>);
// Copy so the by-value impls are reachable through the autoref receiver.
impl<T, K> Clone for Probe<T, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, K> Copy for Probe<T, K> {}
impl<T, K> Probe<T, K> {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

pub struct Direct<T>(PhantomData<T>);
pub struct StructuredResult<T>(PhantomData<T>);
pub struct StructuredValue<T>(PhantomData<T>);
pub struct StructuredOption<T>(PhantomData<T>);
/// No conversion applies: `wrap` then fails with a bound that explains what
/// may be returned (rather than the method lookup failing on these traits).
pub struct Unsupported<T, K>(PhantomData<fn() -> (T, K)>);

// The receiver is `&&&Probe`: the first impl whose receiver and bounds fit,
// from the most references down, is the one used.
pub trait DirectKind<T> {
    fn kind(self) -> Direct<T>;
}
impl<T: PlainOutput, K> DirectKind<T> for &&&Probe<T, K> {
    fn kind(self) -> Direct<T> {
        Direct(PhantomData)
    }
}
pub trait StructuredResultKind<T> {
    fn kind(self) -> StructuredResult<T>;
}
impl<T: Serialize + JsonSchema, E, K> StructuredResultKind<Result<T, E>> for &&Probe<Result<T, E>, K> {
    fn kind(self) -> StructuredResult<Result<T, E>> {
        StructuredResult(PhantomData)
    }
}
pub trait StructuredOptionKind<T> {
    fn kind(self) -> StructuredOption<T>;
}
impl<T: Serialize + JsonSchema, K> StructuredOptionKind<Option<T>> for &&Probe<Option<T>, K> {
    fn kind(self) -> StructuredOption<Option<T>> {
        StructuredOption(PhantomData)
    }
}
pub trait StructuredValueKind<T> {
    fn kind(self) -> StructuredValue<T>;
}
impl<T: Serialize + JsonSchema, K> StructuredValueKind<T> for &Probe<T, K> {
    fn kind(self) -> StructuredValue<T> {
        StructuredValue(PhantomData)
    }
}
pub trait UnsupportedKind<T, K> {
    fn kind(self) -> Unsupported<T, K>;
}
impl<T, K> UnsupportedKind<T, K> for Probe<T, K> {
    fn kind(self) -> Unsupported<T, K> {
        Unsupported(PhantomData)
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
impl<T> Unsupported<T, ForTool> {
    pub fn wrap(self, _: T) -> Self
    where
        T: ToolReturn,
    {
        self
    }
}
impl<T> Unsupported<T, ForResource> {
    pub fn wrap(self, _: T) -> Self
    where
        T: ResourceReturn,
    {
        self
    }
}

/// Names what a tool may return. Only ever required of a type none of the
/// conversions above accept, so the error it raises is the one a user reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool: return text, a number, content blocks, `CallToolResult`, `Json<T>`, or a type that derives `Serialize` and `JsonSchema` (inside `Result<_, ToolError>` to fail)",
    label = "not something a tool can return",
    note = "for your own type, add `#[derive(serde::Serialize, schemars::JsonSchema)]`: it becomes structured content with an output schema"
)]
pub trait ToolReturn {}

/// Names what a resource may return, like [`ToolReturn`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource: return text, a `Blob`, `ResourceContents`, `ReadResourceResult`, `Json<T>`, or a type that derives `Serialize` and `JsonSchema` (inside `Option<_>` for not found, `Result<_, McpError>` to fail)",
    label = "not something a resource can return",
    note = "for your own type, add `#[derive(serde::Serialize, schemars::JsonSchema)]`: it is sent as JSON text"
)]
pub trait ResourceReturn {}

// An `Unsupported` never reaches run time (its `wrap` cannot be called);
// these impls only keep the code after the failed bound free of more errors.
impl<T> crate::tool::IntoToolOutput for Unsupported<T, ForTool> {
    fn into_tool_result(self) -> Result<mcp_serve_core::types::CallToolResult, crate::error::ToolError> {
        Err(crate::error::ToolError::new("unsupported return type"))
    }
}
impl<T> crate::resource::IntoResourceContents for Unsupported<T, ForResource> {
    fn into_contents(
        self,
        _uri: &str,
    ) -> Result<Vec<mcp_serve_core::types::ResourceContents>, crate::error::McpError> {
        Err(crate::error::McpError::internal("unsupported return type"))
    }
}

/// The output schema of what a wrapping function produces.
pub fn tool_output_schema<R, W: crate::tool::IntoToolOutput>(
    _wrap: fn(R) -> W,
) -> fn(&crate::schema::SchemaSettings) -> Option<serde_json::Value> {
    W::output_schema
}

/// What the probed parameter is filled in for: a prompt.
pub enum ForPrompt {}

/// Checks a parameter the client fills in (not an extractor) before the
/// argument struct's derives fail on it, so the first error says what an
/// argument must be: `(&ArgProbe::<T, K>::new()).arg_kind().check()`.
pub struct ArgProbe<T, K>(PhantomData<fn() -> (T, K)>);
impl<T, K> Clone for ArgProbe<T, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, K> Copy for ArgProbe<T, K> {}
impl<T, K> ArgProbe<T, K> {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        ArgProbe(PhantomData)
    }
}

pub struct ArgAccepted;
pub struct ArgRejected<T, K>(PhantomData<fn() -> (T, K)>);

pub trait ArgAcceptedKind {
    fn arg_kind(self) -> ArgAccepted;
}
impl<T: DeserializeOwned + JsonSchema, K> ArgAcceptedKind for &ArgProbe<T, K> {
    fn arg_kind(self) -> ArgAccepted {
        ArgAccepted
    }
}
pub trait ArgRejectedKind<T, K> {
    fn arg_kind(self) -> ArgRejected<T, K>;
}
impl<T, K> ArgRejectedKind<T, K> for ArgProbe<T, K> {
    fn arg_kind(self) -> ArgRejected<T, K> {
        ArgRejected(PhantomData)
    }
}

impl ArgAccepted {
    pub fn check(self) {}
}

// The traits below are never implemented: they are required only of a type
// that is not an argument, to say what an argument must be.

/// A parameter of a `#[tool]` function that the client fills in.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool argument: it must derive `Deserialize` and `JsonSchema`, or be an extractor",
    label = "neither an argument the client sends nor an extractor",
    note = "an argument the client sends derives `serde::Deserialize` and `schemars::JsonSchema`",
    note = "values from the request context are extractors: `Context`, `State<T>`, `RequestMeta`, `ClientInfo`, `HttpRequest`, `ProtocolVersion`, or your own `FromContext` type marked `#[ctx]`"
)]
pub trait ToolArgument {}

/// A parameter of a `#[resource]` function, filled from the URI.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a URI template variable: it must derive `Deserialize` and `JsonSchema`, or be an extractor",
    label = "neither a template variable nor an extractor",
    note = "a template variable derives `serde::Deserialize` and `schemars::JsonSchema` (strings, numbers and booleans do)",
    note = "values from the request context are extractors: `Context`, `State<T>`, `RequestMeta`, `ClientInfo`, `HttpRequest`, `ProtocolVersion`, or your own `FromContext` type marked `#[ctx]`"
)]
pub trait ResourceArgument {}

/// A parameter of a `#[prompt]` function that the client fills in.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a prompt argument: it must derive `Deserialize` and `JsonSchema`, or be an extractor",
    label = "neither an argument the client sends nor an extractor",
    note = "an argument the client sends derives `serde::Deserialize` and `schemars::JsonSchema`",
    note = "values from the request context are extractors: `Context`, `State<T>`, `RequestMeta`, `ClientInfo`, `HttpRequest`, `ProtocolVersion`, or your own `FromContext` type marked `#[ctx]`"
)]
pub trait PromptArgument {}

impl<T> ArgRejected<T, ForTool> {
    pub fn check(self)
    where
        T: ToolArgument,
    {
    }
}
impl<T> ArgRejected<T, ForResource> {
    pub fn check(self)
    where
        T: ResourceArgument,
    {
    }
}
impl<T> ArgRejected<T, ForPrompt> {
    pub fn check(self)
    where
        T: PromptArgument,
    {
    }
}
