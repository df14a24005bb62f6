use mcp_serve::prelude::*;

/// A tag that is an empty string groups nothing.
#[tool(tags = ["admin", ""])]
fn tagged() -> String {
    String::new()
}

fn main() {}
