//! The tools of an MCP server (our own, over a pipe and over HTTP) added to a toolbox with
//! `remote_tools` and called like local ones: specs, results, failures as text, the toolbox's
//! timeout, the remote call cancelled when the toolbox stops waiting, and the server's progress
//! reports passed on to each call's caller through a `ProgressRelay`.

mod mcp_tools;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rmcp::model::{JsonObject, Tool as McpTool};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::json;
use std::sync::Mutex;

use tool_runtime::mcp::{McpServer, ProgressRelay, RemoteTool, remote_tools};
use tool_runtime::{Annotations, CallContext, OnProgress, Progress, ToolCall, Toolbox, tool};

use mcp_tools::{Probe, http_client, within_10s};

/// The toolbox's timeout for calls that are not meant to time out.
const TEN_SECONDS: Duration = Duration::from_secs(10);

/// A client of a server of the test tools, over a pipe, and what the server's tools signal.
async fn connect() -> (RunningService<RoleClient, ()>, Arc<Probe>) {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(mcp_tools::toolbox(&probe));
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let running = server.serve(server_end).await.expect("handshake");
        running.waiting().await.expect("the server ran to its end");
    });
    let client = ().serve(client_end).await.expect("handshake");
    (client, probe)
}

/// A toolbox of the remote tools, which wait at most `timeout` for a call.
async fn remote_toolbox(client: &RunningService<RoleClient, ()>, timeout: Duration) -> Toolbox {
    Toolbox::builder()
        .tools(
            remote_tools(client.peer())
                .await
                .expect("the tools are listed"),
        )
        .default_timeout(timeout)
        .build()
        .expect("the remote tools fit together")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_tools_are_declared_as_the_server_describes_them() {
    let (client, _probe) = connect().await;
    let toolbox = remote_toolbox(&client, TEN_SECONDS).await;
    let names: Vec<&str> = toolbox.specs().map(|s| s.name.as_ref()).collect();
    assert_eq!(
        names,
        ["add", "city", "explode", "meet", "stall", "wait_for_cancel"]
    );
    let add = toolbox.spec("add").unwrap();
    assert_eq!(add.description, "Adds two numbers.");
    assert_eq!(
        add.input_schema,
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "a": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                "b": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}
            },
            "required": ["a", "b"]
        })
    );
    assert_eq!(
        add.output_schema,
        Some(json!({
            "type": "object",
            "properties": {"result": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}},
            "required": ["result"]
        }))
    );
    assert_eq!(
        add.annotations,
        Annotations {
            read_only: Some(true),
            idempotent: Some(true),
            ..Annotations::default()
        }
    );
    assert_eq!(add.timeout, None, "the toolbox's timeout applies");
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_tools_answer_like_local_ones() {
    let (client, _probe) = connect().await;
    let toolbox = remote_toolbox(&client, TEN_SECONDS).await;

    let output = toolbox.call("add", json!({"a": 2, "b": 3})).await;
    assert_eq!(output.text(), "5");
    assert_eq!(output.structured(), Some(&json!({"result": 5})));
    assert!(!output.is_error());

    let output = toolbox.call("city", r#"{"name": "Paris"}"#).await;
    assert_eq!(output.text(), r#"{"name":"Paris","population":2100000}"#);
    assert_eq!(
        output.structured(),
        Some(&json!({"name": "Paris", "population": 2_100_000}))
    );

    // The server's failures come back as the tool's failure, with the server's text.
    let output = toolbox.call("city", json!({"name": "Atlantis"})).await;
    assert!(output.is_error());
    assert_eq!(output.text(), r#"city failed: no city named "Atlantis""#);
    assert_eq!(
        toolbox
            .call("add", json!({"a": "two", "b": 3}))
            .await
            .text(),
        "add failed: invalid arguments for add: at `a`: invalid type: string \"two\", \
         expected i64. Fix the arguments and call add again."
    );
    assert_eq!(
        toolbox.call("explode", json!({})).await.text(),
        "explode failed: explode panicked: boom. This is a bug in the tool; try another approach."
    );
    assert_eq!(
        toolbox.call("stall", json!({})).await.text(),
        "stall failed: stall timed out after 50ms. Try again with a smaller request, or do \
         without it."
    );
    // Arguments that are not an object never reach the server.
    assert_eq!(
        toolbox.call("add", "[1, 2]").await.text(),
        "invalid arguments for add: the arguments must be a JSON object of named arguments. \
         Fix the arguments and call add again."
    );
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_toolbox_timeout_applies_and_cancels_the_remote_call() {
    let (client, probe) = connect().await;
    let toolbox = remote_toolbox(&client, Duration::from_millis(300)).await;
    let output = toolbox.call("wait_for_cancel", json!({})).await;
    assert_eq!(
        output.text(),
        "wait_for_cancel timed out after 300ms. Try again with a smaller request, or do \
         without it."
    );
    assert_eq!(toolbox.stats("wait_for_cancel").unwrap().timeouts, 1);
    // Our client sent notifications/cancelled for the dropped request: the server dropped the
    // tool.
    within_10s("the remote tool's drop", probe.dropped.notified()).await;
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_remote_calls_runs_concurrently() {
    let (client, _probe) = connect().await;
    let toolbox = remote_toolbox(&client, TEN_SECONDS).await;
    // Each `meet` waits for the other on the server: one after the other, both would time out.
    let results = toolbox
        .call_all([
            ToolCall::new("1", "meet", json!({"who": "Ada"})),
            ToolCall::new("2", "meet", json!({"who": "Bob"})),
        ])
        .await;
    let texts: Vec<&str> = results.iter().map(|r| r.output.text()).collect();
    assert_eq!(texts, ["Ada met", "Bob met"]);
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_the_server_does_not_have_fails_with_its_protocol_error() {
    let (client, _probe) = connect().await;
    let schema: JsonObject = serde_json::from_value(json!({"type": "object"})).unwrap();
    let gone = McpTool::new("vanished", "A tool the server no longer has.", schema);
    let toolbox = Toolbox::builder()
        .tool(Arc::new(RemoteTool::new(client.peer().clone(), gone)))
        .build()
        .unwrap();
    assert_eq!(
        toolbox.call("vanished", "{}").await.text(),
        "vanished failed: unknown tool \"vanished\". Available tools: add, city, explode, meet, \
         stall, wait_for_cancel."
    );
    // Once the client has stopped, a call says the server cannot be reached.
    let peer = client.peer().clone();
    client.cancel().await.unwrap();
    let toolbox = Toolbox::builder()
        .tools(
            [McpTool::new("add", "Adds.", JsonObject::new())]
                .map(|tool| Arc::new(RemoteTool::new(peer.clone(), tool)) as _),
        )
        .build()
        .unwrap();
    assert_eq!(
        toolbox.call("add", json!({"a": 1, "b": 2})).await.text(),
        "add failed: the MCP server did not answer the call (Transport closed)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_tools_work_over_http() {
    let probe = Arc::new(Probe::default());
    let http = McpServer::new(mcp_tools::toolbox(&probe))
        .serve_http("127.0.0.1:0")
        .await
        .unwrap();
    let client = http_client(http.url()).await;
    let toolbox = remote_toolbox(&client, Duration::from_secs(1)).await;
    assert_eq!(toolbox.len(), 6);
    let output = toolbox.call("add", json!({"a": 40, "b": 2})).await;
    assert_eq!(
        (output.text(), output.structured()),
        ("42", Some(&json!({"result": 42})))
    );
    let output = toolbox.call("wait_for_cancel", json!({})).await;
    assert_eq!(
        output.text(),
        "wait_for_cancel timed out after 1s. Try again with a smaller request, or do \
         without it."
    );
    within_10s("the remote tool's drop", probe.dropped.notified()).await;
    client.cancel().await.unwrap();
    within_10s("the HTTP server's shutdown", http.shutdown()).await;
}

/// Counts from 1 to `n`, reporting each step as progress.
#[tool]
async fn count(n: u32, cx: &CallContext) -> u32 {
    for step in 1..=n {
        cx.progress(step.into(), Some(n.into()), &format!("{n}: step {step}"));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    n
}

/// A toolbox of the tools of a server of `count`, over a pipe, through a client served with a
/// `ProgressRelay` when `relayed` (with no handler at all otherwise).
async fn counting_toolbox(relayed: bool) -> Toolbox {
    let server = McpServer::new(Toolbox::builder().tool(count::tool()).build().unwrap());
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let running = server.serve(server_end).await.expect("handshake");
        running.waiting().await.expect("the server ran to its end");
    });
    let tools = match relayed {
        true => {
            let client = ProgressRelay::default()
                .serve(client_end)
                .await
                .expect("handshake");
            let tools = ProgressRelay::remote_tools(&client).await.unwrap();
            // The client runs as long as the test's runtime.
            tokio::spawn(client.waiting());
            tools
        }
        false => {
            let client = ().serve(client_end).await.expect("handshake");
            let tools = remote_tools(client.peer()).await.unwrap();
            tokio::spawn(client.waiting());
            tools
        }
    };
    Toolbox::builder().tools(tools).build().unwrap()
}

/// A call of `count` to `n`, whose progress reports are kept in the vector beside it.
fn counting(id: &str, n: u32) -> (ToolCall, Arc<Mutex<Vec<Progress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = OnProgress::new({
        let seen = seen.clone();
        move |report| seen.lock().unwrap().push(report)
    });
    let call = ToolCall::new(id, "count", json!({"n": n})).with_progress(listener);
    (call, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_passes_each_calls_progress_on_to_its_own_caller() {
    let toolbox = counting_toolbox(true).await;
    // Two calls at once: the server reports both in turn, on the same connection.
    let (three, seen_three) = counting("1", 3);
    let (five, seen_five) = counting("2", 5);
    let results = toolbox.call_all([three, five]).await;
    let texts: Vec<&str> = results.iter().map(|r| r.output.text()).collect();
    assert_eq!(texts, ["3", "5"]);
    let steps = |n: u32| -> Vec<Progress> {
        (1..=n)
            .map(|step| Progress {
                done: step.into(),
                total: Some(n.into()),
                message: Some(format!("{n}: step {step}")),
            })
            .collect()
    };
    assert_eq!(*seen_three.lock().unwrap(), steps(3));
    assert_eq!(*seen_five.lock().unwrap(), steps(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_relay_progress_is_not_passed_on() {
    let toolbox = counting_toolbox(false).await;
    let (call, seen) = counting("1", 3);
    let results = toolbox.call_all([call]).await;
    assert_eq!(results[0].output.text(), "3");
    assert_eq!(*seen.lock().unwrap(), []);
}

/// A server of JSON-RPC lines on `end` that answers `initialize` and, for any other request,
/// the result `answer` gives for its method and params (`null`: no such method).
async fn serve_raw(
    end: tokio::io::DuplexStream,
    answer: impl Fn(&str, &serde_json::Value) -> serde_json::Value,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = tokio::io::split(end);
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let message: serde_json::Value = serde_json::from_str(&line).unwrap();
        let (Some(id), Some(method)) = (message.get("id"), message["method"].as_str()) else {
            continue;
        };
        let params = &message["params"];
        let answer = match (method, answer(method, params)) {
            ("initialize", _) => json!({"result": {
                "protocolVersion": params["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "raw", "version": "0"},
            }}),
            (_, serde_json::Value::Null) => {
                json!({"error": {"code": -32601, "message": "no such method"}})
            }
            (_, result) => json!({ "result": result }),
        };
        let mut answer = answer.as_object().unwrap().clone();
        answer.insert("jsonrpc".into(), json!("2.0"));
        answer.insert("id".into(), id.clone());
        let line = serde_json::to_string(&answer).unwrap() + "\n";
        if write.write_all(line.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A client of a raw server answering with `answer` (see [`serve_raw`]).
async fn raw_client(
    answer: impl Fn(&str, &serde_json::Value) -> serde_json::Value + Send + 'static,
) -> RunningService<RoleClient, ()> {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    tokio::spawn(serve_raw(server_end, answer));
    ().serve(client_end).await.expect("handshake")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_without_content_is_empty_and_one_of_another_kind_a_failure() {
    // `tools/call` of `terse` answers a result without the `content` MCP asks for; of any
    // other tool, the result of another request.
    let client = raw_client(|method, params| match method {
        "tools/call" if params["name"] == "terse" => json!({}),
        "tools/call" => json!({"tools": []}),
        _ => serde_json::Value::Null,
    })
    .await;
    let schema: JsonObject = serde_json::from_value(json!({"type": "object"})).unwrap();
    let tools = [
        ("terse", "Answers nothing."),
        ("odd", "Answers with a list of tools."),
    ]
    .map(|(name, about)| McpTool::new(name, about, schema.clone()))
    .map(|tool| Arc::new(RemoteTool::new(client.peer().clone(), tool)) as _);
    let toolbox = Toolbox::builder().tools(tools).build().unwrap();
    let output = toolbox.call("terse", "{}").await;
    assert!(!output.is_error(), "{}", output.text());
    assert_eq!(output.text(), "");
    let output = toolbox.call("odd", "{}").await;
    assert_eq!(
        output.text(),
        "odd failed: the MCP server answered with something other than the tool's result (such \
         as a request for more input, or a task to poll), which this client cannot use. Do without this tool."
    );
    client.cancel().await.unwrap();
}

/// A tool of a raw server's listing, with `schema` as its input schema.
fn listed(name: &str, schema: serde_json::Value) -> serde_json::Value {
    json!({"name": name, "description": "A tool.", "inputSchema": schema})
}

#[tokio::test]
async fn tools_mcp_refuses_and_second_namesakes_are_left_out_of_a_listing() {
    let object = json!({"type": "object"});
    let long = "a".repeat(129);
    let tools = json!([
        listed("ok", object.clone()),
        listed("", object.clone()),
        listed("has space/and\nnewline", object.clone()),
        listed(&long, object.clone()),
        listed("a_string", json!({"type": "string"})),
        listed("same", json!({"type": "object", "description": "first"})),
        listed("same", json!({"type": "object", "description": "second"})),
        listed("dotted.name", object.clone()),
    ]);
    let client = raw_client(move |method, _| match method {
        "tools/list" => json!({ "tools": tools }),
        _ => serde_json::Value::Null,
    })
    .await;
    let tools = remote_tools(client.peer()).await.expect("listed");
    let specs: Vec<_> = tools.iter().map(|tool| tool.spec()).collect();
    let names: Vec<_> = specs.iter().map(|spec| spec.name.as_ref()).collect();
    assert_eq!(names, ["ok", "same", "dotted.name"]);
    assert_eq!(specs[1].input_schema["description"], "first");
    client.cancel().await.unwrap();
}

/// The error of listing the tools of a raw server whose `tools/list` answers with
/// `page(n)` for its `n`th page, and how many pages it was asked for.
async fn listing_error(
    page: impl Fn(usize) -> serde_json::Value + Send + 'static,
) -> (String, usize) {
    let pages = Arc::new(AtomicUsize::new(0));
    let counted = pages.clone();
    let client = raw_client(move |method, _| match method {
        "tools/list" => page(counted.fetch_add(1, Ordering::Relaxed)),
        _ => serde_json::Value::Null,
    })
    .await;
    let Err(error) = within_10s("the listing's end", remote_tools(client.peer())).await else {
        panic!("the listing succeeded");
    };
    client.cancel().await.unwrap();
    (error.to_string(), pages.load(Ordering::Relaxed))
}

#[tokio::test]
async fn a_server_that_never_stops_paging_is_given_up_on() {
    let (error, pages) = listing_error(|_| json!({"tools": [], "nextCursor": "again"})).await;
    assert_eq!(
        error,
        "Mcp error: -32603: the server lists its tools on more than 100 pages; its tools are not \
         used"
    );
    assert_eq!(pages, 100);
}

#[tokio::test]
async fn a_listing_larger_than_16_mib_is_given_up_on() {
    let (error, pages) = listing_error(|page| {
        let mut tool = listed(&format!("tool_{page}"), json!({"type": "object"}));
        tool["description"] = json!("x".repeat(1 << 20));
        json!({"tools": [tool], "nextCursor": page.to_string()})
    })
    .await;
    assert_eq!(
        error,
        "Mcp error: -32603: the server's tools take more than 16777216 bytes to declare; its \
         tools are not used"
    );
    assert_eq!(pages, 16);
}
