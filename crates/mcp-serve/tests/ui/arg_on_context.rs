use mcp_serve::prelude::*;

/// Describes an injected parameter.
#[tool]
async fn version(#[arg(desc = "the request context")] ctx: Context) -> String {
    ctx.protocol_version().to_string()
}

fn main() {}
