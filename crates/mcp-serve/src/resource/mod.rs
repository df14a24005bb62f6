//! Resources: data the client can read by URI, fixed (`config://app`) or
//! templated (`users://{id}/profile`).
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::resource::Resource;
//!
//! let config = Resource::new("config://app")
//!     .name("app-config")
//!     .mime_type("application/json")
//!     .text(r#"{"theme":"dark"}"#);
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Vars { id: u64 }
//! let user = Resource::new("users://{id}")
//!     .name("user")
//!     .handler(|v: Vars, _ctx: Context| async move { format!("user {}", v.id) });
//! let _server = Server::new("demo", "1.0.0").resource(config).resource(user);
//! ```

mod output;
mod template;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use mcp_serve_core::meta::Meta;
use mcp_serve_core::types::{self, Annotations, Icon, ResourceContents};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use output::{Blob, IntoResourceContents};
pub use template::{TemplateError, UriTemplate};

use crate::complete::{Completer, CompleterFn};
use crate::context::{Context, FromContext, StateMap};
use crate::error::McpError;
use crate::error::RegistrationError;
use crate::tool::{RequiredState, SchemaSource};

/// What runs when a resource is read: the URI, its template variables.
pub(crate) type ResourceFn = dyn Fn(String, Map<String, Value>, Context) -> BoxFuture<'static, Result<Vec<ResourceContents>, McpError>>
    + Send
    + Sync;

/// A resource or resource template, with its handler.
///
/// A URI with `{variables}` makes a template (listed by
/// `resources/templates/list`); one without is a fixed resource (listed by
/// `resources/list`).
#[derive(Clone)]
pub struct Resource {
    pub(crate) uri: String,
    pub(crate) template: Option<UriTemplate>,
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) mime_type: Option<String>,
    pub(crate) size: Option<u64>,
    pub(crate) annotations: Option<Annotations>,
    pub(crate) icons: Option<Vec<Icon>>,
    pub(crate) meta: Option<Meta>,
    pub(crate) vars: Option<SchemaSource>,
    pub(crate) completers: HashMap<String, Completer>,
    pub(crate) handler: Option<Arc<ResourceFn>>,
    pub(crate) error: Option<TemplateError>,
    /// The `State<T>` types the handler reads.
    pub(crate) required_state: Vec<RequiredState>,
    /// Scopes a caller needs.
    pub(crate) scopes: Vec<String>,
    /// Groups to show or hide it with.
    pub(crate) tags: Vec<String>,
}

impl std::fmt::Debug for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource")
            .field("uri", &self.uri)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Resource {
    /// A resource at `uri` (a URI template if it contains `{...}`).
    ///
    /// The name defaults to the URI; an invalid template is reported when the
    /// resource is registered.
    pub fn new(uri: impl Into<String>) -> Self {
        let uri = uri.into();
        let (template, error) = match UriTemplate::parse(&uri) {
            Ok(t) if t.is_literal() => (None, None),
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(e)),
        };
        Resource {
            name: uri.clone(),
            uri,
            template,
            title: None,
            description: None,
            mime_type: None,
            size: None,
            annotations: None,
            icons: None,
            meta: None,
            vars: None,
            completers: HashMap::new(),
            handler: None,
            error,
            required_state: Vec::new(),
            scopes: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// The URI or URI template.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Whether this is a template.
    pub fn is_template(&self) -> bool {
        self.template.is_some()
    }

    /// The programmatic name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// A human-readable title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Adds a tag: a group this resource belongs to, to show or hide it with
    /// others ([`Server::exclude_tags`](crate::server::Server::exclude_tags),
    /// [`ServerHandle::disable_tag`](crate::server::ServerHandle::disable_tag)).
    /// Clients see the tags in the definition's `_meta`, under
    /// `io.mcp-serve/tags`.
    ///
    /// ```
    /// let _ = mcp_serve::resource::Resource::new("config://secrets").tag("admin");
    /// ```
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        let tag = tag.into();
        if !self.tags.contains(&tag) {
            self.tags.push(tag);
        }
        self
    }

    /// Adds several tags (see [`Self::tag`]); `#[resource(tags = [..])]` does the same.
    ///
    /// ```
    /// let _ = mcp_serve::resource::Resource::new("config://secrets").tags(["admin", "billing"]);
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
    /// let c = mcp_serve::resource::Resource::new("config://secrets").tag("admin");
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
    /// use mcp_serve::resource::Resource;
    /// let _ = Resource::new("file:///etc/motd").scopes(["files:read"]);
    /// ```
    #[must_use]
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// What the resource holds.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The MIME type of its contents.
    #[must_use]
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }

    /// Its size in bytes, if known.
    #[must_use]
    pub fn size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    /// Audience, priority, last-modified hints.
    #[must_use]
    pub fn annotations(mut self, annotations: Annotations) -> Self {
        self.annotations = Some(annotations);
        self
    }

    /// Icons for clients to show.
    #[must_use]
    pub fn icons(mut self, icons: Vec<Icon>) -> Self {
        self.icons = Some(icons);
        self
    }

    /// `_meta` on the definition.
    #[must_use]
    pub fn meta(mut self, meta: Meta) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Declares that the handler reads the shared state `T`
    /// ([`Context::state`]), so a server without `.state(value)` of that type
    /// refuses to build instead of failing the read. `#[resource]` functions
    /// declare the `State<T>` parameters they take by themselves.
    #[must_use]
    pub fn requires_state<T: Send + Sync + 'static>(mut self) -> Self {
        RequiredState::add(&mut self.required_state, RequiredState::of::<T>());
        self
    }

    /// Refuses the resource when `state` lacks a type its handler reads.
    pub(crate) fn check_state(&self, state: &StateMap) -> Result<(), RegistrationError> {
        RequiredState::check(&self.required_state, state, "resource", &self.uri)
    }

    /// Records the state the extractor `E` of a `#[resource]` parameter reads.
    #[doc(hidden)]
    #[must_use]
    pub fn extractor<E: FromContext>(mut self) -> Self {
        RequiredState::add_extractor::<E>(&mut self.required_state);
        self
    }

    /// A fixed text body.
    #[must_use]
    pub fn text(self, text: impl Into<String>) -> Self {
        let text: Arc<str> = text.into().into();
        self.handler(move |_: Map<String, Value>, _ctx: Context| {
            let text = Arc::clone(&text);
            async move { text.to_string() }
        })
    }

    /// The handler. `A` receives the template variables (numbers and booleans
    /// are parsed from the URI according to `A`'s schema); fixed resources can
    /// take a `serde_json::Map` and ignore it.
    #[must_use]
    pub fn handler<A, R, F, Fut>(mut self, f: F) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        R: IntoResourceContents + 'static,
        F: Fn(A, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
    {
        self.vars = Some(SchemaSource::Generated(|s| Some(s.schema_for::<A>())));
        self.handler = Some(Arc::new(
            move |uri: String, vars: Map<String, Value>, cx: Context| {
                let args = match serde_path_to_error::deserialize::<_, A>(&Value::Object(vars)) {
                    Ok(a) => a,
                    Err(_) => return Box::pin(std::future::ready(Err(McpError::resource_not_found(&uri)))),
                };
                let fut = f(args, cx);
                Box::pin(async move { fut.await.into_contents(&uri) })
            },
        ));
        self
    }

    #[doc(hidden)]
    #[must_use]
    pub fn vars_schema_of<A: JsonSchema>(mut self) -> Self {
        self.vars = Some(SchemaSource::Generated(|s| Some(s.schema_for::<A>())));
        self
    }

    /// The handler, with the URI and raw variables.
    #[must_use]
    pub fn raw_handler<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(String, Map<String, Value>, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<ResourceContents>, McpError>> + Send + 'static,
    {
        self.handler = Some(Arc::new(move |uri, vars, cx| Box::pin(f(uri, vars, cx))));
        self
    }

    /// Completions for a template variable (`completion/complete`).
    #[must_use]
    pub fn complete<F, Fut>(mut self, variable: impl Into<String>, f: F) -> Self
    where
        F: Fn(String, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<String>> + Send + 'static,
    {
        let f: Arc<CompleterFn> = Arc::new(move |value, cx| Box::pin(f(value, cx)));
        self.completers.insert(variable.into(), Completer(f));
        self
    }

    pub(crate) fn resource_def(&self) -> types::Resource {
        let mut def = types::Resource::new(self.uri.clone(), self.name.clone());
        def.title.clone_from(&self.title);
        def.description.clone_from(&self.description);
        def.mime_type.clone_from(&self.mime_type);
        def.size = self.size;
        def.annotations.clone_from(&self.annotations);
        def.icons.clone_from(&self.icons);
        def.meta = crate::tool::meta_with_tags(self.meta.as_ref(), &self.tags);
        def
    }

    pub(crate) fn template_def(&self) -> types::ResourceTemplate {
        let mut def = types::ResourceTemplate::new(self.uri.clone(), self.name.clone());
        def.title.clone_from(&self.title);
        def.description.clone_from(&self.description);
        def.mime_type.clone_from(&self.mime_type);
        def.annotations.clone_from(&self.annotations);
        def.icons.clone_from(&self.icons);
        def.meta = crate::tool::meta_with_tags(self.meta.as_ref(), &self.tags);
        def
    }
}

/// Anything that can be registered as a resource: a [`Resource`], or a
/// function annotated with `#[resource("uri")]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource: put `#[resource(\"uri\")]` on the function, or build a `Resource` with `Resource::new(uri).handler(...)`",
    label = "not a resource",
    note = "only a `Resource`, or a function annotated with `#[resource(\"uri\")]`, can be registered as a resource"
)]
pub trait IntoResource {
    /// The resource.
    fn into_resource(self) -> Resource;
}

impl IntoResource for Resource {
    fn into_resource(self) -> Resource {
        self
    }
}
