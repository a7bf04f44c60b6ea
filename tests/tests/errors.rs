//! The exact text the model reads for each kind of failure.

use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use tool_runtime::{
    ArgumentsRef, BoxFuture, CallContext, Failure, State, Tool, ToolError, ToolRef, ToolSpec,
    ToolValue, Toolbox, tool,
};

/// Which rows to read.
#[derive(Deserialize, JsonSchema)]
pub struct Filter {
    /// Column to match.
    pub column: String,
    /// At most this many rows.
    pub limit: u32,
}

/// Queries the database.
#[tool]
async fn query_db(table: String, filter: Filter) -> String {
    format!("{table}.{} limit {}", filter.column, filter.limit)
}

/// Fetches a URL.
#[tool]
async fn fetch_url(url: String) -> Result<String, String> {
    Err(format!("connection refused ({url})"))
}

#[derive(Debug, thiserror::Error)]
enum ConfigError {
    #[error("no setting named {0:?}")]
    Missing(String),
}

/// Reads a setting.
#[tool]
async fn read_setting(key: String) -> Result<String, ConfigError> {
    Err(ConfigError::Missing(key))
}

/// Loads a file.
#[tool]
async fn load(path: String) -> anyhow::Result<String> {
    let error = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
    Err(anyhow::Error::new(error).context(format!("could not open {path}")))
}

/// Divides numbers.
#[tool]
async fn divide(a: i64, b: i64) -> i64 {
    let values = [a];
    values[b as usize] / b
}

/// Divides numbers on the blocking pool.
#[tool]
fn divide_blocking(a: i64, b: i64) -> i64 {
    if b == 0 {
        panic!("attempt to divide {a} by zero");
    }
    a / b
}

/// Sleeps longer than its timeout.
#[tool(timeout = "50ms")]
async fn slow() -> String {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "done".into()
}

/// Sleeps with no timeout of its own.
#[tool]
async fn sleepy() -> String {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "done".into()
}

/// A count whose decoding panics on a negative number, as a careless `Deserialize` might.
#[derive(JsonSchema)]
pub struct Fragile(i64);

impl<'de> Deserialize<'de> for Fragile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(deserializer)?;
        assert!(n >= 0, "negative count {n}");
        Ok(Fragile(n))
    }
}

/// Takes a count.
#[tool]
async fn fragile(count: Fragile) -> i64 {
    count.0
}

/// A tool written by hand that panics as it starts, and leaves catching it to the toolbox.
struct Careless;

impl Tool for Careless {
    fn spec(&self) -> ToolSpec {
        ToolSpec::new("careless", "Panics.", json!({"type": "object"}))
    }

    fn call<'a>(
        &'a self,
        _: ArgumentsRef<'a>,
        _: CallContext,
        _: &'a State,
    ) -> BoxFuture<'a, Result<ToolValue, Failure>> {
        panic!("careless start")
    }
}

/// Scales by single-precision factors.
#[tool]
async fn scale(x: f32, more: Vec<f32>) -> f32 {
    more.iter().product::<f32>() * x
}

fn toolbox() -> Toolbox {
    Toolbox::builder()
        .tools([
            query_db::tool(),
            fetch_url::tool(),
            read_setting::tool(),
            load::tool(),
            divide::tool(),
            divide_blocking::tool(),
            slow::tool(),
            sleepy::tool(),
        ])
        .default_timeout(Duration::from_millis(100))
        .build()
        .unwrap()
}

async fn text(name: &str, arguments: serde_json::Value) -> String {
    let output = toolbox().call(name, arguments).await;
    assert!(output.is_error(), "{name} should fail: {}", output.text());
    output.into_text()
}

#[tokio::test]
async fn unknown_tool_lists_close_names() {
    assert_eq!(
        text("fetch_ur", json!({})).await,
        r#"unknown tool "fetch_ur". Did you mean "fetch_url"? Available tools: divide, divide_blocking, fetch_url, load, query_db, read_setting, sleepy, slow."#
    );
    assert_eq!(
        text("weather", json!({})).await,
        r#"unknown tool "weather". Available tools: divide, divide_blocking, fetch_url, load, query_db, read_setting, sleepy, slow."#
    );
}

#[tokio::test]
async fn missing_field() {
    assert_eq!(
        text("query_db", json!({"filter": {"column": "a", "limit": 1}})).await,
        "invalid arguments for query_db: missing field `table`. Fix the arguments and call query_db again."
    );
}

#[tokio::test]
async fn nested_field_is_named_by_its_path() {
    assert_eq!(
        text(
            "query_db",
            json!({"table": "t", "filter": {"column": "a", "limit": "ten"}})
        )
        .await,
        "invalid arguments for query_db: at `filter.limit`: invalid type: string \"ten\", expected u32. Fix the arguments and call query_db again."
    );
    assert_eq!(
        text("query_db", json!({"table": "t", "filter": {"column": "a"}})).await,
        "invalid arguments for query_db: at `filter`: missing field `limit`. Fix the arguments and call query_db again."
    );
}

#[tokio::test]
async fn unknown_extra_fields_are_rejected() {
    assert_eq!(
        text("fetch_url", json!({"url": "http://x", "max_chars": 10})).await,
        "invalid arguments for fetch_url: at `max_chars`: unknown field `max_chars`, expected `url`. Fix the arguments and call fetch_url again."
    );
}

#[tokio::test]
async fn a_number_out_of_range_is_named_by_its_path() {
    // serde_json refuses, in text, a number an `f32` cannot hold.
    let toolbox = Toolbox::builder().tool(scale::tool()).build().unwrap();
    assert_eq!(
        toolbox
            .call("scale", r#"{"x": 1e39, "more": []}"#)
            .await
            .text(),
        "invalid arguments for scale: at `x`: number out of range. Fix the arguments and call scale again."
    );
    assert_eq!(
        toolbox
            .call("scale", r#"{"x": 1, "more": [2, -1e39]}"#)
            .await
            .text(),
        "invalid arguments for scale: at `more[1]`: number out of range. Fix the arguments and call scale again."
    );
    let largest = toolbox.call("scale", r#"{"x": 3e38, "more": []}"#).await;
    assert!(!largest.is_error(), "{}", largest.text());
}

#[tokio::test]
async fn arguments_that_are_not_a_json_object() {
    let toolbox = toolbox();
    assert_eq!(
        toolbox
            .call("fetch_url", r#"{"url": "http://x""#)
            .await
            .text(),
        "invalid arguments for fetch_url: the arguments are not valid JSON (EOF while parsing an object). Fix the arguments and call fetch_url again."
    );
    assert_eq!(
        toolbox.call("fetch_url", r#"["http://x"]"#).await.text(),
        "invalid arguments for fetch_url: the arguments must be a JSON object of named arguments. Fix the arguments and call fetch_url again."
    );
    assert_eq!(
        toolbox
            .call("fetch_url", r#"{"url": "a", "url": "b"}"#)
            .await
            .text(),
        "invalid arguments for fetch_url: duplicate field `url`. Fix the arguments and call fetch_url again."
    );
}

#[tokio::test]
async fn the_tools_own_error() {
    assert_eq!(
        text("fetch_url", json!({"url": "127.0.0.1:9"})).await,
        "fetch_url failed: connection refused (127.0.0.1:9)"
    );
    assert_eq!(
        text("read_setting", json!({"key": "port"})).await,
        r#"read_setting failed: no setting named "port""#
    );
    assert_eq!(
        text("load", json!({"path": "/etc/app.toml"})).await,
        "load failed: could not open /etc/app.toml: no such file"
    );
}

#[tokio::test]
async fn panics_become_text_and_the_process_goes_on() {
    assert_eq!(
        text("divide", json!({"a": 1, "b": 3})).await,
        "divide panicked: index out of bounds: the len is 1 but the index is 3. This is a bug in the tool; try another approach."
    );
    // Time enough for the panic hook, which may print a backtrace (RUST_BACKTRACE=1).
    let patient = Toolbox::builder()
        .tool(divide_blocking::tool())
        .default_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    assert_eq!(
        patient
            .call("divide_blocking", json!({"a": 1, "b": 0}))
            .await
            .text(),
        "divide_blocking panicked: attempt to divide 1 by zero. This is a bug in the tool; try another approach."
    );
    let output = toolbox()
        .call("divide_blocking", json!({"a": 6, "b": 3}))
        .await;
    assert_eq!(output.text(), "2");
    // The same, sent as text.
    let output = toolbox().call("divide", r#"{"a": 1, "b": 3}"#).await;
    assert_eq!(
        output.text(),
        "divide panicked: index out of bounds: the len is 1 but the index is 3. This is a bug in the tool; try another approach."
    );
}

#[tokio::test]
async fn panics_while_decoding_or_in_a_hand_written_start_become_text() {
    let toolbox = Toolbox::builder()
        .tools([fragile::tool(), Arc::new(Careless) as ToolRef])
        .build()
        .unwrap();
    assert_eq!(
        toolbox.call("fragile", r#"{"count": -1}"#).await.text(),
        "fragile panicked: negative count -1. This is a bug in the tool; try another approach."
    );
    assert_eq!(
        toolbox.call("careless", "{}").await.text(),
        "careless panicked: careless start. This is a bug in the tool; try another approach."
    );
    assert_eq!(toolbox.call("fragile", r#"{"count": 4}"#).await.text(), "4");
    let stats = toolbox.stats("fragile").unwrap();
    assert_eq!((stats.calls, stats.panics), (2, 1));
}

#[tokio::test]
async fn timeouts_use_the_tools_own_then_the_toolbox_default() {
    assert_eq!(
        text("slow", json!({})).await,
        "slow timed out after 50ms. Try again with a smaller request, or do without it."
    );
    assert_eq!(
        text("sleepy", json!({})).await,
        "sleepy timed out after 100ms. Try again with a smaller request, or do without it."
    );
}

#[tokio::test]
async fn hidden_details_give_an_id_and_keep_the_error_for_code() {
    let toolbox = Toolbox::builder()
        .tools([fetch_url::tool(), divide::tool()])
        .hide_error_details(true)
        .build()
        .unwrap();
    let output = toolbox
        .call("fetch_url", json!({"url": "10.0.0.7:5432"}))
        .await;
    let text = output.text();
    let id = text
        .strip_prefix("fetch_url failed; the details were logged with error id ")
        .and_then(|rest| rest.strip_suffix(". Try another approach."))
        .unwrap_or_else(|| panic!("unexpected text: {text}"));
    assert_eq!(id.len(), 12);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!text.contains("10.0.0.7"));
    assert_eq!(
        output.error(),
        Some(&ToolError::Failed {
            tool: "fetch_url".into(),
            message: "connection refused (10.0.0.7:5432)".into()
        })
    );

    let panicked = toolbox.call("divide", json!({"a": 1, "b": 5})).await;
    assert!(
        panicked
            .text()
            .starts_with("divide panicked; the details were logged with error id ")
    );
    let other = toolbox.call("fetch_url", json!({"url": "x"})).await;
    assert_ne!(other.text(), text, "each failure has its own id");

    let invalid = toolbox.call("fetch_url", json!({})).await;
    assert_eq!(
        invalid.text(),
        "invalid arguments for fetch_url: missing field `url`. Fix the arguments and call fetch_url again.",
        "argument errors are the model's own input and stay visible"
    );
}

#[tokio::test]
async fn try_call_returns_the_typed_error() {
    let toolbox = toolbox();
    assert_eq!(
        toolbox
            .try_call(
                "query_db",
                json!({"table": "t", "filter": {"column": "a", "limit": -1}})
            )
            .await,
        Err(ToolError::InvalidArguments {
            tool: "query_db".into(),
            path: Some("filter.limit".into()),
            message: "invalid value: integer `-1`, expected u32".into(),
        })
    );
    assert_eq!(
        toolbox.try_call("slow", "{}").await,
        Err(ToolError::TimedOut {
            tool: "slow".into(),
            after: Duration::from_millis(50)
        })
    );
    assert!(matches!(
        toolbox.try_call("nope", "{}").await,
        Err(ToolError::UnknownTool { .. })
    ));
    let value = toolbox
        .try_call(
            "query_db",
            json!({"table": "t", "filter": {"column": "a", "limit": 3}}),
        )
        .await
        .unwrap();
    assert_eq!(value.text, "t.a limit 3");
}

/// An error with a cause, as thiserror writes them.
#[derive(Debug, thiserror::Error)]
enum ReportError {
    #[error("could not load the report")]
    Io(#[from] std::io::Error),
    #[error("could not parse the report: {0}")]
    Parse(#[source] std::num::ParseIntError),
}

/// Loads a report.
#[tool]
async fn load_report(parse: bool) -> Result<String, ReportError> {
    if parse {
        return Err(ReportError::Parse("x".parse::<i32>().unwrap_err()));
    }
    let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
    Err(ReportError::Io(io))
}

#[tokio::test]
async fn an_errors_causes_reach_the_model_once_each() {
    let toolbox = Toolbox::builder()
        .tool(load_report::tool())
        .build()
        .unwrap();
    assert_eq!(
        toolbox
            .call("load_report", r#"{"parse": false}"#)
            .await
            .text(),
        "load_report failed: could not load the report: permission denied"
    );
    // A message that already says its cause does not say it twice.
    assert_eq!(
        toolbox
            .call("load_report", r#"{"parse": true}"#)
            .await
            .text(),
        "load_report failed: could not parse the report: invalid digit found in string"
    );
}
