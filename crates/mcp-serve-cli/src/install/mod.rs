//! `mcp-serve install` (being built).

use std::process::ExitCode;

/// `mcp-serve install`.
#[derive(Debug, clap::Args)]
pub(crate) struct InstallArgs {
    /// The client.
    client: String,
}

/// Installs a server into a client's config.
pub(crate) async fn run(args: InstallArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("install into {} is not built yet", args.client)
}
