//! `mcp-serve`: try an MCP server in a web inspector, script against it, put it
//! into an AI client, or bridge it between stdio and HTTP.
//!
//! ```text
//! mcp-serve dev -- cargo run --example quickstart
//! mcp-serve call ./target/debug/examples/quickstart add a=2 b=3
//! mcp-serve install claude-desktop weather -- /usr/local/bin/weather-server
//! mcp-serve proxy --http 127.0.0.1:8080 -- ./server
//! mcp-serve openapi https://api.example.com/openapi.json --http 127.0.0.1:8080
//! ```

mod config;
mod dev;
mod exit;
mod install;
mod openapi;
mod proxy;
mod script;
mod target;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Build, try and ship Model Context Protocol servers.
#[derive(Debug, Parser)]
#[command(name = "mcp-serve", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Log more (repeat for more detail); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run or connect to a server and open the web inspector.
    Dev(dev::DevArgs),
    /// List a server's tools, resources, templates and prompts.
    List(script::ListArgs),
    /// Call a tool: `mcp-serve call <target> <tool> key=value …`.
    Call(script::CallArgs),
    /// Read a resource: `mcp-serve read <target> <uri>`.
    Read(script::ReadArgs),
    /// Get a prompt: `mcp-serve prompt <target> <name> key=value …`.
    Prompt(script::PromptArgs),
    /// Add a server to an MCP client's configuration.
    Install(install::InstallArgs),
    /// Expose a stdio server over HTTP, an HTTP server over stdio, or a whole MCP config as one server.
    Proxy(proxy::ProxyArgs),
    /// Serve an HTTP API's OpenAPI document as MCP tools (stdio, or --http ADDR).
    Openapi(openapi::OpenApiArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::INTERNAL);
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Dev(args) => dev::run(args).await,
            Command::List(args) => script::list(args).await,
            Command::Call(args) => script::call(args).await,
            Command::Read(args) => script::read(args).await,
            Command::Prompt(args) => script::prompt(args).await,
            Command::Install(args) => install::run(args).await,
            Command::Proxy(args) => proxy::run(args).await,
            Command::Openapi(args) => openapi::run(args).await,
            Command::Completions { shell } => {
                clap_complete::generate(shell, &mut Cli::command(), "mcp-serve", &mut std::io::stdout());
                Ok(ExitCode::SUCCESS)
            }
        }
    });
    // Child servers and streams end with the runtime; don't wait for stragglers.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::code_for(&e))
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,mcp_serve=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MCP_SERVE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
