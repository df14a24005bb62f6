use mcp_serve::prelude::*;

/// `name` is not in the template.
#[resource("users://{id}")]
fn user(id: u64, name: String) -> String {
    format!("{id} {name}")
}

fn main() {}
