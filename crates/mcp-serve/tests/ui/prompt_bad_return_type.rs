use mcp_serve::prelude::*;

/// Not prompt messages.
struct Opaque {
    value: u32,
}

/// Makes something the server cannot send.
#[prompt]
fn opaque() -> Opaque {
    Opaque { value: 1 }
}

fn main() {}
