//! Servers mounted in a server under a prefix (`Server::mount`): the
//! child's visible tools and prompts appear as `prefix_name`, its resources
//! as `prefix+uri`, each a copy of the child's entry whose handler runs with
//! the caller's request re-rooted at the child (its state, its catalog, its
//! middleware), so progress, logging, input requests and cancellation reach
//! the caller in either era.
//!
//! A mount is live: every change the child publishes is pushed to each
//! parent synchronously (see [`Shared::announce`]), which copies that list
//! again and tells its own clients. Parents are held weakly, children
//! strongly, and a mount that would make a cycle is refused.

use std::borrow::Cow;
use std::sync::{Arc, Weak};

use mcp_serve_core::types::{CallToolResult, GetPromptResult, ReadResourceResult, ResourceContents};
use serde_json::{Map, Value};

use super::catalog::{Catalog, PromptEntry, ResourceEntry, ToolEntry};
use super::{Change, ListKind, Shared};
use crate::complete::Completer;
use crate::context::{Context, Served};
use crate::error::{McpError, RegistrationError};
use crate::middleware::{Chain, Continuation, McpRequest};
use crate::prompt::PromptFn;
use crate::resource::{ResourceFn, UriTemplate};
use crate::tool::{CallError, ToolFn};

/// A server mounted in this one, as one catalog snapshot records it.
#[derive(Clone)]
pub(crate) struct Mounted {
    pub(crate) child: Arc<Shared>,
    /// The keys this mount put in each list, taken out again on each copy.
    tools: Vec<String>,
    resources: Vec<String>,
    prompts: Vec<String>,
    /// The child's catalog snapshot last copied (by address), to skip a copy
    /// of a snapshot already seen.
    seen: usize,
}

impl Mounted {
    pub(crate) fn new(child: Arc<Shared>) -> Self {
        Mounted {
            child,
            tools: Vec::new(),
            resources: Vec::new(),
            prompts: Vec::new(),
            seen: 0,
        }
    }
}

/// A parent a server is mounted in, as the child knows it.
pub(crate) struct Parent {
    pub(crate) shared: Weak<Shared>,
    pub(crate) prefix: String,
}

/// Every kind of list, for a whole mount.
pub(crate) const ALL: [ListKind; 3] = [ListKind::Tools, ListKind::Resources, ListKind::Prompts];

/// Checks a mount prefix: it starts resource URIs as `prefix+scheme:`, so
/// it must be a URI scheme itself (a letter, then letters, digits, `-` or
/// `.`), and it starts tool names, so nothing else.
pub(crate) fn check_prefix(prefix: &str) -> Result<(), RegistrationError> {
    let mut chars = prefix.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(RegistrationError::Mount {
            prefix: prefix.to_owned(),
            reason: "a prefix is a letter followed by letters, digits, `-` or `.` (it starts tool names \
                     and resource URI schemes), e.g. `weather`"
                .into(),
        })
    }
}

/// The URI a mounted resource has in the parent.
pub(crate) fn prefixed_uri(prefix: &str, uri: &str) -> String {
    format!("{prefix}+{uri}")
}

fn conflict(prefix: &str, what: &str, key: &str) -> RegistrationError {
    RegistrationError::Mount {
        prefix: prefix.to_owned(),
        reason: format!(
            "its {what} `{key}` clashes with one the server has already; rename one of them, or mount under \
             another prefix"
        ),
    }
}

impl Catalog {
    /// Copies the mounted server `prefix`'s lists of `kinds` again. With
    /// `strict`, a name the parent has already is an error (when the server
    /// is built or the mount is made); later, the clashing entry is skipped
    /// with a warning, and the parent's own keeps its name.
    pub(crate) fn sync_mount(
        &mut self,
        prefix: &str,
        separator: &str,
        kinds: &[ListKind],
        strict: bool,
    ) -> Result<Vec<ListKind>, RegistrationError> {
        let Some(mut mount) = self.mounts.get(prefix).cloned() else {
            return Ok(Vec::new());
        };
        let snapshot = mount.child.catalog.load_full();
        mount.seen = Arc::as_ptr(&snapshot) as usize;
        let child = &mount.child;
        let mut changed = Vec::new();
        let skip = |what: &str, key: &str| -> Result<(), RegistrationError> {
            if strict {
                return Err(conflict(prefix, what, key));
            }
            tracing::warn!(
                prefix,
                key,
                "a mounted server's {what} clashes with one of the server's own; it is not served"
            );
            Ok(())
        };
        for kind in kinds {
            match kind {
                ListKind::Tools => {
                    let hidden = take(&mut self.tools, &mut mount.tools);
                    let mut any = !hidden.is_empty();
                    for (name, entry) in snapshot.tools.iter().filter(|(_, e)| e.enabled) {
                        let key = format!("{prefix}{separator}{name}");
                        if self.tools.contains_key(&key) {
                            skip("tool", &key)?;
                            continue;
                        }
                        let by_name = !hidden.iter().any(|(k, on)| *k == key && !on);
                        let mut def = entry.def.clone();
                        def.name.clone_from(&key);
                        let e = ToolEntry {
                            def,
                            validator: Arc::clone(&entry.validator),
                            handler: tool_handler(child, name, &entry.handler),
                            enabled: by_name && self.tag_rules.allow(&entry.tags),
                            by_name,
                            deferred_task: entry.deferred_task,
                            scopes: entry.scopes.clone(),
                            tags: entry.tags.clone(),
                            // The child's middleware sees its calls: no shortcut past it.
                            passthrough: None,
                        };
                        self.tools.insert(key.clone(), Arc::new(e));
                        mount.tools.push(key);
                        any = true;
                    }
                    if any {
                        changed.push(ListKind::Tools);
                    }
                }
                ListKind::Prompts => {
                    let hidden = take(&mut self.prompts, &mut mount.prompts);
                    let mut any = !hidden.is_empty();
                    for (name, entry) in snapshot.prompts.iter().filter(|(_, e)| e.enabled) {
                        let key = format!("{prefix}{separator}{name}");
                        if self.prompts.contains_key(&key) {
                            skip("prompt", &key)?;
                            continue;
                        }
                        let by_name = !hidden.iter().any(|(k, on)| *k == key && !on);
                        let mut def = entry.def.clone();
                        def.name.clone_from(&key);
                        let e = PromptEntry {
                            def,
                            typed_args: entry.typed_args.clone(),
                            completers: completers(child, &entry.completers),
                            handler: prompt_handler(child, name, &entry.handler),
                            enabled: by_name && self.tag_rules.allow(&entry.tags),
                            by_name,
                            scopes: entry.scopes.clone(),
                            tags: entry.tags.clone(),
                        };
                        self.prompts.insert(key.clone(), Arc::new(e));
                        mount.prompts.push(key);
                        any = true;
                    }
                    if any {
                        changed.push(ListKind::Prompts);
                    }
                }
                ListKind::Resources => {
                    let mut hidden = take(&mut self.resources, &mut mount.resources.clone());
                    hidden.extend(take(&mut self.templates, &mut mount.resources));
                    let mut any = !hidden.is_empty();
                    let entries = snapshot.resources.values().chain(snapshot.templates.values());
                    for entry in entries.filter(|e| e.enabled) {
                        let key = prefixed_uri(prefix, &entry.source.uri);
                        if self.resources.contains_key(&key) || self.templates.contains_key(&key) {
                            skip("resource", &key)?;
                            continue;
                        }
                        let by_name = !hidden.iter().any(|(k, on)| *k == key && !on);
                        let mut source = entry.source.clone();
                        source.uri.clone_from(&key);
                        let template = match &entry.template {
                            Some(_) => {
                                Some(UriTemplate::parse(&key).map_err(|e| RegistrationError::Mount {
                                    prefix: prefix.to_owned(),
                                    reason: format!(
                                        "its template `{}` cannot be prefixed: {e}",
                                        entry.source.uri
                                    ),
                                })?)
                            }
                            None => None,
                        };
                        let e = ResourceEntry {
                            template,
                            mime_type: entry.mime_type.clone(),
                            typed_vars: entry.typed_vars.clone(),
                            completers: completers(child, &entry.completers),
                            handler: resource_handler(child, prefix, &entry.handler),
                            enabled: by_name && self.tag_rules.allow(&entry.source.tags),
                            by_name,
                            source,
                        };
                        let e = Arc::new(e);
                        if e.template.is_some() {
                            self.templates.insert(key.clone(), e);
                        } else {
                            self.resources.insert(key.clone(), e);
                        }
                        mount.resources.push(key);
                        any = true;
                    }
                    if any {
                        changed.push(ListKind::Resources);
                    }
                }
            }
        }
        self.mounts.insert(prefix.to_owned(), mount);
        Ok(changed)
    }

    /// Takes the mount `prefix` and everything it put in the lists out: the
    /// kinds of list that changed, or `None` when nothing is mounted there.
    pub(crate) fn unmount(&mut self, prefix: &str) -> Option<(Arc<Shared>, Vec<ListKind>)> {
        let mut mount = self.mounts.shift_remove(prefix)?;
        let mut changed = Vec::new();
        if !take(&mut self.tools, &mut mount.tools).is_empty() {
            changed.push(ListKind::Tools);
        }
        let fixed = take(&mut self.resources, &mut mount.resources.clone());
        if !fixed.is_empty() | !take(&mut self.templates, &mut mount.resources).is_empty() {
            changed.push(ListKind::Resources);
        }
        if !take(&mut self.prompts, &mut mount.prompts).is_empty() {
            changed.push(ListKind::Prompts);
        }
        Some((mount.child, changed))
    }

    /// Whether the mount `prefix` has copied its child's current snapshot.
    pub(crate) fn mount_is_current(&self, prefix: &str) -> bool {
        self.mounts
            .get(prefix)
            .is_none_or(|m| m.seen == Arc::as_ptr(&m.child.catalog.load_full()) as usize)
    }
}

/// Removes `keys` from `map`: each key that was there, and whether it was
/// enabled by name (a parent's `disable_tool` on a mounted tool outlives
/// the child's next change).
fn take<T: super::catalog::Visible>(
    map: &mut indexmap::IndexMap<String, Arc<T>>,
    keys: &mut Vec<String>,
) -> Vec<(String, bool)> {
    keys.drain(..)
        .filter_map(|k| {
            let e = map.shift_remove(&k)?;
            let on = e.by_name();
            Some((k, on))
        })
        .collect()
}

impl Shared {
    /// Tells connected clients, and every server this one is mounted in.
    pub(crate) fn announce(&self, change: Change) {
        // No receivers is fine: nobody is connected.
        let _ = self.changes.send(change.clone());
        if let Some(bus) = self.bus.get() {
            let _ = bus.send(change.clone());
        }
        let parents: Vec<(Arc<Shared>, String)> = {
            let mut list = self
                .mounted_in
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            list.retain(|p| p.shared.strong_count() > 0);
            list.iter()
                .filter_map(|p| Some((p.shared.upgrade()?, p.prefix.clone())))
                .collect()
        };
        for (parent, prefix) in parents {
            parent.child_changed(self, &prefix, &change);
        }
    }

    /// A change of the server mounted here as `prefix`.
    fn child_changed(&self, child: &Shared, prefix: &str, change: &Change) {
        let ours = |c: &Catalog| {
            c.mounts
                .get(prefix)
                .is_some_and(|m| std::ptr::eq(&*m.child, child))
        };
        match change {
            Change::List(kind) => {
                let separator = Arc::clone(&self.options.mount_separator);
                let result = self.edit(|c, _| {
                    if !ours(c) {
                        return Ok(((), false, Vec::new()));
                    }
                    let changed = c.sync_mount(prefix, &separator, &[*kind], false)?;
                    Ok(((), true, changed))
                });
                if let Err(e) = result {
                    tracing::warn!(prefix, error = %e, "a mounted server's change could not be applied");
                }
            }
            Change::ResourceUpdated(uri) => {
                if ours(&self.catalog.load()) {
                    self.announce(Change::ResourceUpdated(prefixed_uri(prefix, uri).into()));
                }
            }
        }
    }

    /// Whether `other` is this server or mounted in it, at any depth.
    pub(crate) fn contains(&self, other: &Shared) -> bool {
        std::ptr::eq(self, other)
            || self
                .catalog
                .load()
                .mounts
                .values()
                .any(|m| m.child.contains(other))
    }
}

/// The middleware chain of a mounted server, when it has one: it wraps the
/// calls that reach the server through the mount.
fn chain_of(child: &Arc<Shared>) -> Option<Arc<Chain>> {
    child.options.middleware.clone()
}

/// A request through the mounted server's middleware to `inner`.
fn through_child(
    chain: &Arc<Chain>,
    method: &'static str,
    params: Map<String, Value>,
    cx: Context,
    inner: Continuation,
) -> futures::future::BoxFuture<'static, Result<Value, McpError>> {
    let req = McpRequest::new(Cow::Borrowed(method), params, cx, inner);
    let chain = Arc::clone(chain);
    Box::pin(async move { crate::middleware::run(&chain, req).await })
}

fn decode<T: serde::de::DeserializeOwned>(v: Value, method: &str) -> Result<T, McpError> {
    serde_json::from_value(v).map_err(|e| {
        McpError::internal(format!(
            "a mounted server's middleware returned a malformed {method} result: {e}"
        ))
    })
}

fn encode<T: serde::Serialize>(v: &T) -> Result<Value, McpError> {
    serde_json::to_value(v).map_err(|e| McpError::internal(format!("a result could not be encoded: {e}")))
}

fn tool_handler(child: &Arc<Shared>, name: &str, handler: &Arc<ToolFn>) -> Arc<ToolFn> {
    let served: Arc<dyn Served> = Arc::clone(child) as _;
    let chain = chain_of(child);
    let handler = Arc::clone(handler);
    let name = name.to_owned();
    let mask = child.options.mask_errors;
    Arc::new(move |args, cx| {
        let cx = cx.rooted(Arc::clone(&served));
        let Some(chain) = &chain else {
            return handler(args, cx);
        };
        let (handler, inner_cx, target) = (Arc::clone(&handler), cx.clone(), name.clone());
        let inner: Continuation = Arc::new(move |mut params| {
            let args = match params.remove("arguments") {
                Some(Value::Object(args)) => args,
                _ => Map::new(),
            };
            let call = handler(args, inner_cx.clone());
            let guard = super::failure::Guard::new(
                mask.unwrap_or_else(|| inner_cx.http().is_some()),
                "tools/call",
                target.clone(),
                inner_cx.request_id(),
            );
            Box::pin(async move {
                match call.await {
                    Ok(r) => encode(&r),
                    Err(CallError::Tool(e)) => encode(&guard.tool(e)),
                    Err(CallError::Protocol(e)) => Err(e),
                }
            })
        });
        let mut params = Map::new();
        params.insert("name".into(), Value::String(name.clone()));
        params.insert("arguments".into(), Value::Object(args));
        let run = through_child(chain, "tools/call", params, cx, inner);
        Box::pin(async move {
            let v = run.await.map_err(CallError::Protocol)?;
            decode::<CallToolResult>(v, "tools/call").map_err(CallError::Protocol)
        })
    })
}

fn prompt_handler(child: &Arc<Shared>, name: &str, handler: &Arc<PromptFn>) -> Arc<PromptFn> {
    let served: Arc<dyn Served> = Arc::clone(child) as _;
    let chain = chain_of(child);
    let handler = Arc::clone(handler);
    let name = name.to_owned();
    Arc::new(move |args, cx| {
        let cx = cx.rooted(Arc::clone(&served));
        let Some(chain) = &chain else {
            return handler(args, cx);
        };
        let (handler, inner_cx) = (Arc::clone(&handler), cx.clone());
        let inner: Continuation = Arc::new(move |mut params| {
            let args = match params.remove("arguments") {
                Some(Value::Object(args)) => args,
                _ => Map::new(),
            };
            let get = handler(args, inner_cx.clone());
            Box::pin(async move { encode(&get.await?) })
        });
        let mut params = Map::new();
        params.insert("name".into(), Value::String(name.clone()));
        params.insert("arguments".into(), Value::Object(args));
        let run = through_child(chain, "prompts/get", params, cx, inner);
        Box::pin(async move { decode::<GetPromptResult>(run.await?, "prompts/get") })
    })
}

fn resource_handler(child: &Arc<Shared>, prefix: &str, handler: &Arc<ResourceFn>) -> Arc<ResourceFn> {
    let served: Arc<dyn Served> = Arc::clone(child) as _;
    let chain = chain_of(child);
    let handler = Arc::clone(handler);
    let strip = format!("{prefix}+");
    let prefix: Arc<str> = Arc::from(prefix);
    Arc::new(move |uri: String, vars, cx: Context| {
        let uri = uri.strip_prefix(&strip).map_or(uri.clone(), str::to_owned);
        let cx = cx.rooted(Arc::clone(&served));
        let Some(chain) = &chain else {
            let read = handler(uri, vars, cx);
            let prefix = Arc::clone(&prefix);
            return Box::pin(async move { Ok(renamed(&prefix, read.await?)) });
        };
        // Through the child's middleware the URI may be rewritten, so the
        // child finds the resource again.
        let (served, inner_cx) = (Arc::clone(&served), cx.clone());
        let inner: Continuation = Arc::new(move |params| {
            let uri = params
                .get("uri")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let read = served.read_resource(&uri, inner_cx.clone());
            Box::pin(async move {
                let contents = read.await?;
                let mut result = ReadResourceResult::default();
                result.contents = contents;
                encode(&result)
            })
        });
        let mut params = Map::new();
        params.insert("uri".into(), Value::String(uri));
        let run = through_child(chain, "resources/read", params, cx, inner);
        let prefix = Arc::clone(&prefix);
        Box::pin(async move {
            let contents = decode::<ReadResourceResult>(run.await?, "resources/read")?.contents;
            Ok(renamed(&prefix, contents))
        })
    })
}

/// The contents of a mounted resource, named by the URIs clients read them
/// under here.
fn renamed(prefix: &str, mut contents: Vec<ResourceContents>) -> Vec<ResourceContents> {
    for c in &mut contents {
        let uri = match c {
            ResourceContents::Text(t) => &mut t.uri,
            ResourceContents::Blob(b) => &mut b.uri,
        };
        *uri = prefixed_uri(prefix, uri);
    }
    contents
}

fn completers(
    child: &Arc<Shared>,
    of: &std::collections::HashMap<String, Completer>,
) -> std::collections::HashMap<String, Completer> {
    of.iter()
        .map(|(arg, c)| {
            let served: Arc<dyn Served> = Arc::clone(child) as _;
            let inner = Arc::clone(&c.0);
            let wrapped = Completer(Arc::new(move |value: String, cx: Context| {
                inner(value, cx.rooted(Arc::clone(&served)))
            }));
            (arg.clone(), wrapped)
        })
        .collect()
}
