//! Dispatch of one trivial tool through tool-runtime, a hand-written floor, rmcp and rig, and
//! the export of 100 tools' declarations. Every variant takes the model's arguments as the JSON
//! text `{"a":1,"b":2}` and gives the result as a `String`, awaited in the same tokio runtime.
//! Two more variants, the floor and tool-runtime calling `scale(x, factor)` with a 17-digit
//! decimal, show what a call costs when tool-runtime's quick reader of arguments leaves the
//! text to serde_json.
//!
//! Run with `cargo bench --bench dispatch`. After criterion's own output, a summary prints the
//! medians side by side with the ratios and PASS/FAIL against the targets.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use criterion::Criterion;
use serde::Deserialize;
use tokio::runtime::Runtime;

/// The arguments the model sends, the same for every variant.
const ARGS: &str = r#"{"a":1,"b":2}"#;

/// Arguments of `scale` that tool-runtime's quick reader leaves to serde_json (a decimal of 17
/// digits), for the cost of a call when it gives up.
const SCALE_ARGS: &str = r#"{"x":0.30000000000000004,"factor":2}"#;

/// What `scale` gives for them.
const SCALED: &str = "0.6000000000000001";

/// The arguments of `scale`, for the floor.
#[derive(Deserialize)]
pub struct ScaleArgs {
    x: f64,
    factor: f64,
}

/// The arguments of `add`, for the floor, rmcp and rig.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct AddArgs {
    /// The first addend.
    pub a: i64,
    /// The second addend.
    pub b: i64,
}

mod ours {
    use tool_runtime::tool;

    /// Adds two integers.
    ///
    /// # Arguments
    /// * `a` - the first addend
    /// * `b` - the second addend
    #[tool]
    pub async fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    /// Multiplies a number by a factor.
    ///
    /// # Arguments
    /// * `x` - the number
    /// * `factor` - the factor
    #[tool]
    pub async fn scale(x: f64, factor: f64) -> f64 {
        x * factor
    }
}

/// The floor: what any registry keyed by name must do at the least, with nothing else (no
/// timeout, no panic catching, no error text, no boxed future).
mod floor {
    use super::{AddArgs, HashMap, ScaleArgs};

    pub type Handler = fn(&str) -> serde_json::Result<String>;

    fn add(arguments: &str) -> serde_json::Result<String> {
        let AddArgs { a, b } = serde_json::from_str(arguments)?;
        Ok((a + b).to_string())
    }

    fn scale(arguments: &str) -> serde_json::Result<String> {
        let ScaleArgs { x, factor } = serde_json::from_str(arguments)?;
        Ok((x * factor).to_string())
    }

    pub fn registry() -> HashMap<&'static str, Handler> {
        HashMap::from([("add", add as Handler), ("scale", scale as Handler)])
    }
}

/// The same tool as an rmcp server's tool, declared with rmcp's macros.
mod mcp {
    use rmcp::handler::server::tool::ToolCallContext;
    use rmcp::handler::server::wrapper::Parameters;
    use rmcp::model::{CallToolRequestParams, CallToolResponse, JsonObject, NumberOrString};
    use rmcp::service::{Peer, RequestContext, RunningService};
    use rmcp::{RoleServer, tool, tool_router};

    use super::AddArgs;

    #[derive(Clone)]
    pub struct Server;

    #[tool_router(server_handler, vis = "pub")]
    impl Server {
        /// Adds two integers.
        #[tool]
        async fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> String {
            (a + b).to_string()
        }
    }

    /// rmcp builds a `RequestContext` only around a `Peer`, and makes a `Peer` only for a
    /// running service. So the server is started once on an in-memory pipe that nothing ever
    /// writes to, to get a peer; the calls below go straight to the router, not through it.
    pub fn peer(
        server: Server,
    ) -> (
        Peer<RoleServer>,
        RunningService<RoleServer, Server>,
        tokio::io::DuplexStream,
    ) {
        let (ours, theirs) = tokio::io::duplex(64);
        let running = rmcp::service::serve_directly(server, ours, None);
        (running.peer().clone(), running, theirs)
    }

    /// One call as rmcp's `call_tool` handler makes it: the arguments parsed into a JSON
    /// object, a request context, the router's call, and the text of the result.
    pub async fn call(
        router: &rmcp::handler::server::tool::ToolRouter<Server>,
        server: &Server,
        peer: &Peer<RoleServer>,
        name: &'static str,
        arguments: &str,
    ) -> String {
        let arguments: JsonObject = serde_json::from_str(arguments).expect("a JSON object");
        let params = CallToolRequestParams::new(name).with_arguments(arguments);
        let context = RequestContext::new(NumberOrString::Number(1), peer.clone());
        let response = router
            .call(ToolCallContext::new(server, params, context))
            .await
            .expect("the call succeeds");
        let CallToolResponse::Complete(result) = response else {
            panic!("a complete result");
        };
        let text = result.content[0].as_text().expect("a text result");
        text.text.clone()
    }
}

/// The same tool as a rig tool, in a rig `ToolSet` (in rig-agent since rig 0.44).
mod rig {
    use rig_agent::tool::{ToolContext, ToolSet};
    use rig_core::tool::Tool;

    use super::{AddArgs, Infallible};

    pub struct Add;

    impl Tool for Add {
        const NAME: &'static str = "add";
        type Args = AddArgs;
        type Output = i64;
        type Error = Infallible;

        fn description(&self) -> String {
            "Adds two integers.".to_owned()
        }

        fn parameters(&self) -> serde_json::Value {
            serde_json::to_value(schemars::schema_for!(AddArgs)).expect("a schema")
        }

        async fn call(
            &self,
            _context: &mut ToolContext,
            AddArgs { a, b }: AddArgs,
        ) -> Result<i64, Infallible> {
            Ok(a + b)
        }
    }

    /// One call through `ToolSet::execute` (rig 0.44's name for the former `ToolSet::call`),
    /// and the text of the result.
    pub async fn call(tools: &ToolSet, name: &str, arguments: &str) -> String {
        let mut context = ToolContext::default();
        let result = tools.execute(name, arguments, &mut context).await;
        assert!(result.is_success(), "the call succeeds");
        result.output().render()
    }
}

/// 100 tools of the shape of a real one (a doc comment, three parameters of which one
/// optional), for the export of declarations: one `#[tool]` under 100 names. (100 `#[tool]`
/// functions made by a `macro_rules!` do not compile yet: the attribute's expansion names
/// `__future` with two different hygiene contexts when the function's name comes from a macro.)
mod hundred {
    use std::sync::Arc;

    use tool_runtime::{
        ArgumentsRef, BoxFuture, CallContext, Failure, State, Tool, ToolRef, ToolSpec, ToolValue, tool,
    };

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

    /// `lookup` under another name.
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

    /// The 100 tools.
    pub fn all() -> Vec<ToolRef> {
        (0..100)
            .map(|i| {
                Arc::new(Renamed {
                    name: format!("lookup_{i:02}"),
                    inner: lookup::tool(),
                }) as ToolRef
            })
            .collect()
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The four ways of making the same call, built once.
struct Dispatch {
    toolbox: tool_runtime::Toolbox,
    /// A toolbox of `scale` alone.
    scale_toolbox: tool_runtime::Toolbox,
    floor: HashMap<&'static str, floor::Handler>,
    router: rmcp::handler::server::tool::ToolRouter<mcp::Server>,
    server: mcp::Server,
    peer: rmcp::service::Peer<rmcp::RoleServer>,
    rig: rig_agent::tool::ToolSet,
    /// `add` alone, called without a toolbox, and an empty state for it.
    add: tool_runtime::ToolRef,
    state: tool_runtime::State,
}

/// The variants, in the order they are measured and printed.
const VARIANTS: [(&str, &str); 7] = [
    ("floor", "floor (HashMap<&str, fn> + serde_json)"),
    ("tool_runtime", "tool_runtime Toolbox::call"),
    ("rmcp", "rmcp 3.11 ToolRouter::call"),
    ("rig", "rig 0.44 ToolSet::execute"),
    ("tool_alone", "#[tool] alone (Tool::start, no toolbox)"),
    ("floor_given_up", "floor, scale() with a 17-digit decimal"),
    ("tool_runtime_given_up", "Toolbox::call, the same"),
];

impl Dispatch {
    async fn floor(&self) -> String {
        let handler = self.floor[black_box("add")];
        handler(black_box(ARGS)).expect("valid arguments")
    }

    async fn floor_given_up(&self) -> String {
        let handler = self.floor[black_box("scale")];
        handler(black_box(SCALE_ARGS)).expect("valid arguments")
    }

    async fn tool_runtime_given_up(&self) -> String {
        let output = self
            .scale_toolbox
            .call(black_box("scale"), black_box(SCALE_ARGS))
            .await;
        output.into_text()
    }

    async fn tool_runtime(&self) -> String {
        let output = self.toolbox.call(black_box("add"), black_box(ARGS)).await;
        output.into_text()
    }

    async fn rmcp(&self) -> String {
        let (router, server, peer) = (&self.router, &self.server, &self.peer);
        mcp::call(router, server, peer, black_box("add"), black_box(ARGS)).await
    }

    async fn rig(&self) -> String {
        rig::call(&self.rig, black_box("add"), black_box(ARGS)).await
    }

    async fn tool_alone(&self) -> String {
        use tool_runtime::{ArgumentsRef, CallContext};
        let arguments = ArgumentsRef::Text(black_box(ARGS));
        let value = self.add.call(arguments, CallContext::new(), &self.state).await;
        value.expect("add succeeds").text
    }
}

/// Evaluates `$body` with `$call` bound to a closure making one call through the variant
/// named `$variant`. Each variant keeps its own future: one `async fn` over all of them would
/// give the floor a future the size of rig's, copied on every call, and a string match per
/// call to every variant.
macro_rules! with_call {
    ($dispatch:expr, $variant:expr, |$call:ident| $body:expr) => {
        match $variant {
            "floor" => {
                let $call = || $dispatch.floor();
                $body
            }
            "tool_runtime" => {
                let $call = || $dispatch.tool_runtime();
                $body
            }
            "rmcp" => {
                let $call = || $dispatch.rmcp();
                $body
            }
            "rig" => {
                let $call = || $dispatch.rig();
                $body
            }
            "tool_alone" => {
                let $call = || $dispatch.tool_alone();
                $body
            }
            "floor_given_up" => {
                let $call = || $dispatch.floor_given_up();
                $body
            }
            "tool_runtime_given_up" => {
                let $call = || $dispatch.tool_runtime_given_up();
                $body
            }
            _ => unreachable!("a variant of VARIANTS"),
        }
    };
}

/// The mean time per call of `n` calls made by `call`, in ns.
async fn time_per_call<F: Future<Output = String>>(n: u32, mut call: impl FnMut() -> F) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        black_box(call().await);
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

fn bench_dispatch(c: &mut Criterion, rt: &Runtime, dispatch: &Dispatch) {
    // The variants of a pair give the same text, or the comparison means nothing.
    for (variant, _) in VARIANTS {
        let expected = if variant.ends_with("given_up") {
            SCALED
        } else {
            "3"
        };
        with_call!(dispatch, variant, |call| {
            assert_eq!(rt.block_on(call()), expected, "{variant}")
        });
    }
    let mut group = c.benchmark_group("dispatch");
    for (variant, _) in VARIANTS {
        with_call!(dispatch, variant, |call| {
            group.bench_function(variant, |b| b.to_async(rt).iter(call));
        });
    }
    group.finish();
}

/// Rounds of the interleaved measurement, and the calls of each variant in one round (a few
/// milliseconds of each).
const ROUNDS: usize = 301;
const BATCH: [u32; 7] = [20_000, 10_000, 4_000, 1_000, 20_000, 20_000, 10_000];

/// Times the variants in rounds, each round a batch of every variant back to back, and gives
/// each variant's time per call in every round. The machine is shared: its slow phases last
/// longer than a round, so they weigh on every variant of a round alike, and the ratio of a
/// round stays true where criterion's medians, measured seconds apart, drift apart.
fn interleaved(rt: &Runtime, dispatch: &Dispatch) -> Vec<Vec<f64>> {
    let mut times = vec![Vec::with_capacity(ROUNDS); VARIANTS.len()];
    rt.block_on(async {
        for _ in 0..ROUNDS {
            for (v, (variant, _)) in VARIANTS.iter().enumerate() {
                let time = with_call!(dispatch, *variant, |call| {
                    time_per_call(BATCH[v], call).await
                });
                times[v].push(time);
            }
        }
    });
    times
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

/// The declarations of the 100 tools as each provider's request takes them, per call: the
/// `tool_runtime::providers` export and its serialization to the request's JSON text.
const EXPORTS: [(&str, &str); 4] = [
    (
        "openai_strict",
        "OpenAI Chat Completions, strict (providers::openai::tools)",
    ),
    (
        "anthropic",
        "Anthropic Messages (providers::anthropic::tools)",
    ),
    ("gemini", "Gemini (providers::gemini::tools)"),
    ("mcp", "MCP tools/list (providers::mcp::tools_list)"),
];

fn export(toolbox: &tool_runtime::Toolbox, provider: &str) -> String {
    use tool_runtime::providers::{
        GeminiDialect, NullStyle, Strict, anthropic, gemini, mcp, openai,
    };
    let declarations = match provider {
        "openai_strict" => serde_json::Value::from(openai::tools(toolbox, Strict::On).unwrap()),
        "anthropic" => serde_json::Value::from(anthropic::tools(toolbox)),
        "gemini" => {
            serde_json::Value::from(gemini::tools(toolbox, GeminiDialect::Parameters).unwrap())
        }
        "mcp" => mcp::tools_list(toolbox, NullStyle::TypeArray),
        _ => unreachable!("a provider of EXPORTS"),
    };
    serde_json::to_string(&declarations).expect("JSON")
}

fn bench_export(c: &mut Criterion) {
    let toolbox = tool_runtime::Toolbox::builder()
        .tools(hundred::all())
        .build()
        .expect("a toolbox");
    assert_eq!(toolbox.len(), 100);
    let mut group = c.benchmark_group("export_100");
    for (provider, _) in EXPORTS {
        group.bench_function(provider, |b| {
            b.iter(|| export(black_box(&toolbox), black_box(provider)))
        });
    }
    group.finish();
}

/// The median time per iteration that criterion recorded for `id` in this run, in ns.
fn median_ns(dir: &Path, id: &str, started: SystemTime) -> Option<f64> {
    let file = dir.join(id).join("new").join("estimates.json");
    let modified = std::fs::metadata(&file).ok()?.modified().ok()?;
    if modified < started {
        return None; // left over from an earlier run that measured it
    }
    let estimates: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// Prints criterion's medians and the interleaved ones side by side, with the ratios to the
/// floor and the targets (judged on the interleaved ratios).
fn summary(dir: &Path, started: SystemTime, times: &[Vec<f64>]) {
    println!("\n== summary: dispatch of one call, this run ==");
    println!(
        "{:<42} {:>12} {:>14} {:>15}",
        "", "criterion", "interleaved", "ratio to floor"
    );
    for (v, (variant, label)) in VARIANTS.iter().enumerate() {
        let (time, ratio) = (median(times[v].clone()), median_ratio(times, v, 0));
        let criterion = median_ns(dir, &format!("dispatch/{variant}"), started)
            .map_or_else(|| "-".to_owned(), |t| format!("{t:.1} ns"));
        println!("{label:<42} {criterion:>12} {time:>11.1} ns {ratio:>14.2}x");
    }
    let ours = median_ratio(times, 1, 0);
    println!(
        "target: dispatch within 1.3x of the floor: {ours:.2}x  {}",
        verdict(ours <= 1.3)
    );
    for (v, name) in [(2, "rmcp"), (3, "rig")] {
        let ratio = median_ratio(times, 1, v);
        println!(
            "target: dispatch faster than {name}: ours/{name} = {ratio:.2}x  {}",
            verdict(ratio < 1.0)
        );
    }
    println!(
        "arguments the quick reader leaves to serde_json: Toolbox::call at {:.2}x the floor",
        median_ratio(times, 6, 5)
    );
    println!("export of the 100 tools' declarations, to the request's JSON text:");
    for (provider, label) in EXPORTS {
        if let Some(t) = median_ns(dir, &format!("export_100/{provider}"), started) {
            println!(
                "  {label:<62} {:>7.1} us per call, {:>5.0} ns per tool",
                t / 1e3,
                t / 100.0
            );
        }
    }
}

fn main() {
    let started = SystemTime::now();
    // A fixed place, so that the summary finds what criterion wrote.
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/criterion"));
    let mut c = Criterion::default()
        .output_directory(&dir)
        .configure_from_args();
    let rt = runtime();
    let (peer, _running, _pipe) = rt.block_on(async { mcp::peer(mcp::Server) });
    let dispatch = Dispatch {
        toolbox: tool_runtime::Toolbox::builder()
            .tool(ours::add::tool())
            .build()
            .expect("a toolbox"),
        scale_toolbox: tool_runtime::Toolbox::builder()
            .tool(ours::scale::tool())
            .build()
            .expect("a toolbox"),
        floor: floor::registry(),
        router: mcp::Server::tool_router(),
        server: mcp::Server,
        peer,
        rig: rig_agent::tool::ToolSet::from_tools(vec![rig::Add]),
        add: ours::add::tool(),
        state: tool_runtime::State::default(),
    };
    bench_dispatch(&mut c, &rt, &dispatch);
    bench_export(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--test") {
        return; // a check that every variant works, not a measurement
    }
    let times = interleaved(&rt, &dispatch);
    summary(&dir, started, &times);
}
