//! Attribute macros of mcp-serve: `#[tool]`, `#[resource("uri")]`, `#[prompt]`.
use proc_macro::TokenStream;

/// Turns a function into a tool.
#[proc_macro_attribute]
pub fn tool(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Turns a function into a resource.
#[proc_macro_attribute]
pub fn resource(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Turns a function into a prompt.
#[proc_macro_attribute]
pub fn prompt(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
