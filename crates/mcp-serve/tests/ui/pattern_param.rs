use mcp_serve::prelude::*;

/// Add a pair.
#[tool]
fn add_pair((a, b): (i32, i32)) -> i32 {
    a + b
}

fn main() {}
