//! The registries of tools, resources, templates and prompts: an immutable
//! snapshot swapped atomically on change, so the hot path reads without locks.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use mcp_serve_core::types;
use serde_json::Value;

pub use crate::error::RegistrationError;

use crate::complete::Completer;
use crate::prompt::{Prompt, PromptFn, arguments_from_schema};
use crate::resource::{Resource, ResourceFn, UriTemplate};
use crate::schema::SchemaSettings;
use crate::tool::passthrough::Passthrough;
use crate::tool::{Tool, ToolFn};

#[derive(Clone)]
pub(crate) struct ToolEntry {
    pub(crate) def: types::Tool,
    pub(crate) validator: Arc<super::validate::InputCheck>,
    pub(crate) handler: Arc<ToolFn>,
    /// Visible: enabled by name and not hidden by a tag rule.
    pub(crate) enabled: bool,
    /// Enabled by name (`ServerHandle::enable_tool`/`disable_tool`).
    pub(crate) by_name: bool,
    /// A task only once the handler calls `Context::begin_task`.
    pub(crate) deferred_task: bool,
    /// Scopes a caller needs.
    pub(crate) scopes: Vec<String>,
    pub(crate) tags: Vec<String>,
    /// Another server answers its modern calls (see `tool::passthrough`).
    pub(crate) passthrough: Option<Arc<dyn Passthrough>>,
}

#[derive(Clone)]
pub(crate) struct ResourceEntry {
    pub(crate) template: Option<UriTemplate>,
    pub(crate) mime_type: Option<String>,
    /// Template variables that are numbers or booleans, parsed from the URI.
    pub(crate) typed_vars: HashMap<String, VarKind>,
    pub(crate) completers: HashMap<String, Completer>,
    pub(crate) handler: Arc<ResourceFn>,
    /// Visible: enabled by URI and not hidden by a tag rule.
    pub(crate) enabled: bool,
    /// Enabled by URI.
    pub(crate) by_name: bool,
    pub(crate) source: Resource,
}

#[derive(Clone)]
pub(crate) struct PromptEntry {
    pub(crate) def: types::Prompt,
    pub(crate) typed_args: HashMap<String, VarKind>,
    pub(crate) completers: HashMap<String, Completer>,
    pub(crate) handler: Arc<PromptFn>,
    /// Visible: enabled by name and not hidden by a tag rule.
    pub(crate) enabled: bool,
    /// Enabled by name.
    pub(crate) by_name: bool,
    /// Scopes a caller needs.
    pub(crate) scopes: Vec<String>,
    pub(crate) tags: Vec<String>,
}

/// Which tags show and hide components. A component is visible when it is
/// enabled by name, has none of the `hidden` tags, and, when `only` is set,
/// has at least one of those: hiding wins over everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TagRules {
    /// Only components with one of these tags (`Server::include_tags`).
    pub(crate) only: Option<std::collections::BTreeSet<String>>,
    /// Never components with one of these (`exclude_tags`, `disable_tag`).
    pub(crate) hidden: std::collections::BTreeSet<String>,
}

impl TagRules {
    pub(crate) fn allow(&self, tags: &[String]) -> bool {
        !tags.iter().any(|t| self.hidden.contains(t))
            && self
                .only
                .as_ref()
                .is_none_or(|only| tags.iter().any(|t| only.contains(t)))
    }
}

/// What tag rules need of an entry.
pub(crate) trait Visible: Clone {
    fn by_name(&self) -> bool;
    fn tags(&self) -> &[String];
    fn enabled_mut(&mut self) -> &mut bool;
}

impl Visible for ToolEntry {
    fn by_name(&self) -> bool {
        self.by_name
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
    fn enabled_mut(&mut self) -> &mut bool {
        &mut self.enabled
    }
}

impl Visible for ResourceEntry {
    fn by_name(&self) -> bool {
        self.by_name
    }
    fn tags(&self) -> &[String] {
        &self.source.tags
    }
    fn enabled_mut(&mut self) -> &mut bool {
        &mut self.enabled
    }
}

impl Visible for PromptEntry {
    fn by_name(&self) -> bool {
        self.by_name
    }
    fn tags(&self) -> &[String] {
        &self.tags
    }
    fn enabled_mut(&mut self) -> &mut bool {
        &mut self.enabled
    }
}

/// Sets each entry's visibility from its name flag and `rules` (entries
/// for which `exempt` holds ignore tags); whether any changed.
fn revisit<T: Visible>(
    map: &mut IndexMap<String, Arc<T>>,
    rules: &TagRules,
    exempt: impl Fn(&str) -> bool,
) -> bool {
    let mut changed = false;
    for (key, entry) in map.iter_mut() {
        let visible = entry.by_name() && (exempt(key) || rules.allow(entry.tags()));
        let mut current = T::clone(entry);
        if *current.enabled_mut() != visible {
            *current.enabled_mut() = visible;
            *entry = Arc::new(current);
            changed = true;
        }
    }
    changed
}

/// How a string from a URI or a prompt argument is turned into JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarKind {
    Integer,
    Number,
    Boolean,
}

/// Variable names and values matched from a URI.
pub(crate) type TemplateVars = Vec<(String, String)>;

/// One consistent view of everything registered.
#[derive(Default)]
pub(crate) struct Catalog {
    pub(crate) tools: IndexMap<String, Arc<ToolEntry>>,
    pub(crate) resources: IndexMap<String, Arc<ResourceEntry>>,
    pub(crate) templates: IndexMap<String, Arc<ResourceEntry>>,
    pub(crate) prompts: IndexMap<String, Arc<PromptEntry>>,
    /// Which tags show and hide components.
    pub(crate) tag_rules: TagRules,
    /// The tool search transform, when the server has it.
    pub(crate) search: Option<Arc<super::search::SearchListing>>,
    /// The first page of each list, serialized for each revision.
    pub(crate) lists: ListCache,
    /// The tool search's index of this snapshot, made on first search.
    pub(crate) search_index: std::sync::OnceLock<super::search::SearchIndex>,
    /// Servers mounted here, by prefix (see `Server::mount`).
    pub(crate) mounts: IndexMap<String, super::mount::Mounted>,
}

impl Clone for Catalog {
    /// A copy to change: its lists are rendered afresh.
    fn clone(&self) -> Self {
        Catalog {
            tools: self.tools.clone(),
            resources: self.resources.clone(),
            templates: self.templates.clone(),
            prompts: self.prompts.clone(),
            tag_rules: self.tag_rules.clone(),
            search: self.search.clone(),
            lists: ListCache::default(),
            search_index: std::sync::OnceLock::new(),
            mounts: self.mounts.clone(),
        }
    }
}

/// The list methods whose results are cached.
pub(crate) const LIST_METHODS: [&str; 4] = [
    "tools/list",
    "resources/list",
    "resources/templates/list",
    "prompts/list",
];

/// Results of the list methods without a cursor (the first page, usually the
/// only one), dressed and serialized for one revision, made on first use.
/// A catalog snapshot never changes, and every change makes a new snapshot
/// with an empty cache, so an entry is never stale.
#[derive(Default)]
pub(crate) struct ListCache(
    [[std::sync::OnceLock<Box<[u8]>>; mcp_serve_core::version::ProtocolVersion::ALL.len()];
        LIST_METHODS.len()],
);

impl ListCache {
    /// The slot for a list method (one of [`LIST_METHODS`]) at a revision.
    pub(crate) fn slot(
        &self,
        method: usize,
        version: mcp_serve_core::version::ProtocolVersion,
    ) -> &std::sync::OnceLock<Box<[u8]>> {
        &self.0[method][version as usize]
    }
}

fn check_name(kind: &'static str, name: &str) -> Result<(), RegistrationError> {
    let ok = !name.is_empty()
        && name.len() <= super::limits::MAX_NAME_BYTES
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if ok {
        Ok(())
    } else {
        Err(RegistrationError::InvalidName {
            kind,
            name: name.to_owned(),
        })
    }
}

fn var_kinds(schema: Option<&Value>) -> HashMap<String, VarKind> {
    let mut out = HashMap::new();
    let Some(props) = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return out;
    };
    for (name, prop) in props {
        let ty = match prop.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
            _ => None,
        };
        let kind = match ty {
            Some("integer") => VarKind::Integer,
            Some("number") => VarKind::Number,
            Some("boolean") => VarKind::Boolean,
            _ => continue,
        };
        out.insert(name.clone(), kind);
    }
    out
}

/// Parses string-valued variables into the JSON types the handler expects.
pub(crate) fn coerce(kinds: &HashMap<String, VarKind>, name: &str, raw: String) -> Value {
    match kinds.get(name) {
        Some(VarKind::Integer) => raw.parse::<i64>().map(Value::from).unwrap_or(Value::String(raw)),
        Some(VarKind::Number) => raw
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
            .unwrap_or(Value::String(raw)),
        Some(VarKind::Boolean) => raw.parse::<bool>().map(Value::Bool).unwrap_or(Value::String(raw)),
        None => Value::String(raw),
    }
}

impl Catalog {
    pub(crate) fn insert_tool(
        &mut self,
        tool: Tool,
        settings: &SchemaSettings,
    ) -> Result<(), RegistrationError> {
        check_name("tool", tool.name())?;
        let handler = tool.handler.clone().ok_or_else(|| RegistrationError::NoHandler {
            kind: "tool",
            name: tool.name().to_owned(),
        })?;
        let mut def = tool.def.clone();
        def.input_schema = tool
            .input
            .resolve(settings)
            .unwrap_or_else(|| serde_json::json!({ "type": "object" }));
        if let (crate::tool::SchemaSource::Generated(_), Value::Object(schema)) =
            (&tool.input, &mut def.input_schema)
        {
            // Some clients require `properties`, even when empty.
            schema
                .entry("properties")
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
        }
        if def.input_schema.get("type") != Some(&Value::String("object".into())) {
            return Err(RegistrationError::NotAnObject { name: def.name });
        }
        def.output_schema = tool.output.as_ref().and_then(|o| o.resolve(settings));
        def.meta = crate::tool::meta_with_tags(def.meta.as_ref(), &tool.tags);
        let validator = match &tool.input {
            // Generated schemas are valid by construction: compile on first need.
            crate::tool::SchemaSource::Generated(_) => super::validate::InputCheck::lazy(&def.input_schema),
            // A hand-written one is checked now, so a mistake shows at registration.
            crate::tool::SchemaSource::Fixed(_) => super::validate::InputCheck::compiled(&def.input_schema)
                .map_err(|reason| RegistrationError::InvalidSchema {
                name: def.name.clone(),
                reason,
            })?,
        };
        let entry = ToolEntry {
            def,
            validator: Arc::new(validator),
            handler,
            enabled: self.tool_exempt(&tool.def.name) || self.tag_rules.allow(&tool.tags),
            by_name: true,
            deferred_task: tool.deferred_task,
            scopes: tool.scopes.clone(),
            tags: tool.tags.clone(),
            passthrough: tool.passthrough.clone(),
        };
        self.tools.insert(entry.def.name.clone(), Arc::new(entry));
        Ok(())
    }

    pub(crate) fn insert_resource(
        &mut self,
        resource: Resource,
        settings: &SchemaSettings,
    ) -> Result<(), RegistrationError> {
        if let Some(e) = &resource.error {
            return Err(RegistrationError::InvalidTemplate(e.to_string()));
        }
        let handler = resource
            .handler
            .clone()
            .ok_or_else(|| RegistrationError::NoHandler {
                kind: "resource",
                name: resource.uri.clone(),
            })?;
        let vars_schema = resource.vars.as_ref().and_then(|v| v.resolve(settings));
        let entry = Arc::new(ResourceEntry {
            template: resource.template.clone(),
            mime_type: resource.mime_type.clone(),
            typed_vars: var_kinds(vars_schema.as_ref()),
            completers: resource.completers.clone(),
            handler,
            enabled: self.tag_rules.allow(&resource.tags),
            by_name: true,
            source: resource,
        });
        let key = entry.source.uri.clone();
        if entry.template.is_some() {
            self.templates.insert(key, entry);
        } else {
            self.resources.insert(key, entry);
        }
        Ok(())
    }

    pub(crate) fn insert_prompt(
        &mut self,
        prompt: Prompt,
        settings: &SchemaSettings,
    ) -> Result<(), RegistrationError> {
        check_name("prompt", prompt.name())?;
        let handler = prompt
            .handler
            .clone()
            .ok_or_else(|| RegistrationError::NoHandler {
                kind: "prompt",
                name: prompt.name().to_owned(),
            })?;
        let schema = prompt.args.as_ref().and_then(|a| a.resolve(settings));
        let mut def = prompt.def.clone();
        def.meta = crate::tool::meta_with_tags(def.meta.as_ref(), &prompt.tags);
        if def.arguments.is_none() {
            if let Some(schema) = &schema {
                let args = arguments_from_schema(schema);
                def.arguments = (!args.is_empty()).then_some(args);
            }
        }
        let entry = PromptEntry {
            def,
            typed_args: var_kinds(schema.as_ref()),
            completers: prompt.completers.clone(),
            handler,
            enabled: self.tag_rules.allow(&prompt.tags),
            by_name: true,
            scopes: prompt.scopes.clone(),
            tags: prompt.tags.clone(),
        };
        self.prompts.insert(entry.def.name.clone(), Arc::new(entry));
        Ok(())
    }

    /// Whether a tool ignores tag rules: the tool search's own tools, which
    /// must stay reachable whatever the rules hide.
    fn tool_exempt(&self, name: &str) -> bool {
        self.search.as_ref().is_some_and(|s| s.owns(name))
    }

    /// Applies changed tag rules to every entry: the kinds of list that
    /// changed.
    pub(crate) fn revisit_tags(&mut self) -> Vec<ListKind> {
        let rules = self.tag_rules.clone();
        let search = self.search.clone();
        let mut changed = Vec::new();
        let exempt = |name: &str| search.as_ref().is_some_and(|s| s.owns(name));
        if revisit(&mut self.tools, &rules, exempt) {
            changed.push(ListKind::Tools);
        }
        let resources = revisit(&mut self.resources, &rules, |_| false);
        if revisit(&mut self.templates, &rules, |_| false) | resources {
            changed.push(ListKind::Resources);
        }
        if revisit(&mut self.prompts, &rules, |_| false) {
            changed.push(ListKind::Prompts);
        }
        changed
    }

    /// Sets whether the entry `key` of `kind` is enabled by name: whether
    /// that flag changed, and whether the entry's visibility did.
    pub(crate) fn set_by_name(&mut self, kind: ListKind, key: &str, on: bool) -> (bool, bool) {
        fn flip<T: Visible>(
            map: &mut IndexMap<String, Arc<T>>,
            key: &str,
            on: bool,
            set: impl Fn(&mut T, bool),
        ) -> bool {
            let Some(entry) = map.get_mut(key) else {
                return false;
            };
            if entry.by_name() == on {
                return false;
            }
            let mut next = T::clone(entry);
            set(&mut next, on);
            *entry = Arc::new(next);
            true
        }
        let flipped = match kind {
            ListKind::Tools => flip(&mut self.tools, key, on, |e, on| e.by_name = on),
            ListKind::Prompts => flip(&mut self.prompts, key, on, |e, on| e.by_name = on),
            ListKind::Resources => {
                flip(&mut self.resources, key, on, |e, on| e.by_name = on)
                    | flip(&mut self.templates, key, on, |e, on| e.by_name = on)
            }
        };
        let visibility = flipped && self.revisit_tags().contains(&kind);
        (flipped, visibility)
    }

    /// Adds the tool `transform` makes from its source.
    pub(crate) fn insert_transformed(
        &mut self,
        transform: &crate::tool::ToolTransform,
        settings: &SchemaSettings,
    ) -> Result<(), RegistrationError> {
        let Some(source) = self.tools.get(transform.source()).cloned() else {
            let known: Vec<&str> = self.tools.keys().map(String::as_str).collect();
            return Err(RegistrationError::Transform {
                tool: transform.source().to_owned(),
                reason: format!(
                    "there is no tool of that name (register it before the transform); the tools are: {}",
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        };
        let call = forward_checked(&source);
        let tool = transform.derive(
            &crate::tool::Source {
                def: &source.def,
                tags: &source.tags,
                scopes: &source.scopes,
                deferred_task: source.deferred_task,
            },
            call,
        )?;
        let replaces_source = tool.name() == source.def.name;
        self.insert_tool(tool, settings)?;
        if transform.hide_source && !replaces_source {
            self.set_by_name(ListKind::Tools, &source.def.name, false);
        }
        Ok(())
    }

    /// Finds the resource serving `uri`: fixed resources first, then
    /// templates in registration order.
    pub(crate) fn find_resource(&self, uri: &str) -> Option<(Arc<ResourceEntry>, TemplateVars)> {
        if let Some(r) = self.resources.get(uri).filter(|r| r.enabled) {
            return Some((Arc::clone(r), Vec::new()));
        }
        self.templates.values().filter(|t| t.enabled).find_map(|t| {
            let vars = t.template.as_ref()?.match_uri(uri)?;
            Some((Arc::clone(t), vars))
        })
    }
}

/// The source's handler behind its own argument check, for a transform to
/// forward to: whatever the transform or its wrapper sends is checked as a
/// direct call's arguments would be.
fn forward_checked(source: &ToolEntry) -> Arc<ToolFn> {
    use crate::error::{McpError, ToolError};
    use crate::tool::CallError;
    let validator = Arc::clone(&source.validator);
    let handler = Arc::clone(&source.handler);
    let schema = source.def.input_schema.clone();
    let name = source.def.name.clone();
    Arc::new(move |args, cx| match validator.check(&name, &schema, args) {
        Ok(args) => handler(args, cx),
        Err(super::validate::CheckError::Invalid(msg)) => {
            Box::pin(std::future::ready(Err(CallError::Tool(ToolError::new(msg)))))
        }
        Err(super::validate::CheckError::BadSchema(reason)) => {
            Box::pin(std::future::ready(Err(CallError::Protocol(McpError::internal(
                format!("tool {name} has an invalid input schema: {reason}"),
            )))))
        }
    })
}

/// Which list changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// `notifications/tools/list_changed`.
    Tools,
    /// `notifications/resources/list_changed`.
    Resources,
    /// `notifications/prompts/list_changed`.
    Prompts,
}

impl ListKind {
    /// The notification's method.
    pub fn method(self) -> &'static str {
        match self {
            ListKind::Tools => "notifications/tools/list_changed",
            ListKind::Resources => "notifications/resources/list_changed",
            ListKind::Prompts => "notifications/prompts/list_changed",
        }
    }
}
