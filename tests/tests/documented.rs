//! Defaults the README and the rustdoc state, each shown at the value they state: the other
//! test files set their own values to keep the tests short.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tool_runtime::mcp::{HttpServer, McpServer};
use tool_runtime::{ToolCall, Toolbox, tool};

/// Waits `secs` seconds, then says so.
#[tool]
async fn wait(secs: u64) -> String {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    format!("waited {secs}s")
}

/// `ToolboxBuilder::default_timeout`: "How long a call may take when its tool sets no timeout
/// (default: 60 s)."
#[tokio::test(start_paused = true)]
async fn a_call_whose_tool_sets_no_timeout_has_sixty_seconds() {
    let toolbox = Toolbox::builder().tool(wait::tool()).build().unwrap();
    assert_eq!(
        toolbox.call("wait", r#"{"secs": 59}"#).await.text(),
        "waited 59s"
    );
    assert_eq!(
        toolbox.call("wait", r#"{"secs": 61}"#).await.text(),
        "wait timed out after 1m. Try again with a smaller request, or do without it."
    );
}

/// `Limits::batch_size`: "The most calls one batch runs; calls past it are answered without
/// running (default 128)."
#[tokio::test]
async fn a_batch_runs_at_most_128_calls_by_default() {
    let toolbox = Toolbox::builder().tool(wait::tool()).build().unwrap();
    let calls = (0..129).map(|i| ToolCall::new(format!("c{i}"), "wait", r#"{"secs": 0}"#));
    let results = toolbox.call_all(calls).await;
    assert_eq!(results[127].output.text(), "waited 0s");
    assert_eq!(
        results[128].output.text(),
        "wait was not run: 129 calls came at once, over the limit of 128. Call at most 128 \
         tools at a time."
    );
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST_RUNNING: AtomicUsize = AtomicUsize::new(0);
static GATE: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

/// Holds its thread until the test opens the gate.
#[tool(timeout = "1s")]
fn hold() -> String {
    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    MOST_RUNNING.fetch_max(now, Ordering::SeqCst);
    let (lock, opened) = &GATE;
    let mut open = lock.lock().unwrap();
    while !*open {
        open = opened.wait(open).unwrap();
    }
    RUNNING.fetch_sub(1, Ordering::SeqCst);
    "held".to_owned()
}

/// README: "at most 64 blocking calls per toolbox, late ones counted
/// (`ToolStats::running_late`)"; `tool_attr.md`: "(64 by default)".
/// Opens the gate when dropped: the held threads return even when an assertion fails, or the
/// runtime, which waits for its blocking threads, would never shut down.
struct OpenGate;

impl Drop for OpenGate {
    fn drop(&mut self) {
        let (lock, opened) = &GATE;
        *lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        opened.notify_all();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_64_blocking_calls_run_at_once_by_default() {
    let gate = OpenGate;
    let toolbox = Toolbox::builder().tool(hold::tool()).build().unwrap();
    let calls = (0..100).map(|i| ToolCall::new(i.to_string(), "hold", "{}"));
    let results = toolbox.call_all(calls).await;
    assert!(results.iter().all(|r| r.output.text()
        == "hold timed out after 1s. Try again with a smaller request, or do without it."));
    assert_eq!(MOST_RUNNING.load(Ordering::SeqCst), 64);
    assert_eq!(toolbox.stats("hold").unwrap().running_late, 64);
    drop(gate);
    while toolbox.stats("hold").unwrap().running_late > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(RUNNING.load(Ordering::SeqCst), 0);
}

/// Reads `stream` until the server closes it, or fails after 5 s.
async fn until_closed(stream: &mut TcpStream, what: &str) -> String {
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    if tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .is_err()
    {
        panic!("{what} is held open past the header timeout");
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// README: "Headers must arrive within 10 s". A connection that sends nothing, fresh or kept
/// alive after an answer, is waiting for headers: it is closed too, or silent connections
/// would hold the 1,024 slots for ever.
#[tokio::test]
async fn a_connection_that_sends_no_headers_is_closed_at_the_header_timeout() {
    let toolbox = Toolbox::builder().build().unwrap();
    let server = HttpServer::builder(McpServer::new(toolbox))
        .header_read_timeout(Duration::from_millis(300))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(server.local_addr()).await.unwrap();
    until_closed(&mut silent, "a connection that never sends a byte").await;
    let mut kept = TcpStream::connect(server.local_addr()).await.unwrap();
    let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    kept.write_all(request.as_bytes()).await.unwrap();
    let answer = until_closed(&mut kept, "a kept-alive connection").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.shutdown().await;
}

// The example tools' doc comments are their descriptions: the model reads the defaults there.

/// `fetch_url`: "`max_chars` - how many characters of the body to return (default 2000, ...)".
#[tokio::test]
async fn fetch_url_returns_2000_characters_by_default() {
    use examples::fixtures::{LocalServer, http_server};
    use examples::tools::{HttpClient, fetch_url};
    let server = LocalServer::start().await.unwrap();
    let http = HttpClient::allowing([server.addr()]).unwrap();
    let article = http_server::article();
    let total = article.chars().count();
    assert!(total > 2_000);
    let first: String = article.chars().take(2_000).collect();
    let cx = tool_runtime::CallContext::new();
    let text = fetch_url(server.url("/article"), None, &http, &cx)
        .await
        .unwrap();
    let (kept, note) = text.rsplit_once('\n').unwrap();
    assert_eq!(kept.chars().count(), 2_000);
    assert!(kept == first, "the body's first 2000 characters");
    assert_eq!(
        note,
        format!("[cut: {} more characters not shown]", total - 2_000)
    );
}

/// A folder of its own under the system's temporary folder, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("documented-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `query_db`: "`max_rows` - at most this many rows (default 50, at most 1000)".
#[test]
fn query_db_returns_50_rows_by_default() {
    use examples::tools::{Database, query_db};
    let scratch = Scratch::new("query-db");
    let path = scratch.0.join("cities.sqlite");
    examples::fixtures::database::create(&path).unwrap();
    let db = Database::open_read_only(&path).unwrap();
    let hundred = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100) \
                   SELECT x FROM n";
    let cx = tool_runtime::CallContext::new();
    let result = query_db(hundred.into(), None, &db, &cx).unwrap();
    assert_eq!((result.rows.len(), result.truncated), (50, true));
    let all = query_db(hundred.into(), Some(1_000), &db, &cx).unwrap();
    assert_eq!((all.rows.len(), all.truncated), (100, false));
}

/// `read_file`: "`max_bytes` - read at most this many bytes (default 65536, at most 1048576)".
#[test]
fn read_file_reads_65536_bytes_by_default() {
    use examples::tools::{FilesRoot, read_file};
    let scratch = Scratch::new("read-file");
    std::fs::write(scratch.0.join("big.txt"), "a".repeat(70_000)).unwrap();
    let root = FilesRoot::new(&scratch.0).unwrap();
    let text = read_file("big.txt".into(), None, &root).unwrap();
    let (kept, note) = text.split_once('\n').unwrap();
    assert_eq!(
        (kept.len(), note),
        (
            65_536,
            "[cut: showing 65536 of 70000 bytes; ask for more with max_bytes]"
        )
    );
}

/// Looks a key up.
#[tool(read_only)]
async fn lookup(key: String) -> String {
    format!("{key}: as listed")
}

/// Looks a key up, the other way.
#[tool(name = "lookup", read_only)]
async fn lookup_changed(key: String) -> String {
    format!("{key}: changed")
}

/// README: "The tools come from the first server that answers; a server that serves them
/// differently takes no calls (a warning names the tool) until it serves them as listed." Not
/// even when the servers that serve them as listed are down: "when all are down, calls try them
/// anyway" is about servers that stopped answering, not about other tools of the same name.
#[tokio::test]
async fn a_server_serving_other_tools_takes_no_calls_even_when_the_others_are_down() {
    use tool_runtime::mcp::RemoteServers;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let serve = |tool: tool_runtime::ToolRef| async move {
        let toolbox = Toolbox::builder().tool(tool).build().unwrap();
        HttpServer::builder(McpServer::new(toolbox))
            .bind("127.0.0.1:0")
            .await
            .unwrap()
    };
    let listed = serve(lookup::tool()).await;
    let changed = serve(lookup_changed::tool()).await;
    let servers = RemoteServers::builder([listed.url(), changed.url()])
        .probe_backoff(Duration::from_millis(50), Duration::from_millis(200))
        .connect()
        .await
        .unwrap();
    let up: Vec<bool> = servers.endpoints().iter().map(|e| e.up).collect();
    assert_eq!(up, [true, false]);
    let toolbox = Toolbox::builder().tools(servers.tools()).build().unwrap();
    let call = r#"{"key": "k"}"#;
    assert_eq!(toolbox.call("lookup", call).await.text(), "k: as listed");
    listed.shutdown().await;
    for _ in 0..4 {
        assert_eq!(
            toolbox.call("lookup", call).await.text(),
            "lookup failed: none of the 2 MCP servers answered the call. Try again in a moment, \
             or do without this tool."
        );
    }
    let up: Vec<bool> = servers.endpoints().iter().map(|e| e.up).collect();
    assert_eq!(up, [false, false]);
    // Serving the tools as listed, at the same address, it is probed back and takes calls.
    let addr = changed.local_addr();
    changed.shutdown().await;
    let toolbox_of_fixed = Toolbox::builder().tool(lookup::tool()).build().unwrap();
    let fixed = HttpServer::builder(McpServer::new(toolbox_of_fixed))
        .bind(addr)
        .await
        .unwrap();
    let probed_back = async {
        while !servers.endpoints()[1].up {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), probed_back)
        .await
        .expect("the server now serving the tools as listed is probed back within 10 s");
    assert_eq!(toolbox.call("lookup", call).await.text(), "k: as listed");
    fixed.shutdown().await;
}

/// README: `.oauth_protected_resource(..)` "serves the RFC 9728 metadata (to pages of any
/// origin too, since it is public)", while MCP itself refuses pages of other origins.
#[tokio::test]
async fn the_oauth_metadata_is_served_to_pages_of_any_origin() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let toolbox = Toolbox::builder().build().unwrap();
    let server = HttpServer::builder(McpServer::new(toolbox))
        .bearer_tokens(["s3cret"])
        .oauth_protected_resource("https://mcp.example.com/mcp", ["https://auth.example.com"])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let page = "https://elsewhere.example";
    let metadata = format!(
        "http://{}/.well-known/oauth-protected-resource/mcp",
        server.local_addr()
    );
    let preflight = http
        .request(reqwest::Method::OPTIONS, &metadata)
        .header("origin", page)
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let read = http
        .get(&metadata)
        .header("origin", page)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), reqwest::StatusCode::OK);
    assert_eq!(read.headers()["access-control-allow-origin"], "*");
    let document: serde_json::Value = read.json().await.unwrap();
    assert_eq!(document["resource"], "https://mcp.example.com/mcp");
    let mcp = http
        .post(server.url())
        .header("origin", page)
        .header("authorization", "Bearer s3cret")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(mcp.status(), reqwest::StatusCode::FORBIDDEN);
    server.shutdown().await;
}

/// README: without `token-count`, a declaration's tokens are "estimated from the length
/// (bytes / 4.3, within 15% of the exact count on each of the 104 declarations it was measured
/// on". schemas.rs and examples/tests/export.rs check the bound through the constants; these are
/// the figures the README gives.
#[test]
fn the_token_estimate_is_bytes_over_4_3_within_15_percent() {
    use tool_runtime::providers::budget::{self, BYTES_PER_TOKEN, ESTIMATE_ERROR_PERCENT};
    assert_eq!(BYTES_PER_TOKEN, 4.3);
    assert_eq!(ESTIMATE_ERROR_PERCENT, 15);
    assert_eq!(budget::estimate(&"x".repeat(43)), 10);
    assert_eq!(budget::estimate(&"x".repeat(44)), 11);
}

/// Converts an amount.
///
/// # Parameters
/// * `amount` - how much, in cents
/// * currency — an ISO 4217 code
#[tool]
async fn convert(amount: u64, currency: String) -> String {
    format!("{amount} {currency}")
}

/// `tool_attr.md`: "The `# Arguments` (or `# Parameters`) section of the doc comment describes
/// the parameters, one bullet each, and its bullets are left out of the tool's description",
/// with `-` or `—` between the name and the text.
#[test]
fn a_parameters_section_describes_the_parameters_as_arguments_does() {
    let spec = convert::tool().spec();
    assert_eq!(spec.description, "Converts an amount.");
    let properties = &spec.input_schema["properties"];
    assert_eq!(properties["amount"]["description"], "how much, in cents");
    assert_eq!(properties["currency"]["description"], "an ISO 4217 code");
}

/// How many times a server's tools ran.
#[derive(Default)]
struct Runs(AtomicUsize);

/// Records a call; not idempotent.
#[tool]
async fn record(#[state] runs: &Runs) -> String {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "recorded".to_owned()
}

/// Reads what was recorded.
#[tool(read_only)]
async fn peek(#[state] runs: &Runs) -> String {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "peeked".to_owned()
}

/// The status the server in front answers `tools/call` with instead of running it (0: none).
static CALL_STATUS: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
/// How many `tools/call` requests it answered so.
static REFUSED_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A balancer or a server that answers `tools/call` with `CALL_STATUS` before MCP sees it.
async fn refuse_calls(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let status = CALL_STATUS.load(Ordering::SeqCst);
    if status != 0 && bytes.windows(10).any(|w| w == b"tools/call") {
        REFUSED_CALLS.fetch_add(1, Ordering::SeqCst);
        return axum::http::StatusCode::from_u16(status)
            .unwrap()
            .into_response();
    }
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    next.run(request).await
}

/// README, `RemoteServers`: "A call that never reached a server (connection refused, 503, 429,
/// an unknown session) is sent to another one, whatever the tool. A call that was sent and got
/// no answer (the server died mid-call, a balancer's 502 or 504) is sent to another server only
/// if the server declared the tool `idempotentHint` or `readOnlyHint`".
#[tokio::test]
async fn remote_calls_refused_with_503_or_429_go_elsewhere_and_502_or_504_only_when_repeatable() {
    use tool_runtime::mcp::RemoteServers;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let toolbox_of = |runs: &std::sync::Arc<Runs>| {
        Toolbox::builder()
            .tools([record::tool(), peek::tool()])
            .state_arc(runs.clone())
            .build()
            .unwrap()
    };
    let (front_runs, other_runs) = (std::sync::Arc::default(), std::sync::Arc::default());
    let mcp = HttpServer::builder(McpServer::new(toolbox_of(&front_runs))).into_service();
    let app = axum::Router::new()
        .nest_service("/mcp", mcp)
        .layer(axum::middleware::from_fn(refuse_calls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front = format!("http://{}/mcp", listener.local_addr().unwrap());
    let app = tokio::spawn(async move { axum::serve(listener, app).await });
    let other = HttpServer::builder(McpServer::new(toolbox_of(&other_runs)))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let servers = RemoteServers::builder([front, other.url()])
        .down_after(1_000)
        .connect()
        .await
        .unwrap();
    let toolbox = Toolbox::builder().tools(servers.tools()).build().unwrap();
    let runs = |runs: &Runs| runs.0.load(Ordering::SeqCst);

    for status in [503, 429] {
        CALL_STATUS.store(status, Ordering::SeqCst);
        let refused = REFUSED_CALLS.load(Ordering::SeqCst);
        for _ in 0..4 {
            assert_eq!(
                toolbox.call("record", "{}").await.text(),
                "recorded",
                "{status}"
            );
        }
        assert!(
            REFUSED_CALLS.load(Ordering::SeqCst) > refused,
            "{status}: none tried there"
        );
    }
    assert_eq!((runs(&front_runs), runs(&other_runs)), (0, 8));

    let unknown = "record failed: unknown outcome: the server stopped answering after the call \
                   was sent, so it may or may not have run. Check whether it did before calling \
                   again.";
    for status in [502, 504] {
        CALL_STATUS.store(status, Ordering::SeqCst);
        let mut texts = Vec::new();
        for _ in 0..4 {
            texts.push(toolbox.call("record", "{}").await.text().to_owned());
            assert_eq!(
                toolbox.call("peek", "{}").await.text(),
                "peeked",
                "{status}"
            );
        }
        assert!(texts.iter().any(|t| t == unknown), "{status}: {texts:?}");
        assert!(
            texts.iter().all(|t| t == unknown || t == "recorded"),
            "{texts:?}"
        );
    }
    assert_eq!(runs(&front_runs), 0);
    CALL_STATUS.store(0, Ordering::SeqCst);
    other.shutdown().await;
    app.abort();
}

/// Says hello, as a static string.
#[tool]
async fn hello_static() -> &'static str {
    "hello"
}

/// Says hello, as a boxed string.
#[tool]
async fn hello_boxed() -> Result<Box<str>, String> {
    Ok("hello".into())
}

/// Says hello, as a copy-on-write string.
#[tool]
fn hello_cow() -> std::borrow::Cow<'static, str> {
    std::borrow::Cow::Borrowed("hello")
}

/// `tool_attr.md`: "A `String` (or `&'static str`, `Box<str>`, `Cow<str>`) result is passed as
/// text": not JSON, no structured content, no output schema.
#[tokio::test]
async fn string_like_results_are_passed_as_text() {
    let toolbox = Toolbox::builder()
        .tools([hello_static::tool(), hello_boxed::tool(), hello_cow::tool()])
        .build()
        .unwrap();
    for name in ["hello_static", "hello_boxed", "hello_cow"] {
        let output = toolbox.call(name, "{}").await;
        assert_eq!(
            (output.text(), output.structured()),
            ("hello", None),
            "{name}"
        );
        assert_eq!(toolbox.spec(name).unwrap().output_schema, None, "{name}");
    }
}

static PURGES: AtomicUsize = AtomicUsize::new(0);

/// Deletes every record.
#[tool(destructive)]
async fn purge() -> String {
    PURGES.fetch_add(1, Ordering::SeqCst);
    "purged".to_owned()
}

/// An MCP client whose user gives these answers to the approval forms, in turn.
struct User(Mutex<Vec<rmcp::model::ElicitResult>>);

impl rmcp::ClientHandler for User {
    async fn create_elicitation(
        &self,
        _request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<rmcp::RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        Ok(self.0.lock().unwrap().remove(0))
    }

    fn get_info(&self) -> rmcp::model::ClientConfig {
        let capabilities = rmcp::model::ClientCapabilities::builder()
            .enable_elicitation()
            .build();
        rmcp::model::ClientConfig::new(capabilities, rmcp::model::Implementation::new("tests", "0"))
    }
}

/// `tool_runtime::mcp`'s docs: when the approval policy asks a person and the client declared
/// elicitation, "the client's user answers a yes/no form [...]: only an accepted yes runs the
/// call". mcp_clients.rs shows it with the Python SDK, which skips where it is not installed;
/// this is rmcp's client, always there.
#[tokio::test]
async fn over_mcp_only_an_accepted_yes_runs_a_call_that_needs_approval() {
    use rmcp::ServiceExt;
    use rmcp::model::{CallToolRequestParams, ElicitResult, ElicitationAction};
    let toolbox = Toolbox::builder()
        .tool(purge::tool())
        .approval(tool_runtime::Approval::ask_destructive())
        .build()
        .unwrap();
    let accept = |content: Option<serde_json::Value>| {
        let answer = ElicitResult::new(ElicitationAction::Accept);
        match content {
            Some(content) => answer.with_content(content),
            None => answer,
        }
    };
    let answers = vec![
        accept(Some(serde_json::json!({"approve": false}))),
        accept(Some(serde_json::json!({"approve": "yes"}))),
        accept(None),
        ElicitResult::new(ElicitationAction::Decline),
        ElicitResult::new(ElicitationAction::Cancel),
        accept(Some(serde_json::json!({"approve": true}))),
    ];
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(async move {
        let running = McpServer::new(toolbox).serve(server_end).await.unwrap();
        let _ = running.waiting().await;
    });
    let client = User(Mutex::new(answers)).serve(client_end).await.unwrap();
    let mut texts = Vec::new();
    for _ in 0..6 {
        let result = client
            .call_tool(CallToolRequestParams::new("purge"))
            .await
            .unwrap();
        let text = result.content[0].as_text().unwrap().text.clone();
        texts.push((result.is_error, text));
    }
    for (is_error, text) in &texts[..5] {
        assert_eq!(*is_error, Some(true), "{text}");
        assert!(
            text.starts_with("purge was not run: the user declined it"),
            "{text}"
        );
    }
    assert_eq!(texts[5], (Some(false), "purged".to_owned()));
    assert_eq!(PURGES.load(Ordering::SeqCst), 1);
    client.cancel().await.unwrap();
    server.await.unwrap();
}
