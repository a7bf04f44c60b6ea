//! Ollama: the golden examples of the providers reference (declaration, call, result), `$ref`
//! inlined (Ollama drops them), and calls without ids.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tests::types::Tree;
use tool_runtime::providers::{Provider, Rule, ollama};
use tool_runtime::{Arguments, ToolCall, Toolbox, tool};

const DECLARATION: &str = r#"{"type":"function","function":{"name":"get_temperature","description":"Get temperature","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}}}"#;
const CALL: &str = r#"{"role":"assistant","content":"","tool_calls":[{"id":"call_ab12cd34","function":{"index":0,"name":"get_temperature","arguments":{"city":"New York"}}}]}"#;
const RESULT: &str = r#"{"role":"tool","tool_name":"get_temperature","tool_call_id":"call_ab12cd34","content":"22°C"}"#;

fn golden(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Get temperature
#[tool]
async fn get_temperature(city: String) -> String {
    let _ = city;
    "22°C".to_owned()
}

fn toolbox() -> Toolbox {
    Toolbox::builder()
        .tool(get_temperature::tool())
        .build()
        .unwrap()
}

#[test]
fn declaration_is_the_golden_example() {
    assert_eq!(ollama::tools(&toolbox()).unwrap(), [golden(DECLARATION)]);
}

#[test]
fn calls_are_read_from_the_golden_message_and_from_a_whole_response() {
    let expected = [ToolCall::new(
        "call_ab12cd34",
        "get_temperature",
        json!({"city": "New York"}),
    )];
    assert_eq!(ollama::read_calls(&golden(CALL)).unwrap(), expected);
    let response = json!({"model": "llama3.2", "message": golden(CALL), "done": true});
    assert_eq!(ollama::read_calls(&response).unwrap(), expected);
}

#[tokio::test]
async fn round_trip_gives_the_golden_result() {
    let toolbox = toolbox();
    let results = toolbox
        .call_all(ollama::read_calls(&golden(CALL)).unwrap())
        .await;
    assert_eq!(ollama::write_results(&results), [golden(RESULT)]);
}

#[tokio::test]
async fn calls_without_ids_are_answered_by_tool_name() {
    let message = json!({"role": "assistant", "content": "", "tool_calls": [
        {"function": {"index": 0, "name": "get_temperature", "arguments": {"city": "Paris"}}},
        {"function": {"index": 1, "name": "get_temperature", "arguments": "{\"city\": \"Oslo\"}"}}
    ]});
    let calls = ollama::read_calls(&message).unwrap();
    assert_eq!(
        calls,
        [
            ToolCall::new(
                "synthesized-call-0",
                "get_temperature",
                json!({"city": "Paris"})
            ),
            ToolCall::new(
                "synthesized-call-1",
                "get_temperature",
                Arguments::Text("{\"city\": \"Oslo\"}".into())
            ),
        ]
    );
    let results = toolbox().call_all(calls).await;
    assert_eq!(
        ollama::write_results(&results),
        [
            json!({"role": "tool", "tool_name": "get_temperature", "content": "22°C"}),
            json!({"role": "tool", "tool_name": "get_temperature", "content": "22°C"}),
        ]
    );
}

/// Which rows to read.
#[derive(Deserialize, JsonSchema)]
pub struct Filter {
    /// Column to match.
    #[schemars(length(min = 1, max = 64))]
    pub column: String,
    /// Sort order.
    pub order: Option<Order>,
}

/// A sort order.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// Queries the database.
#[tool]
async fn query(filter: Filter, #[arg(default = 10)] limit: u32) -> String {
    format!("{} {} {limit}", filter.column, filter.order.is_some())
}

#[test]
fn references_are_inlined_and_only_what_ollama_keeps_remains() {
    let toolbox = Toolbox::builder().tool(query::tool()).build().unwrap();
    assert_eq!(
        ollama::tools(&toolbox).unwrap()[0]["function"]["parameters"],
        json!({
            "type": "object",
            "properties": {
                "filter": {
                    "description": "Which rows to read.",
                    "type": "object",
                    "properties": {
                        "column": {"description": "Column to match.", "type": "string"},
                        "order": {
                            "description": "Sort order.",
                            "anyOf": [
                                {
                                    "description": "A sort order.\n- asc: Smallest first.\n- desc: Largest first.",
                                    "type": "string",
                                    "enum": ["asc", "desc"]
                                },
                                {"type": "null"}
                            ]
                        }
                    },
                    "required": ["column"]
                },
                "limit": {"type": "integer", "description": "Default: 10."}
            },
            "required": ["filter"]
        })
    );
}

/// Draws a tree.
#[tool]
async fn draw(tree: Tree) -> usize {
    tree.children.len()
}

#[test]
fn a_recursive_type_cannot_be_inlined_and_is_reported() {
    let toolbox = Toolbox::builder().tool(draw::tool()).build().unwrap();
    let error = ollama::tools(&toolbox).unwrap_err();
    let violation = &error.violations()[0];
    assert_eq!(
        (
            violation.tool.as_str(),
            violation.target,
            violation.path.as_str()
        ),
        (
            "draw",
            Provider::Ollama,
            "/properties/tree/properties/children/items"
        )
    );
    assert_eq!(
        violation.rule,
        Rule::Recursive {
            type_name: "Tree".into()
        }
    );
}
