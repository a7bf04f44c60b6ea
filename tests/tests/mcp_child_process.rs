//! A real stdio MCP server: `mcp_test_server` started as a child process by rmcp's
//! `TokioChildProcess`, as MCP clients start local servers.

use std::process::Stdio;
use std::time::Duration;

use rmcp::model::{CallToolRequest, CallToolRequestParams, ClientRequest};
use rmcp::service::PeerRequestOptions;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{ChildStderr, Command};

/// The next line the server writes to stderr, within ten seconds.
async fn next_line(stderr: &mut Lines<BufReader<ChildStderr>>) -> String {
    tokio::time::timeout(Duration::from_secs(10), stderr.next_line())
        .await
        .expect("the server writes within 10 s")
        .expect("stderr is readable")
        .expect("the server is still running")
}

async fn call(client: &rmcp::Peer<RoleClient>, name: &'static str, arguments: Value) -> Value {
    let Value::Object(arguments) = arguments else {
        panic!("arguments are an object");
    };
    let result = client
        .call_tool(CallToolRequestParams::new(name).with_arguments(arguments))
        .await
        .expect("a result");
    serde_json::to_value(result).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_process_serves_lists_calls_and_cancels() {
    let command = Command::new(env!("CARGO_BIN_EXE_mcp_test_server"));
    let (transport, stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut stderr = BufReader::new(stderr.expect("stderr is piped")).lines();
    let client = ().serve(transport).await.expect("handshake");

    let info = client.peer_info().expect("the server's info");
    assert_eq!(info.server_info.as_ref().unwrap().name, "mcp_test_server");
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "add",
            "cancellations",
            "count_up",
            "fail",
            "repeat",
            "stall",
            "wait_for_cancel"
        ]
    );

    assert_eq!(
        call(&client, "add", json!({"a": 2, "b": 3})).await,
        json!({
            "content": [{"type": "text", "text": "5"}],
            "structuredContent": {"result": 5},
            "isError": false
        })
    );
    assert_eq!(
        call(&client, "add", json!({"a": 2})).await,
        json!({
            "content": [{"type": "text", "text":
                "invalid arguments for add: missing field `b`. Fix the arguments and call add again."}],
            "isError": true
        })
    );
    assert_eq!(
        call(&client, "stall", json!({})).await,
        json!({
            "content": [{"type": "text", "text":
                "stall timed out after 50ms. Try again with a smaller request, or do without it."}],
            "isError": true
        })
    );

    let request = ClientRequest::CallToolRequest(CallToolRequest::new(CallToolRequestParams::new(
        "wait_for_cancel",
    )));
    let handle = client
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .unwrap();
    assert_eq!(next_line(&mut stderr).await, "wait_for_cancel started");
    handle
        .cancel(Some("the user gave up".to_owned()))
        .await
        .unwrap();
    assert_eq!(next_line(&mut stderr).await, "wait_for_cancel dropped");

    client.cancel().await.expect("the client stops");
    // With stdin closed, the server ends, and its stderr with it.
    let rest = tokio::time::timeout(Duration::from_secs(10), stderr.next_line())
        .await
        .expect("the server exits within 10 s")
        .expect("stderr is readable");
    assert_eq!(rest, None);
}

/// A client that dies mid-call closes the server's stdin: the server cancels the call (its
/// future is dropped) and exits at once, not after the call's 60 s timeout nor after rmcp's 5 s wait
/// for answers in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_stdin_cancels_the_calls_in_flight_and_ends_the_server() {
    let command = Command::new(env!("CARGO_BIN_EXE_mcp_test_server"));
    let (transport, stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut stderr = BufReader::new(stderr.expect("stderr is piped")).lines();
    let client = ().serve(transport).await.expect("handshake");
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(CallToolRequestParams::new(
        "wait_for_cancel",
    )));
    let _handle = client
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .unwrap();
    assert_eq!(next_line(&mut stderr).await, "wait_for_cancel started");

    let closed = std::time::Instant::now();
    // Stopping the client closes the server's stdin; no notifications/cancelled is sent.
    client.cancel().await.expect("the client stops");
    assert_eq!(next_line(&mut stderr).await, "wait_for_cancel dropped");
    let rest = tokio::time::timeout(Duration::from_secs(10), stderr.next_line())
        .await
        .expect("the server exits within 10 s")
        .expect("stderr is readable");
    assert_eq!(rest, None);
    // Not a speed measurement: rmcp alone would have waited 5 s for the call before
    // cancelling it.
    assert!(
        closed.elapsed() < Duration::from_secs(4),
        "the server took {:?} to end",
        closed.elapsed()
    );
}

/// Over stdio, rmcp reads an `initialize` without a protocol version as a method of its own and
/// would answer that its `_meta` lacks protocol 2026-07-28's fields; the server says what is
/// wrong instead, and a correct `initialize` after it is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_initialize_is_told_what_is_missing_and_a_good_one_still_answered() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_mcp_test_server"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server starts");
    let mut input = server.stdin.take().expect("stdin is piped");
    let mut output = BufReader::new(server.stdout.take().expect("stdout is piped")).lines();
    let mut exchange = async |request: Value| -> Value {
        let line = format!("{request}\n");
        input
            .write_all(line.as_bytes())
            .await
            .expect("the server reads");
        let answer = tokio::time::timeout(Duration::from_secs(10), output.next_line())
            .await
            .expect("the server answers within 10 s")
            .expect("stdout is readable")
            .expect("the server is still running");
        serde_json::from_str(&answer).expect("the answer is JSON")
    };
    let client_info = json!({"name": "by hand", "version": "0"});
    let bad = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"capabilities": {}, "clientInfo": client_info}});
    assert_eq!(
        exchange(bad).await,
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message":
            "the params of initialize are not valid (missing field `protocolVersion`); send \
             protocolVersion, capabilities and clientInfo"}})
    );
    let bare = json!({"jsonrpc": "2.0", "id": 2, "method": "initialize"});
    assert_eq!(
        exchange(bare).await["error"]["message"],
        "the params of initialize are not valid (none were sent); send protocolVersion, \
         capabilities and clientInfo"
    );
    let good = json!({"jsonrpc": "2.0", "id": 3, "method": "initialize", "params":
        {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": client_info}});
    let answer = exchange(good).await;
    assert_eq!(answer["id"], 3);
    assert_eq!(
        answer["result"]["protocolVersion"], "2025-06-18",
        "{answer}"
    );
}
