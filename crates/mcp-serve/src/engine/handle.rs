//! [`ServerHandle`]: a built server's engine, shared by every connection.
//! Transports connect through it, handlers reach it from their
//! [`Context`](crate::context::Context), and applications change what the
//! server offers through it while it runs.

use std::sync::Arc;

use mcp_serve_core::types::Implementation;

use super::{Connection, ListKind, RegistrationError, Shared};
use crate::context::Context;
use crate::prompt::IntoPrompt;
use crate::resource::IntoResource;
use crate::tool::IntoTool;

/// A built server: serve it, connect to it in-process, or change what it
/// offers while it runs (clients are sent `list_changed`).
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::tool::Tool;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let handle = Server::new("demo", "1.0.0").into_handle().unwrap();
/// handle.add_tool(Tool::new("ping").raw_handler(|_, _| async { Ok(CallToolResult::text("pong")) })).unwrap();
/// assert!(handle.disable_tool("ping"));
/// assert!(handle.enable_tool("ping"));
/// assert!(handle.remove_tool("ping"));
/// # }
/// ```
#[derive(Clone)]
pub struct ServerHandle {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("info", &self.shared.info)
            .finish_non_exhaustive()
    }
}

macro_rules! toggles {
    ($field:ident, $kind:expr, $enable:ident, $disable:ident, $remove:ident, $what:literal) => {
        #[doc = concat!("Enables the ", $what, " with this key; `false` if there is none or it was enabled.")]
        pub fn $enable(&self, key: &str) -> bool {
            self.set_enabled($kind, key, true)
        }

        #[doc = concat!("Hides the ", $what, " with this key from lists and calls; `false` if there is none or it was disabled. Enabling by name does not show what a tag rule hides (see [`ServerHandle::enable_tag`]).")]
        pub fn $disable(&self, key: &str) -> bool {
            self.set_enabled($kind, key, false)
        }

        #[doc = concat!("Removes the ", $what, " with this key; `false` if there was none.")]
        pub fn $remove(&self, key: &str) -> bool {
            self.shared
                .update($kind, |c, _| Ok(c.$field.shift_remove(key).is_some()))
                .unwrap_or(false)
        }
    };
}

impl ServerHandle {
    /// The authorization [`Server::auth`](crate::server::Server::auth) set.
    ///
    /// ```
    /// let handle = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle().unwrap();
    /// assert!(handle.auth().is_none());
    /// ```
    #[cfg(feature = "auth")]
    pub fn auth(&self) -> Option<&crate::auth::Auth> {
        self.shared.options.auth.as_deref()
    }

    /// Whether the server can serve: its task store answers
    /// ([`TaskStore::check`](crate::tasks::TaskStore::check)). The HTTP
    /// transport's readiness probe asks it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let handle = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle()?;
    /// assert!(handle.ready().await.is_ok());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// What is unreachable, and why.
    pub async fn ready(&self) -> Result<(), String> {
        self.shared
            .tasks
            .store()
            .check()
            .await
            .map_err(|e| format!("the task store is unreachable: {e}"))
    }

    /// The scopes a caller needs for `method` on `name` (a tool or prompt
    /// name, or a resource URI): empty for anything else, or for a component
    /// that declares none (or does not exist: the request then fails as it
    /// would without authorization).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::tool::Tool;
    /// let tool = Tool::new("wipe").scopes(["admin"]).raw_handler(|_, _| async { Ok(CallToolResult::text("ok")) });
    /// let handle = Server::new("demo", "1.0.0").tool(tool).into_handle().unwrap();
    /// assert_eq!(handle.required_scopes("tools/call", "wipe"), ["admin"]);
    /// assert!(handle.required_scopes("tools/list", "").is_empty());
    /// ```
    pub fn required_scopes(&self, method: &str, name: &str) -> Vec<String> {
        let catalog = self.shared.catalog.load();
        match method {
            "tools/call" => catalog.tools.get(name).map(|t| t.scopes.clone()),
            "prompts/get" => catalog.prompts.get(name).map(|p| p.scopes.clone()),
            "resources/read" | "resources/subscribe" => {
                catalog.find_resource(name).map(|(r, _)| r.source.scopes.clone())
            }
            _ => None,
        }
        .unwrap_or_default()
    }

    /// Adds a tool, replacing one of the same name (the builder refuses two
    /// of one name; at run time, replacing is how a tool is updated).
    ///
    /// # Errors
    /// When the tool cannot be served (see [`RegistrationError`]).
    pub fn add_tool(&self, tool: impl IntoTool) -> Result<(), RegistrationError> {
        let tool = tool.into_tool();
        tool.check_state(&self.shared.state)?;
        self.shared
            .update(ListKind::Tools, |c, s| c.insert_tool(tool, s).map(|()| true))
            .map(drop)
    }

    /// Adds a resource or template, replacing one with the same URI.
    ///
    /// # Errors
    /// When the resource cannot be served.
    pub fn add_resource(&self, resource: impl IntoResource) -> Result<(), RegistrationError> {
        let resource = resource.into_resource();
        resource.check_state(&self.shared.state)?;
        self.shared
            .update(ListKind::Resources, |c, s| {
                c.insert_resource(resource, s).map(|()| true)
            })
            .map(drop)
    }

    /// Adds a prompt, replacing one of the same name.
    ///
    /// # Errors
    /// When the prompt cannot be served.
    pub fn add_prompt(&self, prompt: impl IntoPrompt) -> Result<(), RegistrationError> {
        let prompt = prompt.into_prompt();
        prompt.check_state(&self.shared.state)?;
        self.shared
            .update(ListKind::Prompts, |c, s| {
                c.insert_prompt(prompt, s).map(|()| true)
            })
            .map(drop)
    }

    toggles!(
        tools,
        ListKind::Tools,
        enable_tool,
        disable_tool,
        remove_tool,
        "tool"
    );
    toggles!(
        prompts,
        ListKind::Prompts,
        enable_prompt,
        disable_prompt,
        remove_prompt,
        "prompt"
    );

    /// Enables the resource or template with this URI.
    pub fn enable_resource(&self, uri: &str) -> bool {
        self.set_enabled(ListKind::Resources, uri, true)
    }

    /// Hides the resource or template with this URI.
    pub fn disable_resource(&self, uri: &str) -> bool {
        self.set_enabled(ListKind::Resources, uri, false)
    }

    /// Removes the resource or template with this URI.
    pub fn remove_resource(&self, uri: &str) -> bool {
        self.shared
            .update(ListKind::Resources, |c, _| {
                Ok(c.resources.shift_remove(uri).is_some() | c.templates.shift_remove(uri).is_some())
            })
            .unwrap_or(false)
    }

    /// The names of the registered tools (enabled or not), in order.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// /// Ping.
    /// #[tool]
    /// fn ping() -> &'static str { "pong" }
    /// let server = Server::new("demo", "1.0.0").tool(ping).into_handle().unwrap();
    /// assert_eq!(server.tool_names(), ["ping"]);
    /// ```
    pub fn tool_names(&self) -> Vec<String> {
        self.shared.catalog.load().tools.keys().cloned().collect()
    }

    /// The URIs of the registered resources and templates, in order.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// let server = Server::new("demo", "1.0.0").into_handle().unwrap();
    /// assert!(server.resource_uris().is_empty());
    /// ```
    pub fn resource_uris(&self) -> Vec<String> {
        let c = self.shared.catalog.load();
        c.resources.keys().chain(c.templates.keys()).cloned().collect()
    }

    /// The names of the registered prompts, in order.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// let server = Server::new("demo", "1.0.0").into_handle().unwrap();
    /// assert!(server.prompt_names().is_empty());
    /// ```
    pub fn prompt_names(&self) -> Vec<String> {
        self.shared.catalog.load().prompts.keys().cloned().collect()
    }

    fn set_enabled(&self, kind: ListKind, key: &str, enabled: bool) -> bool {
        self.shared
            .edit(|c, _| {
                let (flipped, visibility) = c.set_by_name(kind, key, enabled);
                let changed = if visibility { vec![kind] } else { Vec::new() };
                Ok((flipped, flipped, changed))
            })
            .unwrap_or(false)
    }

    /// Shows again the tools, resources, templates and prompts tagged `tag`
    /// (see [`Tool::tag`](crate::tool::Tool::tag)): the tag is no longer
    /// excluded, and when the server shows only some tags
    /// ([`Server::include_tags`](crate::server::Server::include_tags)), it
    /// is one of them. `false` when that was so already.
    ///
    /// A component is visible when it is enabled by name
    /// ([`Self::enable_tool`]...), has no excluded tag, and, when the server
    /// shows only some tags, has one of those. Excluding wins: a component
    /// tagged both `admin` and `billing` stays hidden while either is
    /// excluded, and enabling it by name does not show it. Clients are sent
    /// `list_changed` for each kind of list whose contents changed, and no
    /// other.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Delete every record.
    /// #[tool(tags = ["admin"])]
    /// fn wipe() -> &'static str { "wiped" }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let client = mcp_serve::testing::TestClient::modern(Server::new("demo", "1.0.0").tool(wipe)).await?;
    /// assert!(client.server().disable_tag("admin"));
    /// assert!(client.list_tools().await?.tools.is_empty());
    /// assert!(client.call_tool("wipe", serde_json::json!({})).await.is_err());
    /// assert!(client.server().enable_tag("admin"));
    /// assert_eq!(client.list_tools().await?.tools[0].name, "wipe");
    /// # Ok(()) }
    /// ```
    pub fn enable_tag(&self, tag: &str) -> bool {
        self.shared
            .edit(|c, _| {
                let mut changed = c.tag_rules.hidden.remove(tag);
                if let Some(only) = &mut c.tag_rules.only {
                    changed |= only.insert(tag.to_owned());
                }
                Ok((changed, changed, c.revisit_tags()))
            })
            .unwrap_or(false)
    }

    /// Hides the tools, resources, templates and prompts tagged `tag` from
    /// lists, calls, reads and gets (they answer as unknown ones do), until
    /// [`Self::enable_tag`]. `false` when the tag was excluded already. See
    /// [`Self::enable_tag`] for how tags and names combine.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Review code.
    /// #[prompt(tags = ["beta"])]
    /// fn review(code: String) -> String { format!("Review:\n{code}") }
    ///
    /// let server = Server::new("demo", "1.0.0").prompt(review).into_handle().unwrap();
    /// assert!(server.disable_tag("beta"));
    /// assert!(!server.disable_tag("beta"));
    /// assert_eq!(server.excluded_tags(), ["beta"]);
    /// ```
    pub fn disable_tag(&self, tag: &str) -> bool {
        self.shared
            .edit(|c, _| {
                let changed = c.tag_rules.hidden.insert(tag.to_owned());
                Ok((changed, changed, c.revisit_tags()))
            })
            .unwrap_or(false)
    }

    /// The excluded tags ([`Self::disable_tag`],
    /// [`Server::exclude_tags`](crate::server::Server::exclude_tags)), sorted.
    ///
    /// ```
    /// let server = mcp_serve::prelude::Server::new("demo", "1.0.0").exclude_tags(["admin"]).into_handle().unwrap();
    /// assert_eq!(server.excluded_tags(), ["admin"]);
    /// ```
    pub fn excluded_tags(&self) -> Vec<String> {
        self.shared
            .catalog
            .load()
            .tag_rules
            .hidden
            .iter()
            .cloned()
            .collect()
    }

    /// The tags the server shows only
    /// ([`Server::include_tags`](crate::server::Server::include_tags)),
    /// sorted; `None` when it shows every tag.
    ///
    /// ```
    /// let server = mcp_serve::prelude::Server::new("demo", "1.0.0").include_tags(["public"]).into_handle().unwrap();
    /// assert_eq!(server.included_tags(), Some(vec!["public".to_owned()]));
    /// ```
    pub fn included_tags(&self) -> Option<Vec<String>> {
        let catalog = self.shared.catalog.load();
        catalog
            .tag_rules
            .only
            .as_ref()
            .map(|o| o.iter().cloned().collect())
    }

    /// Adds the tool `transform` makes from a registered tool (see
    /// [`ToolTransform`](crate::tool::ToolTransform)), replacing one of the
    /// same name; clients are sent `list_changed`.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::tool::{ArgTransform, ToolTransform};
    ///
    /// /// Greet someone.
    /// #[tool]
    /// fn greet(name: String) -> String { format!("Hello, {name}!") }
    ///
    /// let server = Server::new("demo", "1.0.0").tool(greet).into_handle().unwrap();
    /// let hi = ToolTransform::new("greet").name("hi").arg("name", ArgTransform::new().rename("who"));
    /// server.transform_tool(hi).unwrap();
    /// assert_eq!(server.tool_names(), ["greet", "hi"]);
    /// assert!(server.transform_tool(ToolTransform::new("nope")).is_err());
    /// ```
    ///
    /// # Errors
    /// An unknown source tool or argument, or a new tool that cannot be
    /// served (see [`RegistrationError::Transform`]).
    pub fn transform_tool(&self, transform: crate::tool::ToolTransform) -> Result<(), RegistrationError> {
        self.shared.edit(|c, s| {
            c.insert_transformed(&transform, s)?;
            Ok(((), true, vec![ListKind::Tools]))
        })
    }

    /// Mounts a built server under `prefix` while this one runs (see
    /// [`Server::mount`](crate::server::Server::mount) for what mounting
    /// does); clients are sent `list_changed`. A gateway mounts a backend
    /// this way when it connects.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Tomorrow's weather.
    /// #[tool]
    /// fn forecast() -> &'static str { "Sunny" }
    ///
    /// let main = Server::new("main", "1.0.0").into_handle().unwrap();
    /// let weather = Server::new("weather", "1.0.0").tool(forecast).into_handle().unwrap();
    /// main.mount("weather", &weather).unwrap();
    /// assert_eq!(main.tool_names(), ["weather_forecast"]);
    /// assert!(main.mount("weather", &weather).is_err()); // the prefix is taken
    /// assert!(weather.mount("up", &main).is_err());      // a cycle
    /// assert!(main.unmount("weather"));
    /// assert!(main.tool_names().is_empty());
    /// ```
    ///
    /// # Errors
    /// A bad or taken prefix, a name that clashes with one this server has,
    /// or a mount that would contain itself.
    pub fn mount(&self, prefix: &str, server: &ServerHandle) -> Result<(), RegistrationError> {
        super::mount::check_prefix(prefix)?;
        let refuse = |reason: &str| RegistrationError::Mount {
            prefix: prefix.to_owned(),
            reason: reason.to_owned(),
        };
        if server.shared.contains(&self.shared) {
            return Err(refuse(
                "the server is this one or contains it, and mounting it would make a cycle",
            ));
        }
        let separator = Arc::clone(&self.shared.options.mount_separator);
        self.shared.edit(|c, _| {
            if c.mounts.contains_key(prefix) {
                return Err(refuse("a server is mounted under it already; unmount it first"));
            }
            c.mounts.insert(
                prefix.to_owned(),
                super::mount::Mounted::new(Arc::clone(&server.shared)),
            );
            let changed = c.sync_mount(prefix, &separator, &super::mount::ALL, true)?;
            Ok(((), true, changed))
        })?;
        self.follow_mounts();
        Ok(())
    }

    /// Takes out the server mounted under `prefix` and everything it put
    /// here; clients are sent `list_changed`. `false` when nothing is
    /// mounted there.
    ///
    /// ```
    /// let main = mcp_serve::prelude::Server::new("main", "1.0.0").into_handle().unwrap();
    /// assert!(!main.unmount("weather"));
    /// ```
    pub fn unmount(&self, prefix: &str) -> bool {
        let removed = self
            .shared
            .edit(|c, _| {
                Ok(match c.unmount(prefix) {
                    Some((child, changed)) => (Some(child), true, changed),
                    None => (None, false, Vec::new()),
                })
            })
            .ok()
            .flatten();
        let Some(child) = removed else {
            return false;
        };
        let me = Arc::as_ptr(&self.shared);
        child
            .mounted_in
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|p| !(std::ptr::eq(p.shared.as_ptr(), me) && p.prefix == prefix));
        true
    }

    /// The prefixes servers are mounted under here, in order.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// let main = Server::new("main", "1.0.0").mount("weather", Server::new("weather", "1.0.0"));
    /// assert_eq!(main.into_handle().unwrap().mounts(), ["weather"]);
    /// ```
    pub fn mounts(&self) -> Vec<String> {
        self.shared.catalog.load().mounts.keys().cloned().collect()
    }

    /// Has every mounted server tell this one of its changes, and copies
    /// again any whose catalog changed before it could.
    pub(crate) fn follow_mounts(&self) {
        let catalog = self.shared.catalog.load_full();
        for (prefix, mount) in &catalog.mounts {
            let mut parents = mount
                .child
                .mounted_in
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let me = Arc::as_ptr(&self.shared);
            if !parents
                .iter()
                .any(|p| std::ptr::eq(p.shared.as_ptr(), me) && p.prefix == *prefix)
            {
                parents.push(super::mount::Parent {
                    shared: Arc::downgrade(&self.shared),
                    prefix: prefix.clone(),
                });
            }
        }
        let separator = Arc::clone(&self.shared.options.mount_separator);
        for prefix in catalog.mounts.keys() {
            let _ = self.shared.edit(|c, _| {
                if c.mount_is_current(prefix) {
                    return Ok(((), false, Vec::new()));
                }
                let changed = c.sync_mount(prefix, &separator, &super::mount::ALL, false)?;
                Ok(((), true, changed))
            });
        }
    }

    /// Tells subscribed clients (`resources/subscribe`) that a resource's
    /// contents changed (`notifications/resources/updated`).
    pub fn notify_resource_updated(&self, uri: &str) {
        self.shared
            .announce(crate::engine::Change::ResourceUpdated(uri.into()));
    }

    /// Tells connected clients that a list changed, for changes the server
    /// cannot see (e.g. a handler's output depends on external data).
    pub fn notify_list_changed(&self, kind: ListKind) {
        self.shared.announce(crate::engine::Change::List(kind));
    }

    /// A connection that hears nothing the server broadcasts (list changes,
    /// resource updates): each request on it stands alone, as on a stateless
    /// HTTP endpoint. Server-initiated messages have nowhere to go.
    pub fn connect_detached(&self) -> Connection {
        Connection::new(Arc::clone(&self.shared), None)
    }

    /// Whether the server serves only the session revisions (see
    /// [`Server::legacy_only`](crate::server::Server::legacy_only)), so a
    /// transport does not route modern requests to it.
    pub fn legacy_only(&self) -> bool {
        self.shared.options.legacy_only
    }

    /// The server's name, version and other identity.
    pub fn info(&self) -> &Implementation {
        &self.shared.info
    }

    /// A new connection whose server-initiated messages go to `outbound`.
    /// Transports call this; so can custom transports.
    pub fn connect(&self, outbound: Option<tokio::sync::mpsc::Sender<Vec<u8>>>) -> Connection {
        let conn = Connection::new(Arc::clone(&self.shared), outbound);
        conn.spawn_change_forwarder();
        conn
    }
}

impl Context {
    /// The running server, to add, remove, enable or disable tools, resources
    /// and prompts (clients are told with `list_changed`).
    pub fn server(&self) -> ServerHandle {
        let served = Arc::clone(&self.inner.served).as_any();
        ServerHandle {
            // The engine is the only `Served` there is.
            shared: served
                .downcast::<Shared>()
                .expect("a context is served by the engine"),
        }
    }
}
