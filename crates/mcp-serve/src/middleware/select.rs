//! Middleware for part of a server: [`Select`] says which requests, and
//! [`Only`] applies a middleware to those alone.

use std::sync::Arc;

use super::{McpRequest, McpResult, Middleware, Next};

/// A test of a request.
type Test = dyn Fn(&McpRequest) -> bool + Send + Sync;

/// Which requests a middleware applies to: by method, by the tool, prompt
/// or resource they name, by its tags, or by any test of the request. Conditions
/// combine with AND; a `Select` with none matches everything.
///
/// ```
/// use mcp_serve::middleware::Select;
///
/// // Calls of two tools.
/// let writes = Select::tools(["write_file", "delete_file"]);
/// // Every list.
/// let lists = Select::methods(["tools/list", "resources/list", "prompts/list"]);
/// // Requests over HTTP.
/// let remote = Select::when(|req| req.context().http().is_some());
/// # let _ = (writes, lists, remote);
/// ```
#[derive(Clone, Default)]
pub struct Select {
    methods: Option<Vec<String>>,
    names: Option<Vec<String>>,
    tags: Option<Vec<String>>,
    when: Option<Arc<Test>>,
}

impl std::fmt::Debug for Select {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("methods", &self.methods)
            .field("names", &self.names)
            .field("tags", &self.tags)
            .field("when", &self.when.as_ref().map(|_| ".."))
            .finish()
    }
}

impl Select {
    /// Requests of these methods.
    ///
    /// ```
    /// let s = mcp_serve::middleware::Select::methods(["tools/list"]);
    /// # let _ = s;
    /// ```
    pub fn methods<I, S>(methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Select::default().and_methods(methods)
    }

    /// Calls of these tools (`tools/call` naming one of them).
    ///
    /// ```
    /// let s = mcp_serve::middleware::Select::tools(["delete_file"]);
    /// # let _ = s;
    /// ```
    pub fn tools<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Select::methods(["tools/call"]).and_names(names)
    }

    /// Calls of one tool.
    ///
    /// ```
    /// let s = mcp_serve::middleware::Select::tool("delete_file");
    /// # let _ = s;
    /// ```
    pub fn tool(name: impl Into<String>) -> Self {
        Select::tools([name.into()])
    }

    /// Requests naming a tool, prompt or resource with one of these tags
    /// (`#[tool(tags = [..])]`): a group of components.
    ///
    /// ```
    /// let s = mcp_serve::middleware::Select::tags(["admin"]);
    /// # let _ = s;
    /// ```
    pub fn tags<I, S>(tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Select {
            tags: Some(tags.into_iter().map(Into::into).collect()),
            ..Select::default()
        }
    }

    /// Requests for which `test` says yes.
    ///
    /// ```
    /// use mcp_serve::middleware::Select;
    /// let s = Select::when(|req| req.context().principal().is_none());
    /// # let _ = s;
    /// ```
    pub fn when(test: impl Fn(&McpRequest) -> bool + Send + Sync + 'static) -> Self {
        Select {
            when: Some(Arc::new(test)),
            ..Select::default()
        }
    }

    /// Also requires one of these methods.
    ///
    /// ```
    /// use mcp_serve::middleware::Select;
    /// let s = Select::when(|req| req.context().http().is_some()).and_methods(["tools/call"]);
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn and_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.methods = Some(methods.into_iter().map(Into::into).collect());
        self
    }

    /// Also requires naming one of these tools, prompts or resource URIs
    /// (see [`McpRequest::name`]).
    ///
    /// ```
    /// use mcp_serve::middleware::Select;
    /// let s = Select::methods(["prompts/get"]).and_names(["review"]);
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn and_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Whether `req` is selected.
    ///
    /// ```
    /// # fn f(req: &mcp_serve::middleware::McpRequest) -> bool {
    /// mcp_serve::middleware::Select::tool("add").matches(req)
    /// # }
    /// ```
    pub fn matches(&self, req: &McpRequest) -> bool {
        self.methods
            .as_ref()
            .is_none_or(|m| m.iter().any(|m| m == req.method()))
            && self
                .names
                .as_ref()
                .is_none_or(|n| req.name().is_some_and(|name| n.iter().any(|n| n == name)))
            && self.tags.as_ref().is_none_or(|wanted| {
                req.name().is_some_and(|name| {
                    req.context()
                        .tags_of(req.method(), name)
                        .iter()
                        .any(|t| wanted.contains(t))
                })
            })
            && self.when.as_ref().is_none_or(|test| test(req))
    }
}

/// A middleware applied only to the requests a [`Select`] picks; others
/// pass by it untouched. `Server::middleware_for` adds one.
///
/// ```
/// use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next, Only, Select};
///
/// struct Confirmations;
/// impl Middleware for Confirmations {}
///
/// let guarded = Only::new(Select::tool("delete_file"), Confirmations);
/// # let _ = mcp_serve::prelude::Server::new("demo", "1.0.0").middleware(guarded);
/// ```
pub struct Only<M> {
    select: Select,
    middleware: M,
}

impl<M: Middleware> Only<M> {
    /// `middleware`, for the requests `select` picks.
    ///
    /// ```
    /// # use mcp_serve::middleware::{Middleware, Only, Select};
    /// struct Nothing;
    /// impl Middleware for Nothing {}
    /// let _ = Only::new(Select::methods(["tools/list"]), Nothing);
    /// ```
    pub fn new(select: Select, middleware: M) -> Self {
        Only { select, middleware }
    }
}

macro_rules! only {
    ($($hook:ident),*) => {
        $(
            async fn $hook(&self, req: McpRequest, next: Next) -> McpResult {
                if self.select.matches(&req) {
                    self.middleware.$hook(req, next).await
                } else {
                    next.run(req).await
                }
            }
        )*
    };
}

impl<M: Middleware> Middleware for Only<M> {
    only!(
        on_request,
        on_call_tool,
        on_read_resource,
        on_get_prompt,
        on_list_tools,
        on_list_resources,
        on_list_resource_templates,
        on_list_prompts,
        on_initialize
    );
}
