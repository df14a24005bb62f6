use mcp_serve::prelude::*;

/// Neither resource contents nor `Serialize + JsonSchema`.
struct Opaque {
    value: u32,
}

/// Reads something the server cannot send.
#[resource("opaque://thing")]
fn opaque() -> Opaque {
    Opaque { value: 1 }
}

fn main() {}
