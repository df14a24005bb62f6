//! `mcp-serve dev`: the web inspector (being built).

use std::process::ExitCode;

use crate::target::TargetArgs;

/// `mcp-serve dev`.
#[derive(Debug, clap::Args)]
pub(crate) struct DevArgs {
    /// The server unless it follows `--`.
    #[arg(value_name = "TARGET")]
    items: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
}

/// Runs the inspector.
pub(crate) async fn run(mut args: DevArgs) -> anyhow::Result<ExitCode> {
    let target = args.target.resolve(&mut args.items)?;
    anyhow::bail!("the inspector is not built yet (target: {})", target.describe())
}
