//! OpenAI Chat Completions and Responses: the golden examples of the providers reference
//! (declaration, call, result), and round trips from a response to the messages answering it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tool_runtime::providers::{Strict, openai, openai_responses};
use tool_runtime::{Arguments, ToolCall, Toolbox, tool};

const CHAT_DECLARATION: &str = r#"{"type":"function","function":{"name":"get_weather","description":"Get weather","parameters":{"type":"object","properties":{"location":{"type":"string"},"unit":{"type":["string","null"],"enum":["c","f",null]}},"required":["location","unit"],"additionalProperties":false},"strict":true}}"#;
const CHAT_CALL: &str = r#"{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Boston\",\"unit\":null}"}}]}"#;
const CHAT_RESULT: &str =
    r#"{"role":"tool","tool_call_id":"call_abc123","content":"{\"temp\":15}"}"#;

const RESPONSES_DECLARATION: &str = r#"{"type":"function","name":"get_weather","description":"Get weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"],"additionalProperties":false},"strict":true}"#;
const RESPONSES_CALL: &str = r#"{"type":"function_call","id":"fc_123","call_id":"call_123","name":"get_weather","arguments":"{\"location\":\"Paris\"}","status":"completed"}"#;
const RESPONSES_RESULT: &str =
    r#"{"type":"function_call_output","call_id":"call_123","output":"{\"temp\":15}"}"#;

fn golden(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[derive(Deserialize, JsonSchema)]
#[schemars(inline)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    C,
    F,
}

#[derive(Serialize, JsonSchema)]
pub struct Weather {
    pub temp: i32,
}

/// Get weather
#[tool]
async fn get_weather(location: String, unit: Option<Unit>) -> Weather {
    let _ = (location, unit);
    Weather { temp: 15 }
}

mod responses {
    use super::Weather;

    /// Get weather
    #[tool_runtime::tool(name = "get_weather")]
    pub async fn weather(location: String) -> Weather {
        let _ = location;
        Weather { temp: 15 }
    }
}

fn chat_toolbox() -> Toolbox {
    Toolbox::builder()
        .tool(get_weather::tool())
        .build()
        .unwrap()
}

fn responses_toolbox() -> Toolbox {
    Toolbox::builder()
        .tool(responses::weather::tool())
        .build()
        .unwrap()
}

#[test]
fn chat_declaration_is_the_golden_example() {
    assert_eq!(
        openai::tools(&chat_toolbox(), Strict::On).unwrap(),
        [golden(CHAT_DECLARATION)]
    );
}

#[test]
fn chat_declaration_without_strict_mode_keeps_the_schemars_schema() {
    assert_eq!(
        openai::tools(&chat_toolbox(), Strict::Off).unwrap(),
        [json!({"type": "function", "function": {
            "name": "get_weather",
            "description": "Get weather",
            "parameters": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "location": {"type": "string"},
                    "unit": {"type": ["string", "null"], "enum": ["c", "f", null]}
                },
                "required": ["location"]
            },
            "strict": false
        }})]
    );
}

#[test]
fn chat_calls_are_read_from_the_golden_message_and_from_a_whole_response() {
    let expected = [ToolCall::new(
        "call_abc123",
        "get_weather",
        Arguments::Text(r#"{"location":"Boston","unit":null}"#.into()),
    )];
    assert_eq!(openai::read_calls(&golden(CHAT_CALL)).unwrap(), expected);
    let response = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": golden(CHAT_CALL), "finish_reason": "tool_calls"}]
    });
    assert_eq!(openai::read_calls(&response).unwrap(), expected);
    let text_only = json!({"role": "assistant", "content": "Hello"});
    assert_eq!(openai::read_calls(&text_only).unwrap(), []);
}

#[tokio::test]
async fn chat_round_trip_gives_the_golden_result() {
    let toolbox = chat_toolbox();
    let calls = openai::read_calls(&golden(CHAT_CALL)).unwrap();
    let results = toolbox.call_all(calls).await;
    assert_eq!(openai::write_results(&results), [golden(CHAT_RESULT)]);
}

#[tokio::test]
async fn malformed_arguments_become_that_calls_error_and_the_others_run() {
    let message = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"location\": \"Bos"}},
        {"id": "call_2", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris\"}"}}
    ]});
    let toolbox = chat_toolbox();
    let results = toolbox
        .call_all(openai::read_calls(&message).unwrap())
        .await;
    assert_eq!(
        openai::write_results(&results),
        [
            json!({"role": "tool", "tool_call_id": "call_1", "content":
                "invalid arguments for get_weather: the arguments are not valid JSON (EOF while \
                 parsing a string). Fix the arguments and call get_weather again."}),
            json!({"role": "tool", "tool_call_id": "call_2", "content": "{\"temp\":15}"}),
        ]
    );
}

#[tokio::test]
async fn parameters_the_tool_does_not_define_are_refused_by_name() {
    let message = json!({"role": "assistant", "content": null, "tool_calls": [{
        "id": "call_1", "type": "function",
        "function": {"name": "get_weather", "arguments": "{\"location\":\"Boston\",\"units\":\"c\"}"}
    }]});
    let toolbox = chat_toolbox();
    let results = toolbox
        .call_all(openai::read_calls(&message).unwrap())
        .await;
    assert!(results[0].output.is_error());
    assert_eq!(
        openai::write_results(&results),
        [json!({"role": "tool", "tool_call_id": "call_1", "content":
            "invalid arguments for get_weather: at `units`: unknown field `units`, expected \
             `location` or `unit`. Fix the arguments and call get_weather again."})]
    );
}

#[test]
fn chat_calls_that_do_not_match_are_refused_with_the_place() {
    let no_name = json!({"tool_calls": [{"id": "call_1", "type": "function", "function": {}}]});
    let refusal = |message| openai::read_calls(&message).unwrap()[0].refusal.clone();
    assert_eq!(
        refusal(no_name).as_deref(),
        Some(
            "the call could not be read: at `/tool_calls/0/function/name`, a string is \
             expected. Call the tool again as a function call."
        )
    );
    let custom = json!({"tool_calls": [{"id": "call_1", "type": "custom", "custom": {}}]});
    assert_eq!(
        refusal(custom).as_deref(),
        Some(
            "the call could not be read: at `/tool_calls/0/type`, the call is of type \
             \"custom\", and only function calls are run. Call the tool again as a function call."
        )
    );
    let no_message = json!({"choices": []});
    assert_eq!(
        openai::read_calls(&no_message).unwrap_err().path(),
        "/choices/0/message"
    );
    assert_eq!(
        openai::read_calls(&json!("Hello")).unwrap_err().to_string(),
        "cannot read the OpenAI Chat Completions response: an object is expected; pass the \
         assistant message or the whole response, as it came."
    );
}

#[test]
fn responses_declaration_is_the_golden_example() {
    assert_eq!(
        openai_responses::tools(&responses_toolbox(), Strict::On).unwrap(),
        [golden(RESPONSES_DECLARATION)]
    );
}

#[test]
fn responses_calls_are_read_from_an_item_a_list_or_a_whole_response() {
    let expected = [ToolCall::new(
        "call_123",
        "get_weather",
        Arguments::Text(r#"{"location":"Paris"}"#.into()),
    )];
    let item = golden(RESPONSES_CALL);
    assert_eq!(openai_responses::read_calls(&item).unwrap(), expected);
    let reasoning = json!({"type": "reasoning", "id": "rs_1", "summary": []});
    let list = json!([reasoning, item]);
    assert_eq!(openai_responses::read_calls(&list).unwrap(), expected);
    let response = json!({"id": "resp_1", "object": "response", "output": list});
    assert_eq!(openai_responses::read_calls(&response).unwrap(), expected);
    let broken = json!({"output": [{"type": "function_call", "name": "get_weather"}]});
    let refusal = openai_responses::read_calls(&broken).unwrap()[0]
        .refusal
        .clone();
    assert!(
        refusal
            .unwrap()
            .contains("at `/output/0/call_id`, a string is expected"),
        "the malformed call is refused with its place"
    );
}

#[tokio::test]
async fn responses_round_trip_gives_the_golden_result() {
    let toolbox = responses_toolbox();
    let calls = openai_responses::read_calls(&golden(RESPONSES_CALL)).unwrap();
    let results = toolbox.call_all(calls).await;
    assert_eq!(
        openai_responses::write_results(&results),
        [golden(RESPONSES_RESULT)]
    );
}
