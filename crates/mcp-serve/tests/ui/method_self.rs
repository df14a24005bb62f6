use mcp_serve::prelude::*;

struct Calculator;

impl Calculator {
    /// Add a number to the calculator's base.
    #[tool]
    fn add(&self, a: f64) -> f64 {
        a
    }
}

fn main() {}
