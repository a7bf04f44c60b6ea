//! The schema a model reads and the decoder that reads its answer never disagree: for
//! generated values of every argument type, constrained ones included, the JSON serde writes
//! validates against the tool's schema in every dialect (schemars' own, MCP with `anyOf`
//! nulls, OpenAI strict, Ollama, Gemini) and decodes; any JSON object the tool accepts
//! validates in every dialect; and any JSON object that validates against the strict schema
//! (every key present, optional ones `null`) is accepted.

use std::collections::{BTreeMap, BTreeSet};

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

/// A window of rows: constraints strict mode declares, a nested struct without
/// `deny_unknown_fields`, a nested `#[serde(default)]` field.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Window {
    /// Rows to read.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: u32,
    /// Column, lower case.
    #[schemars(regex(pattern = r"^[a-z]{1,8}$"))]
    pub column: String,
    /// Where to start.
    #[serde(default)]
    pub offset: u16,
    /// A unit, maybe.
    pub unit: Option<Unit>,
}

/// The window tool's arguments, as a caller would write them.
#[derive(Clone, Debug, Serialize)]
struct WindowArgs {
    window: Window,
    units: Vec<Unit>,
    shift: Option<i8>,
    page: u8,
}

/// Reads a window of rows.
#[tool]
async fn window(
    window: Window,
    #[schemars(length(min = 1, max = 3))] units: Vec<Unit>,
    #[schemars(range(min = -10, max = 10))] shift: Option<i8>,
    #[arg(default)] page: u8,
) -> usize {
    window.limit as usize + units.len() + shift.unwrap_or(0).unsigned_abs() as usize + page as usize
}

/// The label tool's arguments, as a caller would write them.
#[derive(Clone, Debug, Serialize)]
struct LabelArgs {
    name: String,
    ids: BTreeSet<u8>,
}

/// Labels rows: constraints that strict mode cannot declare (a length, unique items).
#[tool]
async fn label(#[schemars(length(min = 1, max = 4))] name: String, ids: BTreeSet<u8>) -> usize {
    name.len() + ids.len()
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

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![Just(Unit::Metres), Just(Unit::Feet)]
}

fn window_args() -> impl Strategy<Value = WindowArgs> {
    let window = (
        1..=1000u32,
        "[a-z]{1,8}",
        any::<u16>(),
        prop::option::of(unit()),
    )
        .prop_map(|(limit, column, offset, unit)| Window {
            limit,
            column,
            offset,
            unit,
        });
    (
        window,
        prop::collection::vec(unit(), 1..=3),
        prop::option::of(-10..=10i8),
        any::<u8>(),
    )
        .prop_map(|(window, units, shift, page)| WindowArgs {
            window,
            units,
            shift,
            page,
        })
}

fn label_args() -> impl Strategy<Value = LabelArgs> {
    (".{1,4}", prop::collection::btree_set(any::<u8>(), 0..5))
        .prop_map(|(name, ids)| LabelArgs { name, ids })
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
        .tools([
            query::tool(),
            fetch_url::tool(),
            window::tool(),
            label::tool(),
        ])
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

/// Leaves near the tools' schemas: every JSON type, numbers at and past the bounds, strings
/// in and out of the pattern, the enums' values.
fn leaf() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        prop_oneof![
            (-300i64..300).prop_map(Value::from),
            prop::sample::select(vec![-11i64, -10, 0, 1, 10, 11, 255, 256, 1000, 1001, 65536])
                .prop_map(Value::from),
        ],
        any::<u32>().prop_map(Value::from),
        (-10.0f64..10.0).prop_map(Value::from),
        // Whole numbers written as floats: JSON Schema's integers.
        prop::sample::select(vec![
            -11.0, -1.0, 0.0, 1.0, 10.0, 255.0, 256.0, 1000.0, 1001.0
        ])
        .prop_map(Value::from),
        prop::sample::select(vec![
            "exact",
            "range",
            "metres",
            "feet",
            "x",
            "",
            "abc",
            "ABC",
            "abcdefghi",
            "a b",
        ])
        .prop_map(Value::from),
    ]
}

/// JSON objects near the schema of a tool whose keys (at every level) are `keys`: unknown
/// keys appear where the known ones do.
fn near(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop::sample::select(keys.to_vec()).prop_map(str::to_owned);
    leaf()
        .prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map(key.clone(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
        .prop_filter("an object", Value::is_object)
}

const QUERY_KEYS: &[&str] = &[
    "filter", "limit", "tags", "page", "column", "values", "kind", "unit", "type", "low", "high",
    "extra",
];

const WINDOW_KEYS: &[&str] = &[
    "window", "units", "shift", "page", "limit", "column", "offset", "unit", "extra",
];

/// Mostly one of `valid`, sometimes one of `invalid`.
fn pick(valid: Vec<Value>, invalid: Vec<Value>) -> BoxedStrategy<Value> {
    prop_oneof![4 => prop::sample::select(valid), 1 => prop::sample::select(invalid)].boxed()
}

/// Objects with every key of the window tool at every level, as strict mode has the model
/// send them: each value mostly one the tool accepts, sometimes one just past a rule (a
/// bound, the pattern, a type, `null` where the schema has no null, an unknown field).
fn strict_shaped_window() -> impl Strategy<Value = Value> {
    let window = (
        pick(
            vec![json!(1), json!(500), json!(1000), json!(5.0)],
            vec![
                json!(0),
                json!(1001),
                json!(null),
                json!("1"),
                json!(2.5),
                json!(1001.0),
            ],
        ),
        pick(
            vec![json!("abc"), json!("x"), json!("abcdefgh")],
            vec![json!("ABC"), json!(""), json!("abcdefghi"), json!(null)],
        ),
        pick(
            vec![json!(0), json!(7), json!(65535), json!(7.0)],
            vec![json!(65536), json!(-1), json!(null), json!(65536.0)],
        ),
        pick(
            vec![json!(null), json!("metres"), json!("feet")],
            vec![json!("yard"), json!(1)],
        ),
        pick(vec![json!(false)], vec![json!(true)]),
    )
        .prop_map(|(limit, column, offset, unit, extra)| {
            let mut window =
                json!({"limit": limit, "column": column, "offset": offset, "unit": unit});
            if extra == json!(true) {
                window["extra"] = json!(1);
            }
            window
        });
    let unit = pick(
        vec![json!("metres"), json!("feet")],
        vec![json!("yard"), json!(null)],
    );
    (
        window,
        prop::collection::vec(unit, 0..5),
        pick(
            vec![json!(null), json!(-10), json!(0), json!(10), json!(-10.0)],
            vec![json!(-11), json!(11), json!("1"), json!(-0.5)],
        ),
        pick(
            vec![json!(0), json!(255), json!(255.0)],
            vec![json!(256), json!(null), json!(-1), json!(256.0)],
        ),
    )
        .prop_map(|(window, units, shift, page)| {
            json!({"window": window, "units": units, "shift": shift, "page": page})
        })
}

/// What the model may send and the tool accepts agrees with the schemas: accepted objects
/// validate in every dialect but strict (whose form asks for every key), and objects that
/// validate against the strict schema are accepted.
fn agrees(toolbox: &Toolbox, name: &str, value: &Value) -> Result<(), TestCaseError> {
    let dialects = dialects(toolbox, name);
    let decoded = decodes(toolbox, name, value.clone());
    if decoded {
        for (dialect, validator) in &dialects {
            if *dialect == "openai strict" {
                continue;
            }
            let errors: Vec<String> = validator
                .iter_errors(value)
                .map(|e| e.to_string())
                .collect();
            prop_assert!(
                errors.is_empty(),
                "{name} accepts {value}, which {dialect} refuses: {errors:?}"
            );
        }
    }
    if dialects["openai strict"].is_valid(value) {
        prop_assert!(
            decoded,
            "{name} refuses {value}, which the strict schema accepts"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn serialized_arguments_validate_in_every_dialect_and_decode(
        args in query_args(),
        fetch in fetch_args(),
        window in window_args(),
        label in label_args(),
    ) {
        let toolbox = toolbox();
        let calls = [
            ("query", serde_json::to_value(&args).unwrap()),
            ("fetch_url", serde_json::to_value(&fetch).unwrap()),
            ("window", serde_json::to_value(&window).unwrap()),
            ("label", serde_json::to_value(&label).unwrap()),
        ];
        for (name, value) in calls {
            for (dialect, validator) in dialects(&toolbox, name) {
                if dialect == "openai strict" && name == "label" {
                    // Strict mode drops `maxLength` and `uniqueItems`; the tool keeps them.
                    continue;
                }
                let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
                prop_assert!(errors.is_empty(), "{name} in {dialect}: {value} fails: {errors:?}");
            }
            prop_assert!(decodes(&toolbox, name, value.clone()), "{name} refuses {value}");
        }
    }

    #[test]
    fn what_a_tool_accepts_validates_in_every_dialect(
        query in near(QUERY_KEYS),
        window in near(WINDOW_KEYS),
    ) {
        let toolbox = toolbox();
        agrees(&toolbox, "query", &query)?;
        agrees(&toolbox, "window", &window)?;
    }

    #[test]
    fn what_the_strict_schema_accepts_the_tool_accepts(value in strict_shaped_window()) {
        let toolbox = toolbox();
        agrees(&toolbox, "window", &value)?;
        // With every key present, the strict schema and the tool agree both ways.
        let strict = dialects(&toolbox, "window")["openai strict"].is_valid(&value);
        prop_assert_eq!(strict, decodes(&toolbox, "window", value.clone()), "{}", value);
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
    // A nested unknown field: the schemars schema lets it through, the tool does not, as the
    // strict schema says.
    let nested_unknown = json!({
        "window": {"limit": 1, "column": "a", "offset": 0, "unit": null, "extra": 1},
        "units": ["feet"], "shift": null, "page": 0
    });
    assert!(dialects(&toolbox, "window")["schemars"].is_valid(&nested_unknown));
    assert!(!dialects(&toolbox, "window")["openai strict"].is_valid(&nested_unknown));
    assert!(!decodes(&toolbox, "window", nested_unknown));
    // A bound: every dialect and the tool refuse it.
    let too_many = json!({
        "window": {"limit": 1001, "column": "a", "offset": 0, "unit": null},
        "units": ["feet"], "shift": null, "page": 0
    });
    assert!(!dialects(&toolbox, "window")["openai strict"].is_valid(&too_many));
    assert!(!decodes(&toolbox, "window", too_many));
}

/// The model-facing text of a call of the window tool, the same whether the arguments came as
/// text or as a value.
fn window_answer(toolbox: &Toolbox, text: &str) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let value: Value = serde_json::from_str(text).unwrap();
    let as_text = runtime.block_on(toolbox.try_call("window", text));
    let as_value = runtime.block_on(toolbox.try_call("window", value));
    assert_eq!(as_text, as_value, "{text}");
    as_value
        .map(|value| value.text)
        .map_err(|error| error.to_string())
}

#[test]
fn whole_numbers_written_as_floats_are_integers_to_the_schema_and_the_tool() {
    let toolbox = toolbox();
    let schema = &dialects(&toolbox, "window")["schemars"];
    let call = |limit: &str, shift: &str, page: &str| {
        let text = format!(
            r#"{{"window": {{"limit": {limit}, "column": "a"}}, "units": ["feet"], "shift": {shift}, "page": {page}}}"#
        );
        let valid = schema.is_valid(&serde_json::from_str(&text).unwrap());
        (valid, window_answer(&toolbox, &text))
    };
    // 1 + 1 unit + |-2| + 100.
    assert_eq!(call("1.0", "-2.0", "1e2"), (true, Ok("104".to_owned())));
    assert_eq!(call("1000.0", "null", "0.0"), (true, Ok("1001".to_owned())));
    let refused = |rule: &str| {
        Err(format!(
            "invalid arguments for window: {rule}. Fix the arguments and call window again."
        ))
    };
    assert_eq!(
        call("1.5", "null", "0"),
        (
            false,
            refused("at `window.limit`: invalid type: floating point `1.5`, expected u32")
        )
    );
    assert_eq!(
        call("1", "null", "300.0"),
        (
            false,
            refused("at `page`: invalid value: integer `300`, expected u8")
        )
    );
    assert_eq!(
        call("1001.0", "null", "0"),
        (
            false,
            refused("at `window.limit`: 1001.0 is more than the maximum 1000")
        )
    );
    assert_eq!(
        call("1", "-11.0", "0"),
        (
            false,
            refused("at `shift`: -11.0 is less than the minimum -10")
        )
    );
}
