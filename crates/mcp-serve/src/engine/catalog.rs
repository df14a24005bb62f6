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
use crate::tool::{Tool, ToolFn};

#[derive(Clone)]
pub(crate) struct ToolEntry {
    pub(crate) def: types::Tool,
    pub(crate) validator: Arc<super::validate::InputCheck>,
    pub(crate) handler: Arc<ToolFn>,
    pub(crate) enabled: bool,
    /// A task only once the handler calls `Context::begin_task`.
    pub(crate) deferred_task: bool,
    /// Scopes a caller needs.
    pub(crate) scopes: Vec<String>,
}

#[derive(Clone)]
pub(crate) struct ResourceEntry {
    pub(crate) template: Option<UriTemplate>,
    pub(crate) mime_type: Option<String>,
    /// Template variables that are numbers or booleans, parsed from the URI.
    pub(crate) typed_vars: HashMap<String, VarKind>,
    pub(crate) completers: HashMap<String, Completer>,
    pub(crate) handler: Arc<ResourceFn>,
    pub(crate) enabled: bool,
    pub(crate) source: Resource,
}

#[derive(Clone)]
pub(crate) struct PromptEntry {
    pub(crate) def: types::Prompt,
    pub(crate) typed_args: HashMap<String, VarKind>,
    pub(crate) completers: HashMap<String, Completer>,
    pub(crate) handler: Arc<PromptFn>,
    pub(crate) enabled: bool,
    /// Scopes a caller needs.
    pub(crate) scopes: Vec<String>,
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
    /// The first page of each list, serialized for each revision.
    pub(crate) lists: ListCache,
}

impl Clone for Catalog {
    /// A copy to change: its lists are rendered afresh.
    fn clone(&self) -> Self {
        Catalog {
            tools: self.tools.clone(),
            resources: self.resources.clone(),
            templates: self.templates.clone(),
            prompts: self.prompts.clone(),
            lists: ListCache::default(),
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
            enabled: true,
            deferred_task: tool.deferred_task,
            scopes: tool.scopes.clone(),
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
            enabled: true,
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
            enabled: true,
            scopes: prompt.scopes.clone(),
        };
        self.prompts.insert(entry.def.name.clone(), Arc::new(entry));
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
