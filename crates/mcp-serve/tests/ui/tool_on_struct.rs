use mcp_serve::prelude::*;

/// Not a function.
#[tool]
struct NotAFunction {
    field: u32,
}

fn main() {}
