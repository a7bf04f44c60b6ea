//! An MCP server on stdio, for the tests that start it as a child process
//! (`tests/tests/mcp_child_process.rs`). Its tools say on stderr what happened to them, since
//! stdout carries the protocol.

use std::time::Duration;

use tool_runtime::mcp::McpServer;
use tool_runtime::{Toolbox, tool};

/// Adds two numbers.
#[tool(read_only)]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Never answers within its time.
#[tool(timeout = "50ms")]
async fn stall() -> String {
    std::future::pending().await
}

/// Waits until the call is cancelled; says on stderr when it starts and when it is dropped.
#[tool]
async fn wait_for_cancel() -> String {
    eprintln!("wait_for_cancel started");
    let _dropped = SayOnDrop("wait_for_cancel dropped");
    std::future::pending().await
}

/// Writes its line to stderr when dropped.
struct SayOnDrop(&'static str);

impl Drop for SayOnDrop {
    fn drop(&mut self) {
        eprintln!("{}", self.0);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let toolbox = Toolbox::builder()
        .tools([add::tool(), stall::tool(), wait_for_cancel::tool()])
        .default_timeout(Duration::from_secs(60))
        .build()
        .map_err(std::io::Error::other)?;
    McpServer::new(toolbox)
        .with_implementation("mcp_test_server", "0.1.0")
        .serve_stdio()
        .await
}
