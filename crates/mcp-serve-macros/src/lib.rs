//! The attribute macros of [mcp-serve](https://docs.rs/mcp-serve):
//! `#[tool]`, `#[resource("uri")]` and `#[prompt]`.
//!
//! Each turns a free function (sync or async) into a unit struct of the same
//! name that registers with `Server::tool` / `resource` / `prompt`; the
//! function itself stays callable as `name::call(...)`. Plain parameters
//! become the input schema (doc comments → descriptions, `Option<T>` → not
//! required, `#[arg(default = ...)]` → default); parameters whose type is an
//! extractor (`Context`, `State<T>`, `RequestMeta`, `ClientInfo`,
//! `HttpRequest`, `ProtocolVersion`, or any type marked `#[ctx]`) are
//! injected. A `State<T>` parameter is also recorded on the registration, so
//! a server built without `.state(value)` of that type is refused. Use them
//! through `mcp_serve::prelude`.
//!
//! A sync function runs on tokio's blocking pool (`spawn_blocking`) when
//! called, so a slow one holds up neither the transport nor other requests;
//! its parameters and return type must then be `Send + 'static`. The hop to
//! another thread costs microseconds per call: a sync function that always
//! finishes in microseconds (arithmetic, formatting) may say `inline`
//! (`#[tool(inline)]`) to run where the request is handled instead, which
//! holds everything else on that thread while it runs. An async function
//! runs on the runtime, and must not block it.
//!
//! Because the function's name becomes a unit struct, it also claims that name
//! in patterns: a `let add = ...` or a parameter named `add` in the same module
//! would match the struct instead of binding. Give such bindings other names
//! (or put handlers in their own module).
//!
//! ```ignore
//! use mcp_serve::prelude::*;
//!
//! /// Add two numbers.
//! #[tool(annotations(read_only, idempotent))]
//! async fn add(#[arg(desc = "the first number")] a: f64, b: f64) -> f64 { a + b }
//! ```

mod args;
mod attrs;
mod expand;

use proc_macro::TokenStream;

/// Turns a function into an MCP tool.
///
/// Options: `name = "..."`, `title = "..."`, `description = "..."` (default:
/// the doc comment), `annotations(read_only, destructive, idempotent,
/// open_world, title = "...")`, `task` / `task = "required"`, `scopes = ["..."]`
/// (what the caller must be granted, see `mcp_serve::auth`), `tags = ["..."]`
/// (groups to enable, disable or filter by, see `Server::exclude_tags`), `inline` (a
/// sync function that always finishes in microseconds runs where the
/// request is handled, not on the blocking pool; see the crate docs).
///
/// A return type with a direct conversion (`String`, numbers, `()`,
/// `CallToolResult`, content blocks, `Json<T>`) is sent as is; any other
/// `Serialize + JsonSchema` type becomes `structuredContent` with an
/// `outputSchema`. `Result<T, E>` reports `Err` as a tool error.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(expand::Kind::Tool, attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Turns a function into an MCP resource (a fixed URI) or resource template
/// (a URI with `{variables}`, each matched by a parameter of the same name).
///
/// Options after the URI: `name = "..."`, `title = "..."`, `description =
/// "..."`, `mime = "..."`, `scopes`, `tags`, `inline` (as for `#[tool]`).
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(expand::Kind::Resource, attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Turns a function into an MCP prompt. Its parameters are the prompt's
/// arguments.
///
/// Options: `name = "..."`, `title = "..."`, `description = "..."`,
/// `scopes`, `tags`, `inline` (as for `#[tool]`).
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(expand::Kind::Prompt, attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
