//! Test helpers, public so users test their servers the way we test ours:
//! a [`TestClient`] talks to a server in-process, in either era.
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::testing::TestClient;
//!
//! /// Add two numbers.
//! #[tool]
//! fn add(a: f64, b: f64) -> f64 { a + b }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! for client in [TestClient::modern(Server::new("t", "1").tool(add)).await?,
//!                TestClient::legacy(Server::new("t", "1").tool(add)).await?] {
//!     let r = client.call_tool("add", serde_json::json!({"a": 1, "b": 2})).await?;
//!     assert_eq!(r.content[0].as_text(), Some("3"));
//! }
//! # Ok(()) }
//! ```

use std::ops::Deref;

use mcp_serve_core::version::ProtocolVersion;

use crate::client::{Client, ClientError, ClientOptions, Era};
use crate::server::{Server, ServerHandle};

/// A client connected in-process to a server under test. Derefs to [`Client`].
#[derive(Debug, Clone)]
pub struct TestClient {
    client: Client,
    server: ServerHandle,
}

/// Why a test client could not start.
#[derive(Debug, thiserror::Error)]
pub enum TestClientError {
    /// The server has a registration error.
    #[error(transparent)]
    Registration(#[from] crate::engine::RegistrationError),
    /// The handshake failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl TestClient {
    /// A client of the modern era (2026-07-28).
    ///
    /// # Errors
    /// A registration error or a failed handshake.
    pub async fn modern(server: Server) -> Result<Self, TestClientError> {
        Self::with_era(server, Era::Modern).await
    }

    /// A client of the newest legacy era (2025-11-25, `initialize`).
    ///
    /// # Errors
    /// A registration error or a failed handshake.
    pub async fn legacy(server: Server) -> Result<Self, TestClientError> {
        Self::with_era(server, Era::Legacy(ProtocolVersion::LATEST_LEGACY)).await
    }

    /// A client of a given era.
    ///
    /// # Errors
    /// A registration error or a failed handshake.
    pub async fn with_era(server: Server, era: Era) -> Result<Self, TestClientError> {
        let server = server.into_handle()?;
        Self::connect(
            &server,
            ClientOptions {
                era,
                ..Default::default()
            },
        )
        .await
    }

    /// A client of an already built server, with any options.
    ///
    /// # Errors
    /// A failed handshake.
    pub async fn connect(server: &ServerHandle, options: ClientOptions) -> Result<Self, TestClientError> {
        let client = Client::connect_in_memory(server, options).await?;
        Ok(TestClient {
            client,
            server: server.clone(),
        })
    }

    /// The server, to change it while the test runs.
    pub fn server(&self) -> &ServerHandle {
        &self.server
    }
}

impl Deref for TestClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}
