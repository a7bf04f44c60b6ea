//! What an agent in production relies on across the pieces: a person is asked before a remote
//! MCP tool that may be destructive runs, as MCP's defaults have it for a tool that declares no
//! hints.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rmcp::ServiceExt;
use tool_runtime::mcp::{McpServer, remote_tools};
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
