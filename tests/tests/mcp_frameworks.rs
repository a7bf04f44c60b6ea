//! The Python agent frameworks' MCP clients, at their newest versions in their default settings,
//! driving our server over stdio and streamable HTTP (with sessions and without): FastMCP's
//! `Client` (`fastmcp`), pydantic-ai's `MCPToolset` (`pydantic-ai-slim[mcp]`, in agent runs with
//! its `FunctionModel` and `TestModel`, so no model on the network is asked) and LangChain's
//! `MultiServerMCPClient` (`langchain-mcp-adapters`). The driver, `python/frameworks.py`, prints
//! what each framework saw as JSON: the tools with the description and schema it ended with,
//! what the model reads of each call (a typed result, a tool's error, bad arguments, a result
//! cut to the output limit, an unknown tool), progress, and a call stopped midway.
//!
//! `langchain-mcp-adapters` requires `mcp<2` and FastMCP `mcp>=2`, so they have a venv each,
//! installed from PyPI by `.ci/run` (or by hand: `python3 -m venv
//! tests/clients/.venv-frameworks && tests/clients/.venv-frameworks/bin/pip install fastmcp
//! 'pydantic-ai-slim[mcp]'`, and `python3 -m venv tests/clients/.venv-langchain &&
//! tests/clients/.venv-langchain/bin/pip install langchain-mcp-adapters`). Without them, the
//! tests say so and pass, except in CI (`CI=true`), where they fail.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use examples::Demo;
use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::{Map, Value, json};
use tokio::process::{Child, Command};
use tool_runtime::mcp::McpServer;

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// The venv and the Python package of each framework.
fn installation(framework: &str) -> (&'static str, &'static str) {
    match framework {
        "fastmcp" => (".venv-frameworks", "fastmcp"),
        "pydantic_ai" => (".venv-frameworks", "pydantic_ai"),
        _ => (".venv-langchain", "langchain_mcp_adapters"),
    }
}

/// The driver for `framework`, if its venv has it.
fn driver(framework: &str) -> Option<Command> {
    let (venv, package) = installation(framework);
    let venv = clients_dir().join(venv);
    let python = venv.join("bin/python");
    if !tests::has_package(&venv, package) || !python.exists() {
        tests::skip_outside_ci(&format!(
            "the Python package {package} is not installed in {}; .ci/run installs it from PyPI",
            venv.display()
        ));
        return None;
    }
    let mut command = Command::new(python);
    command.arg(clients_dir().join("python/frameworks.py"));
    command.arg(framework);
    Some(command)
}

/// How the driver reaches the server.
enum Target<'a> {
    /// `mcp_test_server --shapes` on the driver's own stdio.
    Stdio,
    /// A server at this URL.
    Http(&'a str),
}

/// What `framework` saw in `scenario` (`test` or `example`) on `target`.
async fn drive(framework: &str, scenario: &str, target: Target<'_>) -> Value {
    let mut command = driver(framework).expect("the tests return early without the framework");
    command.arg(scenario);
    match target {
        Target::Stdio => command.args(["stdio", env!("CARGO_BIN_EXE_mcp_test_server"), "--shapes"]),
        Target::Http(url) => command.args(["http", url]),
    };
    let output = command.stdin(Stdio::null()).kill_on_drop(true).output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("the driver finishes within 120 s")
        .expect("the driver runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the driver failed:\n{stderr}");
    let seen: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("{error}: stdout:\n{stdout}\nstderr:\n{stderr}"));
    assert_eq!(seen.get("failure"), None, "{seen:#}\nstderr:\n{stderr}");
    // What the frameworks log when they mishandle something: a result whose structured content
    // does not match its schema, a schema they cannot read.
    for warning in ["Error parsing structured content", "Traceback"] {
        assert!(!stderr.contains(warning), "stderr:\n{stderr}");
    }
    seen
}

/// `mcp_test_server --http --shapes` with `args`, and the URL it serves at; it serves until
/// the child is dropped (its stdin closes).
async fn http_server(args: &[&str]) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp_test_server"));
    command.args(["--http", "--shapes"]).args(args);
    tests::start_server(command).await
}

/// The tools of `mcp_test_server --shapes` as it lists them, by name (read by rmcp's client).
async fn listed_tools() -> Map<String, Value> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp_test_server"));
    command.arg("--shapes");
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let client = ().serve(transport).await.expect("handshake");
    let tools = client.list_all_tools().await.expect("tools/list");
    client.cancel().await.expect("the client stops");
    tools
        .into_iter()
        .map(|tool| {
            let tool = serde_json::to_value(tool).expect("a tool as JSON");
            (tool["name"].as_str().expect("a name").to_owned(), tool)
        })
        .collect()
}

/// Every framework lists every tool with its description and the schema the server declared.
async fn check_tools(framework: &str, seen: &Value) {
    let listed = listed_tools().await;
    let tools = seen["tools"].as_object().expect("tools");
    let names: Vec<&String> = tools.keys().collect();
    assert_eq!(names, listed.keys().collect::<Vec<_>>(), "{framework}");
    for (name, tool) in tools {
        let declared = &listed[name];
        let context = format!("{framework}, {name}: {tool:#}");
        assert_eq!(tool["description"], declared["description"], "{context}");
        assert_eq!(tool["schema"], declared["inputSchema"], "{context}");
    }
    assert_eq!(
        tools["add"]["schema"],
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "a": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                "b": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}
            },
            "required": ["a", "b"]
        }),
        "{framework}"
    );
}

/// A call's text and whether the framework took it for an error.
fn text_and_error(call: &Value) -> (&str, bool) {
    let text = call["text"].as_str().unwrap_or_else(|| panic!("{call:#}"));
    (text, call["isError"].as_bool().expect("isError"))
}

const FAILED: &str = "fail failed: no such city";
const BAD_ARGUMENTS: &str = "invalid arguments for add: at `a`: invalid type: string \"x\", \
                             expected i64. Fix the arguments and call add again.";
const CUT: &str = "... [output cut: 75001 more characters not shown]";

/// What FastMCP and LangChain keep of each call of `mcp_test_server`: the text, `isError`, and
/// the structured content.
fn check_calls(framework: &str, seen: &Value) {
    let calls = &seen["calls"];
    let context = format!("{framework}: {calls:#}");
    let result = |label: &str| {
        let call = &calls[label];
        let (text, is_error) = text_and_error(call);
        (text.to_owned(), is_error, call["structured"].clone())
    };
    assert_eq!(
        result("add"),
        ("5".into(), false, json!({"result": 5})),
        "{context}"
    );
    assert_eq!(
        result("fail"),
        (FAILED.into(), true, Value::Null),
        "{context}"
    );
    assert_eq!(
        result("badArguments"),
        (BAD_ARGUMENTS.into(), true, Value::Null),
        "{context}"
    );
    // A typed result cut to the output limit: an error, without its structured value.
    assert_eq!(result("cut"), (CUT.into(), true, Value::Null), "{context}");
    let measured = json!({"area": std::f64::consts::PI, "unit": "ft", "note": null});
    assert_eq!(result("measure").2, measured, "{context}");
    // A type that contains itself and is not an object, wrapped under `result`: the
    // frameworks check it against the output schema, whose `$ref`s must still resolve.
    assert_eq!(
        result("nest"),
        (r#"[["w"]]"#.into(), false, json!({"result": [["w"]]})),
        "{context}"
    );
    let tree = json!({"name": "A", "children": [{"name": "B", "children": []}]});
    assert_eq!(result("shoutTree").2, tree, "{context}");
    assert_eq!(result("wordCounts").2, json!({"a": 2, "b": 1}), "{context}");
    assert_eq!(
        result("lookup"),
        ("none".into(), false, Value::Null),
        "{context}"
    );
}

fn check_progress(framework: &str, seen: &Value) {
    let reports = json!([
        [1.0, 3.0, "step 1"],
        [2.0, 3.0, "step 2"],
        [3.0, 3.0, "step 3"]
    ]);
    assert_eq!(seen["progress"], reports, "{framework}: {seen:#}");
}

/// FastMCP's `Client`: every result as the server sent it, the typed ones also as FastMCP's
/// typed `data`; an error result raised as a `ToolError` with its text by default; an unknown
/// tool as the JSON-RPC error; progress; and a call past its timeout cancelled on the server.
async fn check_fastmcp(target: Target<'_>) {
    let seen = drive("fastmcp", "test", target).await;
    check_tools("fastmcp", &seen).await;
    check_calls("fastmcp", &seen);
    let context = format!("{seen:#}");
    assert_eq!(seen["protocolVersion"], "2026-07-28", "{context}");
    for label in ["add", "measure", "nest", "shoutTree", "wordCounts"] {
        let call = &seen["calls"][label];
        assert_eq!(call["data"], call["structured"], "{label}: {context}");
    }
    assert_eq!(seen["raised"], format!("ToolError: {FAILED}"), "{context}");
    assert_eq!(seen["unknown"]["code"], -32602, "{context}");
    let message = seen["unknown"]["message"].as_str().expect("a message");
    assert!(
        message.starts_with("unknown tool \"ad\". Did you mean \"add\"?"),
        "{context}"
    );
    assert_eq!(seen["countUp"], "3", "{context}");
    check_progress("fastmcp", &seen);
    assert_eq!(seen["timedOut"], "MCPError", "{context}");
    assert_eq!(seen["cancelled"], true, "{context}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fastmcp_over_stdio() {
    if driver("fastmcp").is_none() {
        return;
    }
    check_fastmcp(Target::Stdio).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fastmcp_over_http() {
    if driver("fastmcp").is_none() {
        return;
    }
    let (_server, url) = http_server(&[]).await;
    check_fastmcp(Target::Http(&url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fastmcp_over_http_without_sessions() {
    if driver("fastmcp").is_none() {
        return;
    }
    let (_server, url) = http_server(&["--stateless"]).await;
    check_fastmcp(Target::Http(&url)).await;
}

/// pydantic-ai: the model gets each tool with our description and schema, and reads each
/// result; a tool's error, bad arguments and a cut result come back as retries (the default
/// `tool_error_behavior`), carrying our text; an unknown tool is answered by pydantic-ai itself.
/// `TestModel` makes up arguments from our schemas, and every call succeeds. Stopping a run
/// while a tool runs cancels the call on the server.
async fn check_pydantic_ai(target: Target<'_>) {
    let seen = drive("pydantic_ai", "test", target).await;
    check_tools("pydantic_ai", &seen).await;
    let context = format!("{seen:#}");
    assert_eq!(seen["protocolVersion"], "2026-07-28", "{context}");
    assert_eq!(seen["output"], "done", "{context}");
    let calls = &seen["calls"];
    let returned = |label: &str| {
        let call = &calls[label];
        (
            call["outcome"].as_str().expect("an outcome"),
            call["content"].clone(),
        )
    };
    assert_eq!(returned("add"), ("success", json!(5)), "{context}");
    assert_eq!(returned("fail"), ("retried", json!(FAILED)), "{context}");
    assert_eq!(
        returned("badArguments"),
        ("retried", json!(BAD_ARGUMENTS)),
        "{context}"
    );
    assert_eq!(returned("cut"), ("retried", json!(CUT)), "{context}");
    let measured = json!({"area": std::f64::consts::PI, "unit": "ft", "note": null});
    assert_eq!(returned("measure"), ("success", measured), "{context}");
    assert_eq!(returned("nest"), ("success", json!([["w"]])), "{context}");
    let tree = json!({"name": "A", "children": [{"name": "B", "children": []}]});
    assert_eq!(returned("shoutTree"), ("success", tree), "{context}");
    assert_eq!(
        returned("wordCounts"),
        ("success", json!({"a": 2, "b": 1})),
        "{context}"
    );
    assert_eq!(returned("lookup"), ("success", json!("none")), "{context}");
    assert_eq!(returned("countUp"), ("success", json!(3)), "{context}");
    let (unknown, _) = text_and_error(&calls["unknown"]);
    assert!(unknown.contains("Unknown tool name: 'ad'"), "{context}");
    // The model reads our text in each error.
    for (label, text) in [("fail", FAILED), ("badArguments", BAD_ARGUMENTS)] {
        let (read, is_error) = text_and_error(&calls[label]);
        let quoted = serde_json::to_string(text).expect("a string");
        assert!(
            is_error && read.contains(quoted.trim_matches('"')),
            "{label}: {context}"
        );
    }
    check_progress("pydantic_ai", &seen);
    assert_eq!(
        seen["testModel"],
        json!({
            "count_up": 0,
            "repeat": [],
            "measure": {"area": 0.0, "unit": "m", "note": "an empty shape"},
            "lookup": "none",
            "word_counts": {"a": 1},
            "nest": "a"
        }),
        "{context}"
    );
    assert_eq!(seen["cancelled"], true, "{context}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pydantic_ai_over_stdio() {
    if driver("pydantic_ai").is_none() {
        return;
    }
    check_pydantic_ai(Target::Stdio).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pydantic_ai_over_http() {
    if driver("pydantic_ai").is_none() {
        return;
    }
    let (_server, url) = http_server(&[]).await;
    check_pydantic_ai(Target::Http(&url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pydantic_ai_over_http_without_sessions() {
    if driver("pydantic_ai").is_none() {
        return;
    }
    let (_server, url) = http_server(&["--stateless"]).await;
    check_pydantic_ai(Target::Http(&url)).await;
}

/// LangChain: tools whose `args_schema` is our schema (and whose OpenAI conversion inlines the
/// `$defs`); each call's text in a `ToolMessage`, with `status="error"` for an error result and
/// the structured content as its artifact; progress through its callbacks; and over HTTP, a
/// call its caller stopped waiting for is cancelled on the server (over stdio each call has a
/// server process of its own, which ends with it).
async fn check_langchain(target: Target<'_>) {
    let over_http = matches!(target, Target::Http(_));
    let seen = drive("langchain", "test", target).await;
    check_tools("langchain", &seen).await;
    check_calls("langchain", &seen);
    let context = format!("{seen:#}");
    let openai = &seen["tools"]["measure"]["openai"];
    assert_eq!(openai.get("$defs"), None, "{context}");
    assert_eq!(
        openai["properties"]["shape"]["oneOf"][0]["properties"]["kind"],
        json!({"type": "string", "const": "circle"}),
        "{context}"
    );
    assert_eq!(seen["countUp"], "3", "{context}");
    check_progress("langchain", &seen);
    let cancelled = if over_http { json!(true) } else { Value::Null };
    assert_eq!(seen["cancelled"], cancelled, "{context}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langchain_over_stdio() {
    if driver("langchain").is_none() {
        return;
    }
    check_langchain(Target::Stdio).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langchain_over_http() {
    if driver("langchain").is_none() {
        return;
    }
    let (_server, url) = http_server(&[]).await;
    check_langchain(Target::Http(&url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langchain_over_http_without_sessions() {
    if driver("langchain").is_none() {
        return;
    }
    let (_server, url) = http_server(&["--stateless"]).await;
    check_langchain(Target::Http(&url)).await;
}

/// The example tools (`examples/examples/mcp_server.rs`), served over HTTP on the demo
/// environment: each framework lists them, runs a query and a CSV summary (typed results) and
/// reads a failed read as an error.
async fn check_example_tools(framework: &str) {
    let demo = Demo::start().await.expect("the demo environment");
    let http = McpServer::new(demo.toolbox.clone())
        .serve_http("127.0.0.1:0")
        .await
        .expect("it serves");
    let seen = drive(framework, "example", Target::Http(&http.url())).await;
    http.shutdown().await;
    let context = format!("{framework}: {seen:#}");
    let tools = seen["tools"].as_object().expect("tools");
    let names: Vec<&str> = tools.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "fetch_url",
            "greet_after_delay",
            "parse_csv_summary",
            "query_db",
            "read_file"
        ],
        "{context}"
    );
    let query = &tools["query_db"]["schema"];
    assert_eq!(query["required"], json!(["sql"]), "{context}");
    assert_eq!(
        query["properties"]["max_rows"]["anyOf"][1],
        json!({"type": "null"}),
        "{context}"
    );
    let calls = &seen["calls"];
    let rows = json!({"columns": ["name"], "rows": [{"name": "Delhi"}, {"name": "Kyoto"}], "truncated": false});
    let (text, is_error) = text_and_error(&calls["query"]);
    assert_eq!(
        (serde_json::from_str::<Value>(text).ok(), is_error),
        (Some(rows), false),
        "{context}"
    );
    let (text, is_error) = text_and_error(&calls["summary"]);
    assert!(
        text.starts_with(r#"{"rows":2,"columns":"#) && !is_error,
        "{context}"
    );
    let (text, is_error) = text_and_error(&calls["missingFile"]);
    assert!(is_error, "{context}");
    assert!(
        text.contains(r#"read_file failed: there is no file at \"no-such-file.txt\""#)
            || text.contains(r#"read_file failed: there is no file at "no-such-file.txt""#),
        "{context}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fastmcp_uses_the_example_tools() {
    if driver("fastmcp").is_none() {
        return;
    }
    check_example_tools("fastmcp").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pydantic_ai_uses_the_example_tools() {
    if driver("pydantic_ai").is_none() {
        return;
    }
    check_example_tools("pydantic_ai").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langchain_uses_the_example_tools() {
    if driver("langchain").is_none() {
        return;
    }
    check_example_tools("langchain").await;
}
