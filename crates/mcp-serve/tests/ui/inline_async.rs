use mcp_serve::prelude::*;

/// `inline` only means something for a plain `fn`.
#[tool(inline)]
async fn quick() -> String {
    String::new()
}

fn main() {}
