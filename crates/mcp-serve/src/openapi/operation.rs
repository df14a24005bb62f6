//! One operation of the document: its parameters, request body and
//! response, and the input and output schemas of the tool it becomes.
//!
//! Argument names (what the model sends): a JSON request body whose schema
//! is an object with `properties` is flattened, each property an argument
//! of its own name; any other body is the argument `body`. A parameter whose
//! name is also a body property, or the name of another parameter (a path
//! `id` and a header `id`), is `name__location` (`id__path`, `id__query`,
//! `id__header`, `id__cookie`); the body keeps the plain name. This is the
//! rule FastMCP follows.

use std::collections::HashSet;

use reqwest::Url;
use serde_json::{Map, Value, json};

use super::OpenApiError;
use super::document::Document;
use super::schema::{Converter, Direction};

/// Where a parameter goes.
///
/// ```
/// use mcp_serve::openapi::ParamLocation;
/// assert_eq!(ParamLocation::Header.as_str(), "header");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// A `{name}` in the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParamLocation {
    /// The name OpenAPI's `in` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "path" => ParamLocation::Path,
            "query" => ParamLocation::Query,
            "header" => ParamLocation::Header,
            "cookie" => ParamLocation::Cookie,
            _ => return None,
        })
    }
}

/// How a parameter's value is written (OpenAPI `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Simple,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    /// `content` instead of `schema`: the value as JSON text.
    Json,
}

/// A parameter of the operation.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    /// The name the API knows.
    pub(crate) name: String,
    /// The argument's name.
    pub(crate) arg: String,
    pub(crate) location: ParamLocation,
    pub(crate) required: bool,
    pub(crate) style: Style,
    pub(crate) explode: bool,
    /// The converted schema, with the description.
    pub(crate) schema: Value,
}

/// The request body.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub(crate) content_type: String,
    /// Flattened properties (argument name = property name), or the one
    /// argument holding the whole body.
    pub(crate) shape: BodyShape,
    pub(crate) required: bool,
    /// Sent as text (`text/*`, octet-stream), not as JSON.
    pub(crate) raw: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum BodyShape {
    Properties(Vec<String>),
    Whole(String),
}

/// The response the output schema describes.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub(crate) schema: Value,
    /// Not an object: the structured result is `{"result": body}`.
    pub(crate) wrapped: bool,
}

/// An operation, ready to be called.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) method: reqwest::Method,
    /// The path as the document writes it, `{name}`s included.
    pub(crate) path: String,
    pub(crate) operation_id: Option<String>,
    pub(crate) summary: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Option<Body>,
    pub(crate) input_schema: Value,
    pub(crate) output: Option<Output>,
    /// The MIME type of the success response, if the document says.
    pub(crate) response_type: Option<String>,
    pub(crate) deprecated: bool,
}

pub(crate) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Parameters the configuration supplies (auth, fixed headers): left out of
/// the input schema so the model can neither see nor set them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Supplied {
    pub(crate) params: Vec<(ParamLocation, String)>,
}

impl Supplied {
    fn covers(&self, location: ParamLocation, name: &str) -> bool {
        self.params.iter().any(|(l, n)| {
            *l == location
                && if location == ParamLocation::Header {
                    n.eq_ignore_ascii_case(name)
                } else {
                    n == name
                }
        })
    }
}

impl Operation {
    /// The operation `method` of the path item at `path`.
    ///
    /// # Errors
    /// What makes it impossible to call: an unresolvable `$ref`, a
    /// required request body in no supported media type...
    pub(crate) fn parse(
        doc: &Document,
        path: &str,
        method: &str,
        item: &Value,
        supplied: &Supplied,
    ) -> Result<Self, OpenApiError> {
        let root = doc.root.clone();
        let (item_base, item) = doc.deref(&root, item)?;
        let op = &item[method];
        let mut input = Converter::new(doc, Direction::Input);

        // Operation parameters override the path item's of the same name and place.
        let mut raw: Vec<(Url, &Value)> = Vec::new();
        for list in [&item["parameters"], &op["parameters"]] {
            for p in list.as_array().into_iter().flatten() {
                let (base, p) = doc.deref(&item_base, p)?;
                let key = (p["name"].as_str(), p["in"].as_str());
                raw.retain(|(_, q)| (q["name"].as_str(), q["in"].as_str()) != key);
                raw.push((base, p));
            }
        }
        let mut params = Vec::new();
        for (base, p) in raw {
            let name = p["name"]
                .as_str()
                .ok_or_else(|| bad(method, path, "a parameter has no `name`"))?;
            let location = p["in"]
                .as_str()
                .and_then(ParamLocation::parse)
                .ok_or_else(|| bad(method, path, &format!("parameter `{name}` has no valid `in`")))?;
            if supplied.covers(location, name) {
                continue;
            }
            // Headers HTTP sets itself (the spec says these are ignored).
            if location == ParamLocation::Header
                && ["accept", "content-type", "authorization"].contains(&name.to_ascii_lowercase().as_str())
            {
                continue;
            }
            let (style, mut schema) = match (p.get("schema"), p.get("content")) {
                (Some(s), _) => {
                    let default = match location {
                        ParamLocation::Query | ParamLocation::Cookie => Style::Form,
                        _ => Style::Simple,
                    };
                    let style = match p["style"].as_str() {
                        Some("form") => Style::Form,
                        Some("spaceDelimited") => Style::SpaceDelimited,
                        Some("pipeDelimited") => Style::PipeDelimited,
                        Some("deepObject") => Style::DeepObject,
                        _ => default,
                    };
                    (style, input.convert(&base, s)?)
                }
                (None, Some(Value::Object(content))) => {
                    let schema = content
                        .values()
                        .next()
                        .and_then(|m| m.get("schema"))
                        .unwrap_or(&Value::Null);
                    (Style::Json, input.convert(&base, schema)?)
                }
                _ => (Style::Simple, json!({ "type": "string" })),
            };
            annotate(&mut schema, p);
            params.push(Param {
                name: name.to_owned(),
                arg: name.to_owned(),
                location,
                required: location == ParamLocation::Path || p["required"] == Value::Bool(true),
                explode: p["explode"].as_bool().unwrap_or(style == Style::Form),
                style,
                schema,
            });
        }

        let mut properties = Map::new();
        let mut required = Vec::new();
        let body = match op.get("requestBody") {
            Some(b) => {
                let (base, b) = doc.deref(&item_base, b)?;
                request_body(&mut input, &base, b, &mut properties, &mut required)
                    .map_err(|reason| bad(method, path, &reason))?
            }
            None => None,
        };

        // Names: the body's keep theirs; a clash makes a parameter `name__in`.
        let mut counts = std::collections::HashMap::<&str, usize>::new();
        for p in &params {
            *counts.entry(p.name.as_str()).or_default() += 1;
        }
        let clashes: HashSet<String> = params
            .iter()
            .filter(|p| counts[p.name.as_str()] > 1 || properties.contains_key(&p.name))
            .map(|p| p.name.clone())
            .collect();
        for p in &mut params {
            if clashes.contains(&p.name) {
                p.arg = format!("{}__{}", p.name, p.location.as_str());
            }
            if properties.contains_key(&p.arg) {
                return Err(bad(
                    method,
                    path,
                    &format!("two inputs are both named `{}`", p.arg),
                ));
            }
            properties.insert(p.arg.clone(), p.schema.clone());
            if p.required {
                required.push(Value::String(p.arg.clone()));
            }
        }
        let mut input_schema = json!({ "type": "object", "properties": properties });
        if !required.is_empty() {
            input_schema["required"] = Value::Array(required);
        }
        input.finish(&mut input_schema)?;

        let (output, response_type) =
            output(doc, &item_base, op).map_err(|e| bad(method, path, &e.to_string()))?;
        Ok(Operation {
            method: method
                .to_ascii_uppercase()
                .parse()
                .map_err(|_| bad(method, path, "not an HTTP method"))?,
            path: path.to_owned(),
            operation_id: op["operationId"].as_str().map(str::to_owned),
            summary: op["summary"].as_str().map(str::to_owned),
            description: op["description"].as_str().map(str::to_owned),
            tags: op["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            params,
            body,
            input_schema,
            output,
            response_type,
            deprecated: op["deprecated"] == Value::Bool(true),
        })
    }

    /// Whether anything but the path parameters is required.
    pub(crate) fn needs_more_than_path(&self) -> bool {
        self.body.as_ref().is_some_and(|b| b.required)
            || self
                .params
                .iter()
                .any(|p| p.required && p.location != ParamLocation::Path)
    }

    /// The description the model reads: summary, description, deprecation.
    pub(crate) fn describe(&self) -> String {
        let mut text = String::new();
        for part in [&self.summary, &self.description].into_iter().flatten() {
            let part = part.trim();
            if !part.is_empty() && !text.contains(part) {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(part);
            }
        }
        if text.is_empty() {
            text = format!("{} {}", self.method, self.path);
        }
        if self.deprecated {
            text.push_str("\n\n(Deprecated.)");
        }
        text
    }
}

fn bad(method: &str, path: &str, reason: &str) -> OpenApiError {
    OpenApiError::Operation {
        route: format!("{} {path}", method.to_ascii_uppercase()),
        reason: reason.to_owned(),
    }
}

/// A parameter's description and example onto its schema.
fn annotate(schema: &mut Value, p: &Value) {
    if let Value::Object(s) = schema {
        if let Some(d) = p["description"].as_str() {
            s.insert("description".into(), Value::String(d.to_owned()));
        }
        if let Some(e) = p.get("example") {
            s.entry("examples").or_insert_with(|| json!([e]));
        }
        if p["deprecated"] == Value::Bool(true) {
            s.insert("deprecated".into(), Value::Bool(true));
        }
    }
}

/// Is a media type JSON (`application/json`, `application/problem+json`...)?
pub(crate) fn is_json(media: &str) -> bool {
    let media = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json") || media == "*/*"
}

/// The request body's arguments, added to `properties`/`required`.
fn request_body(
    input: &mut Converter<'_>,
    base: &Url,
    body: &Value,
    properties: &mut Map<String, Value>,
    required: &mut Vec<Value>,
) -> Result<Option<Body>, String> {
    let body_required = body["required"] == Value::Bool(true);
    let Some(content) = body["content"].as_object() else {
        return Ok(None);
    };
    let json_type = content.keys().find(|k| is_json(k));
    let raw_type = content
        .keys()
        .find(|k| k.starts_with("text/") || k.as_str() == "application/octet-stream");
    let (content_type, raw) = match (json_type, raw_type) {
        (Some(t), _) => (t.clone(), false),
        (None, Some(t)) => (t.clone(), true),
        (None, None) if body_required => {
            let types: Vec<&str> = content.keys().map(String::as_str).collect();
            return Err(format!(
                "its request body is required and none of its media types ({}) is supported (JSON, text or application/octet-stream)",
                types.join(", ")
            ));
        }
        (None, None) => return Ok(None),
    };
    let media = &content[&content_type];
    let schema = match media.get("schema") {
        Some(s) => input.convert(base, s).map_err(|e| e.to_string())?,
        None if raw => json!({ "type": "string" }),
        None => json!({}),
    };
    let content_type = if content_type == "*/*" {
        "application/json".to_owned()
    } else {
        content_type
    };
    let flat = !raw
        && schema["type"] == "object"
        && schema["properties"].is_object()
        && !["allOf", "anyOf", "oneOf", "$ref"]
            .iter()
            .any(|k| schema.get(*k).is_some());
    let shape = if flat {
        let inner_required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut names = Vec::new();
        for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
            properties.insert(name.clone(), prop.clone());
            if body_required && inner_required.contains(&name.as_str()) {
                required.push(Value::String(name.clone()));
            }
            names.push(name.clone());
        }
        BodyShape::Properties(names)
    } else {
        let mut schema = schema;
        if let (Value::Object(s), Some(d)) = (&mut schema, body["description"].as_str()) {
            s.entry("description")
                .or_insert_with(|| Value::String(d.to_owned()));
        }
        properties.insert("body".into(), schema);
        if body_required {
            required.push(Value::String("body".into()));
        }
        BodyShape::Whole("body".into())
    };
    Ok(Some(Body {
        content_type,
        shape,
        required: body_required,
        raw,
    }))
}

/// The output schema, from the first success response with a JSON schema,
/// and the media type of the first success response.
fn output(doc: &Document, base: &Url, op: &Value) -> Result<(Option<Output>, Option<String>), OpenApiError> {
    let Some(responses) = op["responses"].as_object() else {
        return Ok((None, None));
    };
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    let Some(code) = codes.first() else {
        return Ok((None, None));
    };
    let (base, response) = doc.deref(base, &responses[*code])?;
    let Some(content) = response["content"].as_object() else {
        return Ok((None, None));
    };
    let response_type = content.keys().next().cloned();
    let Some(media) = content.iter().find(|(k, _)| is_json(k)).map(|(_, m)| m) else {
        return Ok((None, response_type));
    };
    let Some(schema) = media.get("schema") else {
        return Ok((None, response_type));
    };
    let mut converter = Converter::new(doc, Direction::Output);
    let converted = converter.convert(&base, schema)?;
    let (mut schema, wrapped) = if converted["type"] == "object" {
        (converted, false)
    } else {
        // Lift `$defs` to the root, where the `#/$defs/...` refs point.
        let mut inner = converted;
        let defs = inner.as_object_mut().and_then(|o| o.remove("$defs"));
        let mut wrapper =
            json!({ "type": "object", "properties": { "result": inner }, "required": ["result"] });
        if let Some(defs) = defs {
            wrapper["$defs"] = defs;
        }
        (wrapper, true)
    };
    converter.finish(&mut schema)?;
    Ok((Some(Output { schema, wrapped }), response_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: Value, path: &str, method: &str, supplied: &Supplied) -> Result<Operation, OpenApiError> {
        let doc = Document::from_value(Url::parse("file:///api.json").unwrap(), spec);
        let item = doc.root()["paths"][path].clone();
        Operation::parse(&doc, path, method, &item, supplied)
    }

    fn spec() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {
                "/items/{id}": {
                    "parameters": [
                        { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } },
                        { "name": "verbose", "in": "query", "schema": { "type": "boolean" } }
                    ],
                    "put": {
                        "operationId": "updateItem",
                        "parameters": [
                            { "name": "verbose", "in": "query", "description": "Say more.", "schema": { "type": "string" } },
                            { "name": "id", "in": "header", "schema": { "type": "string" } },
                            { "name": "session", "in": "cookie", "required": true, "schema": { "type": "string" } },
                            { "name": "X-Api-Key", "in": "header", "required": true, "schema": { "type": "string" } },
                            { "$ref": "#/components/parameters/Filter" }
                        ],
                        "requestBody": { "required": true, "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/Item" } } } },
                        "responses": { "200": { "description": "ok", "content": { "application/json": {
                            "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Item" } } } } } }
                    }
                }
            },
            "components": {
                "parameters": { "Filter": { "name": "filter", "in": "query", "content": { "application/json": {
                    "schema": { "type": "object" } } } } },
                "schemas": { "Item": { "type": "object", "required": ["id", "name"], "properties": {
                    "id": { "type": "integer" }, "name": { "type": "string" }, "created": { "type": "string", "readOnly": true } } } }
            }
        })
    }

    #[test]
    fn every_parameter_kind_and_the_body_become_arguments_with_clashes_suffixed() {
        let supplied = Supplied {
            params: vec![(ParamLocation::Header, "x-api-key".into())],
        };
        let op = parse(spec(), "/items/{id}", "put", &supplied).unwrap();
        let s = &op.input_schema;
        let props = s["properties"].as_object().unwrap();
        let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
        names.sort_unstable();
        // `id` is in the path, a header and the body: the body keeps `id`.
        // The supplied API-key header is not an argument.
        assert_eq!(
            names,
            [
                "filter",
                "id",
                "id__header",
                "id__path",
                "name",
                "session",
                "verbose"
            ]
        );
        assert_eq!(
            props["verbose"],
            json!({ "type": "string", "description": "Say more." })
        );
        assert_eq!(props["id__path"]["type"], "integer");
        let mut required: Vec<&str> = s["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        required.sort_unstable();
        assert_eq!(required, ["id", "id__path", "name", "session"]);
        assert!(matches!(&op.body.as_ref().unwrap().shape, BodyShape::Properties(p) if p.len() == 2));
        assert_eq!(
            op.params.iter().find(|p| p.name == "filter").unwrap().style,
            Style::Json
        );
        let out = op.output.unwrap();
        assert!(out.wrapped);
        assert_eq!(
            out.schema["properties"]["result"]["items"]["properties"]["created"]["readOnly"],
            true
        );
        jsonschema::validator_for(s).unwrap();
        jsonschema::validator_for(&out.schema).unwrap();
    }

    #[test]
    fn bodies_that_are_not_objects_are_one_argument_and_unsupported_ones_are_refused() {
        let spec = json!({ "paths": { "/tags": {
            "post": { "parameters": [{ "name": "body", "in": "query", "schema": { "type": "string" } }],
                      "requestBody": { "content": { "application/json": { "schema": { "type": "array", "items": { "type": "string" } } } } },
                      "responses": { "204": { "description": "done" } } },
            "put": { "requestBody": { "required": true, "content": { "application/xml": { "schema": { "type": "object" } } } },
                     "responses": {} },
            "patch": { "requestBody": { "content": { "text/plain": {} } }, "responses": {} }
        } } });
        let op = parse(spec.clone(), "/tags", "post", &Supplied::default()).unwrap();
        assert_eq!(op.input_schema["properties"]["body"]["type"], "array");
        assert_eq!(op.input_schema["properties"]["body__query"]["type"], "string");
        assert!(op.output.is_none());
        let e = parse(spec.clone(), "/tags", "put", &Supplied::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("PUT /tags") && e.contains("application/xml"), "{e}");
        let op = parse(spec, "/tags", "patch", &Supplied::default()).unwrap();
        assert!(op.body.unwrap().raw);
        assert_eq!(op.input_schema["properties"]["body"]["type"], "string");
    }

    #[test]
    fn object_responses_are_the_output_schema_as_they_are() {
        let spec = json!({ "paths": { "/me": { "get": { "responses": {
            "default": { "description": "error" },
            "201": { "description": "made", "content": { "application/json": { "schema": {
                "type": "object", "properties": { "name": { "type": "string" } } } } } } } } } } });
        let op = parse(spec, "/me", "get", &Supplied::default()).unwrap();
        let out = op.output.clone().unwrap();
        assert!(!out.wrapped);
        assert_eq!(out.schema["properties"]["name"]["type"], "string");
        assert_eq!(op.response_type.as_deref(), Some("application/json"));
        assert!(!op.needs_more_than_path());
        assert_eq!(op.describe(), "GET /me");
    }
}
