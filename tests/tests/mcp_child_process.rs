//! A real stdio MCP server: `mcp_test_server` started as a child process by rmcp's
//! `TokioChildProcess`, as MCP clients start local servers.

use std::process::Stdio;
use std::time::Duration;

use rmcp::model::{CallToolRequest, CallToolRequestParams, ClientRequest};
use rmcp::service::PeerRequestOptions;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
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
            "fail",
            "stall",
            "wait_for_cancel",
            "cancellations",
            "count_up"
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
    assert_eq!(
        next_line(&mut stderr).await,
        "wait_for_cancel saw its cancellation"
    );

    client.cancel().await.expect("the client stops");
    // With stdin closed, the server ends, and its stderr with it.
    let rest = tokio::time::timeout(Duration::from_secs(10), stderr.next_line())
        .await
        .expect("the server exits within 10 s")
        .expect("stderr is readable");
    assert_eq!(rest, None);
}

/// A client that dies mid-call closes the server's stdin: the server cancels the call (its
/// tool sees it) and exits at once, not after the call's 60 s timeout nor after rmcp's 5 s wait
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
    assert_eq!(
        next_line(&mut stderr).await,
        "wait_for_cancel saw its cancellation"
    );
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
