//! What an agent in production relies on across the pieces: a person is asked before a remote
//! MCP tool that may be destructive runs, as MCP's defaults have it for a tool that declares no
//! hints; a remote call the server refused (too large, or for its token) is known not to have
//! run, and fails at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rmcp::ServiceExt;
use serde_json::json;
use tool_runtime::mcp::{HttpServer, McpServer, RemoteServers, remote_tools};
use tool_runtime::{Approval, Approver, Decision, ToolCall, Toolbox, tool};

/// How many tables were dropped.
#[derive(Default)]
struct Dropped(AtomicUsize);

/// Drops a table. Its server declares no hints, as many MCP servers do.
#[tool]
async fn drop_table(name: String, #[state] dropped: &Dropped) -> String {
    dropped.0.fetch_add(1, Ordering::SeqCst);
    format!("dropped {name}")
}

/// Counts the rows of a table; read-only.
#[tool(read_only)]
async fn count_rows(name: String) -> String {
    format!("{name} has 3 rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_tool_without_hints_is_asked_about_as_possibly_destructive() {
    let dropped = Arc::new(Dropped::default());
    let remote = Toolbox::builder()
        .tools([drop_table::tool(), count_rows::tool()])
        .state_arc(dropped.clone())
        .build()
        .unwrap();
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(async move {
        let running = McpServer::new(remote).serve(server_end).await.unwrap();
        running.waiting().await.unwrap();
    });
    let client = ().serve(client_end).await.unwrap();

    // MCP: `destructiveHint` defaults to true for a tool that is not read-only.
    let toolbox = Toolbox::builder()
        .tools(remote_tools(client.peer()).await.unwrap())
        .approval(Approval::ask_destructive())
        .build()
        .unwrap();
    let no = Approver::new(|_| async { Decision::deny("not in production") });
    let calls = [
        ToolCall::new("1", "drop_table", r#"{"name": "users"}"#).with_approver(no.clone()),
        ToolCall::new("2", "count_rows", r#"{"name": "users"}"#).with_approver(no),
    ];
    let results = toolbox.call_all(calls).await;
    assert_eq!(
        results[0].output.text(),
        "drop_table was not run: the user declined it (not in production). Do not repeat the \
         call; go on without it, or ask the user what to do."
    );
    assert_eq!(dropped.0.load(Ordering::SeqCst), 0);
    assert_eq!(results[1].output.text(), "users has 3 rows");

    client.cancel().await.unwrap();
    server.await.unwrap();
}

/// How many slots were booked.
#[derive(Default)]
struct Booked(AtomicUsize);

/// Books a slot: not idempotent.
#[tool]
async fn book(key: String, #[state] booked: &Booked) -> String {
    booked.0.fetch_add(1, Ordering::SeqCst);
    format!("booked {key}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_the_server_refuses_fail_at_once_and_are_known_not_to_have_run() {
    let booked = Arc::new(Booked::default());
    let revoked = Arc::new(AtomicBool::new(false));
    let toolbox = Toolbox::builder()
        .tool(book::tool())
        .state_arc(booked.clone())
        .build()
        .unwrap();
    let server = HttpServer::builder(McpServer::new(toolbox))
        .max_body_bytes(4096)
        .bearer_check({
            let revoked = revoked.clone();
            move |token: String| {
                let valid = token == "secret" && !revoked.load(Ordering::SeqCst);
                async move { valid.then(|| Arc::from("agent")) }
            }
        })
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let servers = RemoteServers::builder([format!("http://{}/mcp", server.local_addr())])
        .bearer_token("secret")
        .connect()
        .await
        .unwrap();
    let toolbox = Toolbox::builder().tools(servers.tools()).build().unwrap();
    assert_eq!(
        toolbox.call("book", json!({"key": "a"})).await.text(),
        "booked a"
    );

    // A request too large for the server is refused (413) with a JSON-RPC error that cannot
    // carry the request's id, as the server did not read it: the call fails at once, with the
    // server's words, rather than wait for its timeout.
    let large = toolbox.call("book", json!({"key": "b".repeat(5000)})).await;
    assert_eq!(
        large.text(),
        "book failed: the request is larger than 4096 bytes; send a smaller one"
    );

    // The token is revoked: the server refuses the call (401) before running anything, so
    // the model is not told that it may have run.
    revoked.store(true, Ordering::SeqCst);
    let output = toolbox.call("book", json!({"key": "b"})).await;
    assert_eq!(
        output.text(),
        "book failed: none of the 1 MCP servers answered the call. Try again in a moment, or \
         do without this tool."
    );
    assert_eq!(booked.0.load(Ordering::SeqCst), 1);
    server.shutdown().await;
}
