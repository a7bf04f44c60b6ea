//! Export of 100 tools' declarations, per call, side by side in one run and interleaved:
//!
//! - MCP `tools/list`: `providers::mcp::tools_list` against rmcp's `ToolRouter::list_all` of the
//!   same 100 tools (the same names, descriptions and input schemas). Target: ours no slower.
//! - OpenAI strict: `providers::openai::tools(Strict::On)` written to the request's JSON text,
//!   against writing an already-built `serde_json::Value` of the same list. Target: within
//!   1.2x.
//!
//! A toolbox builds each form of its declarations the first time it is exported and shares it
//! after; the first export's cost is printed apart. Run with `cargo bench --bench export` in
//! `benches/`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use serde_json::Value;
use tool_runtime::providers::{NullStyle, Strict, mcp, openai};
use tool_runtime::{Arguments, BoxFuture, CallContext, Failure, State, Tool, ToolRef, ToolSpec};
use tool_runtime::{ToolValue, Toolbox, tool};

/// Looks up records matching a query in one of the catalogues.
///
/// Returns at most `limit` records, one per line.
///
/// # Arguments
/// * `query` - the words to look for
/// * `limit` - how many records to return at most (default 10)
/// * `exact` - whether every word must match
#[tool(read_only)]
async fn lookup(query: String, limit: Option<u32>, exact: bool) -> String {
    format!("{query} {limit:?} {exact}")
}

/// `lookup` under another name: 100 tools of the shape of a real one.
struct Renamed {
    name: String,
    inner: ToolRef,
}

impl Tool for Renamed {
    fn spec(&self) -> ToolSpec {
        let mut spec = self.inner.spec();
        spec.name = self.name.clone().into();
        spec
    }

    fn call<'a>(
        &'a self,
        arguments: Arguments,
        context: CallContext,
        state: &'a State,
    ) -> BoxFuture<'a, Result<ToolValue, Failure>> {
        self.inner.call(arguments, context, state)
    }
}

fn hundred() -> Toolbox {
    let tools = (0..100).map(|i| {
        Arc::new(Renamed {
            name: format!("lookup_{i:02}"),
            inner: lookup::tool(),
        }) as ToolRef
    });
    Toolbox::builder().tools(tools).build().expect("a toolbox")
}

/// The server the rmcp router routes to; never called here.
struct Server;

/// rmcp's router of the same 100 tools, declared as our `tools/list` declares them.
fn rmcp_router(toolbox: &Toolbox) -> ToolRouter<Server> {
    let list = mcp::tools_list(toolbox, NullStyle::default());
    let tools: Vec<rmcp::model::Tool> =
        serde_json::from_value(list["tools"].clone()).expect("rmcp reads our declarations");
    let mut router = ToolRouter::new();
    for tool in tools {
        router.add_route(ToolRoute::new_dyn(tool, |_| {
            Box::pin(async { unreachable!("the benchmark lists tools, it calls none") })
        }));
    }
    router
}

/// The variants, measured in turn in every round.
const VARIANTS: [&str; 4] = [
    "MCP tools/list (providers::mcp::tools_list)",
    "rmcp ToolRouter::list_all",
    "OpenAI strict (providers::openai::tools) to JSON text",
    "an already-built serde_json::Value to JSON text",
];

const ROUNDS: usize = 201;
const CALLS: u32 = 200;

fn main() {
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    let started = Instant::now();
    let first = hundred();
    let _ = black_box(openai::tools(&first, Strict::On).expect("strict"));
    let first_openai = started.elapsed();
    let started = Instant::now();
    let _ = black_box(mcp::tools_list(&first, NullStyle::default()));
    let first_mcp = started.elapsed();

    let toolbox = hundred();
    let router = rmcp_router(&toolbox);
    let built = Value::from(openai::tools(&toolbox, Strict::On).expect("strict"));
    assert_eq!(router.list_all().len(), 100);
    let run = |variant: usize| match variant {
        0 => drop(black_box(mcp::tools_list(black_box(&toolbox), NullStyle::default()))),
        1 => drop(black_box(black_box(&router).list_all())),
        2 => {
            let tools = openai::tools(black_box(&toolbox), Strict::On).expect("strict");
            drop(black_box(serde_json::to_string(&tools).expect("JSON")));
        }
        _ => drop(black_box(serde_json::to_string(black_box(&built)).expect("JSON"))),
    };
    let mut times = vec![Vec::with_capacity(ROUNDS); VARIANTS.len()];
    for _ in 0..ROUNDS {
        for (variant, time) in times.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..CALLS {
                run(variant);
            }
            time.push(start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS));
        }
    }

    println!("== export of 100 tools' declarations, per call ({ROUNDS} interleaved rounds) ==");
    for (label, time) in VARIANTS.iter().zip(&times) {
        println!("{label:<56} {:>9.2} us", median(time.clone()));
    }
    let mcp_ratio = median_ratio(&times, 0, 1);
    let openai_ratio = median_ratio(&times, 2, 3);
    println!(
        "MCP tools/list / rmcp list_all = {mcp_ratio:.2}x  (target <= 1.0x: {})",
        verdict(mcp_ratio <= 1.0)
    );
    println!(
        "OpenAI strict / serializing a built Value = {openai_ratio:.2}x  (target <= 1.2x: {})",
        verdict(openai_ratio <= 1.2)
    );
    println!(
        "first export of a toolbox (builds and caches the form): OpenAI strict {:.0} us, MCP {:.0} us",
        first_openai.as_secs_f64() * 1e6,
        first_mcp.as_secs_f64() * 1e6
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The median over the rounds of the ratio of variant `of` to variant `to`.
fn median_ratio(times: &[Vec<f64>], of: usize, to: usize) -> f64 {
    median(
        times[of]
            .iter()
            .zip(&times[to])
            .map(|(a, b)| a / b)
            .collect(),
    )
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}
