use mcp_serve::prelude::*;

/// Unknown annotation.
#[tool(annotations(read_only, readonly))]
fn annotated() -> String {
    String::new()
}

fn main() {}
