//! The extensions a server declares: what goes into
//! `capabilities.extensions`, and which handler serves each method and
//! notification they add.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::RegistrationError;
use crate::extension::{Extension, MethodFn, NotificationFn};

/// An extension's method, and whether its client must declare it.
pub(crate) struct ExtMethod {
    pub(crate) extension: String,
    pub(crate) client_required: bool,
    pub(crate) run: Arc<MethodFn>,
}

/// Every declared extension, indexed.
#[derive(Default)]
pub(crate) struct Registry {
    /// Identifier → settings, in declaration order.
    pub(crate) declared: Vec<(String, Map<String, Value>)>,
    pub(crate) methods: HashMap<String, ExtMethod>,
    pub(crate) notifications: HashMap<String, Arc<NotificationFn>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.declared.iter().map(|(id, _)| id))
            .finish()
    }
}

impl Registry {
    /// Checks and indexes the extensions; two with one identifier, or two
    /// claiming one method, are refused.
    pub(crate) fn build(extensions: Vec<Extension>) -> Result<Self, RegistrationError> {
        let mut r = Registry::default();
        for ext in extensions {
            ext.check()?;
            let id = ext.id().to_owned();
            let clash = |reason: String| RegistrationError::Extension {
                id: id.clone(),
                reason,
            };
            if id == mcp_serve_core::meta::TASKS_EXTENSION || r.declared.iter().any(|(d, _)| *d == id) {
                return Err(clash(
                    "declared twice (the tasks extension is the engine's own)".into(),
                ));
            }
            for (name, run) in &ext.methods {
                if let Some(other) = r.methods.get(name) {
                    return Err(clash(format!(
                        "method `{name}` is already added by `{}`",
                        other.extension
                    )));
                }
                r.methods.insert(
                    name.clone(),
                    ExtMethod {
                        extension: id.clone(),
                        client_required: ext.client_required,
                        run: Arc::clone(run),
                    },
                );
            }
            for (name, run) in &ext.notifications {
                if r.notifications.insert(name.clone(), Arc::clone(run)).is_some() {
                    return Err(clash(format!("notification `{name}` is added twice")));
                }
            }
            r.declared.push((id, ext.settings_object().clone()));
        }
        Ok(r)
    }

    /// Adds the declared extensions to `capabilities.extensions`.
    pub(crate) fn advertise(&self, caps: &mut Value) {
        if self.declared.is_empty() {
            return;
        }
        let Value::Object(caps) = caps else { return };
        let entry = caps
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = entry {
            for (id, settings) in &self.declared {
                map.insert(id.clone(), Value::Object(settings.clone()));
            }
        }
    }
}
