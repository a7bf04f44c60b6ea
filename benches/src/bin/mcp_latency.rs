//! MCP latency: 1,000 sequential `tools/call`s of a trivial tool, one at a time, on one
//! keep-alive HTTP connection and on stdio (this binary run again as a child process), side
//! by side; prints p50 and p99 of each, and whether HTTP's p50 is within 2x of stdio's. HTTP is
//! measured twice: with a session (the default; rmcp answers each request as an event stream)
//! and stateless (`HttpServerBuilder::stateless`; a call that reports no progress is answered
//! as one JSON body).
//!
//! ```text
//! cargo run --release --bin mcp_latency            # in benches/
//! cargo run --release --bin mcp_latency -- 10000   # more calls
//! ```

use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tool_runtime::mcp::{HttpServer, McpServer};
use tool_runtime::{Toolbox, tool};

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

const REVISION: &str = "2025-06-18";

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
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{REVISION}","capabilities":{{}},"clientInfo":{{"name":"bench","version":"0"}}}}}}"#
    )
}

const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

fn call(id: usize) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"add","arguments":{{"a":{id},"b":1}}}}}}"#
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

/// The calls' latencies over one keep-alive HTTP connection, to a server with sessions or
/// a stateless one.
async fn over_http(calls: usize, stateless: bool) -> Vec<Duration> {
    let mut builder = HttpServer::builder(server());
    if stateless {
        builder = builder.stateless();
    }
    let http = builder.bind("127.0.0.1:0").await.expect("bind");
    let stream = TcpStream::connect(http.local_addr())
        .await
        .expect("connect");
    // As HTTP clients such as reqwest and undici do.
    stream.set_nodelay(true).expect("TCP_NODELAY");
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let authority = http.local_addr().to_string();
    let mut session = None;
    let mut post = async |body: String, session: &Option<String>| {
        let mut request = hyper::Request::post("/mcp")
            .header("host", &authority)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", REVISION);
        if let Some(id) = session {
            request = request.header("mcp-session-id", id);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .expect("a request");
        sender.ready().await.expect("the connection stays open");
        let response = sender.send_request(request).await.expect("an answer");
        let id = response
            .headers()
            .get("mcp-session-id")
            .map(|id| id.to_str().unwrap().to_owned());
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (id, String::from_utf8_lossy(&body).into_owned())
    };
    let (id, _) = post(initialize(), &session).await;
    session = id;
    post(INITIALIZED.to_owned(), &session).await;
    let mut latencies = Vec::with_capacity(calls);
    for id in 1..=calls {
        let started = Instant::now();
        let (_, answer) = post(call(id), &session).await;
        latencies.push(started.elapsed());
        check(&answer, id);
    }
    http.shutdown().await;
    latencies
}

/// The calls' latencies over the stdio of a child process serving MCP.
async fn over_stdio(calls: usize) -> Vec<Duration> {
    let mut child = tokio::process::Command::new(std::env::current_exe().expect("this binary"))
        .arg("--serve-stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    let mut output = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
    let mut send = async |line: String| {
        input
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("the server reads");
        input.flush().await.expect("the server reads");
    };
    send(initialize()).await;
    output
        .next_line()
        .await
        .expect("an answer")
        .expect("the server answers");
    send(INITIALIZED.to_owned()).await;
    let mut latencies = Vec::with_capacity(calls);
    for id in 1..=calls {
        let started = Instant::now();
        send(call(id)).await;
        let answer = output
            .next_line()
            .await
            .expect("an answer")
            .expect("the server answers");
        latencies.push(started.elapsed());
        check(&answer, id);
    }
    drop(send);
    drop(input);
    child.wait().await.expect("the server ends");
    latencies
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
    let mut stdio = over_stdio(calls).await;
    let mut sessions = over_http(calls, false).await;
    let mut stateless = over_http(calls, true).await;
    stdio.sort();
    sessions.sort();
    stateless.sort();
    let stdio_p50 = percentile(&stdio, 0.5);
    println!("{calls} sequential tools/call of a trivial tool, one at a time:");
    println!(
        "{:<48} {:>10} {:>10} {:>16}",
        "", "p50", "p99", "p50 / stdio p50"
    );
    let row = |name: &str, sorted: &[Duration]| {
        let p50 = percentile(sorted, 0.5);
        let ratio = p50.as_secs_f64() / stdio_p50.as_secs_f64();
        println!(
            "{name:<48} {:>10} {:>10} {:>16}",
            micros(p50),
            micros(percentile(sorted, 0.99)),
            format!("{ratio:.2}")
        );
        ratio
    };
    row("stdio (child process)", &stdio);
    let with_sessions = row("streamable HTTP, session (event stream answers)", &sessions);
    let without = row("streamable HTTP, stateless (JSON answers)", &stateless);
    let verdict = |ratio: f64| if ratio <= 2.0 { "PASS" } else { "FAIL" };
    println!(
        "target HTTP p50 at most 2x stdio p50: session {}, stateless {}",
        verdict(with_sessions),
        verdict(without)
    );
    if with_sessions <= 2.0 && without <= 2.0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
