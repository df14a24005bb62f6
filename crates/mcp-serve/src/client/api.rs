//! The typed API: one method per MCP request (`server/discover`, `ping`,
//! tools, resources, prompts, completion, logging), each building its params
//! and decoding its result on top of the RPC core ([`Client::request`] and
//! friends). Kept apart from the core so the wire machinery is not buried
//! under a screenful of thin wrappers, and a new request touches only this file.

use mcp_serve_core::types::{
    CallToolResult, CompleteContext, CompleteResult, DiscoverResult, GetPromptResult, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, LoggingLevel, ReadResourceResult,
    Reference,
};
use serde_json::{Value, json};

use super::connect::is_discover;
use super::rpc::decode;
use super::{Client, ClientError, Era, RequestOptions, lock};

impl Client {
    /// `server/discover`: the server's revisions, capabilities and identity.
    /// In the legacy era (which has no such request) the same facts come from
    /// the `initialize` answer.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let d = client.discover().await?;
    /// assert!(d.supported_versions.contains(&"2026-07-28".to_owned()));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request_raw`]; also when the answer is not a `DiscoverResult`.
    pub async fn discover(&self) -> Result<DiscoverResult, ClientError> {
        let v = if self.era() == Era::Modern {
            let d = self.request_raw("server/discover", None).await?;
            if !is_discover(&d) {
                return Err(ClientError::Protocol(format!(
                    "the server answered server/discover with something that is not a DiscoverResult: {d}"
                )));
            }
            self.inner.record_discover(&d);
            d
        } else {
            lock(&self.inner.facts).discover.clone().unwrap_or_default()
        };
        serde_json::from_value(v).map_err(|source| ClientError::Decode {
            method: "server/discover".into(),
            source,
        })
    }

    /// `ping` (legacy; modern servers may not answer it).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions, Era};
    /// use mcp_serve::protocol::version::ProtocolVersion;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let options = ClientOptions::default().era(Era::Legacy(ProtocolVersion::V2025_11_25));
    /// let client = Client::connect_in_memory(&server, options).await?;
    /// client.ping().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request_raw`].
    pub async fn ping(&self) -> Result<(), ClientError> {
        self.request_raw("ping", None).await.map(drop)
    }

    /// Every tool, following pagination. Over modern HTTP, tools whose
    /// `x-mcp-header` annotations are invalid are left out (with a warning),
    /// as the spec requires.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tool] fn a() -> &'static str { "" }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").tool(a).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert_eq!(client.list_tools().await?.tools[0].name, "a");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn list_tools(&self) -> Result<ListToolsResult, ClientError> {
        let mut all: ListToolsResult = self.request("tools/list", None).await?;
        while let Some(cursor) = all.next_cursor.take() {
            let page: ListToolsResult = self
                .request("tools/list", Some(json!({ "cursor": cursor })))
                .await?;
            all.tools.extend(page.tools);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }

    /// Calls a tool. A tool's failure is an `Ok` result with `is_error`.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tool] fn shout(text: String) -> String { text.to_uppercase() }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").tool(shout).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let r = client.call_tool("shout", serde_json::json!({"text": "hi"})).await?;
    /// assert_eq!(r.content[0].as_text(), Some("HI"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<CallToolResult, ClientError> {
        self.call_tool_with(name, arguments, RequestOptions::default())
            .await
    }

    /// Calls a tool with per-call options: progress, cancellation, timeout.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions, RequestOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// /// Works in three steps.
    /// #[tool]
    /// async fn steps(ctx: Context) -> &'static str {
    ///     for i in 1..=3 {
    ///         ctx.progress(f64::from(i), Some(3.0), None).await;
    ///         tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    ///     }
    ///     "done"
    /// }
    ///
    /// let server = Server::new("s", "1").tool(steps).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// let options = RequestOptions::default().on_progress(move |p| log.lock().unwrap().push(p.progress));
    /// client.call_tool_with("steps", serde_json::json!({}), options).await?;
    /// assert_eq!(*seen.lock().unwrap(), vec![1.0, 2.0, 3.0]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request_with`]; also when the result is not a `CallToolResult`.
    pub async fn call_tool_with(
        &self,
        name: &str,
        arguments: Value,
        options: RequestOptions,
    ) -> Result<CallToolResult, ClientError> {
        let v = self
            .request_with(
                "tools/call",
                Some(json!({ "name": name, "arguments": arguments })),
                options,
            )
            .await?;
        decode("tools/call", v)
    }

    /// Every fixed resource, following pagination.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert!(client.list_resources().await?.resources.is_empty());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn list_resources(&self) -> Result<ListResourcesResult, ClientError> {
        let mut all: ListResourcesResult = self.request("resources/list", None).await?;
        while let Some(cursor) = all.next_cursor.take() {
            let page: ListResourcesResult = self
                .request("resources/list", Some(json!({ "cursor": cursor })))
                .await?;
            all.resources.extend(page.resources);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }

    /// Every resource template, following pagination.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert!(client.list_resource_templates().await?.resource_templates.is_empty());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn list_resource_templates(&self) -> Result<ListResourceTemplatesResult, ClientError> {
        let mut all: ListResourceTemplatesResult = self.request("resources/templates/list", None).await?;
        while let Some(cursor) = all.next_cursor.take() {
            let page: ListResourceTemplatesResult = self
                .request("resources/templates/list", Some(json!({ "cursor": cursor })))
                .await?;
            all.resource_templates.extend(page.resource_templates);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }

    /// Reads a resource.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[resource("memo://today")] fn today() -> String { "rain".into() }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").resource(today).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let r = client.read_resource("memo://today").await?;
    /// assert_eq!(r.contents.len(), 1);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, ClientError> {
        self.request("resources/read", Some(json!({ "uri": uri }))).await
    }

    /// `resources/subscribe` (legacy): the server then sends
    /// `notifications/resources/updated` for `uri`.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions, Era};
    /// use mcp_serve::protocol::version::ProtocolVersion;
    /// # #[resource("memo://today")] fn today() -> String { "rain".into() }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").resource(today).into_handle()?;
    /// let options = ClientOptions::default().era(Era::Legacy(ProtocolVersion::V2025_11_25));
    /// let client = Client::connect_in_memory(&server, options).await?;
    /// client.subscribe_resource("memo://today").await?;
    /// client.unsubscribe_resource("memo://today").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request_raw`] (modern servers answer that the method is unknown).
    pub async fn subscribe_resource(&self, uri: &str) -> Result<(), ClientError> {
        self.request_raw("resources/subscribe", Some(json!({ "uri": uri })))
            .await
            .map(drop)
    }

    /// `resources/unsubscribe` (legacy).
    ///
    /// ```
    /// # use mcp_serve::prelude::*;
    /// # use mcp_serve::client::{Client, ClientOptions, Era};
    /// # use mcp_serve::protocol::version::ProtocolVersion;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// # let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server,
    ///     ClientOptions::default().era(Era::Legacy(ProtocolVersion::V2025_11_25))).await?;
    /// let _ = client.unsubscribe_resource("memo://nothing").await;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request_raw`].
    pub async fn unsubscribe_resource(&self, uri: &str) -> Result<(), ClientError> {
        self.request_raw("resources/unsubscribe", Some(json!({ "uri": uri })))
            .await
            .map(drop)
    }

    /// Every prompt, following pagination.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[prompt] fn greet(name: String) -> String { format!("Greet {name}") }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").prompt(greet).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert_eq!(client.list_prompts().await?.prompts[0].name, "greet");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn list_prompts(&self) -> Result<ListPromptsResult, ClientError> {
        let mut all: ListPromptsResult = self.request("prompts/list", None).await?;
        while let Some(cursor) = all.next_cursor.take() {
            let page: ListPromptsResult = self
                .request("prompts/list", Some(json!({ "cursor": cursor })))
                .await?;
            all.prompts.extend(page.prompts);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }

    /// Gets a prompt with arguments (string values).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[prompt] fn greet(name: String) -> String { format!("Greet {name}") }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").prompt(greet).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let p = client.get_prompt("greet", serde_json::json!({"name": "Ada"})).await?;
    /// assert_eq!(p.messages.len(), 1);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<GetPromptResult, ClientError> {
        self.request(
            "prompts/get",
            Some(json!({ "name": name, "arguments": arguments })),
        )
        .await
    }

    /// `completion/complete`: suggestions for argument `argument_name` of a
    /// prompt or resource template, given what was typed (`value`) and the
    /// other arguments already chosen (`context`).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// use mcp_serve::protocol::types::{PromptReference, Reference};
    /// # #[prompt] fn greet(name: String) -> String { format!("Greet {name}") }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").prompt(greet).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let prompt = Reference::Prompt(PromptReference::new("greet"));
    /// let r = client.complete(prompt, "name", "A", None).await?;
    /// assert!(r.completion.values.len() <= 100);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request`].
    pub async fn complete(
        &self,
        reference: Reference,
        argument_name: &str,
        value: &str,
        context: Option<CompleteContext>,
    ) -> Result<CompleteResult, ClientError> {
        let mut params = json!({
            "ref": reference,
            "argument": { "name": argument_name, "value": value },
        });
        if let Some(c) = context {
            params["context"] = serde_json::to_value(c).unwrap_or_default();
        }
        self.request("completion/complete", Some(params)).await
    }

    /// Asks for log messages at `level` and above: `logging/setLevel` in the
    /// legacy era; in the modern era the level rides on every later request
    /// (`_meta["io.modelcontextprotocol/logLevel"]`), since modern servers
    /// send logs only for requests that ask.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// client.set_logging_level(LoggingLevel::Info).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Legacy era: see [`Client::request_raw`].
    pub async fn set_logging_level(&self, level: LoggingLevel) -> Result<(), ClientError> {
        *lock(&self.inner.log_level) = Some(level);
        if self.era() == Era::Modern {
            return Ok(());
        }
        self.request_raw("logging/setLevel", Some(json!({ "level": level })))
            .await
            .map(drop)
    }
}
