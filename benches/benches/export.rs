//! Export of 100 tools' declarations, per call, side by side in one run and interleaved:
//!
//! - MCP `tools/list`: [`McpServer`]'s answer (its `ServerHandler::list_tools`) against rmcp's
//!   `ToolRouter::list_all` of the same 100 tools (the same names, descriptions and schemas),
//!   and against the `list_tools` that rmcp's `#[tool_handler]` writes around it. Target: ours
//!   no slower than `list_all`.
//! - OpenAI strict: `providers::openai::tools(Strict::On)` written to the request's JSON text,
//!   against writing an already-built `serde_json::Value` of the same list. Target: within
//!   1.2x.
//!
//! A toolbox builds each form of its declarations the first time it is exported and shares it
//! after; the first export's cost is printed apart. Run with `cargo bench --bench export` in
//! `benches/`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use rmcp::model::{ListToolsResult, NumberOrString};
use rmcp::service::{Peer, RequestContext};
use rmcp::{RoleServer, ServerHandler, tool_handler};
use serde_json::Value;
use tool_runtime::mcp::McpServer;
use tool_runtime::providers::{NullStyle, Strict, mcp, openai};
use tool_runtime::{ArgumentsRef, BoxFuture, CallContext, Failure, State, Tool, ToolRef};
use tool_runtime::{ToolSpec, ToolValue, Toolbox, tool};
use tool_runtime_benches::{interleaved, time_calls, verdict};

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
        arguments: ArgumentsRef<'a>,
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

/// An rmcp server of the same 100 tools, declared as our `tools/list` declares them, its
/// `ServerHandler` written by rmcp's `#[tool_handler]`.
#[derive(Clone)]
struct RmcpServer {
    router: Arc<ToolRouter<RmcpServer>>,
}

#[tool_handler(router = self.router)]
impl ServerHandler for RmcpServer {}

fn rmcp_server(toolbox: &Toolbox) -> RmcpServer {
    let mut router = ToolRouter::new();
    for declaration in &mcp::tools_list(toolbox, NullStyle::default()) {
        let tool: rmcp::model::Tool =
            serde_json::from_value(declaration.clone()).expect("rmcp reads our tools");
        router.add_route(ToolRoute::new_dyn(tool, |_| {
            Box::pin(async { unreachable!("the benchmark lists tools, it calls none") })
        }));
    }
    RmcpServer {
        router: Arc::new(router),
    }
}

/// A request's context, as rmcp gives a handler: it needs a peer, which rmcp makes only for a
/// running service, so `server` is started on an in-memory pipe that nothing writes to.
fn peer(rt: &tokio::runtime::Runtime, server: McpServer) -> Peer<RoleServer> {
    let (ours, theirs) = tokio::io::duplex(64);
    let running = rt.block_on(async { rmcp::service::serve_directly(server, ours, None) });
    let peer = running.peer().clone();
    // Both ends live as long as the benchmark: the service waits for input that never comes.
    std::mem::forget((running, theirs));
    peer
}

/// The variants, measured in turn in every round.
const VARIANTS: [&str; 6] = [
    "MCP tools/list, McpServer (ServerHandler::list_tools)",
    "rmcp ToolRouter::list_all",
    "rmcp #[tool_handler] (ServerHandler::list_tools)",
    "providers::mcp::tools_list (the cached JSON)",
    "OpenAI strict (providers::openai::tools) to JSON text",
    "an already-built serde_json::Value to JSON text",
];

const ROUNDS: usize = 201;

fn main() {
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (first_openai, first_mcp) = first_exports();

    let toolbox = hundred();
    let server = McpServer::new(toolbox.clone());
    let rmcp = rmcp_server(&toolbox);
    let peer = peer(&rt, server.clone());
    let context = || RequestContext::new(NumberOrString::Number(1), peer.clone());
    let list = |result: Result<ListToolsResult, rmcp::ErrorData>| result.expect("a list").tools;
    let built = Value::from(openai::tools(&toolbox, Strict::On).expect("strict"));
    let ours = rt.block_on(server.list_tools(None, context()));
    assert_eq!(list(ours), rmcp.router.list_all(), "the same 100 tools");

    let rounds = interleaved(VARIANTS.len(), ROUNDS, |variant, calls| match variant {
        0 => rt.block_on(async {
            let start = Instant::now();
            for _ in 0..calls {
                black_box(list(black_box(&server).list_tools(None, context()).await));
            }
            start.elapsed()
        }),
        1 => time_calls(calls, || black_box(&rmcp.router).list_all()),
        2 => rt.block_on(async {
            let start = Instant::now();
            for _ in 0..calls {
                black_box(list(black_box(&rmcp).list_tools(None, context()).await));
            }
            start.elapsed()
        }),
        3 => time_calls(calls, || {
            mcp::tools_list(black_box(&toolbox), NullStyle::default())
        }),
        4 => time_calls(calls, || {
            let tools = openai::tools(black_box(&toolbox), Strict::On).expect("strict");
            serde_json::to_string(&tools).expect("JSON")
        }),
        _ => time_calls(calls, || {
            serde_json::to_string(black_box(&built)).expect("JSON")
        }),
    });

    println!("== export of 100 tools' declarations, per call ({ROUNDS} interleaved rounds) ==");
    for (variant, label) in VARIANTS.iter().enumerate() {
        println!("{label:<56} {:>10.2} us", rounds.median(variant) / 1e3);
    }
    let mcp_ratio = rounds.ratio(0, 1);
    let openai_ratio = rounds.ratio(4, 5);
    println!(
        "MCP tools/list / rmcp list_all = {mcp_ratio:.2}x  (target <= 1.0x: {})",
        verdict(mcp_ratio <= 1.0)
    );
    println!(
        "MCP tools/list / rmcp #[tool_handler] list_tools = {:.2}x",
        rounds.ratio(0, 2)
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

/// The first export of each form, on a toolbox of its own: the one that builds the form.
fn first_exports() -> (Duration, Duration) {
    let toolbox = hundred();
    let started = Instant::now();
    black_box(openai::tools(&toolbox, Strict::On).expect("strict"));
    let openai = started.elapsed();
    let started = Instant::now();
    black_box(mcp::tools_list(&toolbox, NullStyle::default()));
    (openai, started.elapsed())
}
