//! What the `agent` example prints when the model and the pages it reads are hostile: it runs
//! the example against a stand-in endpoint whose answers carry terminal escape sequences, and
//! reads the terminal.

use std::process::Stdio;
use std::time::Duration;

use examples::agent::question;
use examples::fixtures::{ChatServer, built_example};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tool_runtime::ApprovalRequest;

/// A Chat Completions response: the assistant's `content` and its tool calls, as
/// `(name, arguments)`.
fn response(content: Option<&str>, calls: &[(&str, Value)]) -> Value {
    let tool_calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, arguments))| {
            json!({
                "id": format!("call_{i}"),
                "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()},
            })
        })
        .collect();
    let mut message = json!({"role": "assistant", "content": content});
    if !tool_calls.is_empty() {
        message["tool_calls"] = Value::from(tool_calls);
    }
    json!({"choices": [{"index": 0, "message": message}]})
}

/// The escape sequences a tool's output, a tool's name, a note and the model's answer carry
/// reach the terminal escaped; the answer keeps its line breaks.
#[tokio::test]
async fn the_agent_prints_no_escape_sequence_from_the_model_or_the_tools() {
    let endpoint = ChatServer::start(vec![
        response(
            None,
            &[
                ("greet_after_delay", json!({"name": "\u{1b}[2J\u{7}Ada"})),
                ("\u{1b}[31mred_tool", json!({})),
                (
                    "save_note",
                    json!({"title": "french-cities", "text": "Paris\u{1b}]0;pwned\u{7}\r"}),
                ),
            ],
        ),
        response(Some("Done.\nSecond line \u{1b}[31mred\u{7}\r"), &[]),
    ])
    .await
    .unwrap();
    let mut child = Command::new(built_example("agent"))
        .env("OPENAI_BASE_URL", endpoint.base_url())
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(b"y\n").await.unwrap();
    drop(stdin);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the example ends within a minute")
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let raw: Vec<char> = stdout
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(raw.is_empty(), "{raw:?} reached the terminal:\n{stdout}");
    for printed in [
        r"greet_after_delay  ok    Hello, \u{1b}[2J\u{7}Ada!",
        r"\u{1b}[31mred_tool",
        "assistant: Done.\nSecond line \\u{1b}[31mred\\u{7}\\r",
        r"the note french-cities: Paris\u{1b}]0;pwned\u{7}\r",
    ] {
        assert!(stdout.contains(printed), "{printed:?} not in:\n{stdout}");
    }
}

/// The reviewer's case: a long first argument no longer hides the second one, which is the
/// one that says which note is overwritten.
#[test]
fn the_question_shows_every_argument_however_long_the_first() {
    let text = format!("French cities: Paris, Lyon, Marseille.{}", " ".repeat(600));
    let call = ApprovalRequest::new(
        "save_note",
        json!({"text": text, "title": "thesis-final\u{1b}[8m"}),
    );
    let shown = question(&call);
    assert_eq!(
        shown,
        format!(
            "  ? run save_note\n      \"text\": \"French cities: Paris, Lyon, Marseille.{}… \
             (520 more characters)\n      \"title\": \"thesis-final\\u001b[8m\"\n    [y/N] ",
            " ".repeat(81)
        )
    );
    assert_eq!(
        question(&ApprovalRequest::new("save_note", json!({}))),
        "  ? run save_note with no arguments\n    [y/N] "
    );
}
