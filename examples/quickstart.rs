//! The quickstart server: tools (plain, fallible, optional arguments,
//! structured output), a resource, a resource template backed by shared
//! state, and a prompt.
//!
//! ```text
//! cargo run --example quickstart                          # stdio
//! cargo run --example quickstart -- --http 127.0.0.1:8000 # Streamable HTTP at /mcp
//! ```

use std::collections::HashMap;

use mcp_serve::prelude::*;
use serde::Serialize;

/// Add two numbers.
#[tool(annotations(read_only, idempotent))]
async fn add(#[arg(desc = "The first number")] a: f64, #[arg(desc = "The second number")] b: f64) -> f64 {
    a + b
}

/// Divide one number by another.
#[tool(annotations(read_only, idempotent))]
fn divide(a: f64, b: f64) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::new("division by zero: b must not be 0"));
    }
    Ok(a / b)
}

/// Greet someone by name.
#[tool]
fn greet(
    #[arg(desc = "Who to greet")] name: String,
    #[arg(desc = "The greeting to use (default: Hello)")] greeting: Option<String>,
) -> String {
    format!("{}, {name}!", greeting.as_deref().unwrap_or("Hello"))
}

/// Summary statistics of a list of numbers.
#[derive(Serialize, schemars::JsonSchema)]
struct Stats {
    /// How many numbers there are.
    count: usize,
    /// Their sum.
    sum: f64,
    /// Their arithmetic mean.
    mean: f64,
    /// The smallest.
    min: f64,
    /// The largest.
    max: f64,
}

/// Compute count, sum, mean, min and max of a list of numbers.
#[tool(annotations(read_only, idempotent))]
fn stats(#[arg(desc = "The numbers to summarise")] numbers: Vec<f64>) -> Result<Stats, ToolError> {
    if numbers.is_empty() {
        return Err(ToolError::new("numbers must not be empty"));
    }
    let sum: f64 = numbers.iter().sum();
    Ok(Stats {
        count: numbers.len(),
        sum,
        mean: sum / numbers.len() as f64,
        min: numbers.iter().copied().fold(f64::INFINITY, f64::min),
        max: numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    })
}

/// The application's configuration.
#[resource("config://app", name = "app-config", mime = "application/json")]
fn config() -> String {
    r#"{"theme":"dark","version":"1.0.0"}"#.to_owned()
}

/// A user, as stored in the example's database.
#[derive(Clone, Serialize, schemars::JsonSchema)]
struct User {
    id: u64,
    name: String,
}

/// A stand-in for a real database, shared with handlers through `State<Db>`.
struct Db {
    users: HashMap<u64, User>,
}

impl Db {
    fn connect() -> Self {
        let users = [(1, "Ada Lovelace"), (2, "Alan Turing"), (3, "Grace Hopper")]
            .into_iter()
            .map(|(id, name)| {
                (
                    id,
                    User {
                        id,
                        name: name.to_owned(),
                    },
                )
            })
            .collect();
        Db { users }
    }
}

/// Look a user up by id.
#[resource("users://{id}/profile", name = "user-profile", mime = "application/json")]
async fn profile(id: u64, db: State<Db>) -> Result<User, McpError> {
    db.users
        .get(&id)
        .cloned()
        .ok_or_else(|| McpError::resource_not_found(&format!("users://{id}/profile")))
}

/// Review a piece of code.
#[prompt]
fn review(
    #[arg(desc = "The code to review")] code: String,
    #[arg(desc = "The programming language")] language: Option<String>,
) -> Vec<PromptMessage> {
    let text = match language {
        Some(lang) => format!("Please review this {lang} code:\n\n{code}"),
        None => format!("Please review this code:\n\n{code}"),
    };
    vec![PromptMessage::user_text(text)]
}

fn main() -> anyhow::Result<()> {
    // Logs go to stderr: stdout belongs to the protocol.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();

    Server::new("quickstart", env!("CARGO_PKG_VERSION"))
        .instructions("A small demo server: arithmetic, statistics, user profiles and a code-review prompt.")
        .tool(add)
        .tool(divide)
        .tool(greet)
        .tool(stats)
        .resource(config)
        .resource(profile)
        .prompt(review)
        .state(Db::connect())
        // stdio, or HTTP with `--http 127.0.0.1:8000`, each on a runtime suited to it.
        .run_blocking()?;
    Ok(())
}
