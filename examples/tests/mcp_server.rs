//! The example MCP server's command line on a network address: refused without a token unless
//! the user opts in, and a warning when they do.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use examples::fixtures::built_example;

/// Starts the example on every interface, on a free port, with no token; reads its standard
/// error until `wanted` shows or it ends, and returns what it read.
async fn serve_on_every_interface(extra: &[&str], wanted: &str) -> String {
    let mut child = Command::new(built_example("mcp_server"))
        .args(["--http", "0.0.0.0:0"])
        .args(extra)
        .env_remove("MCP_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let mut read = String::new();
    let reading = async {
        while let Some(line) = lines.next_line().await.expect("stderr reads") {
            read.push_str(&line);
            read.push('\n');
            if line.contains(wanted) {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), reading)
        .await
        .expect("the example says something within a minute");
    read
}

#[tokio::test]
async fn serving_other_machines_without_a_token_is_refused_and_says_how_to_opt_in() {
    let said = serve_on_every_interface(&[], "--allow-unauthenticated-remote").await;
    assert!(
        said.starts_with("error: refusing to serve MCP on 0.0.0.0:")
            && said.contains("HttpServerBuilder::allow_unauthenticated_remote()")
            && said.contains("set MCP_TOKEN, or pass --allow-unauthenticated-remote"),
        "{said}"
    );
    assert!(!said.contains("serving the example tools at"), "{said}");
}

#[tokio::test]
async fn opting_in_serves_with_a_warning() {
    let said = serve_on_every_interface(
        &["--allow-unauthenticated-remote"],
        "serving the example tools at",
    )
    .await;
    assert!(
        said.contains("warning: anyone who reaches http://0.0.0.0:")
            && said.contains("may call every tool without a token"),
        "{said}"
    );
    assert!(
        said.contains("set MCP_ALLOWED_HOSTS to the names other machines reach it by"),
        "{said}"
    );
}
