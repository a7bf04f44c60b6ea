//! The official MCP clients, at their newest versions in their default modes, driving our
//! server (`mcp_test_server`) over stdio and streamable HTTP at every protocol revision: the
//! Python SDK (`mcp` 2.x `Client`) and the TypeScript SDK (`@modelcontextprotocol/sdk`). Also
//! two clients that check more than they use: the MCP Inspector's CLI in its `--strict` mode,
//! which finds the tool schemas that strict clients warn about, and the OpenAI Agents SDK
//! (`openai-agents`), which turns MCP tools into OpenAI function tools in strict mode. And a
//! web page using the server from a browser, under CORS as jsdom applies it.
//!
//! The other way round, our client (`remote_tools` over stdio, `RemoteServers` over HTTP)
//! uses servers built with the two SDKs (`python/server.py`, `node/server.mjs`); and both ways
//! at once, the Python client uses a gateway of ours in front of the SDKs' servers.
//!
//! The clients are installed from their registries into `tests/clients/` by `.ci/run` (or by
//! hand: `python3 -m venv tests/clients/.venv && tests/clients/.venv/bin/pip install 'mcp>=2,<3'
//! openai-agents`, and `npm install --prefix` each of `tests/clients/node`,
//! `tests/clients/inspector` and `tests/clients/browser`). The driver scripts there print what
//! each client saw as JSON; these tests check it. Without the clients, the tests say so and
//! pass, except in CI (`CI=true`), where they fail.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use examples::Demo;
use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, Command};
use tool_runtime::mcp::{HttpServer, McpServer, ProgressRelay, RemoteServers};
use tool_runtime::providers::NullStyle;
use tool_runtime::{OnProgress, Progress, ToolCall};

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
        tests::skip_outside_ci(&format!(
            "the MCP client {} is not installed; .ci/run installs it from its registry",
            installed.display()
        ));
        return None;
    }
    let mut command = Command::new(interpreter);
    command.arg(clients_dir().join(script));
    Some(command)
}

fn python() -> Option<Command> {
    python_running("mcp", "python/drive.py")
}

/// The venv's interpreter running `script`, if the Python package `package` is installed there.
fn python_running(package: &str, script: &str) -> Option<Command> {
    let venv = clients_dir().join(".venv");
    if !tests::has_package(&venv, package) {
        tests::skip_outside_ci(&format!(
            "the Python package {package} is not installed in {}; .ci/run installs it from PyPI",
            venv.display()
        ));
        return None;
    }
    client(venv.join("bin/python"), venv, script)
}

fn node() -> Option<Command> {
    node_running("node/drive.mjs")
}

/// Node on PATH running `script`, if the TypeScript SDK is installed.
fn node_running(script: &str) -> Option<Command> {
    let node = which("node")?;
    let sdk = clients_dir().join("node/node_modules/@modelcontextprotocol/sdk");
    client(node, sdk, script)
}

fn which(program: &str) -> Option<PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file());
    if found.is_none() {
        tests::skip_outside_ci(&format!("{program} is not on PATH"));
    }
    found
}

/// `mcp_test_server --http` with `args`, and the URL it serves at.
async fn http_server(args: &[&str]) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp_test_server"));
    command.arg("--http").args(args);
    tests::start_server(command).await
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
    command.args([transport, target]).args(revisions);
    let (status, stdout, stderr) = run(command).await;
    assert!(status.success(), "the client failed:\n{stderr}");
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

/// Runs `command` to its end, within 120 s: its exit status, stdout and stderr.
async fn run(mut command: Command) -> (ExitStatus, String, String) {
    let output = command.stdin(Stdio::null()).kill_on_drop(true).output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("the client finishes within 120 s")
        .expect("the client runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status, text(&output.stdout), text(&output.stderr))
}

/// What every client must see at every revision.
fn check(seen: &Value, revision: &str, transport: &str, serving: Serving) {
    let context = format!("{revision} over {transport}: {seen:#}");
    assert_eq!(seen.get("failure"), None, "{context}");
    assert_eq!(seen["protocolVersion"], revision, "{context}");
    assert_eq!(seen["tools"], json!(test_server_tools()), "{context}");
    check_calls(seen, &context);
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
    let Some(command) = python_running("mcp", "python/elicit.py") else {
        return;
    };
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

/// The MCP Inspector's CLI (`@modelcontextprotocol/inspector`), run by the Node it needs
/// (22.19 or newer; the one on PATH may be older): the npm package `node`, which brings Node's
/// own binary. Both are pinned in `tests/clients/inspector/package.json`.
fn inspector() -> Option<Command> {
    let cli =
        "inspector/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js";
    let node = clients_dir().join("inspector/node_modules/node/bin/node");
    let mut command = client(node, clients_dir().join(cli), cli)?;
    command.arg("--cli");
    Some(command)
}

/// What the Inspector's CLI printed: its exit status, the JSON object it prints on stdout
/// with `--format json` (`{"result": ...}`, and with `--strict` the `schemaFindings` when it
/// has any), and its stderr, where it writes its warnings and errors.
struct Inspected {
    status: ExitStatus,
    json: Value,
    stderr: String,
}

/// Runs the Inspector's CLI on `target` (a server's command, or its URL) with `args`, in the
/// protocol era `era` (`legacy`: the initialize handshake; `modern`: 2026-07-28).
async fn inspect(target: &str, era: &str, args: &[&str]) -> Inspected {
    let mut command = inspector().expect("the tests return early without the Inspector");
    command
        .args(["--format", "json", "--protocol-era", era])
        .args(args)
        .arg(target);
    let (status, stdout, stderr) = run(command).await;
    let json = serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!("the Inspector printed no JSON ({error}):\nstdout:\n{stdout}\nstderr:\n{stderr}")
    });
    Inspected {
        status,
        json,
        stderr,
    }
}

/// The Inspector's `tools/list --strict` on `target`, then its `tools/call` of each of `calls`
/// (the client validates a result against the tool's output schema, and warns about the
/// formats its validator does not know): each succeeds with nothing to warn about, neither a
/// schema finding nor a line on stderr. Gives the names of the tools listed.
async fn inspect_strictly(target: &str, era: &str, calls: &[(&str, Value)]) -> Vec<String> {
    let listed = inspect(target, era, &["--method", "tools/list", "--strict"]).await;
    let context = format!("tools/list --strict ({era}) on {target}: {:#}", listed.json);
    assert!(
        listed.status.success(),
        "{context}\nstderr:\n{}",
        listed.stderr
    );
    assert_eq!(listed.json.get("schemaFindings"), None, "{context}");
    assert_eq!(listed.stderr, "", "{context}");
    for (tool, arguments) in calls {
        let arguments = arguments.to_string();
        let called = inspect(
            target,
            era,
            &[
                "--method",
                "tools/call",
                "--tool-name",
                tool,
                "--tool-args-json",
                &arguments,
            ],
        )
        .await;
        let context = format!("tools/call {tool} ({era}) on {target}: {:#}", called.json);
        assert!(
            called.status.success(),
            "{context}\nstderr:\n{}",
            called.stderr
        );
        assert_eq!(called.json["result"]["isError"], false, "{context}");
        assert!(
            called.json["result"]["structuredContent"].is_object(),
            "the result has structured content to validate: {context}"
        );
        assert_eq!(called.stderr, "", "{context}");
    }
    listed.json["result"]["tools"]
        .as_array()
        .expect("a list of tools")
        .iter()
        .map(|tool| tool["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// What every client must get from `add`, `fail` and the unknown tool `ad`.
fn check_calls(seen: &Value, context: &str) {
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
    // A typed result too long for the toolbox is cut, and its structured value left out:
    // an error result, since clients refuse a success without the value its schema declares.
    assert_eq!(
        seen["repeat"],
        json!({"isError": true, "structured": null, "cut": true}),
        "{context}"
    );
    assert_eq!(seen["unknown"]["code"], -32602, "{context}");
    let message = seen["unknown"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("unknown tool \"ad\""), "{context}");
}

fn test_server_tools() -> Vec<String> {
    [
        "add",
        "cancellations",
        "count_up",
        "fail",
        "repeat",
        "stall",
        "wait_for_cancel",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_strict_mode_finds_nothing_to_warn_about_over_stdio() {
    if inspector().is_none() {
        return;
    }
    let server = env!("CARGO_BIN_EXE_mcp_test_server");
    let add = [("add", json!({"a": 2, "b": 3}))];
    for era in ["legacy", "modern"] {
        assert_eq!(
            inspect_strictly(server, era, &add).await,
            test_server_tools()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_strict_mode_finds_nothing_to_warn_about_over_http() {
    if inspector().is_none() {
        return;
    }
    let add = [("add", json!({"a": 2, "b": 3}))];
    for serving in [&[][..], &["--stateless"]] {
        let (_server, url) = http_server(serving).await;
        for era in ["legacy", "modern"] {
            assert_eq!(inspect_strictly(&url, era, &add).await, test_server_tools());
        }
    }
}

/// The example MCP server's tools (`examples/examples/mcp_server.rs`), served over HTTP with
/// null written in `nulls`' style. Keep the demo environment while the server serves.
async fn example_server(nulls: NullStyle) -> (HttpServer, Demo) {
    let demo = Demo::start().await.expect("the demo environment");
    let server = McpServer::new(demo.toolbox.clone()).with_null_style(nulls);
    let http = server.serve_http("127.0.0.1:0").await.expect("it serves");
    (http, demo)
}

/// Optional arguments, optional fields of results, `$ref`s to `$defs`: the MCP dialect's
/// defaults give the Inspector nothing to warn about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_strict_mode_finds_nothing_to_warn_about_in_the_example_tools() {
    if inspector().is_none() {
        return;
    }
    let (server, _demo) = example_server(NullStyle::default()).await;
    let calls = [
        (
            "query_db",
            json!({"sql": "SELECT name FROM cities ORDER BY name LIMIT 2", "max_rows": 2}),
        ),
        (
            "parse_csv_summary",
            json!({"text": "city,area\nLyon,47.9\nNice,\n"}),
        ),
    ];
    let tools = inspect_strictly(&server.url(), "legacy", &calls).await;
    assert_eq!(
        tools,
        [
            "fetch_url",
            "greet_after_delay",
            "parse_csv_summary",
            "query_db",
            "read_file"
        ]
    );
    server.shutdown().await;
}

/// The check above can fail: with null written as a list of types (`NullStyle::TypeArray`,
/// as schemars writes it), the Inspector warns about every optional value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_strict_mode_warns_about_lists_of_types() {
    if inspector().is_none() {
        return;
    }
    let (server, _demo) = example_server(NullStyle::TypeArray).await;
    let listed = inspect(
        &server.url(),
        "legacy",
        &["--method", "tools/list", "--strict"],
    )
    .await;
    let context = format!("{:#}\nstderr:\n{}", listed.json, listed.stderr);
    // Warnings, not errors: the CLI exits 0.
    assert!(listed.status.success(), "{context}");
    let findings: Vec<(&str, &str, &str)> = listed.json["schemaFindings"]
        .as_array()
        .expect("schema findings")
        .iter()
        .flat_map(|tool| {
            let name = tool["toolName"].as_str().expect("a tool name");
            tool["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(move |finding| {
                    assert_eq!(finding["severity"], "warning", "{finding}");
                    let text = |key: &str| finding[key].as_str().expect("a string");
                    (name, text("rule"), text("path"))
                })
        })
        .collect();
    assert!(
        findings.contains(&("query_db", "type-union", "properties.max_rows")),
        "{context}"
    );
    assert!(
        findings.iter().all(|(_, rule, _)| *rule == "type-union"),
        "{context}"
    );
    assert!(
        listed
            .stderr
            .contains("Warning: tool \"query_db\"\n  Path: inputSchema.properties.max_rows"),
        "{context}"
    );
    server.shutdown().await;
}

/// `tests/clients/python/agents_sdk.py`: the OpenAI Agents SDK's MCP server objects
/// (`MCPServerStdio`, `MCPServerStreamableHttp`), in their default settings, on `target`.
/// With `--list-only` (any server), it lists the tools only; otherwise (`mcp_test_server`) it
/// also calls them. Gives what it saw.
async fn drive_agents_sdk(transport: &str, target: &str, options: &[&str]) -> Value {
    let mut command = python_running("agents", "python/agents_sdk.py")
        .expect("the tests return early without the Agents SDK");
    command.args([transport, target]).args(options);
    let (status, stdout, stderr) = run(command).await;
    assert!(status.success(), "the client failed:\n{stderr}");
    let seen: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("{error}: stdout:\n{stdout}\nstderr:\n{stderr}"));
    let context = format!("{transport}: {seen:#}\nstderr:\n{stderr}");
    assert_eq!(seen.get("failure"), None, "{context}");
    // Every tool becomes a function tool in OpenAI's strict mode, as the SDK converts it
    // (when the conversion fails, the SDK quietly makes a non-strict tool instead).
    let strict = seen["strict"].as_object().expect("conversions");
    assert_eq!(strict.len(), seen["tools"].as_array().map_or(0, Vec::len));
    for (tool, conversion) in strict {
        assert_eq!(conversion["strict"], true, "{tool}: {context}");
        assert_eq!(
            conversion["parameters"]["additionalProperties"], false,
            "{tool}: {context}"
        );
    }
    seen
}

/// What the Agents SDK must see of `mcp_test_server`'s tools.
async fn check_agents_sdk(transport: &str, target: &str) {
    let seen = drive_agents_sdk(transport, target, &[]).await;
    let context = format!("{transport}: {seen:#}");
    assert_eq!(seen["tools"], json!(test_server_tools()), "{context}");
    assert_eq!(
        seen["strict"]["add"]["parameters"]["required"],
        json!(["a", "b"]),
        "{context}"
    );
    check_calls(&seen, &context);
    // Its client's default mode ("auto") negotiates the newest revision.
    assert_eq!(seen["protocolVersion"], MODERN_REVISION, "{context}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_sdk_over_stdio() {
    if python_running("agents", "python/agents_sdk.py").is_none() {
        return;
    }
    check_agents_sdk("stdio", env!("CARGO_BIN_EXE_mcp_test_server")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_sdk_over_http() {
    if python_running("agents", "python/agents_sdk.py").is_none() {
        return;
    }
    let (_server, url) = http_server(&[]).await;
    check_agents_sdk("http", &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_sdk_over_http_without_sessions() {
    if python_running("agents", "python/agents_sdk.py").is_none() {
        return;
    }
    let (_server, url) = http_server(&["--stateless"]).await;
    check_agents_sdk("http", &url).await;
}

/// Optional arguments (`anyOf` with null), bounds, defaults: the SDK makes strict function
/// tools of every example tool as the MCP server declares them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_sdk_makes_strict_function_tools_of_the_example_tools() {
    if python_running("agents", "python/agents_sdk.py").is_none() {
        return;
    }
    let (server, _demo) = example_server(NullStyle::default()).await;
    let seen = drive_agents_sdk("http", &server.url(), &["--list-only"]).await;
    assert_eq!(
        seen["tools"],
        json!([
            "fetch_url",
            "greet_after_delay",
            "parse_csv_summary",
            "query_db",
            "read_file"
        ]),
        "{seen:#}"
    );
    // Strict mode: every property required, the optional ones nullable.
    let query = &seen["strict"]["query_db"]["parameters"];
    assert_eq!(query["required"], json!(["sql", "max_rows"]), "{seen:#}");
    assert_eq!(seen["protocolVersion"], MODERN_REVISION, "{seen:#}");
    server.shutdown().await;
}

/// The official SDKs' servers (`python/server.py`, `node/server.mjs`), with the tools `add`,
/// `fail`, `sleep` and `count`: the command running one, if its SDK is installed.
fn official_server(sdk: &str) -> Option<Command> {
    match sdk {
        "python" => python_running("mcp", "python/server.py"),
        _ => node_running("node/server.mjs"),
    }
}

/// Checks what our client makes of an official SDK's server, whose stderr is `stderr`: its
/// tools, with their descriptions and schemas; a call and its result; a tool's error as the
/// tool's failure; the tool's progress reports, passed on to the caller; and our toolbox's
/// timeout, whose cancellation reaches the server's tool.
async fn check_official_server(tools: Vec<tool_runtime::ToolRef>, stderr: ChildStderr) {
    let toolbox = tool_runtime::Toolbox::builder()
        .tools(tools)
        .default_timeout(Duration::from_millis(500))
        .build()
        .expect("the server's tools");
    let mut names: Vec<&str> = toolbox.specs().map(|spec| spec.name.as_ref()).collect();
    names.sort();
    assert_eq!(names, ["add", "count", "fail", "sleep"]);
    let add = toolbox.spec("add").expect("add");
    assert_eq!(add.description, "Adds two numbers.");
    let required = &add.input_schema["required"];
    assert_eq!(required, &json!(["a", "b"]), "{:#}", add.input_schema);

    let sum = toolbox.call("add", json!({"a": 2, "b": 3})).await;
    assert_eq!(sum.text(), "5");
    let failed = toolbox.call("fail", json!({})).await;
    assert!(failed.is_error(), "{}", failed.text());
    assert!(
        failed.text().starts_with("fail failed: ")
            && failed.text().contains("this tool always fails"),
        "{}",
        failed.text()
    );
    assert_eq!(counted_with_progress(&toolbox).await, counted_to_3());
    let slept = toolbox.call("sleep", json!({"seconds": 30})).await;
    assert_eq!(
        slept.text(),
        "sleep timed out after 500ms. Try again with a smaller request, or do without it."
    );
    // Our client sent notifications/cancelled for the call it stopped waiting for.
    assert_eq!(
        cancelled_sleeps(stderr, 1).await,
        1,
        "the server's sleep was not cancelled"
    );
}

/// How many times an official SDK's server, whose stderr is `stderr`, says its `sleep` was
/// cancelled, waiting up to 10 s for `expected` of them.
async fn cancelled_sleeps(stderr: ChildStderr, expected: usize) -> usize {
    let mut lines = BufReader::new(stderr).lines();
    let mut cancelled = 0;
    let counting = async {
        while cancelled < expected {
            match lines.next_line().await.expect("stderr is readable") {
                Some(line) => cancelled += usize::from(line == "sleep cancelled"),
                None => break,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), counting).await;
    cancelled
}

/// What `count` with `n` = 3 answers, with the progress reports it makes on the way.
fn counted_to_3() -> (String, Vec<Progress>) {
    let step = |done: f64| Progress {
        done,
        total: Some(3.0),
        message: Some(format!("step {done}")),
    };
    ("3".to_owned(), vec![step(1.0), step(2.0), step(3.0)])
}

/// Calls `count` up to 3 through `toolbox`, listening to its progress: its answer, and the
/// reports the listener got.
async fn counted_with_progress(toolbox: &tool_runtime::Toolbox) -> (String, Vec<Progress>) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let listener = OnProgress::new({
        let reports = reports.clone();
        move |report: Progress| reports.lock().unwrap().push(report)
    });
    let call = ToolCall::new("1", "count", json!({"n": 3})).with_progress(listener);
    let answer = toolbox.call_all([call]).await.remove(0).output;
    let reports = reports.lock().unwrap().clone();
    (answer.text().to_owned(), reports)
}

/// Our client (`remote_tools`, served with a `ProgressRelay`) on an official SDK's server over
/// stdio.
async fn our_client_over_stdio(sdk: &str) {
    let Some(mut command) = official_server(sdk) else {
        return;
    };
    command.arg("stdio");
    let (transport, stderr) = rmcp::transport::TokioChildProcess::builder(command)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let client = ProgressRelay::default()
        .serve(transport)
        .await
        .expect("handshake");
    let tools = ProgressRelay::remote_tools(&client)
        .await
        .expect("the server lists its tools");
    check_official_server(tools, stderr.expect("stderr is piped")).await;
    client.cancel().await.expect("the client stops");
}

/// The official SDK's server `command` runs, over streamable HTTP with its stderr piped, and
/// our client (`RemoteServers`) connected to it.
async fn official_http_server(mut command: Command) -> (Child, RemoteServers) {
    command.arg("http").stderr(Stdio::piped());
    let (server, address) = tests::start_server(command).await;
    // The workspace builds reqwest with rustls and no crypto provider: install ring first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let servers = RemoteServers::builder([format!("http://{address}/mcp")])
        .connect()
        .await
        .expect("our client connects");
    (server, servers)
}

/// Our client (`RemoteServers`) on an official SDK's server over streamable HTTP.
async fn our_client_over_http(sdk: &str) {
    let Some(command) = official_server(sdk) else {
        return;
    };
    let (mut server, servers) = official_http_server(command).await;
    let stderr = server.stderr.take().expect("stderr is piped");
    check_official_server(servers.tools(), stderr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_uses_the_python_sdks_server_over_stdio() {
    our_client_over_stdio("python").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_uses_the_python_sdks_server_over_http() {
    our_client_over_http("python").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_uses_the_typescript_sdks_server_over_stdio() {
    our_client_over_stdio("typescript").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_uses_the_typescript_sdks_server_over_http() {
    our_client_over_http("typescript").await;
}

/// A gateway: our HTTP server serving the tools of an official SDK's server, used through
/// `RemoteServers`. The official Python client, at a revision with sessions and at 2026-07-28,
/// gets each progress report the far server's tool made, and stopping to wait for a call
/// cancels the tool on the far server.
async fn a_gateway_to(sdk: &str) {
    let (Some(upstream), Some(client)) = (
        official_server(sdk),
        python_running("mcp", "python/gateway.py"),
    ) else {
        return;
    };
    let (mut upstream, servers) = official_http_server(upstream).await;
    let toolbox = tool_runtime::Toolbox::builder()
        .tools(servers.tools())
        .build()
        .expect("the far server's tools");
    let gateway = HttpServer::bind(McpServer::new(toolbox), "127.0.0.1:0")
        .await
        .expect("the gateway binds");
    let revisions = ["2025-06-18", MODERN_REVISION];
    let (seen, _) = run_client(client, "http", &gateway.url(), &revisions).await;
    for (seen, revision) in seen.iter().zip(revisions) {
        let expected = json!({
            "text": "3",
            "isError": false,
            "progress": [[1.0, 3.0, "step 1"], [2.0, 3.0, "step 2"], [3.0, 3.0, "step 3"]],
            "sleepCancelled": true,
            "revision": revision,
        });
        assert_eq!(
            seen, &expected,
            "through the gateway to the {sdk} SDK's server"
        );
    }
    // Each revision's `sleep` was cancelled on the far server.
    let stderr = upstream.stderr.take().expect("stderr is piped");
    let cancelled = cancelled_sleeps(stderr, revisions.len()).await;
    assert_eq!(
        cancelled,
        revisions.len(),
        "cancelled sleeps on the {sdk} SDK's server"
    );
    gateway.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_to_the_python_sdks_server_passes_progress_and_cancellation_on() {
    a_gateway_to("python").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_to_the_typescript_sdks_server_passes_progress_and_cancellation_on() {
    a_gateway_to("typescript").await;
}

/// Adds two numbers.
#[tool_runtime::tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// A web page at an origin, using an MCP server from the browser (`browser/page.mjs`): jsdom,
/// which applies CORS as browsers do, on the Node it needs (22 or newer; the one on PATH may be
/// older), both pinned in `tests/clients/browser/package.json`.
fn browser_page() -> Option<Command> {
    let node = clients_dir().join("browser/node_modules/node/bin/node");
    let jsdom = clients_dir().join("browser/node_modules/jsdom");
    client(node, jsdom, "browser/page.mjs")
}

/// What a page at `origin` could do and see of the server at `url`, its token in hand.
async fn visit(url: &str, origin: &str, token: &str) -> Value {
    let mut command = browser_page().expect("the tests return early without jsdom");
    command.args([url, origin, token]);
    let (status, stdout, stderr) = run(command).await;
    assert!(status.success(), "the page failed:\n{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!("the page printed no JSON ({error}):\nstdout:\n{stdout}\nstderr:\n{stderr}")
    })
}

/// Pages of an allowed origin and of this machine use the server from a browser: the browser's
/// preflight is answered (before the token, which a preflight never carries), and the page
/// reads the answers, the session's id and a 401's challenge. A page of any other origin gets
/// nothing: the browser blocks it. Any page reads the OAuth metadata, a public document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_allowed_origins_use_the_server_from_a_browser() {
    if browser_page().is_none() {
        return;
    }
    let toolbox = tool_runtime::Toolbox::builder()
        .tool(add::tool())
        .build()
        .expect("one tool");
    let server = HttpServer::builder(McpServer::new(toolbox))
        .bearer_tokens(["a-page-token"])
        .oauth_protected_resource("https://mcp.example/mcp", ["https://auth.example"])
        .allowed_origins(["https://app.example"])
        .bind("127.0.0.1:0")
        .await
        .expect("it serves");
    let metadata = json!({
        "status": 200,
        "document": {
            "resource": "https://mcp.example/mcp",
            "authorization_servers": ["https://auth.example"],
            "bearer_methods_supported": ["header"],
        },
    });
    for origin in ["https://app.example", "http://localhost:5173"] {
        let seen = visit(&server.url(), origin, "a-page-token").await;
        let context = format!("a page at {origin}: {seen:#}");
        let initialized = json!({"status": 200, "session": true});
        assert_eq!(seen["initialize"], initialized, "{context}");
        assert_eq!(seen["call"]["status"], 200, "{context}");
        assert_eq!(
            seen["call"]["result"]["content"][0]["text"], "5",
            "{context}"
        );
        assert_eq!(seen["unauthorized"]["status"], 401, "{context}");
        let challenge = seen["unauthorized"]["challenge"].as_str().unwrap_or("");
        assert!(challenge.starts_with("Bearer "), "{context}");
        assert_eq!(seen["metadata"], metadata, "{context}");
    }
    let seen = visit(&server.url(), "https://elsewhere.example", "a-page-token").await;
    let context = format!("a page of another origin: {seen:#}");
    assert_eq!(
        seen["initialize"],
        json!({"status": 0, "session": false}),
        "{context}"
    );
    assert_eq!(seen["call"], Value::Null, "{context}");
    assert_eq!(seen["unauthorized"]["status"], 0, "{context}");
    assert_eq!(seen["metadata"], metadata, "{context}");
    server.shutdown().await;
}
