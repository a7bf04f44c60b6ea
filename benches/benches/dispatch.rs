//! Dispatch of one call through `Toolbox::call` against a hand-written floor, on five shapes of
//! arguments a model sends, and against rmcp and rig on the smallest. Every variant takes the
//! model's arguments as JSON text and gives the result as a `String`, awaited in the same
//! tokio runtime; the variants are timed side by side in interleaved rounds, and each ratio is
//! the median of the rounds' ratios.
//!
//! Run with `cargo bench --bench dispatch` in `benches/`; `-- --test` checks that every
//! variant gives the expected text, without measuring.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::runtime::Runtime;
use tool_runtime_benches::{interleaved, verdict};

/// The arguments of `add`, for the floor, rmcp and rig.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddArgs {
    /// The first addend.
    pub a: i64,
    /// The second addend.
    pub b: i64,
}

/// The nested struct of `search_issues`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// `owner/name`.
    pub repository: String,
    /// `open` or `closed`.
    pub state: String,
    /// Labels every issue has.
    pub labels: Vec<String>,
    /// Who opened them.
    pub author: Option<String>,
    /// RFC 3339.
    pub updated_after: String,
}

/// The enum of `forecast`.
#[derive(Deserialize, schemars::JsonSchema, Debug)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Degrees Celsius.
    Celsius,
    /// Degrees Fahrenheit.
    Fahrenheit,
}

/// The tools' bodies, the same for the floor and for `#[tool]`: cheap, so that the figures
/// are dispatch's, not the tools'.
mod body {
    use super::{Filter, Unit};

    pub fn search_issues(
        query: &str,
        tags: &[String],
        limit: Option<u32>,
        filter: &Filter,
        sort: &str,
        include_comments: bool,
        page_token: Option<&str>,
    ) -> String {
        format!(
            "{} issues of {} matching {} bytes, {} tags, {} labels, by {sort}, comments {include_comments}, page {}",
            limit.unwrap_or(10),
            filter.repository,
            query.len(),
            tags.len(),
            filter.labels.len(),
            page_token.is_some(),
        )
    }

    pub fn forecast(city: &str, unit: &Unit, days: u8) -> String {
        format!("{days} days in {city}, in {unit:?}")
    }

    pub fn review_code(language: &str, code: &str) -> String {
        format!("{} bytes of {language}", code.len())
    }

    pub fn summarize(text: &str) -> String {
        format!("{} bytes of text", text.len())
    }
}

mod ours {
    use tool_runtime::tool;

    use super::{Filter, Unit, body};

    /// Adds two integers.
    ///
    /// # Arguments
    /// * `a` - the first addend
    /// * `b` - the second addend
    #[tool]
    pub async fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    /// Searches a repository's issues.
    #[tool]
    pub async fn search_issues(
        query: String,
        tags: Vec<String>,
        limit: Option<u32>,
        filter: Filter,
        sort: String,
        include_comments: bool,
        page_token: Option<String>,
    ) -> String {
        let page_token = page_token.as_deref();
        body::search_issues(
            &query,
            &tags,
            limit,
            &filter,
            &sort,
            include_comments,
            page_token,
        )
    }

    /// The weather of the next days.
    #[tool]
    pub async fn forecast(city: String, unit: Unit, days: u8) -> String {
        body::forecast(&city, &unit, days)
    }

    /// Reviews code.
    #[tool]
    pub async fn review_code(language: String, code: String) -> String {
        body::review_code(&language, &code)
    }

    /// Summarizes a text.
    #[tool]
    pub async fn summarize(text: String) -> String {
        body::summarize(&text)
    }
}

/// The floor: what any registry keyed by name must do at the least, with nothing else (no
/// timeout, no panic catching, no error text, no boxed future): a `HashMap` lookup,
/// `serde_json::from_str` into a struct of the tool's arguments (unknown fields refused, as
/// `#[tool]` refuses them), the call and `to_string`.
mod floor {
    use serde::Deserialize;

    use super::{AddArgs, Filter, HashMap, Unit, body};

    pub type Handler = fn(&str) -> serde_json::Result<String>;

    fn add(arguments: &str) -> serde_json::Result<String> {
        let AddArgs { a, b } = serde_json::from_str(arguments)?;
        Ok((a + b).to_string())
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SearchIssues {
        query: String,
        tags: Vec<String>,
        limit: Option<u32>,
        filter: Filter,
        sort: String,
        include_comments: bool,
        page_token: Option<String>,
    }

    fn search_issues(arguments: &str) -> serde_json::Result<String> {
        let a: SearchIssues = serde_json::from_str(arguments)?;
        let page_token = a.page_token.as_deref();
        Ok(body::search_issues(
            &a.query,
            &a.tags,
            a.limit,
            &a.filter,
            &a.sort,
            a.include_comments,
            page_token,
        ))
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Forecast {
        city: String,
        unit: Unit,
        days: u8,
    }

    fn forecast(arguments: &str) -> serde_json::Result<String> {
        let a: Forecast = serde_json::from_str(arguments)?;
        Ok(body::forecast(&a.city, &a.unit, a.days))
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ReviewCode {
        language: String,
        code: String,
    }

    fn review_code(arguments: &str) -> serde_json::Result<String> {
        let a: ReviewCode = serde_json::from_str(arguments)?;
        Ok(body::review_code(&a.language, &a.code))
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Summarize {
        text: String,
    }

    fn summarize(arguments: &str) -> serde_json::Result<String> {
        let a: Summarize = serde_json::from_str(arguments)?;
        Ok(body::summarize(&a.text))
    }

    pub fn registry() -> HashMap<&'static str, Handler> {
        HashMap::from([
            ("add", add as Handler),
            ("search_issues", search_issues as Handler),
            ("forecast", forecast as Handler),
            ("review_code", review_code as Handler),
            ("summarize", summarize as Handler),
        ])
    }
}

/// `add` as an rmcp server's tool, declared with rmcp's macros.
mod mcp {
    use rmcp::handler::server::tool::{ToolCallContext, ToolRouter};
    use rmcp::handler::server::wrapper::Parameters;
    use rmcp::model::{CallToolRequestParams, CallToolResponse, JsonObject, NumberOrString};
    use rmcp::service::{Peer, RequestContext};
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
    pub fn peer(rt: &tokio::runtime::Runtime) -> Peer<RoleServer> {
        let (ours, theirs) = tokio::io::duplex(64);
        let running = rt.block_on(async { rmcp::service::serve_directly(Server, ours, None) });
        let peer = running.peer().clone();
        // Both ends live as long as the benchmark: the service waits for input that never comes.
        std::mem::forget((running, theirs));
        peer
    }

    /// One call as rmcp's `call_tool` handler makes it: the arguments parsed into a JSON
    /// object, a request context, the router's call, and the text of the result.
    pub async fn call(
        router: &ToolRouter<Server>,
        peer: &Peer<RoleServer>,
        name: &'static str,
        arguments: &str,
    ) -> String {
        let arguments: JsonObject = serde_json::from_str(arguments).expect("a JSON object");
        let params = CallToolRequestParams::new(name).with_arguments(arguments);
        let context = RequestContext::new(NumberOrString::Number(1), peer.clone());
        let response = router
            .call(ToolCallContext::new(&Server, params, context))
            .await
            .expect("the call succeeds");
        let CallToolResponse::Complete(result) = response else {
            panic!("a complete result");
        };
        let text = result.content[0].as_text().expect("a text result");
        text.text.clone()
    }
}

/// `add` as a rig tool, in a rig `ToolSet` (in rig-agent since rig 0.44).
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

/// One shape of arguments: the tool that takes it, the JSON text, and the target of
/// `Toolbox::call` over the floor.
struct Shape {
    label: &'static str,
    tool: &'static str,
    arguments: String,
    target: f64,
}

fn shapes() -> [Shape; 5] {
    let search = r#"{"query":"tokio runtime shutdown hangs with spawn_blocking tasks","tags":["bug","tokio","runtime","shutdown"],"limit":20,"filter":{"repository":"tokio-rs/tokio","state":"open","labels":["A-tokio","C-bug","M-runtime"],"author":null,"updated_after":"2025-06-01T00:00:00Z"},"sort":"updated","include_comments":true,"page_token":"eyJvZmZzZXQiOjQwfQ"}"#;
    let code = "fn main() {\n\tlet path = \"C:\\\\Users\\\\ada\\\\notes.txt\";\n\tlet text = std::fs::read_to_string(path).expect(\"a \\\"readable\\\" file\");\n\tprintln!(\"{}\\t{}\", path, text.len());\n}\n";
    let prose = "The committee met on Tuesday to review the quarterly figures, and most of the \
                 discussion turned on whether the new warehouse would open before the winter. \
                 Several members asked for a clearer schedule, while others wanted the budget \
                 revisited first. ";
    [
        Shape {
            label: "{\"a\":1,\"b\":2}",
            tool: "add",
            arguments: r#"{"a":1,"b":2}"#.to_owned(),
            target: 2.0,
        },
        Shape {
            label: "an object with strings, Option, Vec, nested struct",
            tool: "search_issues",
            arguments: search.to_owned(),
            target: 1.2,
        },
        Shape {
            label: "an enum argument",
            tool: "forecast",
            arguments: r#"{"city":"Paris","unit":"fahrenheit","days":3}"#.to_owned(),
            target: 1.2,
        },
        Shape {
            label: "4 KiB of code with escapes",
            tool: "review_code",
            arguments: format!(
                r#"{{"language":"rust","code":{}}}"#,
                serde_json::to_string(&repeat_to(code, 4096)).expect("JSON")
            ),
            target: 1.2,
        },
        Shape {
            label: "4 KiB of plain prose",
            tool: "summarize",
            arguments: format!(
                r#"{{"text":{}}}"#,
                serde_json::to_string(&repeat_to(prose, 4096)).expect("JSON")
            ),
            target: 1.2,
        },
    ]
}

/// `text` repeated and cut to `len` bytes (ASCII).
fn repeat_to(text: &str, len: usize) -> String {
    let mut repeated = text.repeat(len.div_ceil(text.len()));
    repeated.truncate(len);
    repeated
}

/// The ways of making a call.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    Floor,
    Toolbox,
    /// The `#[tool]`'s own `Tool::call`, with no toolbox around it.
    Alone,
    Rmcp,
    Rig,
}

/// Everything the calls need, built once.
struct Bench {
    floor: HashMap<&'static str, floor::Handler>,
    toolbox: tool_runtime::Toolbox,
    add: tool_runtime::ToolRef,
    state: tool_runtime::State,
    router: rmcp::handler::server::tool::ToolRouter<mcp::Server>,
    peer: rmcp::service::Peer<rmcp::RoleServer>,
    rig: rig_agent::tool::ToolSet,
}

impl Bench {
    async fn floor(&self, tool: &str, arguments: &str) -> String {
        let handler = self.floor[tool];
        handler(arguments).expect("valid arguments")
    }

    async fn toolbox(&self, tool: &str, arguments: &str) -> String {
        self.toolbox.call(tool, arguments).await.into_text()
    }

    async fn alone(&self, arguments: &str) -> String {
        use tool_runtime::{ArgumentsRef, CallContext};
        let arguments = ArgumentsRef::Text(arguments);
        let value = self.add.call(arguments, CallContext::new(), &self.state);
        value.await.expect("add succeeds").text
    }

    async fn rmcp(&self, arguments: &str) -> String {
        mcp::call(&self.router, &self.peer, "add", arguments).await
    }

    async fn rig(&self, arguments: &str) -> String {
        rig::call(&self.rig, "add", arguments).await
    }

    /// One call of `tool` the `way` given.
    async fn call(&self, way: Way, tool: &str, arguments: &str) -> String {
        match way {
            Way::Floor => self.floor(tool, arguments).await,
            Way::Toolbox => self.toolbox(tool, arguments).await,
            Way::Alone => self.alone(arguments).await,
            Way::Rmcp => self.rmcp(arguments).await,
            Way::Rig => self.rig(arguments).await,
        }
    }

    /// Times `calls` calls of `tool` the `way` given. Each way is timed in a loop of its own,
    /// so that its future is its own, not one the size of rig's for every way.
    fn time(&self, rt: &Runtime, way: Way, tool: &str, arguments: &str, calls: u32) -> Duration {
        let (tool, arguments) = (black_box(tool), black_box(arguments));
        rt.block_on(async {
            match way {
                Way::Floor => timed(calls, || self.floor(tool, arguments)).await,
                Way::Toolbox => timed(calls, || self.toolbox(tool, arguments)).await,
                Way::Alone => timed(calls, || self.alone(arguments)).await,
                Way::Rmcp => timed(calls, || self.rmcp(arguments)).await,
                Way::Rig => timed(calls, || self.rig(arguments)).await,
            }
        })
    }
}

async fn timed<F: Future<Output = String>>(calls: u32, mut call: impl FnMut() -> F) -> Duration {
    let start = Instant::now();
    for _ in 0..calls {
        black_box(call().await);
    }
    start.elapsed()
}

const ROUNDS: usize = 301;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let bench = Bench {
        floor: floor::registry(),
        toolbox: tool_runtime::Toolbox::builder()
            .tool(ours::add::tool())
            .tool(ours::search_issues::tool())
            .tool(ours::forecast::tool())
            .tool(ours::review_code::tool())
            .tool(ours::summarize::tool())
            .build()
            .expect("a toolbox"),
        add: ours::add::tool(),
        state: tool_runtime::State::default(),
        router: mcp::Server::tool_router(),
        peer: mcp::peer(&rt),
        rig: rig_agent::tool::ToolSet::from_tools(vec![rig::Add]),
    };
    let shapes = shapes();
    // Each shape through the floor and the toolbox; then the smallest alone, in rmcp, in rig.
    let mut variants: Vec<(Way, usize)> = (0..shapes.len())
        .flat_map(|shape| [(Way::Floor, shape), (Way::Toolbox, shape)])
        .collect();
    variants.extend([(Way::Alone, 0), (Way::Rmcp, 0), (Way::Rig, 0)]);

    // The variants of a shape give the same text, or the comparison means nothing.
    for &(way, shape) in &variants {
        let Shape {
            tool, arguments, ..
        } = &shapes[shape];
        let floor = rt.block_on(bench.call(Way::Floor, tool, arguments));
        assert_eq!(
            rt.block_on(bench.call(way, tool, arguments)),
            floor,
            "{tool}"
        );
    }
    if std::env::args().any(|a| a == "--test") {
        return; // a check that every variant works, not a measurement
    }

    let rounds = interleaved(variants.len(), ROUNDS, |variant, calls| {
        let (way, shape) = variants[variant];
        let Shape {
            tool, arguments, ..
        } = &shapes[shape];
        bench.time(&rt, way, tool, arguments, calls)
    });
    let index = |way: Way, shape: usize| {
        variants
            .iter()
            .position(|&v| v == (way, shape))
            .expect("a variant")
    };

    println!("== dispatch of one call, {ROUNDS} interleaved rounds ==");
    println!(
        "{:<52} {:>7} {:>11} {:>15} {:>7}",
        "arguments", "bytes", "floor", "Toolbox::call", "ratio"
    );
    for (
        shape,
        Shape {
            label,
            arguments,
            target,
            ..
        },
    ) in shapes.iter().enumerate()
    {
        let (floor, ours) = (index(Way::Floor, shape), index(Way::Toolbox, shape));
        let ratio = rounds.ratio(ours, floor);
        println!(
            "{label:<52} {:>7} {:>8.1} ns {:>12.1} ns {ratio:>6.2}x  target <= {target:.1}x: {}",
            arguments.len(),
            rounds.median(floor),
            rounds.median(ours),
            verdict(ratio <= *target),
        );
    }
    let ours = index(Way::Toolbox, 0);
    for (way, label) in [
        (Way::Rmcp, "rmcp 3.11 ToolRouter::call"),
        (Way::Rig, "rig 0.44 ToolSet::execute"),
    ] {
        let theirs = index(way, 0);
        let ratio = rounds.ratio(ours, theirs);
        println!(
            "{label}, add: {:.1} ns; ours/theirs = {ratio:.2}x  target < 1.0x: {}",
            rounds.median(theirs),
            verdict(ratio < 1.0),
        );
    }
    let alone = index(Way::Alone, 0);
    println!(
        "#[tool] alone (Tool::call, no toolbox), add: {:.1} ns = {:.2}x the floor",
        rounds.median(alone),
        rounds.ratio(alone, index(Way::Floor, 0)),
    );
}
