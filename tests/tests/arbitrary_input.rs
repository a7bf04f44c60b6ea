//! Whatever a model sends (any tool name, any bytes as arguments, any JSON value), a call
//! answers with text and never panics or hangs: the property-test companion of the fuzz
//! target in `fuzz/`, run with every `cargo test`.

use std::time::Duration;

use proptest::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use tool_runtime::{Arguments, Toolbox, tool};

/// Fetches.
#[tool]
async fn fetch_url(url: String, max_chars: Option<usize>) -> Result<String, String> {
    if url.is_empty() {
        return Err("empty url".into());
    }
    Ok(format!("{url} {max_chars:?}"))
}

/// A filter.
#[derive(Deserialize, JsonSchema)]
pub struct Filter {
    /// Column.
    pub column: String,
    /// Values.
    pub values: Vec<Option<f64>>,
}

/// Queries.
#[tool]
async fn query_db(
    sql: String,
    filter: Option<Filter>,
    #[arg(default = 10)] max_rows: u32,
) -> usize {
    sql.len() + filter.map_or(0, |f| f.values.len() + f.column.len()) + max_rows as usize
}

/// Summarises.
#[tool]
fn parse_csv_summary(text: String) -> usize {
    text.lines().count()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn toolbox() -> Toolbox {
    Toolbox::builder()
        .tools([
            fetch_url::tool(),
            query_db::tool(),
            parse_csv_summary::tool(),
        ])
        .default_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("fetch_url".to_owned()),
        Just("query_db".to_owned()),
        Just("parse_csv_summary".to_owned()),
        any::<String>(),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("url".to_owned()),
                    Just("sql".to_owned()),
                    Just("filter".to_owned()),
                    Just("values".to_owned()),
                    ".{0,6}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn any_bytes_as_arguments_get_an_answer(name in name(), bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let toolbox = toolbox();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let output = runtime().block_on(toolbox.call(&name, Arguments::Text(text)));
        prop_assert!(!output.text().is_empty() || !output.is_error());
    }

    #[test]
    fn any_json_value_as_arguments_gets_an_answer(name in name(), value in json()) {
        let toolbox = toolbox();
        let as_text = value.to_string();
        let runtime = runtime();
        let from_value = runtime.block_on(toolbox.call(&name, value));
        let from_text = runtime.block_on(toolbox.call(&name, as_text));
        prop_assert!(!from_value.text().is_empty() || !from_value.is_error());
        // The same arguments as text or as a value get the same answer.
        prop_assert_eq!(from_value.text(), from_text.text());
    }
}
