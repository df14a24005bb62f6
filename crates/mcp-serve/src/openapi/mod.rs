//! OpenAPI → tools: serve an HTTP API's operations, described by its
//! OpenAPI 3.0 or 3.1 document (JSON or YAML, from a file or a URL), as MCP
//! tools, resources and resource templates that call the API with reqwest.
//!
//! ```
//! use mcp_serve::openapi::{OpenApi, RouteKind, RouteMap};
//! use mcp_serve::prelude::*;
//! use serde_json::json;
//!
//! let spec = json!({
//!     "openapi": "3.1.0",
//!     "info": { "title": "Pets", "version": "1.0.0" },
//!     "servers": [{ "url": "https://pets.example.com/v1" }],
//!     "paths": {
//!         "/pets/{id}": { "get": { "operationId": "getPet",
//!             "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
//!             "responses": { "200": { "description": "A pet" } } } },
//!         "/pets": { "post": { "operationId": "addPet",
//!             "requestBody": { "required": true, "content": { "application/json": { "schema": {
//!                 "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } } } } },
//!             "responses": { "201": { "description": "Added" } } } }
//!     }
//! });
//! let api = OpenApi::from_value(spec)?
//!     .route_map(RouteMap::new(RouteKind::Template).methods(["GET"]))
//!     .rename("addPet", "add_pet")
//!     .build()?;
//! assert_eq!(api.tools.iter().map(|t| t.name()).collect::<Vec<_>>(), ["add_pet"]);
//! assert_eq!(api.resources[0].uri(), "openapi://pets/{id}");
//! let server = api.register(Server::new("pets", "1.0.0"));
//! # let _ = server;
//! # Ok::<(), mcp_serve::openapi::OpenApiError>(())
//! ```
//!
//! What becomes what:
//! - **Tools.** Every operation, unless a [`RouteMap`] says otherwise. The
//!   name is the `operationId` (cleaned to `[A-Za-z0-9_.-]`), an override
//!   from [`OpenApi::rename`], or `method_path` when there is none. The
//!   input schema has one property per parameter (path, query, header,
//!   cookie) and the JSON body's properties; see the naming rule for clashes
//!   in [`OpenApi`]. The first 2xx response's JSON schema is the output
//!   schema (wrapped as `{"result": ...}` when it is not an object).
//! - **Resources and templates.** `GET` routes, where route maps say so
//!   ([`OpenApi::get_as_resources`]): `openapi://pets` and
//!   `openapi://pets/{id}` (the scheme is [`OpenApi::resource_scheme`]).
//! - **Errors.** A non-2xx answer is a tool error (`isError`) that carries
//!   the status and the message of the body (`detail`, `message`, `error`,
//!   `title`...). A timeout, a refused connection or an answer larger than
//!   [`OpenApi::max_response_bytes`] is one too.
//! - **Credentials** come from the environment ([`OpenApi::bearer_token_env`],
//!   [`OpenApi::api_key_env`]) or fixed headers ([`OpenApi::header`]); the
//!   parameters they fill are not in any input schema, so a model can
//!   neither read nor set them.
//!
//! `$ref`s are resolved within the document and across documents (files,
//! or URLs for a document loaded from a URL), with bounds on the number of
//! documents, the nesting depth and the size of each schema; a recursive
//! schema is kept recursive with `$defs`.

mod call;
mod document;
mod operation;
mod routes;
mod schema;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mcp_serve_core::types::ToolAnnotations;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

pub use operation::ParamLocation;
pub use routes::{RouteKind, RouteMap};

use crate::error::{McpError, ToolError};
use crate::resource::Resource;
use crate::server::Server;
use crate::tool::{CallError, Tool};
use call::{CallFailure, Caller};
use document::Document;
use operation::{Operation, Supplied};

/// Why a document could not be turned into tools.
///
/// ```
/// let e = mcp_serve::openapi::OpenApi::parse("swagger: '2.0'").unwrap_err();
/// assert!(e.to_string().contains("OpenAPI 3"), "{e}");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenApiError {
    /// A document could not be read or parsed.
    #[error("cannot load the OpenAPI document {location}: {reason}")]
    Load {
        /// The path or URL.
        location: String,
        /// Why.
        reason: String,
    },
    /// Not an OpenAPI 3.x document.
    #[error("{0}")]
    Version(String),
    /// A `$ref` that does not resolve.
    #[error("cannot resolve the $ref `{reference}`: {reason}")]
    Ref {
        /// The reference as written.
        reference: String,
        /// Why.
        reason: String,
    },
    /// A schema past the conversion bounds.
    #[error("{0}")]
    Schema(String),
    /// An operation that cannot become a tool.
    #[error("{route}: {reason}")]
    Operation {
        /// `METHOD /path`.
        route: String,
        /// Why.
        reason: String,
    },
    /// The configuration is incomplete: no base URL, a missing credential...
    #[error("{0}")]
    Config(String),
}

/// Where a credential comes from and where it goes.
#[derive(Debug, Clone)]
enum Credential {
    Bearer {
        env: String,
    },
    ApiKey {
        env: String,
        at: Option<(ParamLocation, String)>,
    },
}

/// An OpenAPI document and how to serve it; [`OpenApi::build`] makes the
/// tools and resources. See the [module docs](self).
///
/// **Argument names.** A JSON request body whose schema is an object with
/// `properties` is flattened: each property is an argument of its own name.
/// Any other body (an array, a string, `oneOf`...) is the argument `body`.
/// A parameter whose name is also a body property, or the name of another
/// parameter in another place (a path `id` and a header `id`), is named
/// `name__location` (`id__path`, `id__query`, `id__header`,
/// `id__cookie`), and the body property keeps the plain name; FastMCP uses
/// the same rule.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::openapi::OpenApi;
/// let api = OpenApi::parse(r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}"#)?
///     .base_url("http://127.0.0.1:8000")
///     .header("User-Agent", "my-gateway/1.0")
///     .timeout(Duration::from_secs(10))
///     .max_response_bytes(1 << 20);
/// assert_eq!(api.title(), "t");
/// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
/// ```
#[derive(Debug, Clone)]
pub struct OpenApi {
    doc: Document,
    base_url: Option<String>,
    headers: Vec<(String, String)>,
    credentials: Vec<Credential>,
    timeout: Duration,
    max_response_bytes: usize,
    maps: Vec<RouteMap>,
    names: HashMap<String, String>,
    scheme: String,
}

/// What [`OpenApi::build`] made: register it on a server with
/// [`Generated::register`].
///
/// ```
/// use mcp_serve::openapi::OpenApi;
/// let api = OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
///     "servers": [{"url": "http://127.0.0.1:9"}],
///     "paths": {"/ping": {"get": {"responses": {"204": {"description": "pong"}}}}}}"#)?.build()?;
/// assert_eq!(api.tools[0].name(), "get_ping");
/// assert!(api.skipped.is_empty());
/// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Generated {
    /// One tool per operation a route map did not make something else.
    pub tools: Vec<Tool>,
    /// Resources and resource templates.
    pub resources: Vec<Resource>,
    /// Operations that could not be converted, and why (also logged).
    pub skipped: Vec<OpenApiError>,
}

impl Generated {
    /// Adds the tools and resources to `server`.
    ///
    /// ```
    /// # use mcp_serve::openapi::OpenApi;
    /// # use mcp_serve::prelude::*;
    /// # let api = OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    /// #     "servers": [{"url": "http://127.0.0.1:9"}], "paths": {}}"#)?.build()?;
    /// let server = api.register(Server::new("gateway", "1.0.0"));
    /// # let _ = server;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    pub fn register(self, server: Server) -> Server {
        let server = self.tools.into_iter().fold(server, Server::tool);
        self.resources.into_iter().fold(server, Server::resource)
    }
}

impl OpenApi {
    /// Loads the document at `source`: an `http(s)://` URL, a `file://`
    /// URL or a path; JSON or YAML. The documents its `$ref`s name are
    /// loaded too (relative ones against `source`).
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), mcp_serve::openapi::OpenApiError> {
    /// let api = mcp_serve::openapi::OpenApi::load("https://petstore3.swagger.io/api/v3/openapi.json").await?;
    /// # let _ = api; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The document (or one it refers to) cannot be read or parsed, or is
    /// not OpenAPI 3.
    pub async fn load(source: &str) -> Result<Self, OpenApiError> {
        let url = document::source_url(source)?;
        let doc = Document::load(url, Duration::from_secs(30)).await?;
        Self::new(doc)
    }

    /// A document from its text (JSON or YAML). Its `$ref`s may only point
    /// inside it; [`OpenApi::load`] follows them to other documents.
    ///
    /// ```
    /// let api = mcp_serve::openapi::OpenApi::parse("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}")?;
    /// assert_eq!(api.version(), "1");
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    ///
    /// # Errors
    /// Not JSON or YAML, or not OpenAPI 3.
    pub fn parse(text: &str) -> Result<Self, OpenApiError> {
        Self::from_value(document::parse(text, "(text)")?)
    }

    /// A document already parsed. Its `$ref`s may only point inside it.
    ///
    /// ```
    /// let api = mcp_serve::openapi::OpenApi::from_value(serde_json::json!({
    ///     "openapi": "3.1.0", "info": { "title": "t", "version": "1" }, "paths": {} }))?;
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    ///
    /// # Errors
    /// Not OpenAPI 3.
    pub fn from_value(value: Value) -> Result<Self, OpenApiError> {
        let url = Url::parse("file:///openapi.json").map_err(|e| OpenApiError::Config(e.to_string()))?;
        Self::new(Document::from_value(url, value))
    }

    fn new(doc: Document) -> Result<Self, OpenApiError> {
        let root = doc.root();
        match root["openapi"].as_str() {
            Some(v) if v.starts_with("3.") => {}
            _ => {
                let what = match root["swagger"].as_str() {
                    Some(v) => format!("a Swagger {v} document"),
                    None => "not an OpenAPI document (no `openapi` field)".to_owned(),
                };
                return Err(OpenApiError::Version(format!(
                    "{} is {what}: OpenAPI 3.0 and 3.1 are supported (convert older ones, e.g. with swagger2openapi)",
                    doc.root
                )));
            }
        }
        Ok(OpenApi {
            doc,
            base_url: None,
            headers: Vec::new(),
            credentials: Vec::new(),
            timeout: Duration::from_secs(30),
            max_response_bytes: 10 * 1024 * 1024,
            maps: Vec::new(),
            names: HashMap::new(),
            scheme: "openapi".into(),
        })
    }

    /// The document's `info.title`.
    ///
    /// ```
    /// let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "Pets", "version": "2"}}"#)?;
    /// assert_eq!((api.title(), api.version()), ("Pets", "2"));
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    pub fn title(&self) -> &str {
        self.doc.root()["info"]["title"].as_str().unwrap_or("openapi")
    }

    /// The document's `info.version`.
    ///
    /// ```
    /// let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "Pets", "version": "2"}}"#)?;
    /// assert_eq!(api.version(), "2");
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    pub fn version(&self) -> &str {
        self.doc.root()["info"]["version"].as_str().unwrap_or("0.0.0")
    }

    /// Where the API is, instead of the document's first `servers` entry
    /// (its path is kept: `https://h/api/v3` + `/pet` is `https://h/api/v3/pet`).
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.base_url("http://127.0.0.1:8000/api");
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A header sent with every call; a parameter of that name is then no
    /// longer an argument.
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.header("X-Tenant", "acme");
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends `Authorization: Bearer <token>`, the token read from the
    /// environment variable `var` when [`OpenApi::build`] runs.
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": "http://127.0.0.1:9"}]}"#)?;
    /// let e = api.bearer_token_env("MCP_SERVE_DOC_NO_SUCH_VAR").build().unwrap_err();
    /// assert!(e.to_string().contains("MCP_SERVE_DOC_NO_SUCH_VAR"));
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn bearer_token_env(mut self, var: impl Into<String>) -> Self {
        self.credentials.push(Credential::Bearer { env: var.into() });
        self
    }

    /// Sends an API key read from the environment variable `var`, where the
    /// document's `apiKey` security scheme says (header, query or cookie).
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": "http://127.0.0.1:9"}]}"#)?;
    /// let e = api.api_key_env("HOME").build().unwrap_err();
    /// assert!(e.to_string().contains("apiKey"), "{e}");
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn api_key_env(mut self, var: impl Into<String>) -> Self {
        self.credentials.push(Credential::ApiKey {
            env: var.into(),
            at: None,
        });
        self
    }

    /// Sends an API key read from the environment variable `var` as the
    /// parameter `name` in `location` (whatever the document says).
    ///
    /// ```
    /// use mcp_serve::openapi::{OpenApi, ParamLocation};
    /// # let api = OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.api_key_env_at(ParamLocation::Query, "api_key", "PETSTORE_KEY");
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn api_key_env_at(
        mut self,
        location: ParamLocation,
        name: impl Into<String>,
        var: impl Into<String>,
    ) -> Self {
        self.credentials.push(Credential::ApiKey {
            env: var.into(),
            at: Some((location, name.into())),
        });
        self
    }

    /// How long a call may take, from sending to the last byte (default 30 s).
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.timeout(std::time::Duration::from_secs(5));
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest answer accepted, in bytes (default 10 MiB); a larger
    /// one is a tool error.
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.max_response_bytes(64 * 1024);
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Adds a route map (the first that matches an operation decides).
    ///
    /// ```
    /// use mcp_serve::openapi::{RouteKind, RouteMap};
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.route_map(RouteMap::new(RouteKind::Exclude).tags(["admin"]));
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn route_map(mut self, map: RouteMap) -> Self {
        self.maps.push(map);
        self
    }

    /// Route maps that make every `GET` route that can be one a resource
    /// (no path parameters) or a resource template (path parameters).
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.get_as_resources();
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn get_as_resources(self) -> Self {
        self.route_map(RouteMap::new(RouteKind::Resource).methods(["GET"]))
            .route_map(RouteMap::new(RouteKind::Template).methods(["GET"]))
    }

    /// Names the operation `operation` (its `operationId`, or `"GET /path"`) `name`.
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.rename("findPetsByStatus", "find_pets").rename("GET /health", "health");
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn rename(mut self, operation: impl Into<String>, name: impl Into<String>) -> Self {
        self.names.insert(operation.into(), name.into());
        self
    }

    /// The URI scheme of the resources and templates (default `openapi`).
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}"#)?;
    /// let api = api.resource_scheme("petstore");
    /// # let _ = api;
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    #[must_use]
    pub fn resource_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.scheme = scheme.into();
        self
    }

    /// The base URL: the configured one, else the first server's (its
    /// variables at their defaults, resolved against the document's URL).
    fn resolve_base(&self) -> Result<Url, OpenApiError> {
        let missing = || {
            OpenApiError::Config(
                "the OpenAPI document names no absolute server URL: give the API's base URL (`--base-url`, `OpenApi::base_url`)".into(),
            )
        };
        let url = if let Some(b) = &self.base_url {
            Url::parse(b)
                .map_err(|e| OpenApiError::Config(format!("the base URL `{b}` is not a URL: {e}")))?
        } else {
            let server = &self.doc.root()["servers"][0];
            let mut raw = server["url"].as_str().unwrap_or("/").to_owned();
            if let Some(vars) = server["variables"].as_object() {
                for (name, var) in vars {
                    raw = raw.replace(
                        &format!("{{{name}}}"),
                        var["default"].as_str().unwrap_or_default(),
                    );
                }
            }
            let from_file = self.doc.root.scheme() == "file";
            match Url::parse(&raw) {
                Ok(u) => u,
                Err(_) if !from_file => self.doc.root.join(&raw).map_err(|_| missing())?,
                Err(_) => return Err(missing()),
            }
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OpenApiError::Config(format!(
                "the base URL {url} is not http or https: give the API's base URL (`--base-url`, `OpenApi::base_url`)"
            )));
        }
        Ok(url)
    }

    /// The document's `apiKey` security scheme: where the key goes.
    fn api_key_scheme(&self) -> Result<(ParamLocation, String), OpenApiError> {
        let mut found: Vec<(ParamLocation, String)> = Vec::new();
        let schemes = self.doc.root()["components"]["securitySchemes"].as_object();
        for scheme in schemes.into_iter().flat_map(Map::values) {
            let Ok((_, s)) = self.doc.deref(&self.doc.root, scheme) else {
                continue;
            };
            if s["type"] != "apiKey" {
                continue;
            }
            let location = match s["in"].as_str() {
                Some("header") => ParamLocation::Header,
                Some("query") => ParamLocation::Query,
                Some("cookie") => ParamLocation::Cookie,
                _ => continue,
            };
            if let Some(name) = s["name"].as_str() {
                if !found.iter().any(|(l, n)| *l == location && n == name) {
                    found.push((location, name.to_owned()));
                }
            }
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(OpenApiError::Config(
                "the OpenAPI document declares no apiKey security scheme: say where the key goes (`--api-key-header`, `OpenApi::api_key_env_at`)".into(),
            )),
            _ => Err(OpenApiError::Config(format!(
                "the OpenAPI document declares {} apiKey security schemes: say which one to fill (`--api-key-header`, `OpenApi::api_key_env_at`)",
                found.len()
            ))),
        }
    }

    /// The HTTP client, the credentials outside headers, and the
    /// parameters the configuration supplies.
    fn caller(&self) -> Result<(Caller, Supplied), OpenApiError> {
        let base = self.resolve_base()?;
        let mut headers = HeaderMap::new();
        let mut supplied = Supplied::default();
        let mut secrets = Vec::new();
        let header =
            |name: &str, value: &str, sensitive: bool| -> Result<(HeaderName, HeaderValue), OpenApiError> {
                let n = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| OpenApiError::Config(format!("`{name}` is not a valid header name")))?;
                let mut v = HeaderValue::from_str(value).map_err(|_| {
                    OpenApiError::Config(format!("the value of the header `{name}` is not valid in HTTP"))
                })?;
                v.set_sensitive(sensitive);
                Ok((n, v))
            };
        for (name, value) in &self.headers {
            let (n, v) = header(name, value, false)?;
            headers.insert(n, v);
            supplied.params.push((ParamLocation::Header, name.clone()));
        }
        let env = |var: &str, what: &str| -> Result<String, OpenApiError> {
            match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(v),
                _ => Err(OpenApiError::Config(format!(
                    "the environment variable {var} is not set: it must hold the API's {what}"
                ))),
            }
        };
        for credential in &self.credentials {
            match credential {
                Credential::Bearer { env: var } => {
                    let token = env(var, "bearer token")?;
                    let (_, v) = header("authorization", &format!("Bearer {token}"), true)?;
                    headers.insert(AUTHORIZATION, v);
                }
                Credential::ApiKey { env: var, at } => {
                    let (location, name) = match at {
                        Some(at) => at.clone(),
                        None => self.api_key_scheme()?,
                    };
                    let key = env(var, "API key")?;
                    match location {
                        ParamLocation::Header => {
                            let (n, v) = header(&name, &key, true)?;
                            headers.insert(n, v);
                        }
                        ParamLocation::Query | ParamLocation::Cookie => {
                            secrets.push((location, name.clone(), key));
                        }
                        ParamLocation::Path => {
                            return Err(OpenApiError::Config("an API key cannot go in the path".into()));
                        }
                    }
                    supplied.params.push((location, name));
                }
            }
        }
        // A redirect to another origin would carry the credentials there
        // (reqwest drops `Authorization` across hosts, not an API-key
        // header): such an answer is returned as it is, a 3xx tool error.
        let same_origin = reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().map(Url::origin);
            if attempt.previous().len() > 10 || first.is_some_and(|o| o != attempt.url().origin()) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .redirect(same_origin)
            .default_headers(headers)
            .user_agent(concat!("mcp-serve-openapi/", env!("CARGO_PKG_VERSION")))
            .timeout(self.timeout)
            .build()
            .map_err(|e| OpenApiError::Config(format!("cannot build the HTTP client: {e}")))?;
        let caller = Caller {
            http,
            base,
            secrets,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
        };
        Ok((caller, supplied))
    }

    /// Converts every operation into a tool, resource or template.
    /// Operations that cannot be converted are left out, listed in
    /// [`Generated::skipped`] and logged.
    ///
    /// ```
    /// # let api = mcp_serve::openapi::OpenApi::parse(r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": "http://127.0.0.1:9"}]}"#)?;
    /// let generated = api.build()?;
    /// assert!(generated.tools.is_empty());
    /// # Ok::<(), mcp_serve::openapi::OpenApiError>(())
    /// ```
    ///
    /// # Errors
    /// No usable base URL, a credential missing from the environment, an
    /// invalid header.
    pub fn build(self) -> Result<Generated, OpenApiError> {
        let (caller, supplied) = self.caller()?;
        let caller = Arc::new(caller);
        let mut generated = Generated {
            tools: Vec::new(),
            resources: Vec::new(),
            skipped: Vec::new(),
        };
        let mut namer = routes::Namer::default();
        let empty = Map::new();
        let paths = self.doc.root()["paths"].as_object().unwrap_or(&empty);
        for (path, item) in paths {
            let methods: Vec<&str> = match self.doc.deref(&self.doc.root, item) {
                Ok((_, item)) => operation::METHODS
                    .iter()
                    .copied()
                    .filter(|m| item.get(*m).is_some())
                    .collect(),
                Err(e) => {
                    tracing::warn!(path = %path, error = %e, "an OpenAPI path is left out");
                    generated.skipped.push(e);
                    continue;
                }
            };
            for method in methods {
                let op = match Operation::parse(&self.doc, path, method, item, &supplied) {
                    Ok(op) => op,
                    Err(e) => {
                        tracing::warn!(error = %e, "an OpenAPI operation is left out");
                        generated.skipped.push(e);
                        continue;
                    }
                };
                let get = op.method == reqwest::Method::GET;
                let has_path_params = op.params.iter().any(|p| p.location == ParamLocation::Path);
                let simple = get && !op.needs_more_than_path();
                let kind = routes::choose(
                    &self.maps,
                    op.method.as_str(),
                    path,
                    &op.tags,
                    simple && !has_path_params,
                    simple && has_path_params,
                );
                if kind == RouteKind::Exclude {
                    continue;
                }
                let name = namer.name(&self.names, op.operation_id.as_deref(), method, path);
                match kind {
                    RouteKind::Resource | RouteKind::Template => {
                        generated
                            .resources
                            .push(self.resource(name, op, Arc::clone(&caller)));
                    }
                    _ => generated.tools.push(tool(name, op, Arc::clone(&caller))),
                }
            }
        }
        Ok(generated)
    }

    /// A `GET` operation as a resource or template: `scheme://path`, the
    /// path parameters as template variables (named `[A-Za-z0-9_]`).
    fn resource(&self, name: String, op: Operation, caller: Arc<Caller>) -> Resource {
        let mut uri = format!("{}://", self.scheme);
        // Template variable → the argument it fills.
        let mut vars: Vec<(String, String)> = Vec::new();
        let mut rest = op.path.trim_start_matches('/');
        while let Some(open) = rest.find('{') {
            uri.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let param = &rest[open + 1..close];
            let mut var: String = param
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            while vars.iter().any(|(v, _)| *v == var) {
                var.push('_');
            }
            let arg = op
                .params
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == param)
                .map_or_else(|| param.to_owned(), |p| p.arg.clone());
            uri.push('{');
            uri.push_str(&var);
            uri.push('}');
            vars.push((var, arg));
            rest = &rest[(close + 1).min(rest.len())..];
        }
        uri.push_str(rest);
        let mut resource = Resource::new(uri).name(name).description(op.describe());
        if let Some(t) = &op.summary {
            resource = resource.title(t.clone());
        }
        if let Some(mime) = &op.response_type {
            resource = resource.mime_type(mime.clone());
        }
        let op = Arc::new(op);
        resource.raw_handler(move |uri: String, values: Map<String, Value>, _ctx| {
            let (op, caller) = (Arc::clone(&op), Arc::clone(&caller));
            let args: Map<String, Value> = vars
                .iter()
                .filter_map(|(var, arg)| values.get(var).map(|v| (arg.clone(), v.clone())))
                .collect();
            async move {
                match caller.send(&op, &args).await {
                    Ok(answer) => Ok(vec![call::resource_contents(
                        &uri,
                        op.response_type.as_deref(),
                        answer,
                    )]),
                    Err(CallFailure::Status { status, .. }) if status == reqwest::StatusCode::NOT_FOUND => {
                        Err(McpError::resource_not_found(&uri))
                    }
                    Err(e) => Err(McpError::internal(format!("{} {}: {e}", op.method, op.path))),
                }
            }
        })
    }
}

/// An operation as a tool.
fn tool(name: String, op: Operation, caller: Arc<Caller>) -> Tool {
    let mut annotations = ToolAnnotations::default();
    let method = &op.method;
    let read_only = *method == reqwest::Method::GET || *method == reqwest::Method::HEAD;
    annotations.read_only_hint = Some(read_only);
    if !read_only {
        annotations.destructive_hint =
            Some(*method == reqwest::Method::DELETE || *method == reqwest::Method::PUT);
    }
    annotations.idempotent_hint =
        Some(read_only || *method == reqwest::Method::PUT || *method == reqwest::Method::DELETE);
    annotations.open_world_hint = Some(true);
    let mut tool = Tool::new(name.clone())
        .description(op.describe())
        .input_schema(op.input_schema.clone())
        .annotations(annotations);
    if let Some(title) = &op.summary {
        tool = tool.title(title.clone());
    }
    if let Some(output) = &op.output {
        tool = tool.output_schema(output.schema.clone());
    }
    let op = Arc::new(op);
    let uri: Arc<str> = format!("openapi:///{name}").into();
    tool.raw_handler(move |args, _ctx| {
        let (op, caller, uri) = (Arc::clone(&op), Arc::clone(&caller), Arc::clone(&uri));
        async move {
            let fail = |message: String| CallError::from(ToolError::new(message));
            match caller.send(&op, &args).await {
                Ok(answer) => call::tool_result(&op, &uri, answer).map_err(fail),
                Err(e) => Err(fail(format!("{} {} failed: {e}", op.method, op.path))),
            }
        }
    })
}
