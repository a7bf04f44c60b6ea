//! Feeds arbitrary tool names and argument bytes to a toolbox whose tools have the example
//! tools' signatures (with bodies that return at once), through the runtime's real path:
//! limits, decoding, the call, errors as text. Nothing may panic out of `call`, and every call
//! must answer; libFuzzer's `-timeout` catches a call that hangs.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use schemars::JsonSchema;
use serde::Deserialize;
use tool_runtime::{Arguments, Toolbox, tool};

/// Greets.
#[tool]
async fn greet_after_delay(name: String, #[arg(default)] delay_ms: u64) -> String {
    format!("{name} {delay_ms}")
}

/// Fetches.
#[tool]
async fn fetch_url(url: String, max_chars: Option<usize>) -> Result<String, String> {
    if url.is_empty() {
        return Err("empty".into());
    }
    Ok(format!("{url} {max_chars:?}"))
}

/// Queries.
#[tool]
async fn query_db(sql: String, max_rows: Option<u32>) -> Vec<String> {
    vec![sql; max_rows.unwrap_or(1).min(3) as usize]
}

/// Reads.
#[tool]
async fn read_file(path: String, max_bytes: Option<u64>) -> String {
    format!("{path} {max_bytes:?}")
}

/// Summarises.
#[tool]
fn parse_csv_summary(text: String) -> usize {
    text.lines().count()
}

/// A nested filter, for deeper argument types.
#[derive(Deserialize, JsonSchema)]
pub struct Filter {
    /// Column.
    pub column: String,
    /// Values.
    pub values: Vec<Option<f64>>,
    /// Kind.
    pub kind: Kind,
}

/// A kind.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// Exact.
    Exact,
    /// Range.
    Range {
        /// Low.
        low: i64,
        /// High.
        high: i64,
    },
}

/// Filters.
#[tool]
async fn filter(filter: Filter, limit: Option<u8>) -> usize {
    filter.values.len() + usize::from(limit.unwrap_or(0)) + filter.column.len()
}

const NAMES: [&str; 7] = [
    "greet_after_delay",
    "fetch_url",
    "query_db",
    "read_file",
    "parse_csv_summary",
    "filter",
    "no_such_tool",
];

fn runtime() -> &'static (tokio::runtime::Runtime, Toolbox) {
    static RUNTIME: OnceLock<(tokio::runtime::Runtime, Toolbox)> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let toolbox = Toolbox::builder()
            .tools([
                greet_after_delay::tool(),
                fetch_url::tool(),
                query_db::tool(),
                read_file::tool(),
                parse_csv_summary::tool(),
                filter::tool(),
            ])
            .build()
            .expect("a toolbox");
        (runtime, toolbox)
    })
}

fuzz_target!(|data: &[u8]| {
    let (runtime, toolbox) = runtime();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // The first byte picks a known name, or (past the list) takes the name from the input.
    let (name, arguments) = match NAMES.get(usize::from(selector)) {
        Some(name) => ((*name).to_owned(), rest),
        None => {
            let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            (String::from_utf8_lossy(&rest[..split]).into_owned(), rest.get(split + 1..).unwrap_or(&[]))
        }
    };
    let text = String::from_utf8_lossy(arguments).into_owned();
    let output = runtime.block_on(toolbox.call(&name, Arguments::Text(text)));
    assert!(!output.text().is_empty() || !output.is_error(), "an error always says something");
});
