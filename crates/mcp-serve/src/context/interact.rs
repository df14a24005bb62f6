//! Asking the client for input while a request runs: elicitation, sampling,
//! roots. One signature for both eras (see `engine::input` for how each era
//! carries it).
//!
//! **Replay safety.** For modern clients a handler that asks for input is run
//! again from the start when the client retries with the answers; each input
//! call then returns its recorded answer. So everything a handler does before
//! its last input request must be safe to repeat (reads, pure computation),
//! and side effects belong after it. Input requests are matched to answers by
//! their order, or by the explicit key of [`Context::input_request`].

use mcp_serve_core::error::code;
use mcp_serve_core::types::{
    CreateMessageRequestParams, CreateMessageResult, ElicitAction, ElicitResult, Root, SamplingMessage,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::Context;
use crate::error::McpError;
use crate::schema::SchemaSettings;

/// The user's answer to a form elicitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elicitation<T> {
    /// The user submitted the form.
    Accept(T),
    /// The user said no.
    Decline,
    /// The user dismissed the request.
    Cancel,
}

impl Context {
    /// Fails unless the client declared `capability` (optionally a sub-key,
    /// e.g. `elicitation.url`): modern clients get
    /// `MissingRequiredClientCapability` (-32021).
    ///
    /// # Errors
    /// The capability is missing.
    pub fn require_capability(&self, capability: &str, sub: Option<&str>) -> Result<(), McpError> {
        let caps = self
            .client_capabilities()
            .and_then(|c| serde_json::to_value(c).ok())
            .unwrap_or(Value::Null);
        let entry = caps.get(capability).filter(|v| !v.is_null());
        let present = match (entry, sub) {
            (None, _) => false,
            (Some(_), None) => true,
            // An empty `elicitation: {}` means form mode only (2025-11-25).
            (Some(v), Some(s)) => v.get(s).is_some_and(|x| !x.is_null()),
        };
        if present {
            return Ok(());
        }
        let required = match sub {
            Some(s) => json!({ capability: { s: {} } }),
            None => json!({ capability: {} }),
        };
        let what = sub.map_or_else(|| capability.to_owned(), |s| format!("{capability}.{s}"));
        let code = if self.protocol_version().is_modern() {
            code::MISSING_REQUIRED_CLIENT_CAPABILITY
        } else {
            code::INVALID_PARAMS
        };
        Err(McpError::new(
            code,
            format!(
                "Server requires the {what} capability for this request, which the client did not declare"
            ),
        )
        .with_data(json!({ "requiredCapabilities": required })))
    }

    /// Sends an input request (`elicitation/create`, `sampling/createMessage`
    /// or `roots/list`) and returns the client's raw answer. `key` names it in
    /// a modern `InputRequiredResult` (default: its position).
    ///
    /// # Errors
    /// The request is not one that may ask for input, the client answered
    /// with an error, or did not answer in time.
    pub async fn input_request(
        &self,
        key: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, McpError> {
        match &self.inner.interaction {
            None => Err(McpError::invalid_params(format!(
                "{method} cannot be sent from this request: only tool calls, resource reads and prompt gets may ask the client for input"
            ))),
            Some(ask) => ask.ask(self, key, method, params).await,
        }
    }

    /// Turns this call into a task, for tools built with
    /// [`Tool::deferred_task`](crate::tool::Tool::deferred_task): a modern
    /// client that declared the `io.modelcontextprotocol/tasks` extension
    /// gets its `CreateTaskResult` now and polls for the rest, and input
    /// requests from here on are task input (`tasks/get` shows them,
    /// `tasks/update` answers them). Before this call, input requests are
    /// multi round-trip requests on the call itself, so the handler must be
    /// replay-safe up to here. Does nothing elsewhere (legacy clients, clients
    /// without the extension, tools that are tasks from the start, a second
    /// call).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::context::Elicitation;
    /// use mcp_serve::tool::{IntoTool, Tool};
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Target { env: String }
    ///
    /// /// Ask where to deploy, then deploy in the background.
    /// #[tool(task = "required")]
    /// async fn deploy(ctx: Context) -> Result<String, ToolError> {
    ///     let Elicitation::Accept(Target { env }) = ctx.elicit::<Target>("Deploy where?").await? else {
    ///         return Ok("not deployed".into());
    ///     };
    ///     ctx.begin_task().await;           // the client now polls tasks/get
    ///     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    ///     Ok(format!("deployed to {env}"))
    /// }
    /// let tool: Tool = deploy.into_tool().deferred_task();
    /// # let _ = Server::new("demo", "1.0.0").tool(tool);
    /// ```
    pub async fn begin_task(&self) {
        if let Some(ask) = &self.inner.interaction {
            if ask.begin_task() {
                // Yield so the engine hands this handler over to the task
                // before it goes on.
                tokio::task::yield_now().await;
            }
        }
    }

    /// Asks the user to fill in a form described by `T` (a flat struct of
    /// strings, numbers, booleans and enums; defaults and descriptions are
    /// shown).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::context::Elicitation;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Confirm { ok: bool }
    ///
    /// /// Deploy after the user confirms.
    /// #[tool]
    /// async fn deploy(env: String, ctx: Context) -> Result<String, ToolError> {
    ///     match ctx.elicit::<Confirm>(&format!("Deploy to {env}?")).await? {
    ///         Elicitation::Accept(Confirm { ok: true }) => Ok(format!("deployed to {env}")),
    ///         _ => Ok("not deployed".into()),
    ///     }
    /// }
    /// # let _ = Server::new("demo", "1.0.0").tool(deploy);
    /// ```
    ///
    /// # Errors
    /// The client has no elicitation capability, or answered badly.
    pub async fn elicit<T: DeserializeOwned + JsonSchema>(
        &self,
        message: &str,
    ) -> Result<Elicitation<T>, McpError> {
        self.require_capability("elicitation", None)?;
        let schema = SchemaSettings::default().schema_for::<T>();
        let mut params = json!({ "message": message, "requestedSchema": schema });
        if self.protocol_version() >= mcp_serve_core::version::ProtocolVersion::V2025_11_25 {
            params["mode"] = json!("form");
        }
        let answer = self.input_request(None, "elicitation/create", params).await?;
        let result: ElicitResult = serde_json::from_value(answer).map_err(|e| {
            McpError::invalid_params(format!("the client's elicitation answer is malformed: {e}"))
        })?;
        Ok(match result.action {
            ElicitAction::Accept => {
                let content = serde_json::Value::Object(result.content.unwrap_or_default());
                Elicitation::Accept(serde_json::from_value(content).map_err(|e| {
                    McpError::invalid_params(format!("the user's answer does not match the form: {e}"))
                })?)
            }
            ElicitAction::Decline => Elicitation::Decline,
            _ => Elicitation::Cancel,
        })
    }

    /// Sends the user to a URL (for credentials, payments, OAuth...) and
    /// returns whether they agreed to go.
    ///
    /// # Errors
    /// The client has no URL-mode elicitation capability.
    pub async fn elicit_url(&self, url: &str, message: &str) -> Result<ElicitAction, McpError> {
        self.require_capability("elicitation", Some("url"))?;
        let mut params = json!({ "mode": "url", "message": message, "url": url });
        if self.protocol_version().is_legacy() {
            params["elicitationId"] = json!(format!("{:032x}", rand::random::<u128>()));
        }
        let answer = self.input_request(None, "elicitation/create", params).await?;
        let result: ElicitResult = serde_json::from_value(answer).map_err(|e| {
            McpError::invalid_params(format!("the client's elicitation answer is malformed: {e}"))
        })?;
        Ok(result.action)
    }

    /// Asks the client's model for a completion.
    ///
    /// # Errors
    /// The client has no sampling capability, or the request failed.
    pub async fn sample(&self, request: CreateMessageRequestParams) -> Result<CreateMessageResult, McpError> {
        self.require_capability("sampling", None)?;
        let params = serde_json::to_value(&request).map_err(McpError::internal)?;
        let answer = self.input_request(None, "sampling/createMessage", params).await?;
        serde_json::from_value(answer)
            .map_err(|e| McpError::invalid_params(format!("the client's sampling answer is malformed: {e}")))
    }

    /// Asks the client's model to answer `prompt`; returns the text.
    ///
    /// # Errors
    /// As [`Context::sample`].
    pub async fn sample_text(&self, prompt: &str, max_tokens: u64) -> Result<String, McpError> {
        let request = CreateMessageRequestParams::new(vec![SamplingMessage::user_text(prompt)], max_tokens);
        let result = self.sample(request).await?;
        let v = serde_json::to_value(&result.content).unwrap_or(Value::Null);
        let text = match &v {
            Value::Array(blocks) => blocks
                .iter()
                .filter_map(|b| b["text"].as_str())
                .collect::<Vec<_>>()
                .join(""),
            other => other["text"].as_str().unwrap_or_default().to_owned(),
        };
        Ok(text)
    }

    /// The client's roots (directories or files it shares).
    ///
    /// # Errors
    /// The client has no roots capability.
    pub async fn roots(&self) -> Result<Vec<Root>, McpError> {
        self.require_capability("roots", None)?;
        let answer = self.input_request(None, "roots/list", json!({})).await?;
        let roots = answer.get("roots").cloned().unwrap_or(Value::Array(Vec::new()));
        serde_json::from_value(roots)
            .map_err(|e| McpError::invalid_params(format!("the client's roots are malformed: {e}")))
    }
}
