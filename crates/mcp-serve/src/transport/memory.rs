//! The in-memory transport: a [`crate::client::Client`] connected to
//! a server in the same process, the way FastMCP tests with `Client(mcp)`.
//!
//! ```
//! use mcp_serve::prelude::*;
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! let server = Server::new("demo", "1.0.0").into_handle()?;
//! let client = mcp_serve::transport::memory::connect(&server).await?;
//! assert!(client.list_tools().await?.tools.is_empty());
//! # Ok(()) }
//! ```

use crate::client::{Client, ClientError, ClientOptions};
use crate::server::ServerHandle;

/// Connects a modern-era client to `server` in this process.
///
/// # Errors
/// When the handshake fails.
pub async fn connect(server: &ServerHandle) -> Result<Client, ClientError> {
    Client::connect_in_memory(server, ClientOptions::default()).await
}
