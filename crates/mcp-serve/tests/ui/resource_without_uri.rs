use mcp_serve::prelude::*;

/// No URI.
#[resource]
fn config() -> String {
    String::new()
}

fn main() {}
