//! OpenAPI schemas to self-contained JSON Schema 2020-12, the dialect MCP
//! input and output schemas use.
//!
//! - `$ref`s are inlined; a reference to a schema already being inlined (a
//!   recursive type) becomes `{"$ref": "#/$defs/Name"}` with the schema once
//!   under the root's `$defs`, so the result needs no other document.
//! - OpenAPI 3.0 dialect: `nullable: true` adds `"null"` to `type` (or to
//!   `enum`, or becomes `anyOf [..., null]`), `example` becomes `examples`,
//!   and boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers.
//! - Keywords JSON Schema does not know (`discriminator`, `xml`,
//!   `externalDocs`, `x-*`) are dropped, and so are `$id`/`$schema`/anchors,
//!   which would change how the inlined `$ref`s resolve.
//! - In an input schema `readOnly` properties are left out (the server sets
//!   them); in an output schema `writeOnly` ones are.
//!
//! Work is bounded: [`MAX_DEPTH`] nested inlined references and
//! [`MAX_NODES`] schema nodes per converted schema.

use std::collections::BTreeMap;

use reqwest::Url;
use serde_json::{Map, Value, json};

use super::OpenApiError;
use super::document::Document;

/// At most this many `$ref`s inlined inside one another.
pub(crate) const MAX_DEPTH: usize = 64;
/// At most this many schema objects produced for one tool's schema.
pub(crate) const MAX_NODES: usize = 100_000;

/// Whether a schema describes what is sent or what comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Input,
    Output,
}

/// Converts the schemas of one tool's input or output, collecting the
/// `$defs` recursive references need.
pub(crate) struct Converter<'a> {
    doc: &'a Document,
    direction: Direction,
    /// The absolute references being inlined, outermost first.
    stack: Vec<String>,
    /// Reference → name under `$defs`, for the recursive ones.
    names: BTreeMap<String, String>,
    defs: BTreeMap<String, Value>,
    nodes: usize,
}

/// Keywords whose value is a map of schemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords whose value is a schema.
const SCHEMAS: &[&str] = &[
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "contentSchema",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords that are dropped.
const DROPPED: &[&str] = &[
    "nullable",
    "example",
    "discriminator",
    "xml",
    "externalDocs",
    "$id",
    "$schema",
    "$anchor",
    "$dynamicAnchor",
    "$dynamicRef",
    "$recursiveRef",
    "$recursiveAnchor",
];

impl<'a> Converter<'a> {
    /// A converter for one tool's input or output schema.
    pub(crate) fn new(doc: &'a Document, direction: Direction) -> Self {
        Converter {
            doc,
            direction,
            stack: Vec::new(),
            names: BTreeMap::new(),
            defs: BTreeMap::new(),
            nodes: 0,
        }
    }

    /// `schema` (found in the document at `base`) as JSON Schema 2020-12.
    ///
    /// # Errors
    /// A `$ref` that does not resolve, or a schema past the bounds.
    pub(crate) fn convert(&mut self, base: &Url, schema: &Value) -> Result<Value, OpenApiError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(OpenApiError::Schema(format!(
                "a schema expands to more than {MAX_NODES} nodes"
            )));
        }
        let map = match schema {
            Value::Object(map) => map,
            Value::Bool(b) => return Ok(Value::Bool(*b)),
            // Not a schema: accept anything rather than refuse the operation.
            _ => return Ok(json!({})),
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let mut inlined = self.reference(base, reference)?;
            // Siblings of `$ref` (3.1), e.g. a description, annotate the target.
            if let Value::Object(target) = &mut inlined {
                let rest: Map<String, Value> = map
                    .iter()
                    .filter(|(k, _)| *k != "$ref")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if let Value::Object(rest) = self.convert(base, &Value::Object(rest))? {
                    for (k, v) in rest {
                        target.entry(k).or_insert(v);
                    }
                }
            }
            return Ok(inlined);
        }
        let mut out = Map::new();
        for (key, value) in map {
            let key = key.as_str();
            if DROPPED.contains(&key) || key.starts_with("x-") {
                continue;
            }
            let converted = if SCHEMA_MAPS.contains(&key) {
                let Value::Object(entries) = value else { continue };
                let mut props = Map::new();
                for (name, sub) in entries {
                    let sub = self.convert(base, sub)?;
                    if key == "properties" && self.hidden(&sub) {
                        continue;
                    }
                    props.insert(name.clone(), sub);
                }
                Value::Object(props)
            } else if SCHEMAS.contains(&key) {
                self.convert(base, value)?
            } else if SCHEMA_LISTS.contains(&key) {
                let Value::Array(items) = value else { continue };
                Value::Array(
                    items
                        .iter()
                        .map(|s| self.convert(base, s))
                        .collect::<Result<_, _>>()?,
                )
            } else if key == "items" {
                match value {
                    // Draft 4's tuple form is 2020-12's `prefixItems`.
                    Value::Array(items) => {
                        let items = items
                            .iter()
                            .map(|s| self.convert(base, s))
                            .collect::<Result<_, _>>()?;
                        out.insert("prefixItems".into(), Value::Array(items));
                        continue;
                    }
                    other => self.convert(base, other)?,
                }
            } else {
                value.clone()
            };
            out.insert(key.to_owned(), converted);
        }
        // Properties left out are no longer required.
        if let (Some(Value::Object(props)), Some(Value::Object(raw))) =
            (out.get("properties"), map.get("properties"))
        {
            if props.len() != raw.len() {
                let kept: Vec<String> = props.keys().cloned().collect();
                if let Some(Value::Array(required)) = out.get_mut("required") {
                    required.retain(|r| r.as_str().is_some_and(|r| kept.iter().any(|k| k == r)));
                }
            }
        }
        if let Some(example) = map.get("example") {
            out.entry("examples").or_insert_with(|| json!([example]));
        }
        for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            if let Some(Value::Bool(exclusive)) = out.get(flag).cloned() {
                out.remove(flag);
                if exclusive {
                    if let Some(b) = out.remove(bound) {
                        out.insert(flag.into(), b);
                    }
                }
            }
        }
        let out = if map.get("nullable") == Some(&Value::Bool(true)) {
            nullable(out)
        } else {
            Value::Object(out)
        };
        Ok(out)
    }

    /// Whether a property is not part of this direction's schema.
    fn hidden(&self, schema: &Value) -> bool {
        let flag = match self.direction {
            Direction::Input => "readOnly",
            Direction::Output => "writeOnly",
        };
        schema.get(flag) == Some(&Value::Bool(true))
    }

    fn reference(&mut self, base: &Url, reference: &str) -> Result<Value, OpenApiError> {
        let (url, pointer) = super::document::split_ref(base, reference)?;
        let key = format!("{url}#{pointer}");
        if self.stack.contains(&key) {
            let name = self.def_name(&key, &pointer);
            return Ok(json!({ "$ref": format!("#/$defs/{name}") }));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(OpenApiError::Schema(format!(
                "`$ref`s nest more than {MAX_DEPTH} deep at {reference}"
            )));
        }
        let (target_base, target) = self.doc.get(base, reference)?;
        self.stack.push(key);
        let converted = self.convert(&target_base, target);
        self.stack.pop();
        converted
    }

    /// A unique `$defs` name for a recursive reference.
    fn def_name(&mut self, key: &str, pointer: &str) -> String {
        if let Some(name) = self.names.get(key) {
            return name.clone();
        }
        let last = pointer.rsplit('/').next().unwrap_or_default();
        let stem: String = last
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let stem = if stem.is_empty() {
            "Schema".to_owned()
        } else {
            stem
        };
        let mut name = stem.clone();
        let mut n = 2;
        while self.names.values().any(|v| *v == name) {
            name = format!("{stem}_{n}");
            n += 1;
        }
        self.names.insert(key.to_owned(), name.clone());
        name
    }

    /// Converts the recursive schemas referenced so far and puts them under
    /// `root`'s `$defs` (`root` must be an object schema).
    ///
    /// # Errors
    /// As [`Converter::convert`].
    pub(crate) fn finish(mut self, root: &mut Value) -> Result<(), OpenApiError> {
        loop {
            let pending: Vec<(String, String)> = self
                .names
                .iter()
                .filter(|(_, name)| !self.defs.contains_key(*name))
                .map(|(k, n)| (k.clone(), n.clone()))
                .collect();
            if pending.is_empty() {
                break;
            }
            for (key, name) in pending {
                let (url, pointer) = key.split_once('#').unwrap_or((&key, ""));
                let url = Url::parse(url).map_err(|e| OpenApiError::Schema(e.to_string()))?;
                let (target_base, target) = self.doc.get(&url, &format!("#{pointer}"))?;
                self.stack = vec![key.clone()];
                let converted = self.convert(&target_base, target)?;
                self.defs.insert(name, converted);
            }
        }
        if !self.defs.is_empty() {
            if let Value::Object(root) = root {
                let defs = root.entry("$defs").or_insert_with(|| json!({}));
                if let Value::Object(defs) = defs {
                    defs.extend(std::mem::take(&mut self.defs));
                }
            }
        }
        Ok(())
    }
}

/// A 3.0 `nullable` schema as 2020-12: `null` joins `type` (and `enum`).
fn nullable(mut out: Map<String, Value>) -> Value {
    let null_type = Value::String("null".into());
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    match out.get("type").cloned() {
        Some(Value::String(t)) => {
            out.insert("type".into(), json!([t, null_type]));
            Value::Object(out)
        }
        Some(Value::Array(mut types)) => {
            if !types.contains(&null_type) {
                types.push(null_type);
            }
            out.insert("type".into(), Value::Array(types));
            Value::Object(out)
        }
        // A type given only by `allOf`/`$ref`, or none at all.
        _ if out.contains_key("enum") => Value::Object(out),
        _ if out
            .keys()
            .all(|k| matches!(k.as_str(), "description" | "title" | "default" | "examples")) =>
        {
            Value::Object(out)
        }
        _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(components: Value) -> Document {
        Document::from_value(
            Url::parse("file:///api.json").unwrap(),
            json!({ "openapi": "3.0.3", "components": { "schemas": components } }),
        )
    }

    fn convert(doc: &Document, direction: Direction, schema: Value) -> Value {
        let mut c = Converter::new(doc, direction);
        let mut out = c.convert(&doc.root.clone(), &schema).unwrap();
        c.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn openapi_3_0_keywords_become_2020_12() {
        let d = doc(json!({}));
        let s = convert(
            &d,
            Direction::Input,
            json!({
                "type": "object",
                "x-internal": true,
                "discriminator": { "propertyName": "kind" },
                "properties": {
                    "name": { "type": "string", "nullable": true, "example": "Rex" },
                    "kind": { "type": "string", "enum": ["cat", "dog"], "nullable": true },
                    "age": { "type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 30, "exclusiveMaximum": false },
                    "id": { "type": "integer", "readOnly": true },
                    "owner": { "allOf": [{ "type": "object" }], "nullable": true }
                },
                "required": ["id", "name"]
            }),
        );
        assert_eq!(
            s,
            json!({
                "type": "object",
                "properties": {
                    "name": { "type": ["string", "null"], "examples": ["Rex"] },
                    "kind": { "type": ["string", "null"], "enum": ["cat", "dog", null] },
                    "age": { "type": "integer", "exclusiveMinimum": 0, "maximum": 30 },
                    "owner": { "anyOf": [{ "allOf": [{ "type": "object" }] }, { "type": "null" }] }
                },
                "required": ["name"]
            })
        );
        jsonschema::validator_for(&s).unwrap();
    }

    #[test]
    fn output_schemas_drop_write_only_properties_and_keep_read_only_ones() {
        let d = doc(json!({}));
        let schema = json!({ "type": "object", "properties": {
            "id": { "type": "integer", "readOnly": true }, "password": { "type": "string", "writeOnly": true } } });
        let out = convert(&d, Direction::Output, schema.clone());
        assert!(out["properties"].get("id").is_some() && out["properties"].get("password").is_none());
        let input = convert(&d, Direction::Input, schema);
        assert!(input["properties"].get("id").is_none() && input["properties"].get("password").is_some());
    }

    #[test]
    fn refs_are_inlined_and_recursive_ones_go_to_defs() {
        let d = doc(json!({
            "Id": { "type": "integer", "format": "int64" },
            "Node": { "type": "object", "properties": {
                "id": { "$ref": "#/components/schemas/Id" },
                "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } } } }
        }));
        let s = convert(
            &d,
            Direction::Output,
            json!({ "$ref": "#/components/schemas/Node" }),
        );
        assert_eq!(
            s["properties"]["id"],
            json!({ "type": "integer", "format": "int64" })
        );
        assert_eq!(
            s["properties"]["children"]["items"],
            json!({ "$ref": "#/$defs/Node" })
        );
        assert_eq!(
            s["$defs"]["Node"]["properties"]["children"]["items"],
            json!({ "$ref": "#/$defs/Node" })
        );
        let v = jsonschema::validator_for(&s).unwrap();
        assert!(v.is_valid(&json!({ "id": 1, "children": [{ "id": 2, "children": [] }] })));
        assert!(!v.is_valid(&json!({ "id": 1, "children": [{ "id": "two" }] })));
    }

    #[test]
    fn mutually_recursive_refs_and_bad_refs() {
        let d = doc(json!({
            "A": { "type": "object", "properties": { "b": { "$ref": "#/components/schemas/B" } } },
            "B": { "type": "object", "properties": { "a": { "$ref": "#/components/schemas/A" } } },
        }));
        let s = convert(&d, Direction::Input, json!({ "$ref": "#/components/schemas/A" }));
        assert_eq!(
            s["properties"]["b"]["properties"]["a"],
            json!({ "$ref": "#/$defs/A" })
        );
        assert_eq!(
            s["$defs"]["A"]["properties"]["b"]["properties"]["a"],
            json!({ "$ref": "#/$defs/A" })
        );
        jsonschema::validator_for(&s).unwrap();
        let mut c = Converter::new(&d, Direction::Input);
        let e = c
            .convert(&d.root.clone(), &json!({ "$ref": "#/components/schemas/Nope" }))
            .unwrap_err();
        assert!(e.to_string().contains("Nope"), "{e}");
    }

    #[test]
    fn expansion_is_bounded() {
        // Each level refers to the next twice: 2^30 nodes if inlined naively.
        let mut schemas = Map::new();
        for i in 0..30 {
            schemas.insert(
                format!("L{i}"),
                json!({ "type": "object", "properties": {
                    "a": { "$ref": format!("#/components/schemas/L{}", i + 1) },
                    "b": { "$ref": format!("#/components/schemas/L{}", i + 1) } } }),
            );
        }
        schemas.insert("L30".into(), json!({ "type": "string" }));
        let d = doc(Value::Object(schemas));
        let mut c = Converter::new(&d, Direction::Input);
        let e = c
            .convert(&d.root.clone(), &json!({ "$ref": "#/components/schemas/L0" }))
            .unwrap_err();
        assert!(e.to_string().contains("nodes"), "{e}");
    }
}
