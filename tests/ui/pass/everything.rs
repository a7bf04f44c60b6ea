#![deny(warnings, missing_docs, unused_qualifications)]
//! Every option and parameter kind, compiled under strict lints.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tool_runtime::{tool, CallContext, Toolbox};

/// Sort order.
#[derive(Deserialize, JsonSchema)]
pub enum Order {
    /// Smallest first.
    Ascending,
    /// Largest first.
    Descending,
}

/// A report.
#[derive(Serialize, JsonSchema)]
pub struct Report {
    /// How many.
    pub count: usize,
}

/// A connection.
pub struct Db;

/// Lists things.
///
/// # Arguments
/// * `query` - what to look for
#[tool(name = "list_things", timeout = "500ms", read_only, destructive = false, idempotent, open_world = false, retries = 4)]
pub async fn list(
    query: String,
    order: Option<Order>,
    #[arg(default)] offset: u32,
    #[arg(default = 20, rename = "page_size", description = "Rows per page")] limit: u32,
    #[state] db: &Db,
    #[state] shared: Arc<Db>,
    cx: CallContext,
) -> Result<Report, std::io::Error> {
    let _ = (order, offset, limit, db, shared, cx);
    Ok(Report { count: query.len() })
}

/// Sums numbers on the blocking pool.
#[tool]
pub fn sum(values: Vec<i64>, #[state] db: &Db, cx: &CallContext) -> i64 {
    let _ = (db, cx);
    values.iter().sum()
}

/// Takes no arguments.
#[tool(description = "Says pong.")]
async fn ping() -> &'static str {
    "pong"
}

fn main() {
    let toolbox = Toolbox::builder()
        .tool(list::tool())
        .tool(sum::tool())
        .tool(ping::tool())
        .state(Db)
        .state_arc(Arc::new(Db))
        .build();
    assert!(toolbox.is_ok());
}
