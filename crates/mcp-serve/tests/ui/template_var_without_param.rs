use mcp_serve::prelude::*;

/// `{repo}` has no parameter.
#[resource("repos://{owner}/{repo}")]
fn repo(owner: String) -> String {
    owner
}

fn main() {}
