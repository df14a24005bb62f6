use mcp_serve::prelude::*;

/// Unknown argument option.
#[tool]
fn bogus(#[arg(bogus = 1)] x: i32) -> i32 {
    x
}

fn main() {}
