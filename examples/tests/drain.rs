//! The example MCP server's stop, as its doc comment states it and `deploy/` relies on: "On
//! `SIGTERM` or Ctrl-C, readiness fails for `MCP_DRAIN_SECONDS` (5 by default) while the server
//! goes on serving, then it stops."

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpStream;
use tokio::process::{ChildStderr, Command};

use examples::fixtures::built_example;

/// Reads standard error until a line contains `wanted`, and returns that line.
async fn line_with(lines: &mut Lines<BufReader<ChildStderr>>, wanted: &str) -> String {
    let reading = async {
        while let Some(line) = lines.next_line().await.expect("stderr reads") {
            if line.contains(wanted) {
                return line;
            }
        }
        panic!("the example ended without saying {wanted:?}");
    };
    tokio::time::timeout(Duration::from_secs(60), reading)
        .await
        .unwrap_or_else(|_| panic!("the example did not say {wanted:?} within a minute"))
}

/// `GET path` on `addr`: the answer's status line and body.
async fn get(addr: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("the server listens");
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

/// Starts the example on a free port of 127.0.0.1, with `drain` as `MCP_DRAIN_SECONDS`.
async fn start(
    drain: Option<&str>,
) -> (tokio::process::Child, Lines<BufReader<ChildStderr>>, String) {
    let mut command = Command::new(built_example("mcp_server"));
    command
        .args(["--http", "127.0.0.1:0"])
        .env_remove("MCP_TOKEN")
        .env_remove("MCP_DRAIN_SECONDS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(drain) = drain {
        command.env("MCP_DRAIN_SECONDS", drain);
    }
    let mut child = command.spawn().expect("the example starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let serving = line_with(&mut lines, "serving the example tools at http://").await;
    let addr = serving
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the URL's address")
        .to_owned();
    (child, lines, addr)
}

fn terminate(child: &tokio::process::Child) {
    let pid = child.id().expect("still running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[tokio::test]
async fn sigterm_turns_readiness_off_for_the_drain_then_stops() {
    let (mut child, mut lines, addr) = start(Some("2")).await;
    assert_eq!(
        get(&addr, "/readyz").await,
        (
            "HTTP/1.1 200 OK".to_owned(),
            r#"{"status":"ready"}"#.to_owned()
        )
    );
    terminate(&child);
    let asked = Instant::now();
    line_with(
        &mut lines,
        "stopping: not ready any more, serving for 2 s more",
    )
    .await;
    assert_eq!(
        get(&addr, "/readyz").await,
        (
            "HTTP/1.1 503 Service Unavailable".to_owned(),
            r#"{"status":"draining"}"#.to_owned()
        )
    );
    assert_eq!(get(&addr, "/healthz").await.0, "HTTP/1.1 200 OK");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the example stops after its drain")
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(
        asked.elapsed() >= Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
}

#[tokio::test]
async fn the_drain_lasts_5_seconds_by_default() {
    let (mut child, mut lines, _) = start(None).await;
    terminate(&child);
    line_with(
        &mut lines,
        "stopping: not ready any more, serving for 5 s more",
    )
    .await;
    child.kill().await.unwrap();
}
