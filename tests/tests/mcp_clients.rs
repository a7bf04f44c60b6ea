//! The official MCP clients, at their newest versions in their default modes, driving our
//! server (`mcp_test_server`) over stdio and streamable HTTP at every protocol revision: the
//! Python SDK (`mcp` 2.x `Client`) and the TypeScript SDK (`@modelcontextprotocol/sdk`).
//!
//! The clients are installed from their registries into `tests/clients/` by `.ci/run` (or by
//! hand: `python3 -m venv tests/clients/.venv && tests/clients/.venv/bin/pip install 'mcp>=2,<3'`
//! and `npm install --prefix tests/clients/node`). The driver scripts there print what each
//! client saw as JSON; these tests check it. Without the clients, the tests say so and pass,
//! except in CI (`CI=true`), where they fail.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The revisions of the initialize handshake.
const HANDSHAKE_REVISIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
/// The revision without a handshake, which the Python client's default mode negotiates.
const MODERN_REVISION: &str = "2026-07-28";

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// The command running `script` with `interpreter`, if the client is installed.
fn client(interpreter: PathBuf, installed: PathBuf, script: &str) -> Option<Command> {
    if !interpreter.exists() || !installed.exists() {
        let reason = format!(
            "the MCP client {} is not installed; .ci/run installs it from its registry",
            installed.display()
        );
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{reason} (it must be in CI)"
        );
        eprintln!("skipped: {reason}");
        return None;
    }
    let mut command = Command::new(interpreter);
    command.arg(clients_dir().join(script));
    Some(command)
}

fn python() -> Option<Command> {
    let venv = clients_dir().join(".venv");
    // lib/python3.X/site-packages/mcp, whatever the X.
    let installed = venv
        .join("lib")
        .read_dir()
        .into_iter()
        .flatten()
        .flatten()
        .map(|lib| lib.path().join("site-packages/mcp"))
        .find(|mcp| mcp.exists())
        .unwrap_or_else(|| venv.join("lib/python3/site-packages/mcp"));
    client(venv.join("bin/python"), installed, "python/drive.py")
}

fn node() -> Option<Command> {
    let node = which("node")?;
    let sdk = clients_dir().join("node/node_modules/@modelcontextprotocol/sdk");
    client(node, sdk, "node/drive.mjs")
}

fn which(program: &str) -> Option<PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{program} is not on PATH (it must be in CI)"
        );
        eprintln!("skipped: {program} is not on PATH");
    }
    found
}

/// `mcp_test_server --http` with `args`, and the URL it serves at.
async fn http_server(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcp_test_server"))
        .arg("--http")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let url = tokio::time::timeout(Duration::from_secs(10), async {
        BufReader::new(stdout).lines().next_line().await
    })
    .await
    .expect("the server prints its URL within 10 s")
    .expect("stdout is readable")
    .expect("a URL");
    (child, url)
}

/// How the server under test serves.
#[derive(Clone, Copy, PartialEq)]
enum Serving {
    /// With sessions for the revisions that have them (the default).
    Sessions,
    /// Every request on its own (`HttpServerBuilder::stateless`).
    Stateless,
}

/// Runs the driver on `target` (the server's command, or its URL) for `revisions`, and checks
/// what it saw at each.
async fn drive(command: Command, transport: &str, target: &str, revisions: &[&str]) {
    drive_serving(command, transport, target, revisions, Serving::Sessions).await;
}

async fn drive_serving(
    command: Command,
    transport: &str,
    target: &str,
    revisions: &[&str],
    serving: Serving,
) {
    let (seen, stderr) = run_client(command, transport, target, revisions).await;
    // The Python client warns when ending its session gets anything but 200 or 204.
    assert!(
        !stderr.contains("Session termination failed"),
        "stderr:\n{stderr}"
    );
    for (seen, revision) in seen.iter().zip(revisions) {
        check(seen, revision, transport, serving);
    }
}

/// Runs a client driver on `target` for `revisions` and gives the JSON line it printed for
/// each revision, and its stderr.
async fn run_client(
    mut command: Command,
    transport: &str,
    target: &str,
    revisions: &[&str],
) -> (Vec<Value>, String) {
    let output = command
        .args([transport, target])
        .args(revisions)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("the client finishes within 120 s")
        .expect("the client runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "the client failed:\n{stderr}");
    let seen: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(
        seen.len(),
        revisions.len(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (seen, stderr)
}

/// What every client must see at every revision.
fn check(seen: &Value, revision: &str, transport: &str, serving: Serving) {
    let context = format!("{revision} over {transport}: {seen:#}");
    assert_eq!(seen.get("failure"), None, "{context}");
    assert_eq!(seen["protocolVersion"], revision, "{context}");
    assert_eq!(
        seen["tools"],
        json!([
            "add",
            "cancellations",
            "count_up",
            "fail",
            "stall",
            "wait_for_cancel"
        ]),
        "{context}"
    );
    assert_eq!(
        seen["add"],
        json!({"text": "5", "structured": {"result": 5}, "isError": false}),
        "{context}"
    );
    assert_eq!(
        seen["fail"],
        json!({"text": "fail failed: no such city", "isError": true}),
        "{context}"
    );
    assert_eq!(seen["unknown"]["code"], -32602, "{context}");
    let message = seen["unknown"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("unknown tool \"ad\""), "{context}");
    assert_eq!(seen["count_up"], "3", "{context}");
    let progress: Vec<(f64, f64, &str)> = seen["progress"]
        .as_array()
        .expect("progress reports")
        .iter()
        .map(|report| {
            let number = |i: usize| report[i].as_f64().expect("a number");
            (number(0), number(1), report[2].as_str().expect("a message"))
        })
        .collect();
    let expected = [
        (1.0, 3.0, "step 1"),
        (2.0, 3.0, "step 2"),
        (3.0, 3.0, "step 3"),
    ];
    if transport_drops_late_progress(seen) {
        // The TypeScript SDK drops progress handled after the response
        // (modelcontextprotocol/typescript-sdk#2580): every report is on the wire, in order
        // and before the response, yet only those read in an earlier chunk reach the callback;
        // on a loaded machine that can be none of them. The Python SDK checks them all.
        assert!(expected.starts_with(&progress), "{context}");
    } else {
        assert_eq!(progress, expected, "{context}");
    }
    // A stateless server does not act on a `notifications/cancelled` (another replica may get
    // it); clients of 2026-07-28 cancel by closing the request's stream, which it sees.
    let cancels = serving == Serving::Sessions || revision == MODERN_REVISION;
    assert_eq!(seen["cancelled"], cancels, "{context}");
}

/// Whether `seen` comes from the TypeScript SDK, which tells its newest revision.
fn transport_drops_late_progress(seen: &Value) -> bool {
    seen.get("sdkLatest").is_some()
}

fn every_revision() -> Vec<&'static str> {
    let mut revisions = HANDSHAKE_REVISIONS.to_vec();
    revisions.push(MODERN_REVISION);
    revisions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_over_stdio() {
    let Some(python) = python() else { return };
    let server = env!("CARGO_BIN_EXE_mcp_test_server");
    drive(python, "stdio", server, &every_revision()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_over_http() {
    let Some(python) = python() else { return };
    let (_server, url) = http_server(&[]).await;
    drive(python, "http", &url, &every_revision()).await;
}

/// Against a server with no sessions: the default mode (2026-07-28) and the handshake revisions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_over_http_without_sessions() {
    let Some(python) = python() else { return };
    let (_server, url) = http_server(&["--stateless"]).await;
    let revisions = every_revision();
    drive_serving(python, "http", &url, &revisions, Serving::Stateless).await;
}

/// The TypeScript SDK knows the handshake revisions only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_sdk_over_stdio() {
    let Some(node) = node() else { return };
    let server = env!("CARGO_BIN_EXE_mcp_test_server");
    drive(node, "stdio", server, &HANDSHAKE_REVISIONS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_sdk_over_http() {
    let Some(node) = node() else { return };
    let (_server, url) = http_server(&[]).await;
    drive(node, "http", &url, &HANDSHAKE_REVISIONS).await;
}

/// The revisions where a server can ask the client's user: elicitation came with 2025-06-18.
const ELICITATION_REVISIONS: [&str; 3] = ["2025-06-18", "2025-11-25", MODERN_REVISION];

/// `tests/clients/python/elicit.py` against `mcp_test_server --approval` over `transport`:
/// the user is asked before each `delete_note` (a `destructive` tool) through the client's
/// elicitation callback, which answers yes, no, decline and cancel in turn; only the yes runs
/// the tool. A client without the capability gets the policy's fallback.
async fn drive_elicitation(transport: &str, target: &str) {
    // The interpreter python() found, with the elicitation driver instead of drive.py.
    let Some(python) = python() else { return };
    let mut command = Command::new(python.as_std().get_program());
    command.arg(clients_dir().join("python/elicit.py"));
    let (seen, _) = run_client(command, transport, target, &ELICITATION_REVISIONS).await;
    for (seen, revision) in seen.iter().zip(ELICITATION_REVISIONS) {
        let context = format!("{revision} over {transport}: {seen:#}");
        assert_eq!(seen.get("failure"), None, "{context}");
        assert_eq!(seen["protocolVersion"], revision, "{context}");
        let calls = &seen["calls"];
        assert_eq!(
            calls["yes"],
            json!({"text": "deleted note-yes", "isError": false}),
            "{context}"
        );
        let declined = |why: &str| {
            json!({
                "text": format!(
                    "delete_note was not run: the user declined it ({why}). Do not repeat the \
                     call; go on without it, or ask the user what to do."
                ),
                "isError": true
            })
        };
        assert_eq!(
            calls["no"],
            declined("answered no to the approval form"),
            "{context}"
        );
        assert_eq!(
            calls["decline"],
            declined("declined the approval form"),
            "{context}"
        );
        assert_eq!(
            calls["cancel"],
            declined("dismissed the approval form without answering"),
            "{context}"
        );
        assert_eq!(seen["deleted"], 1, "only the yes ran the tool: {context}");
        assert_eq!(seen["add"], "5", "{context}");
        // One form per call of the destructive tool, naming it and showing its arguments.
        let forms = seen["forms"].as_array().expect("forms");
        assert_eq!(forms.len(), 4, "{context}");
        let message = forms[0]["message"].as_str().expect("a message");
        assert!(message.contains("\"delete_note\""), "{context}");
        assert!(message.contains("\"name\": \"note-yes\""), "{context}");
        assert_eq!(
            forms[0]["schema"]["required"],
            json!(["approve"]),
            "{context}"
        );
        assert_eq!(
            forms[0]["schema"]["properties"]["approve"]["type"], "boolean",
            "{context}"
        );
        assert_eq!(
            seen["withoutForms"],
            json!({
                "text": "delete_note was not run: it needs a person's approval and none was \
                         available. Go on without it, or ask the user to run it themselves.",
                "isError": true
            }),
            "{context}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_answers_approval_forms_over_stdio() {
    drive_elicitation("stdio", env!("CARGO_BIN_EXE_mcp_test_server")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_answers_approval_forms_over_http() {
    if python().is_none() {
        return;
    }
    let (_server, url) = http_server(&["--approval"]).await;
    drive_elicitation("http", &url).await;
}
