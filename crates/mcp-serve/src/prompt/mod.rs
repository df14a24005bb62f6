//! Prompts: message templates the user picks from the client.
//!
//! ```
//! use mcp_serve::prelude::*;
//!
//! /// Review a piece of code.
//! #[prompt]
//! fn review(code: String, language: Option<String>) -> Vec<PromptMessage> {
//!     vec![PromptMessage::user_text(format!("Review this {} code:\n{code}", language.unwrap_or_default()))]
//! }
//! # let _ = Server::new("demo", "1.0.0").prompt(review);
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use mcp_serve_core::meta::Meta;
use mcp_serve_core::types::{self, GetPromptResult, Icon, PromptArgument, PromptMessage};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::complete::{Completer, CompleterFn};
use crate::context::{Context, FromContext, StateMap};
use crate::error::McpError;
use crate::error::RegistrationError;
use crate::tool::{RequiredState, SchemaSource};

pub(crate) type PromptFn = dyn Fn(Map<String, Value>, Context) -> BoxFuture<'static, Result<GetPromptResult, McpError>>
    + Send
    + Sync;

/// A prompt: its definition and its handler.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::prompt::Prompt;
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Args { topic: String }
/// let p = Prompt::new("explain")
///     .description("Explain a topic.")
///     .handler(|a: Args, _ctx: Context| async move { format!("Explain {} simply.", a.topic) });
/// # let _ = Server::new("demo", "1.0.0").prompt(p);
/// ```
#[derive(Clone)]
pub struct Prompt {
    pub(crate) def: types::Prompt,
    pub(crate) args: Option<SchemaSource>,
    pub(crate) completers: HashMap<String, Completer>,
    pub(crate) handler: Option<Arc<PromptFn>>,
    /// The `State<T>` types the handler reads.
    pub(crate) required_state: Vec<RequiredState>,
    /// Scopes a caller needs.
    pub(crate) scopes: Vec<String>,
    /// Groups to show or hide it with.
    pub(crate) tags: Vec<String>,
}

impl std::fmt::Debug for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prompt")
            .field("def", &self.def)
            .finish_non_exhaustive()
    }
}

impl Prompt {
    /// A prompt named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Prompt {
            def: types::Prompt::new(name),
            args: None,
            completers: HashMap::new(),
            handler: None,
            required_state: Vec::new(),
            scopes: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// The prompt's name.
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// Adds a tag: a group this prompt belongs to, to show or hide it with
    /// others ([`Server::exclude_tags`](crate::server::Server::exclude_tags),
    /// [`ServerHandle::disable_tag`](crate::server::ServerHandle::disable_tag)).
    /// Clients see the tags in the definition's `_meta`, under
    /// `io.mcp-serve/tags`.
    ///
    /// ```
    /// let _ = mcp_serve::prompt::Prompt::new("review").tag("admin");
    /// ```
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        let tag = tag.into();
        if !self.tags.contains(&tag) {
            self.tags.push(tag);
        }
        self
    }

    /// Adds several tags (see [`Self::tag`]); `#[prompt(tags = [..])]` does the same.
    ///
    /// ```
    /// let _ = mcp_serve::prompt::Prompt::new("review").tags(["admin", "billing"]);
    /// ```
    #[must_use]
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        for tag in tags {
            self = self.tag(tag);
        }
        self
    }

    /// The tags given with [`Self::tag`] and [`Self::tags`].
    ///
    /// ```
    /// let c = mcp_serve::prompt::Prompt::new("review").tag("admin");
    /// assert_eq!(c.tag_list(), ["admin"]);
    /// ```
    pub fn tag_list(&self) -> &[String] {
        &self.tags
    }

    /// Requires these scopes of the caller (with authorization on, see
    /// [`crate::auth`]): one that lacks any gets the step-up challenge. A
    /// scope covers those below it (`files` covers `files:write`).
    ///
    /// ```
    /// use mcp_serve::prompt::Prompt;
    /// let _ = Prompt::new("review").scopes(["files:read"]);
    /// ```
    #[must_use]
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// What the prompt is for.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.def.description = Some(description.into());
        self
    }

    /// A human-readable title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.def.title = Some(title.into());
        self
    }

    /// Icons for clients to show.
    #[must_use]
    pub fn icons(mut self, icons: Vec<Icon>) -> Self {
        self.def.icons = Some(icons);
        self
    }

    /// `_meta` on the definition.
    #[must_use]
    pub fn meta(mut self, meta: Meta) -> Self {
        self.def.meta = Some(meta);
        self
    }

    /// Declares that the handler reads the shared state `T`
    /// ([`Context::state`]), so a server without `.state(value)` of that type
    /// refuses to build instead of failing the call. `#[prompt]` functions
    /// declare the `State<T>` parameters they take by themselves.
    #[must_use]
    pub fn requires_state<T: Send + Sync + 'static>(mut self) -> Self {
        RequiredState::add(&mut self.required_state, RequiredState::of::<T>());
        self
    }

    /// Refuses the prompt when `state` lacks a type its handler reads.
    pub(crate) fn check_state(&self, state: &StateMap) -> Result<(), RegistrationError> {
        RequiredState::check(&self.required_state, state, "prompt", self.name())
    }

    /// Records the state the extractor `E` of a `#[prompt]` parameter reads.
    #[doc(hidden)]
    #[must_use]
    pub fn extractor<E: FromContext>(mut self) -> Self {
        RequiredState::add_extractor::<E>(&mut self.required_state);
        self
    }

    /// Declares the arguments by hand (otherwise they come from the handler's
    /// argument type).
    #[must_use]
    pub fn arguments(mut self, args: Vec<PromptArgument>) -> Self {
        self.def.arguments = Some(args);
        self
    }

    /// The handler. `A`'s fields become the prompt's arguments (documented
    /// fields get descriptions; `Option` fields are optional). Prompt
    /// arguments arrive as strings; numbers and booleans are parsed per `A`.
    #[must_use]
    pub fn handler<A, R, F, Fut>(mut self, f: F) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        R: IntoPromptResult + 'static,
        F: Fn(A, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
    {
        self.args = Some(SchemaSource::Generated(|s| Some(s.schema_for::<A>())));
        let name: Arc<str> = self.def.name.as_str().into();
        self.handler = Some(Arc::new(move |args: Map<String, Value>, cx: Context| {
            let args = match parse_prompt_arguments::<A>(&name, args) {
                Ok(a) => a,
                Err(e) => return Box::pin(std::future::ready(Err(e))),
            };
            let fut = f(args, cx);
            Box::pin(async move { fut.await.into_prompt_result() })
        }));
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub fn arguments_schema_of<A: JsonSchema>(mut self) -> Self {
        self.args = Some(SchemaSource::Generated(|s| Some(s.schema_for::<A>())));
        self
    }

    /// The handler, with the arguments as a JSON object.
    #[must_use]
    pub fn raw_handler<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Map<String, Value>, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<GetPromptResult, McpError>> + Send + 'static,
    {
        self.handler = Some(Arc::new(move |args, cx| Box::pin(f(args, cx))));
        self
    }

    /// Completions for an argument (`completion/complete`).
    #[must_use]
    pub fn complete<F, Fut>(mut self, argument: impl Into<String>, f: F) -> Self
    where
        F: Fn(String, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<String>> + Send + 'static,
    {
        let f: Arc<CompleterFn> = Arc::new(move |value, cx| Box::pin(f(value, cx)));
        self.completers.insert(argument.into(), Completer(f));
        self
    }
}

/// Deserializes prompt arguments into `A`, naming the argument on failure.
///
/// ```
/// #[derive(Debug, serde::Deserialize)]
/// struct A { code: String }
/// let e = mcp_serve::prompt::parse_prompt_arguments::<A>("review", Default::default()).unwrap_err();
/// assert!(e.message().contains("code"), "{}", e.message());
/// ```
///
/// # Errors
/// A `-32602` error saying which argument is missing or wrong.
pub fn parse_prompt_arguments<A: DeserializeOwned>(
    prompt: &str,
    args: Map<String, Value>,
) -> Result<A, McpError> {
    serde_path_to_error::deserialize::<_, A>(&Value::Object(args)).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            McpError::invalid_params(format!("arguments of prompt {prompt}: {}", e.inner()))
        } else {
            McpError::invalid_params(format!("arguments of prompt {prompt}: {path}: {}", e.inner()))
        }
    })
}

/// Prompt arguments derived from an argument type's JSON schema.
pub(crate) fn arguments_from_schema(schema: &Value) -> Vec<PromptArgument> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, prop)| {
            let mut arg = PromptArgument::new(name.clone());
            arg.title = prop.get("title").and_then(Value::as_str).map(str::to_owned);
            arg.description = prop.get("description").and_then(Value::as_str).map(str::to_owned);
            arg.required = Some(required.contains(&name.as_str()));
            arg
        })
        .collect()
}

/// A value a prompt handler can return.
///
/// ```
/// use mcp_serve::prompt::IntoPromptResult;
/// let r = "Summarise this.".to_string().into_prompt_result().unwrap();
/// assert_eq!(r.messages.len(), 1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a prompt: return text (one user message), a `PromptMessage`, `Vec<PromptMessage>` or `GetPromptResult` (inside `Result<_, McpError>` to fail)",
    label = "not something a prompt can return"
)]
pub trait IntoPromptResult: Send {
    /// The result.
    ///
    /// # Errors
    /// The protocol error the client gets.
    fn into_prompt_result(self) -> Result<GetPromptResult, McpError>;
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> Result<GetPromptResult, McpError> {
        Ok(self)
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<GetPromptResult, McpError> {
        Ok(GetPromptResult::new(self))
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> Result<GetPromptResult, McpError> {
        vec![self].into_prompt_result()
    }
}

impl IntoPromptResult for String {
    /// One user message.
    fn into_prompt_result(self) -> Result<GetPromptResult, McpError> {
        PromptMessage::user_text(self).into_prompt_result()
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> Result<GetPromptResult, McpError> {
        self.to_owned().into_prompt_result()
    }
}

impl<T: IntoPromptResult, E: Into<McpError> + Send> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, McpError> {
        self.map_err(Into::into)?.into_prompt_result()
    }
}

/// Anything that can be registered as a prompt: a [`Prompt`], or a function
/// annotated with `#[prompt]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a prompt: put `#[prompt]` on the function, or build a `Prompt` with `Prompt::new(name).handler(...)`",
    label = "not a prompt",
    note = "only a `Prompt`, or a function annotated with `#[prompt]`, can be registered as a prompt"
)]
pub trait IntoPrompt {
    /// The prompt.
    fn into_prompt(self) -> Prompt;
}

impl IntoPrompt for Prompt {
    fn into_prompt(self) -> Prompt {
        self
    }
}
