use mcp_serve::prelude::*;

/// Neither `Deserialize + JsonSchema` nor an extractor.
struct Opaque {
    value: u32,
}

/// Takes something the client cannot send.
#[tool]
fn takes(thing: Opaque) -> u32 {
    thing.value
}

fn main() {}
