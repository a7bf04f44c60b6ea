//! MCP latency: 1,000 sequential `tools/call`s of a trivial tool, one at a time, on stdio and on
//! one keep-alive HTTP connection, side by side; prints p50 and p99 of each, and whether HTTP's
//! p50 is within 2x of stdio's.
//!
//! Every server runs as a deployed one does: in a process of its own (this binary, run again
//! with `--serve`), on the runtime `#[tokio::main]` gives it, or with `--current-thread` on
//! tokio's current-thread runtime. The client is the same plain code for every transport:
//! blocking writes and reads on this process's main thread, no runtime and no client library,
//! so what is timed is the server and the kernel's pipe or socket.
//!
//! HTTP is measured three ways: a server with sessions and a client at 2025-06-18 (rmcp answers
//! each request as an event stream); the same server and a client at 2026-07-28, which has no
//! sessions (rmcp serves it statelessly, in one JSON body); and a server built with
//! `HttpServerBuilder::stateless`, with a client at 2025-06-18. Beside them, for reference,
//! rmcp's own `StreamableHttpService` around the same `McpServer`, served by hyper with nothing
//! in front of it (no paths, origins, tokens, connection or session caps), with a client at
//! 2025-06-18: what rmcp's HTTP transport costs by itself; and hyper alone, answering each
//! call with serde_json and no MCP library: what any HTTP/1.1 server costs on this machine.
//!
//! With `--reference`, the official SDKs' servers are measured beside ours: the Python SDK's
//! `MCPServer` and the TypeScript SDK's `McpServer` (`server.py` and `server.mjs` in
//! `../tests/clients`, whose `add` is the tool called), on stdio and on streamable HTTP with
//! sessions and JSON answers, each HTTP row over its own SDK's stdio. They run from the test
//! clients' installs (`../tests/clients`, which `.ci/run` makes), and are skipped with the
//! reason when those are missing.
//!
//! The transports are timed in interleaved rounds (50 calls on each in turn), so that a slow
//! phase of the machine falls on all of them, not on one.
//!
//! ```text
//! cargo run --release --bin mcp_latency                            # in benches/
//! cargo run --release --bin mcp_latency -- 10000                   # more calls
//! cargo run --release --bin mcp_latency -- 1000 --current-thread   # servers on one thread
//! cargo run --release --bin mcp_latency -- 1000 --reference        # and the official SDKs'
//! ```

use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tool_runtime::mcp::rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use tool_runtime::mcp::rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tool_runtime::mcp::{HttpServer, McpServer};
use tool_runtime::{Toolbox, tool};
use tool_runtime_benches::plain_http::{MODERN, PlainHttp};

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The revision of the clients with a handshake (and, on a server with sessions, a session).
const LEGACY: &str = "2025-06-18";

/// Calls on each transport per round.
const PER_ROUND: usize = 50;

fn server() -> McpServer {
    McpServer::new(
        Toolbox::builder()
            .tool(add::tool())
            .build()
            .expect("one tool"),
    )
}

fn initialize() -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{LEGACY}","capabilities":{{}},"clientInfo":{{"name":"bench","version":"0"}}}}}}"#
    )
}

const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// `tools/call` number `id`, with the request metadata 2026-07-28 requires when `modern`.
fn call(id: usize, modern: bool) -> String {
    let meta = if modern {
        format!(
            r#","_meta":{{"io.modelcontextprotocol/protocolVersion":"{MODERN}","io.modelcontextprotocol/clientCapabilities":{{}},"io.modelcontextprotocol/clientInfo":{{"name":"bench","version":"0"}}}}"#
        )
    } else {
        String::new()
    };
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"add","arguments":{{"a":{id},"b":1}}{meta}}}}}"#
    )
}

/// Checks that `answer` is the result of call `id`.
fn check(answer: &str, id: usize) {
    let expected = format!("\"text\":\"{}\"", id + 1);
    assert!(
        answer.contains(&expected),
        "unexpected answer to call {id}: {answer}"
    );
}

/// A server this binary runs in a child process, by its name on the command line.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Stdio,
    /// `HttpServer`, with sessions.
    Http,
    /// `HttpServer`, stateless.
    HttpStateless,
    /// rmcp's streamable HTTP service, with sessions and JSON answers as `HttpServer`
    /// configures it, served by hyper with nothing in front.
    BareRmcp,
    /// hyper alone: each request's body read and parsed with serde_json, and the call answered
    /// in one JSON body, with no MCP library.
    BareHyper,
    /// The official SDKs' servers (in `../tests/clients`), on stdio and on streamable HTTP with
    /// sessions and JSON answers, when `--reference` asks for them.
    Reference(Sdk, Transport),
}

/// An official MCP SDK whose server `--reference` measures beside ours.
#[derive(Clone, Copy, PartialEq)]
enum Sdk {
    Python,
    TypeScript,
}

#[derive(Clone, Copy, PartialEq)]
enum Transport {
    Stdio,
    Http,
}

impl Sdk {
    /// The command that runs this SDK's reference server, or why it can't be run.
    fn command(self) -> Result<Command, String> {
        let clients = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/clients");
        let (interpreter, script, installed) = match self {
            Sdk::Python => (
                clients.join(".venv/bin/python"),
                "python/server.py",
                clients.join(".venv/bin/python"),
            ),
            Sdk::TypeScript => (
                "node".into(),
                "node/server.mjs",
                clients.join("node/node_modules/@modelcontextprotocol/sdk"),
            ),
        };
        if !installed.exists() {
            return Err(format!(
                "{} is missing; install the test clients as .ci/run does",
                installed.display()
            ));
        }
        let mut command = Command::new(interpreter);
        command.arg(clients.join(script));
        Ok(command)
    }
}

impl Kind {
    const NAMES: [(&str, Kind); 5] = [
        ("stdio", Kind::Stdio),
        ("http", Kind::Http),
        ("http-stateless", Kind::HttpStateless),
        ("bare-rmcp", Kind::BareRmcp),
        ("bare-hyper", Kind::BareHyper),
    ];

    fn name(self) -> &'static str {
        if let Kind::Reference(_, transport) = self {
            return match transport {
                Transport::Stdio => "stdio",
                // JSON answers, as ours give clients at 2026-07-28.
                Transport::Http => "http-json",
            };
        }
        Self::NAMES
            .iter()
            .find(|(_, kind)| *kind == self)
            .unwrap()
            .0
    }

    fn named(name: &str) -> Kind {
        Self::NAMES
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no server named {name}"))
            .1
    }

    /// Serves until standard input closes. An HTTP server first prints its address.
    async fn serve(self) {
        match self {
            Kind::Stdio => server().serve_stdio().await.expect("served"),
            Kind::Http | Kind::HttpStateless => {
                let mut builder = HttpServer::builder(server());
                if self == Kind::HttpStateless {
                    builder = builder.stateless();
                }
                let server = builder.bind("127.0.0.1:0").await.expect("bind");
                println!("{}", server.local_addr());
                until_stdin_closes().await;
                server.shutdown().await;
            }
            Kind::BareRmcp => {
                let config = StreamableHttpServerConfig::default().with_json_response(true);
                let sessions = Arc::new(LocalSessionManager::default());
                let service = StreamableHttpService::new(|| Ok(server()), sessions, config);
                serve_with_hyper(TowerToHyperService::new(service)).await;
            }
            Kind::BareHyper => serve_with_hyper(service_fn(answer_by_hand)).await,
            Kind::Reference(..) => unreachable!("the reference servers are not this binary"),
        }
    }
}

/// Serves `service` with hyper on 127.0.0.1, printing its address, until standard input closes.
async fn serve_with_hyper<S>(service: S)
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<BoxBody<Bytes, Infallible>>>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    println!("{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            stream.set_nodelay(true).expect("TCP_NODELAY");
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service.clone()),
            );
        }
    });
    until_stdin_closes().await;
}

/// Answers a JSON-RPC request with no MCP library: a `tools/call` of `add` with its sum, any
/// other request with an empty result, a notification with 202.
async fn answer_by_hand(
    request: Request<Incoming>,
) -> Result<Response<BoxBody<Bytes, Infallible>>, hyper::Error> {
    let body = request.into_body().collect().await?.to_bytes();
    let message: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let Some(id) = message.get("id") else {
        let mut accepted = Response::new(Full::default().boxed());
        *accepted.status_mut() = hyper::StatusCode::ACCEPTED;
        return Ok(accepted);
    };
    let arguments = &message["params"]["arguments"];
    let result = match (arguments["a"].as_i64(), arguments["b"].as_i64()) {
        (Some(a), Some(b)) => serde_json::json!({
            "content": [{"type": "text", "text": (a + b).to_string()}],
            "structuredContent": {"result": a + b},
            "isError": false,
        }),
        _ => serde_json::json!({}),
    };
    let answer = serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result});
    let mut response = Response::new(Full::new(Bytes::from(answer.to_string())).boxed());
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

async fn until_stdin_closes() {
    let _ = tokio::io::stdin().read_to_end(&mut Vec::new()).await;
}

/// A server in a child process. Dropping it closes the server's input, and waits for it to end.
struct ServerProcess {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl ServerProcess {
    fn start(kind: Kind, current_thread: bool) -> Self {
        let mut command = match kind {
            Kind::Reference(sdk, _) => {
                let mut command = sdk.command().expect("checked before");
                command.arg(kind.name());
                command
            }
            _ => {
                let mut command = Command::new(std::env::current_exe().expect("this binary"));
                command.args(["--serve", kind.name()]);
                if current_thread {
                    command.arg("--current-thread");
                }
                command
            }
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let input = child.stdin.take();
        let output = BufReader::new(child.stdout.take().expect("stdout is piped"));
        ServerProcess {
            child,
            input,
            output,
        }
    }

    fn write_line(&mut self, line: &str) -> io::Result<()> {
        let input = self.input.as_mut().expect("open until dropped");
        input.write_all(format!("{line}\n").as_bytes())
    }

    fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.output.read_line(&mut line).expect("the server writes");
        assert!(line.ends_with('\n'), "the server ended");
        line.truncate(line.len() - 1);
        line
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.input.take());
        let _ = self.child.wait();
    }
}

/// A client of one server, on its standard input and output or over HTTP.
struct Client {
    server: ServerProcess,
    http: Option<PlainHttp>,
}

impl Client {
    /// Starts a server and a client at `revision`, past its handshake when it has one.
    fn start(kind: Kind, revision: &'static str, current_thread: bool) -> Self {
        let mut server = ServerProcess::start(kind, current_thread);
        let http = match kind {
            Kind::Stdio | Kind::Reference(_, Transport::Stdio) => None,
            _ => Some(PlainHttp::connect(server.read_line(), revision)),
        };
        let mut client = Client { server, http };
        if revision == LEGACY {
            client.send(&initialize(), None);
            match &mut client.http {
                Some(http) => {
                    http.post(INITIALIZED, None);
                }
                None => {
                    client.server.read_line();
                    client.send(INITIALIZED, None);
                }
            }
        }
        client
    }

    /// Sends `message` (a `tools/call` of `call`, if given) and returns the answer, or `None` on
    /// stdio, where the answer is read from the server's output.
    fn send(&mut self, message: &str, call: Option<&str>) -> Option<String> {
        match &mut self.http {
            Some(http) => Some(http.post(message, call)),
            None => {
                self.server.write_line(message).expect("the server reads");
                None
            }
        }
    }

    fn call(&mut self, id: usize) -> String {
        let modern = self
            .http
            .as_ref()
            .is_some_and(|http| http.revision() == MODERN);
        match self.send(&call(id, modern), Some("add")) {
            Some(answer) => answer,
            None => self.server.read_line(),
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn micros(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let current_thread = args.iter().any(|arg| arg == "--current-thread");
    if let [serve, name, ..] = &args[..]
        && serve == "--serve"
    {
        let runtime = match current_thread {
            true => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
            false => tokio::runtime::Runtime::new(),
        };
        runtime
            .expect("a runtime")
            .block_on(Kind::named(name).serve());
        return ExitCode::SUCCESS;
    }
    let calls: usize = args
        .iter()
        .find(|arg| !arg.starts_with("--"))
        .map_or(1_000, |n| n.parse().expect("a number of calls"));
    // (name, client, the row its p50 is compared with, whether the 2x target applies: to our
    // HTTP server, not to the base or the references)
    let mut transports = vec![
        (
            "stdio",
            Client::start(Kind::Stdio, LEGACY, current_thread),
            0,
            false,
        ),
        (
            "HTTP, sessions, client at 2025-06-18 (event stream)",
            Client::start(Kind::Http, LEGACY, current_thread),
            0,
            true,
        ),
        (
            "HTTP, sessions, client at 2026-07-28 (JSON)",
            Client::start(Kind::Http, MODERN, current_thread),
            0,
            true,
        ),
        (
            "HTTP, stateless server, client at 2025-06-18 (JSON)",
            Client::start(Kind::HttpStateless, LEGACY, current_thread),
            0,
            true,
        ),
        (
            "rmcp's HTTP service alone, sessions, 2025-06-18",
            Client::start(Kind::BareRmcp, LEGACY, current_thread),
            0,
            false,
        ),
        (
            "hyper alone, serde_json, no MCP library",
            Client::start(Kind::BareHyper, LEGACY, current_thread),
            0,
            false,
        ),
    ];
    if args.iter().any(|arg| arg == "--reference") {
        let sdks = [
            (Sdk::Python, "Python SDK's server (mcp)"),
            (Sdk::TypeScript, "TypeScript SDK's server"),
        ];
        for (sdk, name) in sdks {
            if let Err(missing) = sdk.command() {
                println!("{name} is not measured: {missing}.");
                continue;
            }
            let base = transports.len();
            let stdio = Kind::Reference(sdk, Transport::Stdio);
            let http = Kind::Reference(sdk, Transport::Http);
            transports.push((name, Client::start(stdio, LEGACY, false), base, false));
            let client = Client::start(http, LEGACY, false);
            transports.push((
                "  the same SDK, HTTP, sessions (JSON), / its stdio",
                client,
                base,
                false,
            ));
        }
    }
    let mut latencies: Vec<Vec<Duration>> = vec![Vec::with_capacity(calls); transports.len()];
    let mut id = 0;
    while latencies[0].len() < calls {
        let round = PER_ROUND.min(calls - latencies[0].len());
        for ((_, client, _, _), latencies) in transports.iter_mut().zip(&mut latencies) {
            for _ in 0..round {
                id += 1;
                let started = Instant::now();
                let answer = client.call(id);
                latencies.push(started.elapsed());
                check(&answer, id);
            }
        }
    }
    for latencies in &mut latencies {
        latencies.sort();
    }
    let runtime = match current_thread {
        true => "tokio's current-thread runtime",
        false => "the runtime #[tokio::main] gives them",
    };
    println!(
        "{calls} sequential tools/call of a trivial tool on each transport, in rounds of \
         {PER_ROUND}; each server in a process of its own, on {runtime}:"
    );
    println!(
        "{:<52} {:>8} {:>10} {:>16}",
        "", "p50", "p99", "p50 / stdio p50"
    );
    let p50s: Vec<Duration> = latencies
        .iter()
        .map(|sorted| percentile(sorted, 0.5))
        .collect();
    let mut met = true;
    for (((name, _, base, target), sorted), &p50) in transports.iter().zip(&latencies).zip(&p50s) {
        let ratio = p50.as_secs_f64() / p50s[*base].as_secs_f64();
        let verdict = match target {
            true if ratio <= 2.0 => "target <= 2x: PASS",
            true => {
                met = false;
                "target <= 2x: FAIL"
            }
            false => "",
        };
        println!(
            "{name:<52} {:>8} {:>10} {:>7.2} {verdict}",
            micros(p50),
            micros(percentile(sorted, 0.99)),
            ratio
        );
    }
    if met {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
