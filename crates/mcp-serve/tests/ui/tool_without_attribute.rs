use mcp_serve::prelude::*;

/// Add two numbers (but no `#[tool]`).
fn add(a: f64, b: f64) -> f64 {
    a + b
}

fn main() {
    let _ = Server::new("calc", "1.0.0").tool(add);
}
