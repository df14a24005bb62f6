//! Which operations become tools, resources or resource templates, and
//! what they are called.

use std::collections::{HashMap, HashSet};

/// What an operation becomes.
///
/// ```
/// use mcp_serve::openapi::RouteKind;
/// assert_ne!(RouteKind::Tool, RouteKind::Exclude);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteKind {
    /// A tool (what every operation becomes when no map matches).
    Tool,
    /// A resource, read with a `GET`: only for a `GET` route without path
    /// parameters, nor required query, header, cookie or body input.
    Resource,
    /// A resource template whose variables are the path parameters: only
    /// for a `GET` route with path parameters and no other required input.
    Template,
    /// Left out.
    Exclude,
}

/// A rule that gives the operations it matches a [`RouteKind`]: by method,
/// path pattern and tag (all that are set must match). The first map that
/// matches an operation decides; an operation no map matches is a tool.
///
/// A path pattern is the path as the document writes it (`/pet/{petId}`),
/// where `*` stands for any run of characters, `/` included. A map of kind
/// [`RouteKind::Resource`] or [`RouteKind::Template`] matches only the
/// operations that can be one (see each kind), so a pair of them for `GET`
/// turns every readable route into a resource or a template and leaves the
/// rest to the next maps.
///
/// ```
/// use mcp_serve::openapi::{RouteKind, RouteMap};
/// let admin = RouteMap::new(RouteKind::Exclude).path("/admin/*");
/// let reads = RouteMap::new(RouteKind::Template).methods(["GET"]).tags(["pet"]);
/// assert!(admin.matches("DELETE", "/admin/users/{id}", &[]));
/// assert!(!admin.matches("GET", "/pets", &[]));
/// assert!(reads.matches("get", "/pet/{petId}", &["pet".to_owned()]));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RouteMap {
    /// What a matched operation becomes.
    pub kind: RouteKind,
    /// Upper-case HTTP methods; empty for any.
    pub methods: Vec<String>,
    /// A path pattern; `None` for any.
    pub pattern: Option<String>,
    /// Tags, of which the operation must have one; empty for any.
    pub tags: Vec<String>,
}

impl RouteMap {
    /// A map that gives every operation `kind` (narrow it with the methods below).
    pub fn new(kind: RouteKind) -> Self {
        RouteMap {
            kind,
            methods: Vec::new(),
            pattern: None,
            tags: Vec::new(),
        }
    }

    /// Only operations with one of these methods (any case).
    #[must_use]
    pub fn methods<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, methods: I) -> Self {
        self.methods = methods
            .into_iter()
            .map(|m| m.as_ref().to_ascii_uppercase())
            .collect();
        self
    }

    /// Only operations whose path matches `pattern` (`*` matches anything).
    #[must_use]
    pub fn path(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }

    /// Only operations with at least one of these tags.
    #[must_use]
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the method, path and tags match (not whether the operation can be of this kind).
    pub fn matches(&self, method: &str, path: &str, tags: &[String]) -> bool {
        (self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
            && self.pattern.as_deref().is_none_or(|p| glob(p, path))
            && (self.tags.is_empty() || self.tags.iter().any(|t| tags.contains(t)))
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of
/// characters. Linear-time greedy matching with backtracking to the last star.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The kind the first matching map gives, given what the operation can be.
pub(crate) fn choose(
    maps: &[RouteMap],
    method: &str,
    path: &str,
    tags: &[String],
    can_be_resource: bool,
    can_be_template: bool,
) -> RouteKind {
    maps.iter()
        .filter(|m| match m.kind {
            RouteKind::Resource => can_be_resource,
            RouteKind::Template => can_be_template,
            RouteKind::Tool | RouteKind::Exclude => true,
        })
        .find(|m| m.matches(method, path, tags))
        .map_or(RouteKind::Tool, |m| m.kind)
}

/// The longest name a component gets (the MCP spec's bound for tool names).
const MAX_NAME: usize = 128;

/// Names operations: an override, else the `operationId`, else
/// `method_path`, each made of `[A-Za-z0-9_.-]` and unique (`_2`, `_3`...).
#[derive(Debug, Default)]
pub(crate) struct Namer {
    used: HashSet<String>,
}

impl Namer {
    /// The name of an operation, given the overrides (by `operationId` or by
    /// `"METHOD /path"`).
    pub(crate) fn name(
        &mut self,
        overrides: &HashMap<String, String>,
        operation_id: Option<&str>,
        method: &str,
        path: &str,
    ) -> String {
        let route = format!("{} {path}", method.to_ascii_uppercase());
        let chosen = operation_id
            .and_then(|id| overrides.get(id))
            .or_else(|| overrides.get(&route))
            .cloned()
            .or_else(|| operation_id.map(str::to_owned))
            .unwrap_or_else(|| fallback(method, path));
        let stem = sanitize(&chosen);
        let mut name = stem.clone();
        let mut n = 2;
        while !self.used.insert(name.clone()) {
            let suffix = format!("_{n}");
            name = format!("{}{suffix}", truncate(&stem, MAX_NAME - suffix.len()));
            n += 1;
        }
        name
    }
}

/// `get /pet/{petId}/photos` → `get_pet_petId_photos`.
fn fallback(method: &str, path: &str) -> String {
    let mut name = method.to_ascii_lowercase();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        name.push('_');
        name.push_str(segment.trim_start_matches('{').trim_end_matches('}'));
    }
    name
}

/// Only `[A-Za-z0-9_.-]`, at most [`MAX_NAME`] bytes, never empty.
pub(crate) fn sanitize(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = truncate(&clean, MAX_NAME).to_owned();
    if clean.is_empty() {
        "operation".into()
    } else {
        clean
    }
}

fn truncate(s: &str, max: usize) -> &str {
    // ASCII only by construction, so any index is a char boundary.
    &s[..s.len().min(max)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns() {
        assert!(glob("/pet/*", "/pet/{petId}/uploadImage"));
        assert!(glob("*/admin/*", "/v1/admin/users"));
        assert!(glob("/pets", "/pets"));
        assert!(!glob("/pets", "/pets/1"));
        assert!(!glob("/pet/*/x", "/pet/1/y"));
        assert!(glob("*", ""));
        // Many stars on a long near-miss stay fast (this would be exponential
        // with naive backtracking).
        let text = "a".repeat(10_000);
        assert!(!glob(&format!("{}b", "*a".repeat(50)), &text));
    }

    #[test]
    fn the_first_matching_map_decides_and_resource_maps_skip_what_cannot_be_one() {
        let maps = vec![
            RouteMap::new(RouteKind::Exclude).tags(["internal"]),
            RouteMap::new(RouteKind::Resource).methods(["GET"]),
            RouteMap::new(RouteKind::Template).methods(["GET"]),
        ];
        let none: Vec<String> = Vec::new();
        assert_eq!(
            choose(&maps, "GET", "/pets", &none, true, false),
            RouteKind::Resource
        );
        assert_eq!(
            choose(&maps, "GET", "/pets/{id}", &none, false, true),
            RouteKind::Template
        );
        // A GET with a required query parameter can be neither: a tool.
        assert_eq!(
            choose(&maps, "GET", "/search", &none, false, false),
            RouteKind::Tool
        );
        assert_eq!(
            choose(&maps, "POST", "/pets", &none, false, false),
            RouteKind::Tool
        );
        assert_eq!(
            choose(&maps, "GET", "/pets", &["internal".to_owned()], true, false),
            RouteKind::Exclude
        );
        assert_eq!(choose(&[], "GET", "/pets", &none, true, false), RouteKind::Tool);
    }

    #[test]
    fn names_come_from_overrides_operation_ids_or_the_route() {
        let overrides = HashMap::from([
            ("getPetById".to_owned(), "pet".to_owned()),
            ("DELETE /pet/{petId}".to_owned(), "remove_pet".to_owned()),
        ]);
        let mut n = Namer::default();
        assert_eq!(
            n.name(&overrides, Some("getPetById"), "get", "/pet/{petId}"),
            "pet"
        );
        assert_eq!(n.name(&overrides, None, "delete", "/pet/{petId}"), "remove_pet");
        assert_eq!(
            n.name(&overrides, None, "get", "/store/{id}/items"),
            "get_store_id_items"
        );
        assert_eq!(
            n.name(&overrides, Some("list pets!"), "get", "/pets"),
            "list_pets_"
        );
        // Two operations whose names clean up the same way.
        assert_eq!(
            n.name(&overrides, Some("list pets?"), "get", "/pets2"),
            "list_pets__2"
        );
        let long = "x".repeat(300);
        assert_eq!(n.name(&overrides, Some(&long), "get", "/a").len(), 128);
        assert_eq!(
            n.name(&overrides, Some(&long), "get", "/b"),
            format!("{}_2", "x".repeat(126))
        );
        assert_eq!(sanitize("ünï"), "_n_");
        assert_eq!(sanitize(""), "operation");
    }
}
