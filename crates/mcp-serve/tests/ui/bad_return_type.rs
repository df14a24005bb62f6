use mcp_serve::prelude::*;

/// Neither a direct output nor `Serialize + JsonSchema`.
struct Opaque {
    value: u32,
}

/// Returns something the server cannot send.
#[tool]
fn opaque() -> Opaque {
    Opaque { value: 1 }
}

fn main() {}
