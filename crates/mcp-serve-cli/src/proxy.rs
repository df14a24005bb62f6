//! `mcp-serve proxy` (being built).

use std::process::ExitCode;

use crate::target::TargetArgs;

/// `mcp-serve proxy`.
#[derive(Debug, clap::Args)]
pub(crate) struct ProxyArgs {
    /// The server unless it follows `--`.
    #[arg(value_name = "TARGET")]
    items: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs the proxy.
pub(crate) async fn run(mut args: ProxyArgs) -> anyhow::Result<ExitCode> {
    let target = args.target.resolve(&mut args.items)?;
    anyhow::bail!("the proxy is not built yet (target: {})", target.describe())
}
