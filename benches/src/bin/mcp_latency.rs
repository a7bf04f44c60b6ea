//! MCP latency: 1,000 sequential `tools/call`s of a trivial tool, one at a time, on stdio (this
//! binary run again as a child process) and on one keep-alive HTTP connection, side by side;
//! prints p50 and p99 of each, and whether HTTP's p50 is within 2x of stdio's. HTTP is
//! measured three ways: a server with sessions and a client at 2025-06-18 (rmcp answers each
//! request as an event stream); the same server and a client at 2026-07-28, which has no
//! sessions (rmcp serves it statelessly, in one JSON body); and a server built with
//! `HttpServerBuilder::stateless`, with a client at 2025-06-18. Beside them, for reference,
//! rmcp's own `StreamableHttpService` around the same `McpServer`, served by hyper with nothing
//! in front of it (no paths, origins, tokens, connection or session caps), with a client at
//! 2025-06-18: what rmcp's HTTP transport costs by itself.
//!
//! The transports are timed in interleaved rounds (50 calls on each in turn, 20 rounds), so
//! that a slow phase of the machine falls on all of them, not on one.
//!
//! ```text
//! cargo run --release --bin mcp_latency            # in benches/
//! cargo run --release --bin mcp_latency -- 10000   # more calls
//! ```

use std::net::SocketAddr;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tool_runtime::mcp::rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use tool_runtime::mcp::rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tool_runtime::mcp::{HttpServer, McpServer};
use tool_runtime::{Toolbox, tool};

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The revision of the clients with a handshake (and, on a server with sessions, a session).
const LEGACY: &str = "2025-06-18";

/// The revision without a handshake or sessions: every request says who is asking.
const MODERN: &str = "2026-07-28";

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

/// rmcp's streamable HTTP service around [`server`], with sessions and JSON answers as
/// `HttpServer` configures it, served by hyper on a port of its own with nothing in front.
/// Runs until the process ends.
async fn bare_rmcp() -> SocketAddr {
    let config = StreamableHttpServerConfig::default().with_json_response(true);
    let sessions = Arc::new(LocalSessionManager::default());
    let service = StreamableHttpService::new(|| Ok(server()), sessions, config);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            stream.set_nodelay(true).expect("TCP_NODELAY");
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    addr
}

/// Which server a client talks to.
enum Server {
    Ours(HttpServer),
    BareRmcp(SocketAddr),
}

impl Server {
    fn addr(&self) -> SocketAddr {
        match self {
            Server::Ours(server) => server.local_addr(),
            Server::BareRmcp(addr) => *addr,
        }
    }
}

/// A client on one keep-alive HTTP connection.
struct OverHttp {
    server: Server,
    sender: SendRequest<Full<Bytes>>,
    authority: String,
    session: Option<String>,
    revision: &'static str,
}

impl OverHttp {
    /// A server, with sessions or stateless, and a client at `revision`, past its handshake
    /// when the revision has one.
    async fn start(stateless: bool, revision: &'static str) -> Self {
        let mut builder = HttpServer::builder(server());
        if stateless {
            builder = builder.stateless();
        }
        let server = builder.bind("127.0.0.1:0").await.expect("bind");
        Self::connect(Server::Ours(server), revision).await
    }

    async fn connect(server: Server, revision: &'static str) -> Self {
        let stream = TcpStream::connect(server.addr()).await.expect("connect");
        // As HTTP clients such as reqwest and undici do.
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let authority = server.addr().to_string();
        let mut client = OverHttp {
            server,
            sender,
            authority,
            session: None,
            revision,
        };
        if revision == LEGACY {
            let (session, _) = client.post(initialize(), None).await;
            client.session = session;
            client.post(INITIALIZED.to_owned(), None).await;
        }
        client
    }

    /// Posts `body` (a `tools/call` of the tool `add` when `method` says so) and returns the
    /// session id the answer names, if any, and the answer's body.
    async fn post(&mut self, body: String, method: Option<&str>) -> (Option<String>, String) {
        let mut request = hyper::Request::post("/mcp")
            .header("host", &self.authority)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", self.revision);
        if let Some(id) = &self.session {
            request = request.header("mcp-session-id", id);
        }
        if let (MODERN, Some(method)) = (self.revision, method) {
            request = request
                .header("mcp-method", method)
                .header("mcp-name", "add");
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .expect("a request");
        self.sender
            .ready()
            .await
            .expect("the connection stays open");
        let response = self.sender.send_request(request).await.expect("an answer");
        let session = response
            .headers()
            .get("mcp-session-id")
            .map(|id| id.to_str().unwrap().to_owned());
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (session, String::from_utf8_lossy(&body).into_owned())
    }

    async fn call(&mut self, id: usize) -> String {
        let body = call(id, self.revision == MODERN);
        self.post(body, Some("tools/call")).await.1
    }
}

/// A client on the stdio of a child process serving MCP.
struct OverStdio {
    child: Child,
    input: ChildStdin,
    output: Lines<BufReader<ChildStdout>>,
}

impl OverStdio {
    async fn start() -> Self {
        let mut child = tokio::process::Command::new(std::env::current_exe().expect("this binary"))
            .arg("--serve-stdio")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the server starts");
        let input = child.stdin.take().expect("stdin is piped");
        let output = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let mut client = OverStdio {
            child,
            input,
            output,
        };
        client.send(initialize()).await;
        client.answer().await;
        client.send(INITIALIZED.to_owned()).await;
        client
    }

    async fn send(&mut self, line: String) {
        let line = format!("{line}\n");
        self.input
            .write_all(line.as_bytes())
            .await
            .expect("the server reads");
        self.input.flush().await.expect("the server reads");
    }

    async fn answer(&mut self) -> String {
        let line = self.output.next_line().await.expect("an answer");
        line.expect("the server answers")
    }

    async fn call(&mut self, id: usize) -> String {
        self.send(call(id, false)).await;
        self.answer().await
    }
}

/// One transport and its latencies.
enum Client {
    Stdio(OverStdio),
    Http(OverHttp),
}

impl Client {
    async fn call(&mut self, id: usize) -> String {
        match self {
            Client::Stdio(stdio) => stdio.call(id).await,
            Client::Http(http) => http.call(id).await,
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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if first.as_deref() == Some("--serve-stdio") {
        server().serve_stdio().await.expect("served");
        return ExitCode::SUCCESS;
    }
    let calls: usize = first.map_or(1_000, |n| n.parse().expect("a number of calls"));
    let mut transports = [
        (
            "stdio (child process)",
            Client::Stdio(OverStdio::start().await),
        ),
        (
            "HTTP, sessions, client at 2025-06-18 (event stream)",
            Client::Http(OverHttp::start(false, LEGACY).await),
        ),
        (
            "HTTP, sessions, client at 2026-07-28 (JSON)",
            Client::Http(OverHttp::start(false, MODERN).await),
        ),
        (
            "HTTP, stateless server, client at 2025-06-18 (JSON)",
            Client::Http(OverHttp::start(true, LEGACY).await),
        ),
        (
            "rmcp's HTTP service alone, sessions, 2025-06-18",
            Client::Http(OverHttp::connect(Server::BareRmcp(bare_rmcp().await), LEGACY).await),
        ),
    ];
    let mut latencies: Vec<Vec<Duration>> = vec![Vec::with_capacity(calls); transports.len()];
    let mut id = 0;
    while latencies[0].len() < calls {
        let round = PER_ROUND.min(calls - latencies[0].len());
        for ((_, client), latencies) in transports.iter_mut().zip(&mut latencies) {
            for _ in 0..round {
                id += 1;
                let started = Instant::now();
                let answer = client.call(id).await;
                latencies.push(started.elapsed());
                check(&answer, id);
            }
        }
    }
    for latencies in &mut latencies {
        latencies.sort();
    }
    let stdio_p50 = percentile(&latencies[0], 0.5);
    println!(
        "{calls} sequential tools/call of a trivial tool on each transport, in rounds of {PER_ROUND}:"
    );
    println!(
        "{:<52} {:>8} {:>10} {:>16}",
        "", "p50", "p99", "p50 / stdio p50"
    );
    let mut met = true;
    for ((name, client), sorted) in transports.iter().zip(&latencies) {
        let p50 = percentile(sorted, 0.5);
        let ratio = p50.as_secs_f64() / stdio_p50.as_secs_f64();
        // The target is for our HTTP server; stdio is the base, rmcp's service a reference.
        let ours = matches!(
            client,
            Client::Http(OverHttp {
                server: Server::Ours(_),
                ..
            })
        );
        let verdict = match ours {
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
    for (_, client) in transports {
        match client {
            Client::Stdio(OverStdio {
                mut child, input, ..
            }) => {
                drop(input);
                child.wait().await.expect("the server ends");
            }
            Client::Http(OverHttp {
                server: Server::Ours(server),
                ..
            }) => server.shutdown().await,
            Client::Http(_) => {}
        }
    }
    if met {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
