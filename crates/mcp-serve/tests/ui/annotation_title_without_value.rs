use mcp_serve::prelude::*;

/// `title` annotation without a value.
#[tool(annotations(title))]
fn titled() -> String {
    String::new()
}

fn main() {}
