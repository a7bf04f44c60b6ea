//! Anthropic Messages: the golden examples of the providers reference (declaration, call,
//! result), and round trips from an assistant message to the user message answering it.

use serde_json::{Value, json};
use tool_runtime::providers::anthropic;
use tool_runtime::{ToolCall, Toolbox, tool};

const DECLARATION: &str = r#"{"name":"get_weather","description":"Get weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}"#;
const CALL: &str = r#"{"role":"assistant","content":[{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"location":"Paris"}}]}"#;
const RESULT: &str = r#"{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A","content":"15 degrees","is_error":false}]}"#;

fn golden(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Get weather
#[tool]
async fn get_weather(location: String) -> Result<String, String> {
    match location.as_str() {
        "Atlantis" => Err("no station in Atlantis".to_owned()),
        _ => Ok("15 degrees".to_owned()),
    }
}

fn toolbox() -> Toolbox {
    Toolbox::builder()
        .tool(get_weather::tool())
        .build()
        .unwrap()
}

#[test]
fn declaration_is_the_golden_example_closed_to_unknown_arguments() {
    // `#[tool]` refuses arguments the function does not take, and says so in the schema.
    let mut expected = golden(DECLARATION);
    expected["input_schema"]["additionalProperties"] = json!(false);
    assert_eq!(anthropic::tools(&toolbox()), [expected]);
}

#[test]
fn calls_are_read_from_the_golden_message() {
    assert_eq!(
        anthropic::read_calls(&golden(CALL)).unwrap(),
        [ToolCall::new(
            "toolu_01A",
            "get_weather",
            json!({"location": "Paris"})
        )]
    );
    let text = json!({"role": "assistant", "content": "Hello"});
    assert_eq!(anthropic::read_calls(&text).unwrap(), []);
}

#[tokio::test]
async fn round_trip_gives_the_golden_result() {
    let toolbox = toolbox();
    let results = toolbox
        .call_all(anthropic::read_calls(&golden(CALL)).unwrap())
        .await;
    assert_eq!(anthropic::write_results(&results), golden(RESULT));
}

#[tokio::test]
async fn every_tool_use_gets_its_result_in_order_with_is_error() {
    let response = json!({
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": "Checking both."},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Atlantis"}},
            {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"location": "Paris"}},
            {"type": "tool_use", "id": "toolu_3", "name": "get_wether", "input": {}}
        ]
    });
    let toolbox = toolbox();
    let results = toolbox
        .call_all(anthropic::read_calls(&response).unwrap())
        .await;
    assert_eq!(
        anthropic::write_results(&results),
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1",
             "content": "get_weather failed: no station in Atlantis", "is_error": true},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "15 degrees", "is_error": false},
            {"type": "tool_result", "tool_use_id": "toolu_3",
             "content": "unknown tool \"get_wether\". Did you mean \"get_weather\"? Available tools: get_weather.",
             "is_error": true}
        ]})
    );
}

#[test]
fn blocks_that_do_not_match_are_refused_with_the_place() {
    let message = json!({"content": [{"type": "text", "text": "a"}, {"type": "tool_use", "name": "get_weather"}]});
    assert_eq!(
        anthropic::read_calls(&message).unwrap()[0]
            .refusal
            .as_deref(),
        Some(
            "the call could not be read: at `/content/1/id`, a string is expected. Call the \
             tool again as a function call."
        )
    );
    assert_eq!(
        anthropic::read_calls(&json!({"content": 5}))
            .unwrap_err()
            .to_string(),
        "cannot read the Anthropic message: at `/content`, a list is expected; pass the \
         assistant message or the whole response, as it came."
    );
}
