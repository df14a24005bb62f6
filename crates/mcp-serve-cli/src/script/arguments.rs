//! `key=value` arguments, typed by the tool's input schema.
//!
//! A value is kept as a string when the schema says the property is a string
//! (so `zip=01234` stays `"01234"`), and read as JSON otherwise (`a=2` is the
//! number 2, `tags=["x"]` an array), falling back to a string when it is not
//! JSON. A single argument that is a JSON object is taken as all arguments.

use serde_json::{Map, Value};

use crate::exit::Failure;

/// Builds the arguments object from `items`, guided by `schema` (an input
/// schema, or `Value::Null` when unknown).
pub(crate) fn parse(items: &[String], schema: &Value) -> anyhow::Result<Map<String, Value>> {
    if let [only] = items {
        if only.trim_start().starts_with('{') {
            return match serde_json::from_str::<Value>(only) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(Failure::usage(format!("`{only}` is not a JSON object"))),
            };
        }
    }
    let mut out = Map::new();
    for item in items {
        let Some((key, raw)) = item.split_once('=') else {
            return Err(Failure::usage(format!(
                "argument `{item}` should look like `key=value` (or pass one JSON object)"
            )));
        };
        if key.is_empty() {
            return Err(Failure::usage(format!(
                "argument `{item}` has no name before `=`"
            )));
        }
        let property = schema.get("properties").and_then(|p| p.get(key));
        out.insert(key.to_owned(), typed(raw, property));
    }
    Ok(out)
}

fn wants_string(property: Option<&Value>) -> bool {
    let Some(p) = property else { return false };
    match p.get("type") {
        Some(Value::String(t)) => t == "string",
        // `["string", "null"]`: a string unless the user wrote null.
        Some(Value::Array(ts)) => {
            ts.iter().any(|t| t == "string") && ts.iter().all(|t| t == "string" || t == "null")
        }
        _ => p
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().all(Value::is_string)),
    }
}

fn typed(raw: &str, property: Option<&Value>) -> Value {
    if wants_string(property) && raw != "null" {
        return Value::String(raw.to_owned());
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// Prompt arguments are strings on the wire.
pub(crate) fn parse_strings(items: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut m = parse(items, &Value::Null)?;
    for v in m.values_mut() {
        if !v.is_string() {
            *v = Value::String(v.to_string());
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn schema_decides_strings() {
        let schema = json!({"properties": {"zip": {"type": "string"}, "n": {"type": "integer"}}});
        let m = parse(&s(&["zip=01234", "n=5", "free=true", "word=hello"]), &schema).unwrap();
        assert_eq!(m["zip"], "01234");
        assert_eq!(m["n"], 5);
        assert_eq!(m["free"], true);
        assert_eq!(m["word"], "hello");
    }

    #[test]
    fn json_values_and_objects() {
        let m = parse(&s(&["tags=[\"a\",\"b\"]", "eq=a=b"]), &Value::Null).unwrap();
        assert_eq!(m["tags"], json!(["a", "b"]));
        assert_eq!(m["eq"], "a=b");
        let m = parse(&s(&[r#"{"a": 2, "b": 3}"#]), &Value::Null).unwrap();
        assert_eq!(Value::Object(m), json!({"a": 2, "b": 3}));
    }

    #[test]
    fn mistakes_are_explained() {
        let e = parse(&s(&["novalue"]), &Value::Null).unwrap_err();
        assert!(e.to_string().contains("key=value"), "{e}");
        assert!(parse(&s(&["=x"]), &Value::Null).is_err());
        assert!(parse(&s(&["{broken"]), &Value::Null).is_err());
    }

    #[test]
    fn prompt_arguments_are_strings() {
        let m = parse_strings(&s(&["n=5", "t=hi"])).unwrap();
        assert_eq!(m["n"], "5");
        assert_eq!(m["t"], "hi");
    }
}
