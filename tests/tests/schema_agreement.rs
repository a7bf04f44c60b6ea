//! The schema a model reads and the decoder that reads its answer never disagree: for
//! generated values of every argument type, the JSON serde writes validates against the
//! tool's schema in every dialect (schemars' own, MCP with `anyOf` nulls, OpenAI strict,
//! Ollama, Gemini), and any JSON object validates against the schema exactly when the
//! tool decodes it.

use std::collections::BTreeMap;

use proptest::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tool_runtime::providers::{
    NullStyle, gemini_schema, mcp_schema, ollama_schema, openai_strict_schema,
};
use tool_runtime::{ToolError, Toolbox, tool};

/// How values are matched.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// Equal to one of the values.
    Exact,
    /// Between two bounds.
    Range {
        /// Low bound.
        low: i64,
        /// High bound.
        high: i64,
    },
}

/// A unit.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Metres.
    Metres,
    /// Feet.
    Feet,
}

/// A filter.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Filter {
    /// Column.
    pub column: String,
    /// Values, some missing.
    pub values: Vec<Option<f64>>,
    /// How to match.
    pub kind: Kind,
    /// A unit, maybe.
    pub unit: Option<Unit>,
}

/// The arguments of the tools below, as a caller would write them.
#[derive(Clone, Debug, Serialize)]
struct QueryArgs {
    filter: Filter,
    limit: Option<u8>,
    tags: Vec<String>,
    page: u32,
}

/// Queries with a filter.
#[tool]
async fn query(
    filter: Filter,
    limit: Option<u8>,
    tags: Vec<String>,
    #[arg(default)] page: u32,
) -> usize {
    filter.values.len() + usize::from(limit.unwrap_or(0)) + tags.len() + page as usize
}

/// The example tools' argument shapes.
#[derive(Clone, Debug, Serialize)]
struct FetchArgs {
    url: String,
    max_chars: Option<usize>,
}

/// Fetches (the example tool's signature).
#[tool]
async fn fetch_url(url: String, max_chars: Option<usize>) -> String {
    format!("{url}{max_chars:?}")
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Exact),
        (any::<i64>(), any::<i64>()).prop_map(|(low, high)| Kind::Range { low, high }),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    (
        ".{0,8}",
        prop::collection::vec(prop::option::of(-1e9f64..1e9), 0..5),
        kind(),
        prop::option::of(prop_oneof![Just(Unit::Metres), Just(Unit::Feet)]),
    )
        .prop_map(|(column, values, kind, unit)| Filter {
            column,
            values,
            kind,
            unit,
        })
}

fn query_args() -> impl Strategy<Value = QueryArgs> {
    (
        filter(),
        any::<Option<u8>>(),
        prop::collection::vec(".{0,5}", 0..4),
        any::<u32>(),
    )
        .prop_map(|(filter, limit, tags, page)| QueryArgs {
            filter,
            limit,
            tags,
            page,
        })
}

fn fetch_args() -> impl Strategy<Value = FetchArgs> {
    (".{0,20}", any::<Option<usize>>()).prop_map(|(url, max_chars)| FetchArgs { url, max_chars })
}

/// Gemini's `nullable: true` (OpenAPI 3.0) as JSON Schema: the type also admits null.
fn gemini_as_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(node) => {
            let mut out: Map<String, Value> = node
                .iter()
                .filter(|(k, _)| k.as_str() != "nullable")
                .map(|(k, v)| (k.clone(), gemini_as_json_schema(v)))
                .collect();
            if node.get("nullable") == Some(&Value::Bool(true)) {
                match out.get("type").cloned() {
                    Some(Value::String(t)) => {
                        out.insert("type".into(), json!([t, "null"]));
                        if let Some(Value::Array(values)) = out.get_mut("enum") {
                            values.push(Value::Null);
                        }
                    }
                    _ => {
                        let inner = Value::Object(out);
                        return json!({"anyOf": [inner, {"type": "null"}]});
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(gemini_as_json_schema).collect()),
        other => other.clone(),
    }
}

/// The tool's schema in every dialect, as JSON Schema validators.
fn dialects(toolbox: &Toolbox, name: &str) -> BTreeMap<&'static str, jsonschema::Validator> {
    let schema = &toolbox.spec(name).unwrap().input_schema;
    let compile = |s: &Value| jsonschema::draft202012::new(s).unwrap();
    BTreeMap::from([
        ("schemars", compile(schema)),
        ("mcp anyOf", compile(&mcp_schema(schema, NullStyle::AnyOf))),
        (
            "openai strict",
            compile(&openai_strict_schema(schema).unwrap()),
        ),
        ("ollama", compile(&ollama_schema(schema).unwrap())),
        (
            "gemini",
            compile(&gemini_as_json_schema(&gemini_schema(schema).unwrap())),
        ),
    ])
}

fn toolbox() -> Toolbox {
    Toolbox::builder()
        .tools([query::tool(), fetch_url::tool()])
        .build()
        .unwrap()
}

fn decodes(toolbox: &Toolbox, name: &str, arguments: Value) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    !matches!(
        runtime.block_on(toolbox.try_call(name, arguments)),
        Err(ToolError::InvalidArguments { .. })
    )
}

/// JSON objects near the query tool's schema: its keys, values of every JSON type.
fn near_query() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-300i64..300).prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        (-10.0f64..10.0).prop_map(Value::from),
        prop_oneof![Just("exact"), Just("range"), Just("metres"), Just("x")].prop_map(Value::from),
    ];
    let key = prop_oneof![
        Just("filter"),
        Just("limit"),
        Just("tags"),
        Just("page"),
        Just("column"),
        Just("values"),
        Just("kind"),
        Just("unit"),
        Just("type"),
        Just("low"),
        Just("high"),
    ];
    leaf.prop_recursive(4, 40, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key.clone().prop_map(str::to_owned), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .prop_filter("an object", Value::is_object)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn serialized_arguments_validate_in_every_dialect_and_decode(args in query_args(), fetch in fetch_args()) {
        let toolbox = toolbox();
        for (name, value) in [("query", serde_json::to_value(&args).unwrap()), ("fetch_url", serde_json::to_value(&fetch).unwrap())] {
            for (dialect, validator) in dialects(&toolbox, name) {
                let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
                prop_assert!(errors.is_empty(), "{name} in {dialect}: {value} fails: {errors:?}");
            }
            prop_assert!(decodes(&toolbox, name, value.clone()), "{name} refuses {value}");
        }
    }

    #[test]
    fn a_json_object_validates_exactly_when_it_decodes(value in near_query()) {
        let toolbox = toolbox();
        let valid = dialects(&toolbox, "query")["schemars"].is_valid(&value);
        let decoded = decodes(&toolbox, "query", value.clone());
        prop_assert_eq!(valid, decoded, "schema says {} and decoder says {} for {}", valid, decoded, value);
    }
}

#[test]
fn the_agreement_check_can_fail() {
    // A value of the right shape in the wrong dialect-specific form is caught.
    let toolbox = toolbox();
    let missing_nullable = json!({"url": "x"});
    assert!(!dialects(&toolbox, "fetch_url")["openai strict"].is_valid(&missing_nullable));
    assert!(dialects(&toolbox, "fetch_url")["schemars"].is_valid(&missing_nullable));
    assert!(!decodes(&toolbox, "query", json!({"filter": {}})));
}
