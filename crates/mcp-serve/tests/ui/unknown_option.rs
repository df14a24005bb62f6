use mcp_serve::prelude::*;

/// Misspelt option.
#[tool(nmae = "x")]
fn misspelt() -> String {
    String::new()
}

fn main() {}
