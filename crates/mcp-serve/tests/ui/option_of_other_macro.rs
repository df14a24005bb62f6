use mcp_serve::prelude::*;

/// `mime` belongs to #[resource], not #[tool].
#[tool(mime = "text/plain")]
fn wrong_option() -> String {
    String::new()
}

fn main() {}
