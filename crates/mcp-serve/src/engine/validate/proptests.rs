//! Property tests: the quick check never contradicts the full validator.
//!
//! The quick check answers in three ways: `valid` (the arguments pass),
//! `problems` non-empty (they certainly fail), or neither (left open: `3.0`
//! for an integer, a bound it cannot compare exactly). "A strict subset of
//! the full validator" means both decisions are ones `jsonschema` makes too:
//! what the quick check accepts it accepts, and what the quick check
//! refuses it refuses. Only the open cases go to `jsonschema` (with the
//! `validate` feature) or to the handler's typed arguments (without it).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Map, Number, Value, json};

use super::QuickSchema;
use crate::schema::{SchemaDialect, SchemaSettings};

// Typical argument structs, as `#[tool]` functions and handlers take them.
#[allow(dead_code)]
mod args {
    use schemars::JsonSchema;

    #[derive(JsonSchema)]
    pub(super) struct Add {
        pub a: f64,
        pub b: f64,
    }
    /// Echo.
    #[derive(JsonSchema)]
    pub(super) struct Echo {
        /// The text.
        pub text: String,
        pub times: Option<u32>,
    }
    #[derive(JsonSchema)]
    pub(super) struct Flags {
        pub verbose: bool,
        pub level: u8,
        pub name: Option<String>,
    }
    #[derive(JsonSchema)]
    pub(super) struct Ints {
        pub small: i8,
        pub big: i64,
        pub unsigned: u64,
        pub count: usize,
        pub port: u16,
        pub delta: i32,
        pub ratio: f32,
    }
    #[derive(JsonSchema)]
    pub(super) struct Lists {
        pub items: Vec<String>,
        pub tags: Option<Vec<u8>>,
    }
    #[derive(JsonSchema)]
    pub(super) struct Nested {
        pub inner: Add,
        pub note: String,
    }
    #[derive(JsonSchema)]
    pub(super) enum Mode {
        Fast,
        Slow,
    }
    #[derive(JsonSchema)]
    pub(super) struct WithEnum {
        pub mode: Mode,
        pub limit: Option<u64>,
    }
    #[derive(JsonSchema, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Strict {
        pub a: i32,
        #[serde(default)]
        pub b: bool,
    }
    #[derive(JsonSchema, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Renamed {
        pub user_id: u32,
        pub display_name: Option<String>,
    }
    #[derive(JsonSchema)]
    pub(super) struct Empty {}
    #[derive(JsonSchema)]
    pub(super) struct Chars {
        pub c: char,
        pub maybe: Option<bool>,
    }
}

fn generated() -> Vec<Value> {
    let mut out = Vec::new();
    for dialect in [SchemaDialect::Draft2020_12, SchemaDialect::Draft07] {
        let s = SchemaSettings::new(dialect);
        out.extend([
            s.schema_for::<args::Add>(),
            s.schema_for::<args::Echo>(),
            s.schema_for::<args::Flags>(),
            s.schema_for::<args::Ints>(),
            s.schema_for::<args::Lists>(),
            s.schema_for::<args::Nested>(),
            s.schema_for::<args::WithEnum>(),
            s.schema_for::<args::Strict>(),
            s.schema_for::<args::Renamed>(),
            s.schema_for::<args::Empty>(),
            s.schema_for::<args::Chars>(),
        ]);
    }
    out
}

/// Property names the generated values draw from: the structs' fields and
/// a few strangers.
const KEYS: &[&str] = &[
    "a",
    "b",
    "text",
    "times",
    "verbose",
    "level",
    "name",
    "small",
    "big",
    "unsigned",
    "count",
    "port",
    "delta",
    "ratio",
    "items",
    "tags",
    "inner",
    "note",
    "mode",
    "limit",
    "userId",
    "displayName",
    "c",
    "maybe",
    "user_id",
    "x",
    "",
];

/// Numbers where the checks could disagree: integer limits, 2^53 and its
/// neighbours, fractions, integral floats, huge and tiny floats, -0.
fn number() -> impl Strategy<Value = Value> {
    let edges = prop::sample::select(vec![
        json!(0),
        json!(-1),
        json!(1),
        json!(127),
        json!(128),
        json!(-128),
        json!(-129),
        json!(255),
        json!(256),
        json!(65535),
        json!(65536),
        json!(i32::MAX),
        json!(i64::from(i32::MAX) + 1),
        json!(i32::MIN),
        json!(u32::MAX),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(9_007_199_254_740_992_i64),
        json!(9_007_199_254_740_993_i64),
        json!(-9_007_199_254_740_993_i64),
        json!(9_007_199_254_740_992.0),
        json!(3.0),
        json!(-0.0),
        json!(0.5),
        json!(-2.5),
        json!(1e300),
        json!(-1e300),
        json!(1e-300),
        json!(f64::from(f32::MAX) * 2.0),
    ]);
    prop_oneof![
        edges,
        any::<i64>().prop_map(|i| json!(i)),
        any::<u64>().prop_map(|u| json!(u)),
        (-1e6..1e6f64).prop_map(|f| json!(f)),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (-300i64..300).prop_map(|i| json!(i as f64)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    // Numbers weigh most: they are where the checks could part.
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        6 => number(),
        1 => prop::collection::vec(any::<char>(), 0..8).prop_map(|cs| Value::String(cs.into_iter().collect())),
        1 => prop::sample::select(vec!["", "Fast", "Slow", "x", "true", "1"]).prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// Arguments for `schema`: each of its properties most of the time (so
/// whole objects often pass, and values meet the property schemas they are
/// checked against), and sometimes a stranger.
fn arguments_for(schema: &Value) -> impl Strategy<Value = Map<String, Value>> + use<> {
    let keys: Vec<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let own: Vec<_> = keys
        .into_iter()
        .map(|k| {
            let value = value_for(&schema["properties"][&k]);
            prop::option::weighted(0.8, value).prop_map(move |v| (k.clone(), v))
        })
        .collect();
    let strangers = prop::collection::vec((prop::sample::select(vec!["x", "userId"]), json_value()), 0..2);
    (own, strangers).prop_map(|(own, strangers)| {
        let mut args: Map<String, Value> = own.into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
        args.extend(strangers.into_iter().map(|(k, v)| (k.to_owned(), v)));
        args
    })
}

/// A value for a property schema: mostly of a type it declares, numbers
/// often at and around its bounds (where an off-by-one would show), and
/// sometimes anything at all.
fn value_for(property: &Value) -> BoxedStrategy<Value> {
    let types: Vec<&str> = match &property["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut near = Vec::new();
    for key in ["minimum", "maximum"] {
        if let Some(b) = property[key].as_i64() {
            near.extend([
                json!(b),
                json!(b - 1),
                json!(b + 1),
                json!(b as f64),
                json!(b as f64 - 0.5),
                json!(b as f64 + 0.5),
            ]);
        }
    }
    let mut options: Vec<BoxedStrategy<Value>> = vec![json_value().boxed()];
    for t in types {
        options.push(match t {
            "integer" | "number" if !near.is_empty() => {
                prop_oneof![number(), prop::sample::select(near.clone())].boxed()
            }
            "integer" | "number" => number().boxed(),
            "string" => prop::collection::vec(any::<char>(), 0..6)
                .prop_map(|cs| Value::String(cs.into_iter().collect()))
                .boxed(),
            "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
            "null" => Just(Value::Null).boxed(),
            _ => json_value().boxed(),
        });
        options.push(options[options.len() - 1].clone());
    }
    proptest::strategy::Union::new(options).boxed()
}

/// A schema with arguments for it.
fn with_arguments(
    schemas: impl Strategy<Value = Value>,
) -> impl Strategy<Value = (Value, Map<String, Value>)> {
    schemas.prop_flat_map(|s| {
        let args = arguments_for(&s);
        (Just(s), args)
    })
}

/// Bounds the quick check takes (|b| <= 2^53) and ones it must decline.
fn bound() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-300i64..300).prop_map(|i| json!(i)),
        prop::sample::select(vec![
            json!(0),
            json!(255),
            json!(i32::MAX),
            json!(u32::MAX),
            json!(9_007_199_254_740_992_i64),
            json!(-9_007_199_254_740_992_i64),
            json!(9_007_199_254_740_993_i64),
            json!(u64::MAX),
            json!(0.5),
            json!(10.0),
        ]),
    ]
}

fn type_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "string", "number", "integer", "boolean", "null", "array", "object",
    ])
}

fn property() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just(None),
            type_name().prop_map(|t| Some(json!(t))),
            // A type list's items are unique (the meta-schema says so).
            prop::sample::subsequence(
                vec![
                    "string", "number", "integer", "boolean", "null", "array", "object"
                ],
                1..4
            )
            .prop_map(|ts| Some(json!(ts))),
        ],
        prop::option::of(bound()),
        prop::option::of(bound()),
        any::<bool>(),
    )
        .prop_map(|(ty, min, max, described)| {
            let mut p = Map::new();
            if let Some(t) = ty {
                p.insert("type".into(), t);
            }
            if let Some(b) = min {
                p.insert("minimum".into(), b);
            }
            if let Some(b) = max {
                p.insert("maximum".into(), b);
            }
            if described {
                p.insert("description".into(), json!("a field"));
            }
            Value::Object(p)
        })
}

/// Schemas in the shape the quick check takes (and, through odd bounds,
/// some it declines), in both dialects.
fn quick_shaped_schema() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec((prop::sample::select(KEYS), property()), 0..5),
        prop::sample::subsequence(KEYS, 0..3),
        prop::option::of(any::<bool>()),
        any::<bool>(),
    )
        .prop_map(|(props, required, additional, draft07)| {
            let mut s = Map::new();
            s.insert("type".into(), json!("object"));
            if draft07 {
                s.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
            }
            s.insert(
                "properties".into(),
                Value::Object(props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
            );
            if !required.is_empty() {
                s.insert("required".into(), json!(required));
            }
            if let Some(a) = additional {
                s.insert("additionalProperties".into(), json!(a));
            }
            Value::Object(s)
        })
}

/// The property itself, for one schema and one set of arguments: what the
/// quick check accepts, jsonschema accepts; and every problem the quick
/// check names, jsonschema names too, at the same place (a bad value at its
/// field; a missing or unexpected property at the root, by name).
fn agrees(schema: &Value, args: &Map<String, Value>) -> Result<(), TestCaseError> {
    let Some(quick) = QuickSchema::new(schema) else {
        return Ok(());
    };
    let full = jsonschema::validator_for(schema).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let instance = Value::Object(args.clone());
    let full_errors: Vec<(String, String)> = full
        .iter_errors(&instance)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect();
    let problems = quick.problems(args);
    if quick.valid(args) {
        prop_assert!(
            full_errors.is_empty(),
            "quick accepted what jsonschema refuses ({full_errors:?}): {schema} {instance}"
        );
        prop_assert!(
            problems.is_empty(),
            "valid yet problems {problems:?}: {schema} {instance}"
        );
    }
    for problem in &problems {
        let (field, what) = problem.split_once(": ").expect("problems name their field");
        let at_root = what == "required property is missing" || what == "unexpected property";
        let seen = full_errors.iter().any(|(path, message)| {
            if at_root {
                path.is_empty()
                    && (message.contains(&format!("\"{field}\"")) || message.contains(&format!("'{field}'")))
            } else {
                path.trim_start_matches('/') == field
            }
        });
        prop_assert!(
            seen,
            "quick refused ({problem}) what jsonschema does not ({full_errors:?}): {schema} {instance}"
        );
    }
    Ok(())
}

proptest! {
    // No regression files: a failure prints its minimal input, which
    // becomes a case in `tests` above.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn quick_decisions_hold_for_generated_schemas(
        (schema, args) in with_arguments(prop::sample::select(generated()))
    ) {
        agrees(&schema, &args)?;
    }

    #[test]
    fn quick_decisions_hold_for_quick_shaped_schemas((schema, args) in with_arguments(quick_shaped_schema())) {
        agrees(&schema, &args)?;
    }
}

/// The struct shapes `#[tool]` functions take most are checked quickly (or
/// the properties above would test nothing for them).
#[test]
fn common_generated_schemas_take_the_quick_path() {
    let s = SchemaSettings::default();
    for schema in [
        s.schema_for::<args::Add>(),
        s.schema_for::<args::Echo>(),
        s.schema_for::<args::Flags>(),
        s.schema_for::<args::Ints>(),
        s.schema_for::<args::Renamed>(),
        s.schema_for::<args::Empty>(),
    ] {
        assert!(QuickSchema::new(&schema).is_some(), "{schema}");
    }
    // Nested objects, arrays with items and enums are left to jsonschema.
    for schema in [
        s.schema_for::<args::Lists>(),
        s.schema_for::<args::Nested>(),
        s.schema_for::<args::WithEnum>(),
    ] {
        assert!(QuickSchema::new(&schema).is_none(), "{schema}");
    }
}

/// Sanity of the strategy: it does produce schemas the quick check takes.
#[test]
fn quick_shaped_schemas_are_mostly_quick() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = quick_shaped_schema();
    let quick = (0..200)
        .filter(|_| {
            let schema = strategy.new_tree(&mut runner).expect("a schema").current();
            QuickSchema::new(&schema).is_some()
        })
        .count();
    assert!(
        quick > 100,
        "only {quick} of 200 generated schemas are quick-shaped"
    );
}
