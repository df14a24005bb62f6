use mcp_serve::prelude::*;

/// Not a `FromContext` type.
struct Opaque {
    value: u32,
}

/// Marks a plain type as injected.
#[tool]
fn takes(#[ctx] thing: Opaque) -> u32 {
    thing.value
}

fn main() {}
