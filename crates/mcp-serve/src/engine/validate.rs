//! Checking `tools/call` arguments against a tool's input schema, cheaply.
//!
//! Compiling a `jsonschema` validator is expensive the first time (it builds
//! the meta-schema validator too): it was a quarter of the start-up CPU time
//! and most of the code pages a small server touches. So a tool's validator
//! is compiled on first need, and the schemas most tools have (an object of
//! plain typed properties, what `#[tool]` generates for strings, numbers and
//! booleans) are checked without it. The quick check only ever says "valid"
//! when `jsonschema` would; anything else goes to the full validator, which
//! also words the error messages.
//!
//! Without the `validate` feature there is no full validator: plain schemas
//! are still checked (and their violations named) here, and anything else
//! reaches the handler, whose typed arguments name the field that does not
//! deserialize.

#[cfg(feature = "validate")]
use std::sync::OnceLock;

use serde_json::{Map, Number, Value};

/// Why arguments were refused.
pub(crate) enum CheckError {
    /// The arguments break the schema: a message for the model, by field.
    Invalid(String),
    /// The tool's own schema does not compile.
    #[cfg_attr(not(feature = "validate"), allow(dead_code))]
    BadSchema(String),
}

/// A tool's input check: the quick one where the schema allows it, the
/// compiled validator otherwise (or to explain a failure).
pub(crate) struct InputCheck {
    quick: Option<QuickSchema>,
    #[cfg(feature = "validate")]
    full: OnceLock<Result<jsonschema::Validator, String>>,
}

impl InputCheck {
    /// A check whose validator is compiled on first need.
    pub(crate) fn lazy(schema: &Value) -> Self {
        InputCheck {
            quick: QuickSchema::new(schema),
            #[cfg(feature = "validate")]
            full: OnceLock::new(),
        }
    }

    /// A check with its validator compiled now (without the `validate`
    /// feature, the same as [`InputCheck::lazy`]).
    ///
    /// # Errors
    /// What the schema compiler said about an invalid schema.
    pub(crate) fn compiled(schema: &Value) -> Result<Self, String> {
        #[cfg(feature = "validate")]
        {
            let validator = jsonschema::validator_for(schema).map_err(|e| e.to_string())?;
            Ok(InputCheck {
                quick: QuickSchema::new(schema),
                full: OnceLock::from(Ok(validator)),
            })
        }
        #[cfg(not(feature = "validate"))]
        Ok(Self::lazy(schema))
    }

    /// Checks the arguments of a call to `tool` against `schema` (the schema
    /// this check was made for), handing them back when they pass.
    ///
    /// # Errors
    /// Arguments that break the schema, or a schema that does not compile.
    pub(crate) fn check(
        &self,
        tool: &str,
        schema: &Value,
        args: Map<String, Value>,
    ) -> Result<Map<String, Value>, CheckError> {
        if self.quick.as_ref().is_some_and(|q| q.valid(&args)) {
            return Ok(args);
        }
        #[cfg(feature = "validate")]
        {
            let _ = &self.quick;
            let validator = self
                .full
                .get_or_init(|| jsonschema::validator_for(schema).map_err(|e| e.to_string()))
                .as_ref()
                .map_err(|reason| CheckError::BadSchema(reason.clone()))?;
            let args = Value::Object(args);
            let problems: Vec<String> = validator
                .iter_errors(&args)
                .take(8)
                .map(|e| {
                    let path = e.instance_path().to_string();
                    let field = path.trim_start_matches('/').replace('/', ".");
                    if field.is_empty() {
                        e.to_string()
                    } else {
                        format!("{field}: {e}")
                    }
                })
                .collect();
            let Value::Object(args) = args else {
                unreachable!("constructed as an object above")
            };
            refuse(tool, problems, args)
        }
        #[cfg(not(feature = "validate"))]
        {
            let _ = schema;
            let problems = self.quick.as_ref().map(|q| q.problems(&args)).unwrap_or_default();
            refuse(tool, problems, args)
        }
    }
}

/// The arguments back when nothing is wrong with them, else the message.
fn refuse(
    tool: &str,
    problems: Vec<String>,
    args: Map<String, Value>,
) -> Result<Map<String, Value>, CheckError> {
    if problems.is_empty() {
        return Ok(args);
    }
    Err(CheckError::Invalid(format!(
        "Invalid arguments for tool {tool}: {}",
        problems.join("; ")
    )))
}

/// An object schema of typed properties, `required` and a boolean
/// `additionalProperties`: nothing whose meaning differs between drafts or
/// options (no `format`, no `enum`, no nesting).
#[derive(Debug)]
struct QuickSchema {
    properties: Vec<(String, Property)>,
    required: Vec<String>,
    additional: bool,
}

#[derive(Debug, Default)]
struct Property {
    /// Allowed types; empty allows any.
    types: Vec<Type>,
    minimum: Option<Number>,
    maximum: Option<Number>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    String,
    Number,
    Integer,
    Boolean,
    Null,
    Array,
    Object,
}

/// Keywords that only annotate.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "$comment",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

impl QuickSchema {
    fn new(schema: &Value) -> Option<Self> {
        let root = schema.as_object()?;
        if root.get("type")?.as_str()? != "object" {
            return None;
        }
        let mut quick = QuickSchema {
            properties: Vec::new(),
            required: Vec::new(),
            additional: true,
        };
        for (key, value) in root {
            match key.as_str() {
                "type" | "$schema" => {}
                "properties" => {
                    for (name, prop) in value.as_object()? {
                        quick.properties.push((name.clone(), Property::new(prop)?));
                    }
                }
                "required" => {
                    for name in value.as_array()? {
                        quick.required.push(name.as_str()?.to_owned());
                    }
                }
                "additionalProperties" => quick.additional = value.as_bool()?,
                k if ANNOTATIONS.contains(&k) => {}
                _ => return None,
            }
        }
        Some(quick)
    }

    fn valid(&self, args: &Map<String, Value>) -> bool {
        self.required.iter().all(|name| args.contains_key(name))
            && args.iter().all(
                |(name, value)| match self.properties.iter().find(|(n, _)| n == name) {
                    Some((_, prop)) => prop.valid(value),
                    None => self.additional,
                },
            )
    }
}

#[cfg_attr(feature = "validate", allow(dead_code))]
impl QuickSchema {
    /// What is certainly wrong with `args`, by field (without `jsonschema`,
    /// to word the refusal). Cases the quick check leaves open (`3.0` for an
    /// integer, say) are not listed: the handler's typed arguments decide.
    fn problems(&self, args: &Map<String, Value>) -> Vec<String> {
        let mut out: Vec<String> = self
            .required
            .iter()
            .filter(|name| !args.contains_key(name.as_str()))
            .map(|name| format!("{name}: required property is missing"))
            .collect();
        for (name, value) in args {
            match self.properties.iter().find(|(n, _)| n == name) {
                Some((_, prop)) => {
                    if let Some(p) = prop.problem(value) {
                        out.push(format!("{name}: {value} {p}"));
                    }
                }
                None if !self.additional => out.push(format!("{name}: unexpected property")),
                None => {}
            }
        }
        out.truncate(8);
        out
    }
}

impl Property {
    fn new(schema: &Value) -> Option<Self> {
        let mut prop = Property::default();
        for (key, value) in schema.as_object()? {
            match key.as_str() {
                "type" => {
                    let names: Vec<&str> = match value {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().map(Value::as_str).collect::<Option<_>>()?,
                        _ => return None,
                    };
                    for name in names {
                        prop.types.push(match name {
                            "string" => Type::String,
                            "number" => Type::Number,
                            "integer" => Type::Integer,
                            "boolean" => Type::Boolean,
                            "null" => Type::Null,
                            "array" => Type::Array,
                            "object" => Type::Object,
                            _ => return None,
                        });
                    }
                }
                "minimum" => prop.minimum = Some(exact_bound(value)?),
                "maximum" => prop.maximum = Some(exact_bound(value)?),
                k if ANNOTATIONS.contains(&k) => {}
                _ => return None,
            }
        }
        Some(prop)
    }

    fn valid(&self, value: &Value) -> bool {
        let typed = self.types.is_empty()
            || self.types.iter().any(|t| match (t, value) {
                (Type::String, Value::String(_))
                | (Type::Number, Value::Number(_))
                | (Type::Boolean, Value::Bool(_))
                | (Type::Null, Value::Null)
                | (Type::Array, Value::Array(_))
                | (Type::Object, Value::Object(_)) => true,
                // A float with no fraction counts as an integer in some
                // drafts and not in others: leave it to the full validator.
                (Type::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
                _ => false,
            });
        let Value::Number(n) = value else {
            // Bounds only constrain numbers.
            return typed;
        };
        typed
            && self
                .minimum
                .as_ref()
                .is_none_or(|min| compare(n, min).is_some_and(|o| o.is_ge()))
            && self
                .maximum
                .as_ref()
                .is_none_or(|max| compare(n, max).is_some_and(|o| o.is_le()))
    }
}

#[cfg_attr(feature = "validate", allow(dead_code))]
impl Property {
    /// What is certainly wrong with `value`, if anything.
    fn problem(&self, value: &Value) -> Option<String> {
        let type_ok = self.types.is_empty()
            || self.types.iter().any(|t| match (t, value) {
                // Only a number with a fraction is certainly not an integer.
                (Type::Integer, Value::Number(n)) => n.as_f64().is_none_or(|f| f.fract() == 0.0),
                _ => Property {
                    types: vec![*t],
                    ..Property::default()
                }
                .valid(value),
            });
        if !type_ok {
            let names: Vec<&str> = self.types.iter().map(|t| t.name()).collect();
            return Some(format!("is not of type {}", names.join(" or ")));
        }
        let Value::Number(n) = value else { return None };
        if let Some(min) = &self.minimum {
            if compare(n, min).is_some_and(|o| o.is_lt()) {
                return Some(format!("is less than the minimum of {min}"));
            }
        }
        if let Some(max) = &self.maximum {
            if compare(n, max).is_some_and(|o| o.is_gt()) {
                return Some(format!("is greater than the maximum of {max}"));
            }
        }
        None
    }
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Number => "number",
            Type::Integer => "integer",
            Type::Boolean => "boolean",
            Type::Null => "null",
            Type::Array => "array",
            Type::Object => "object",
        }
    }
}

/// Integers no larger than 2^53, which compare exactly with any number.
fn exact_bound(value: &Value) -> Option<Number> {
    const EXACT: u64 = 1 << 53;
    let n = value.as_number()?;
    let fits =
        n.as_i64().is_some_and(|i| i.unsigned_abs() <= EXACT) || n.as_u64().is_some_and(|u| u <= EXACT);
    fits.then(|| n.clone())
}

/// Compares a number with an exact bound; `None` when unsure.
fn compare(n: &Number, bound: &Number) -> Option<std::cmp::Ordering> {
    let b = bound
        .as_i64()
        .map(i128::from)
        .or_else(|| bound.as_u64().map(i128::from))?;
    if let Some(i) = n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)) {
        return Some(i.cmp(&b));
    }
    // `b` is at most 2^53 in size, so it converts to f64 exactly.
    n.as_f64()?.partial_cmp(&(b as f64))
}

#[cfg(all(test, feature = "validate"))]
mod proptests;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Wherever the quick check answers "valid", the full validator agrees.
    #[cfg(feature = "validate")]
    #[test]
    fn quick_valid_implies_valid() {
        let schemas = [
            json!({ "type": "object", "properties": { "text": { "type": "string" } }, "required": ["text"] }),
            json!({ "type": "object", "properties": { "a": { "type": "number" }, "b": { "type": "number" } }, "required": ["a", "b"] }),
            json!({ "type": "object", "properties": { "n": { "type": "integer", "minimum": 0, "maximum": 255 } } }),
            json!({ "type": "object", "properties": { "s": { "type": ["string", "null"], "description": "d" } }, "additionalProperties": false }),
            json!({ "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": { "f": { "type": "boolean" } }, "required": ["f"] }),
            json!({ "type": "object", "properties": {} }),
            json!({ "type": "object", "properties": { "x": { "minimum": -3 } } }),
        ];
        let args = [
            json!({}),
            json!({ "text": "hi" }),
            json!({ "text": 5 }),
            json!({ "a": 1, "b": 2.5 }),
            json!({ "a": "1", "b": 2 }),
            json!({ "n": 0 }),
            json!({ "n": 255 }),
            json!({ "n": 256 }),
            json!({ "n": -1 }),
            json!({ "n": 3.0 }),
            json!({ "n": 1.5 }),
            json!({ "n": 18_446_744_073_709_551_615_u64 }),
            json!({ "s": null }),
            json!({ "s": "x", "extra": 1 }),
            json!({ "f": true }),
            json!({ "f": "true" }),
            json!({ "x": -3 }),
            json!({ "x": -3.5 }),
            json!({ "x": "not a number" }),
            json!({ "other": [1, 2] }),
        ];
        for schema in &schemas {
            let quick = QuickSchema::new(schema).unwrap_or_else(|| panic!("quick schema for {schema}"));
            let full = jsonschema::validator_for(schema).unwrap();
            for a in &args {
                let map = a.as_object().unwrap();
                if quick.valid(map) {
                    assert!(full.is_valid(a), "{schema} {a}");
                }
            }
        }
        // The common cases are answered quickly.
        let echo = QuickSchema::new(&schemas[0]).unwrap();
        assert!(echo.valid(json!({ "text": "hi" }).as_object().unwrap()));
        let add = QuickSchema::new(&schemas[1]).unwrap();
        assert!(add.valid(json!({ "a": 1, "b": 2.5 }).as_object().unwrap()));
    }

    #[test]
    fn other_schemas_are_left_to_the_full_validator() {
        for schema in [
            json!({ "type": "object", "properties": { "s": { "type": "string", "format": "email" } } }),
            json!({ "type": "object", "properties": { "e": { "enum": ["a"] } } }),
            json!({ "type": "object", "properties": { "v": { "type": "array", "items": { "type": "string" } } } }),
            json!({ "type": "object", "additionalProperties": { "type": "string" } }),
            json!({ "type": "object", "properties": { "n": { "type": "number", "minimum": 0.5 } } }),
            json!({ "type": "object", "$defs": {} }),
            json!({ "type": ["object"] }),
            json!(true),
        ] {
            assert!(QuickSchema::new(&schema).is_none(), "{schema}");
        }
    }

    /// Without `jsonschema`, what the quick check refuses is named by field.
    #[test]
    fn quick_problems_name_the_field() {
        let schema = json!({ "type": "object", "properties": {
            "a": { "type": "number" }, "n": { "type": "integer", "minimum": 0, "maximum": 9 } },
            "required": ["a"], "additionalProperties": false });
        let quick = QuickSchema::new(&schema).unwrap();
        let problems = |v: Value| quick.problems(v.as_object().unwrap());
        assert_eq!(problems(json!({ "a": 1, "n": 3 })), Vec::<String>::new());
        assert_eq!(problems(json!({})), ["a: required property is missing"]);
        assert_eq!(problems(json!({ "a": "x" })), [r#"a: "x" is not of type number"#]);
        assert_eq!(
            problems(json!({ "a": 1, "n": 10 })),
            ["n: 10 is greater than the maximum of 9"]
        );
        assert_eq!(
            problems(json!({ "a": 1, "n": -1 })),
            ["n: -1 is less than the minimum of 0"]
        );
        assert_eq!(
            problems(json!({ "a": 1, "n": 1.5 })),
            ["n: 1.5 is not of type integer"]
        );
        // 3.0 may or may not be an integer, depending on the draft: left open.
        assert_eq!(problems(json!({ "a": 1, "n": 3.0 })), Vec::<String>::new());
        assert_eq!(problems(json!({ "a": 1, "b": 2 })), ["b: unexpected property"]);
    }
}
