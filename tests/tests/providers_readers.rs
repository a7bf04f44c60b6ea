//! Reading calls from a hostile or broken response (P-1): one malformed call is that call's
//! error and the others run; duplicate ids are refused call by call; made-up ids never collide
//! with given ones; MCP ids keep their JSON type.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tool_runtime::providers::{anthropic, gemini, mcp, ollama, openai, openai_responses};
use tool_runtime::{CallResult, ToolCall, Toolbox, tool};

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    RUNS.fetch_add(1, Ordering::SeqCst);
    a + b
}

async fn run(calls: Vec<ToolCall>) -> Vec<CallResult> {
    let toolbox = Toolbox::builder().tool(add::tool()).build().unwrap();
    toolbox.call_all(calls).await
}

fn texts(results: &[CallResult]) -> Vec<(&str, &str, bool)> {
    results
        .iter()
        .map(|r| (r.id.as_str(), r.output.text(), r.output.is_error()))
        .collect()
}

fn openai_call(id: Value, kind: &str) -> Value {
    json!({"id": id, "type": kind,
           "function": {"name": "add", "arguments": "{\"a\":1,\"b\":2}"}})
}

#[tokio::test]
async fn openai_a_malformed_call_is_its_own_error_and_the_others_run() {
    let message = json!({"role": "assistant", "content": null, "tool_calls": [
        openai_call(json!("call_1"), "function"),
        {"type": "function", "function": {"name": "add", "arguments": "{}"}},
        openai_call(json!(7), "function"),
        {"id": "call_4", "type": "custom", "custom": {"name": "add", "input": "1+2"}},
        openai_call(json!("call_5"), "function"),
    ]});
    let calls = openai::read_calls(&message).unwrap();
    let results = run(calls).await;
    assert_eq!(
        texts(&results),
        [
            ("call_1", "3", false),
            (
                "",
                "add was not run: the call could not be read: at `/tool_calls/1/id`, a string \
                 is expected. Call the tool again as a function call.",
                true
            ),
            (
                "7",
                "add was not run: the call could not be read: at `/tool_calls/2/id`, a string \
                 is expected. Call the tool again as a function call.",
                true
            ),
            (
                "call_4",
                "add was not run: the call could not be read: at `/tool_calls/3/type`, the call \
                 is of type \"custom\", and only function calls are run. Call the tool again as \
                 a function call.",
                true
            ),
            ("call_5", "3", false),
        ]
    );
    assert_eq!(results[1].output.error().unwrap().kind(), "refused");
}

#[tokio::test]
async fn duplicate_ids_are_refused_call_by_call_and_the_tool_runs_once() {
    let message = json!({"tool_calls": [
        openai_call(json!("dup"), "function"),
        openai_call(json!("dup"), "function"),
        openai_call(json!("other"), "function"),
    ]});
    let before = RUNS.load(Ordering::SeqCst);
    let results = run(openai::read_calls(&message).unwrap()).await;
    let refused = "add was not run: its id \"dup\" is the id of an earlier call in the same \
                   message, and each call needs an id of its own. Call it again if it is still \
                   needed.";
    assert_eq!(
        texts(&results),
        [
            ("dup", "3", false),
            ("dup", refused, true),
            ("other", "3", false)
        ]
    );
    // Other tests run `add` at the same time: at least this one's two runs, and the refused
    // call is checked by its text above.
    assert!(RUNS.load(Ordering::SeqCst) >= before + 2);

    let response = json!({"output": [
        {"type": "function_call", "call_id": "c", "name": "add", "arguments": "{\"a\":1,\"b\":1}"},
        {"type": "function_call", "call_id": "c", "name": "add", "arguments": "{\"a\":1,\"b\":1}"},
        {"type": "function_call", "name": "add", "arguments": "{}"},
    ]});
    let calls = openai_responses::read_calls(&response).unwrap();
    let refusals: Vec<bool> = calls.iter().map(|c| c.refusal.is_some()).collect();
    assert_eq!(refusals, [false, true, true]);

    let message = json!({"role": "assistant", "content": [
        {"type": "tool_use", "id": "t", "name": "add", "input": {"a": 1, "b": 1}},
        {"type": "tool_use", "id": "t", "name": "add", "input": {"a": 1, "b": 1}},
        {"type": "tool_use", "name": "add", "input": {}},
    ]});
    let calls = anthropic::read_calls(&message).unwrap();
    let refusals: Vec<bool> = calls.iter().map(|c| c.refusal.is_some()).collect();
    assert_eq!(refusals, [false, true, true]);
    let answer = anthropic::write_results(&run(calls).await);
    assert_eq!(answer["content"].as_array().unwrap().len(), 3);
    assert_eq!(answer["content"][2]["is_error"], json!(true));
}

#[tokio::test]
async fn gemini_given_ids_never_collide_with_made_up_ones_and_every_call_is_answered() {
    let content = json!({"role": "model", "parts": [
        {"functionCall": {"name": "add", "args": {"a": 1, "b": 1}}},
        {"functionCall": {"id": "synthesized-call-0", "name": "add", "args": {"a": 2, "b": 2}}},
        {"functionCall": {"id": 5, "name": "add", "args": {"a": 3, "b": 3}}},
        {"functionCall": {"args": {"a": 4, "b": 4}}},
    ]});
    let calls = gemini::read_calls(&content).unwrap();
    let ids: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "synthesized-call-0",
            "given:synthesized-call-0",
            "5",
            "synthesized-call-3"
        ]
    );
    let answer = gemini::write_results(&run(calls).await);
    let responses: Vec<&Value> = answer["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|part| &part["functionResponse"])
        .collect();
    assert_eq!(
        responses[0].get("id"),
        None,
        "a made-up id is not sent back"
    );
    assert_eq!(responses[1]["id"], json!("synthesized-call-0"));
    assert_eq!(responses[1]["response"], json!({"output": 4}));
    assert!(
        responses[2]["response"]["error"]
            .as_str()
            .unwrap()
            .contains("at `/parts/2/functionCall/id`, a string is expected"),
        "{}",
        responses[2]
    );
    assert!(responses[3]["response"]["error"].is_string());
}

#[tokio::test]
async fn ollama_a_malformed_call_is_its_own_error() {
    let message = json!({"role": "assistant", "tool_calls": [
        {"function": {"name": "add", "arguments": {"a": 1, "b": 1}}},
        {"id": "x"},
        {"id": "synthesized-call-0", "function": {"name": "add", "arguments": {"a": 2, "b": 2}}},
    ]});
    let calls = ollama::read_calls(&message).unwrap();
    let results = run(calls).await;
    assert_eq!(results[0].output.text(), "2");
    assert!(results[1].output.is_error());
    assert_eq!(results[2].output.text(), "4");
    let answers = ollama::write_results(&results);
    assert_eq!(answers[0].get("tool_call_id"), None);
    assert_eq!(answers[2]["tool_call_id"], json!("synthesized-call-0"));
}

#[tokio::test]
async fn mcp_ids_keep_their_json_type_and_other_ids_are_refused() {
    let toolbox = Toolbox::builder().tool(add::tool()).build().unwrap();
    for id in [json!(2), json!("2"), json!(2.5), json!("a\"b")] {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                             "params": {"name": "add", "arguments": {"a": 1, "b": 1}}});
        let results = toolbox.call_all([mcp::read_call(&request).unwrap()]).await;
        assert_eq!(mcp::write_response(&toolbox, &results[0])["id"], id);
    }
    for id in [json!({"a": 1}), json!([1]), json!(true)] {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                             "params": {"name": "add"}});
        let error = mcp::read_call(&request).unwrap_err();
        assert_eq!(error.path(), "/id");
    }
}

/// What the model gave as a name or an id is echoed back shortened and escaped, however the
/// call is refused: it cannot fill the answer or write terminal escapes.
#[tokio::test]
async fn names_and_ids_echoed_in_refusals_are_shortened_and_escaped() {
    let name = format!("ap\u{1b}[2Jpend\n{}", "y".repeat(300_000));
    let id = "i".repeat(2_000_000);
    let message = json!({"tool_calls": [
        {"type": "function", "function": {"name": name, "arguments": "{}"}},
        {"id": id, "type": "function", "function": {"name": "add", "arguments": "{\"a\":1,\"b\":1}"}},
        {"id": id, "type": "function", "function": {"name": "add", "arguments": "{\"a\":1,\"b\":1}"}},
        {"id": "k", "type": "x".repeat(100_000), "function": {"name": "add", "arguments": "{}"}},
    ]});
    let results = run(openai::read_calls(&message).unwrap()).await;
    let shown_name = format!("ap\\u{{1b}}[2Jpend\\n{}…", "y".repeat(53));
    let unread = results[0].output.text();
    assert!(
        unread.starts_with(&format!(
            "{shown_name} was not run: the call could not be read"
        )),
        "{unread}"
    );
    let duplicate = results[2].output.text();
    let shown_id = format!("{}…", "i".repeat(64));
    assert!(
        duplicate.contains(&format!(
            "its id \"{shown_id}\" is the id of an earlier call"
        )),
        "{}",
        &duplicate[..200]
    );
    assert!(duplicate.len() < 300, "{} characters", duplicate.len());
    let custom = results[3].output.text();
    assert!(
        custom.contains(&format!("the call is of type \"{}…\"", "x".repeat(64))),
        "{}",
        &custom[..200]
    );
    for result in &results {
        let text = result.output.text();
        assert!(!text.chars().any(char::is_control), "{}", &text[..80]);
        assert!(text.len() < 400, "{} characters", text.len());
    }
}
