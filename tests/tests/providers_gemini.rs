//! Google Gemini: the golden examples of the providers reference (declaration, call, result),
//! thought signatures and made-up ids, and the `parameters` dialect (OpenAPI subset).

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};
use tests::types::{Filter, Shape, Tree, Unit};
use tool_runtime::providers::{GeminiDialect, Issue, Provider, Rule, gemini, gemini_schema};
use tool_runtime::{ToolCall, ToolRef, Toolbox, tool};

const DECLARATION: &str = r#"{"tools":[{"functionDeclarations":[{"name":"get_weather","description":"Get weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]}]}"#;
const CALL: &str = r#"{"role":"model","parts":[{"functionCall":{"id":"fc1","name":"get_weather","args":{"location":"Paris"}},"thoughtSignature":"<opaque>"}]}"#;
const RESULT: &str = r#"{"role":"user","parts":[{"functionResponse":{"id":"fc1","name":"get_weather","response":{"output":{"temp":15}}}}]}"#;

fn golden(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[derive(Serialize, JsonSchema)]
pub struct Weather {
    pub temp: i32,
}

/// Get weather
#[tool]
async fn get_weather(location: String) -> Result<Weather, String> {
    match location.as_str() {
        "Atlantis" => Err("no station in Atlantis".to_owned()),
        _ => Ok(Weather { temp: 15 }),
    }
}

fn toolbox() -> Toolbox {
    Toolbox::builder()
        .tool(get_weather::tool())
        .build()
        .unwrap()
}

fn parameters(tool: ToolRef) -> Value {
    let toolbox = Toolbox::builder().tool(tool).build().unwrap();
    let tools = gemini::tools(&toolbox, GeminiDialect::Parameters).unwrap();
    tools[0]["functionDeclarations"][0]["parameters"].clone()
}

#[test]
fn declaration_is_the_golden_example() {
    let tools = gemini::tools(&toolbox(), GeminiDialect::default()).unwrap();
    assert_eq!(json!({ "tools": tools }), golden(DECLARATION));
}

#[test]
fn calls_keep_their_thought_signature() {
    let mut expected = ToolCall::new("fc1", "get_weather", json!({"location": "Paris"}));
    expected
        .extras
        .insert("thoughtSignature".into(), json!("<opaque>"));
    assert_eq!(
        gemini::read_calls(&golden(CALL)).unwrap(),
        [expected.clone()]
    );
    let response = json!({
        "candidates": [{"content": golden(CALL), "finishReason": "STOP"}],
        "modelVersion": "gemini-3-pro"
    });
    assert_eq!(gemini::read_calls(&response).unwrap(), [expected]);
}

/// A response blocked before any candidate, or whose candidate was stopped without content,
/// has no calls; a content that is not an object is still an error.
#[test]
fn a_blocked_or_stopped_response_has_no_calls() {
    for response in [
        json!({"candidates": [{"finishReason": "SAFETY", "index": 0}]}),
        json!({"candidates": [], "promptFeedback": {"blockReason": "SAFETY"}}),
    ] {
        assert_eq!(gemini::read_calls(&response).unwrap(), [], "{response}");
    }
    let malformed = json!({"candidates": [{"content": "text"}]});
    assert!(gemini::read_calls(&malformed).is_err());
}

#[test]
fn the_model_turn_is_written_back_with_its_signature_unchanged() {
    let calls = gemini::read_calls(&golden(CALL)).unwrap();
    assert_eq!(gemini::write_calls(&calls), golden(CALL));
}

#[tokio::test]
async fn round_trip_gives_the_golden_result() {
    let toolbox = toolbox();
    let results = toolbox
        .call_all(gemini::read_calls(&golden(CALL)).unwrap())
        .await;
    assert_eq!(gemini::write_results(&results), golden(RESULT));
}

#[tokio::test]
async fn calls_without_ids_get_stable_ones_that_are_never_sent_back() {
    let content = json!({"role": "model", "parts": [
        {"text": "Checking."},
        {"functionCall": {"name": "get_weather", "args": {"location": "Atlantis"}}, "thoughtSignature": "sig"},
        {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}}
    ]});
    let calls = gemini::read_calls(&content).unwrap();
    let ids: Vec<&str> = calls.iter().map(|call| call.id.as_str()).collect();
    assert_eq!(ids, ["synthesized-call-0", "synthesized-call-1"]);
    assert_eq!(gemini::read_calls(&content).unwrap(), calls);
    assert_eq!(
        gemini::write_calls(&calls),
        json!({"role": "model", "parts": [
            {"functionCall": {"name": "get_weather", "args": {"location": "Atlantis"}}, "thoughtSignature": "sig"},
            {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}}
        ]})
    );
    let results = toolbox().call_all(calls).await;
    assert_eq!(
        gemini::write_results(&results),
        json!({"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather",
                                  "response": {"error": "get_weather failed: no station in Atlantis"}}},
            {"functionResponse": {"name": "get_weather", "response": {"output": {"temp": 15}}}}
        ]})
    );
}

#[test]
fn parts_that_do_not_match_are_refused_with_the_place() {
    let content = json!({"parts": [{"functionCall": {"args": {}}}]});
    let calls = gemini::read_calls(&content).unwrap();
    assert_eq!(calls[0].id, "synthesized-call-0");
    assert_eq!(
        calls[0].refusal.as_deref(),
        Some(
            "the call could not be read: at `/parts/0/functionCall/name`, a string is expected. \
             Call the tool again as a function call."
        )
    );
    assert_eq!(
        gemini::read_calls(&json!({"parts": 5}))
            .unwrap_err()
            .to_string(),
        "cannot read the Gemini response: at `/parts`, a list is expected; pass the model's \
         content or the whole response, as it came."
    );
}

/// Queries the database.
#[tool]
async fn query(filter: Filter) -> String {
    format!(
        "{} {} {}",
        filter.column,
        filter.limit,
        filter.page.is_some()
    )
}

#[test]
fn references_are_inlined_and_null_becomes_nullable() {
    assert_eq!(
        parameters(query::tool()),
        json!({
            "type": "object",
            "properties": {
                "filter": {
                    "description": "Which rows to read.",
                    "type": "object",
                    "properties": {
                        "column": {
                            "description": "Column to match.",
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 64
                        },
                        "limit": {
                            "description": "At most this many rows.",
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 100
                        },
                        "page": {
                            "description": "Nested page settings.",
                            "type": "object",
                            "properties": {
                                "offset": {
                                    "description": "First row, from zero.",
                                    "type": "integer",
                                    "minimum": 0
                                }
                            },
                            "required": ["offset"],
                            "nullable": true
                        }
                    },
                    "required": ["column", "limit"]
                }
            },
            "required": ["filter"]
        })
    );
}

/// Describes a shape in a unit.
#[tool]
async fn describe(shape: Shape, unit: Option<Unit>) -> String {
    let size = match shape {
        Shape::Circle { radius } => radius,
        Shape::Square { side } => side,
    };
    format!("{size} {}", unit.is_some())
}

#[test]
fn enums_keep_their_values_and_one_of_becomes_any_of() {
    let parameters = parameters(describe::tool());
    assert_eq!(
        parameters["properties"]["unit"],
        json!({
            "description": "Temperature unit.\n- celsius: Degrees Celsius.\n- fahrenheit: Degrees Fahrenheit.",
            "type": "string",
            "enum": ["celsius", "fahrenheit"],
            "nullable": true
        })
    );
    assert_eq!(
        parameters["properties"]["shape"],
        json!({
            "description": "A shape to draw.",
            "anyOf": [
                {
                    "description": "A circle.",
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": ["circle"]},
                        "radius": {"description": "Its radius.", "type": "number"}
                    },
                    "required": ["kind", "radius"]
                },
                {
                    "description": "A square.",
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": ["square"]},
                        "side": {"description": "Its side.", "type": "number"}
                    },
                    "required": ["kind", "side"]
                }
            ]
        })
    );
}

#[test]
fn keywords_gemini_refuses_are_dropped() {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
            "ratio": {"type": "number", "format": "double", "exclusiveMinimum": 0, "maximum": 1},
            "at": {"type": "string", "format": "date-time"},
            "mode": {"const": "fast"}
        },
        "required": ["tags"]
    });
    assert_eq!(
        gemini_schema(&schema).unwrap(),
        json!({
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"type": "string"}},
                "ratio": {"type": "number", "maximum": 1},
                "at": {"type": "string", "format": "date-time"},
                "mode": {"enum": ["fast"]}
            },
            "required": ["tags"]
        })
    );
}

/// Draws a tree.
#[tool]
async fn draw(tree: Tree) -> usize {
    tree.children.len()
}

/// Counts labels.
#[tool]
async fn count(labels: HashMap<String, u32>) -> usize {
    labels.len()
}

/// Says what time it is.
#[tool]
async fn now() -> &'static str {
    "noon"
}

#[test]
fn recursive_types_and_maps_are_reported_by_tool_and_place() {
    let toolbox = Toolbox::builder()
        .tools([draw::tool(), count::tool()])
        .build()
        .unwrap();
    let error = gemini::tools(&toolbox, GeminiDialect::Parameters).unwrap_err();
    let found: Vec<(&str, Provider, &str, &Rule)> = error
        .violations()
        .iter()
        .map(|v| (v.tool.as_str(), v.target, v.path.as_str(), &v.rule))
        .collect();
    assert_eq!(
        found,
        [
            (
                "count",
                Provider::Gemini,
                "/properties/labels",
                &Rule::EmptyObject
            ),
            (
                "draw",
                Provider::Gemini,
                "/properties/tree/properties/children/items",
                &Rule::Recursive {
                    type_name: "Tree".into()
                }
            ),
        ]
    );
    assert_eq!(
        error.violations()[1].to_string(),
        "tool draw cannot be declared for Gemini: at `/properties/tree/properties/children/items`, \
         the type `Tree` contains itself, so its references cannot be inlined; bound the nesting \
         with a separate, non-recursive type (or declare it with \
         GeminiDialect::ParametersJsonSchema)"
    );
}

#[test]
fn parameters_json_schema_takes_the_schema_as_it_is() {
    let toolbox = Toolbox::builder()
        .tools([draw::tool(), now::tool()])
        .build()
        .unwrap();
    let tools = gemini::tools(&toolbox, GeminiDialect::ParametersJsonSchema).unwrap();
    let declarations = &tools[0]["functionDeclarations"];
    assert_eq!(
        declarations[0]["parametersJsonSchema"],
        toolbox.spec("draw").unwrap().input_schema
    );
    assert_eq!(declarations[0].get("parameters"), None);
    assert_eq!(
        declarations[1]["parametersJsonSchema"],
        json!({"type": "object", "additionalProperties": false})
    );
}

#[test]
fn a_tool_without_parameters_declares_none() {
    let toolbox = Toolbox::builder().tool(now::tool()).build().unwrap();
    assert_eq!(
        gemini::tools(&toolbox, GeminiDialect::Parameters).unwrap(),
        [
            json!({"functionDeclarations": [{"name": "now", "description": "Says what time it is."}]})
        ]
    );
    let empty = Toolbox::builder().build().unwrap();
    assert_eq!(
        gemini::tools(&empty, GeminiDialect::Parameters).unwrap(),
        Vec::<Value>::new()
    );
}

#[test]
fn enums_of_numbers_and_odd_parameter_names_are_reported() {
    let schema = json!({
        "type": "object",
        "properties": {
            "level": {"type": "integer", "enum": [1, 2, 3]},
            "max-size": {"type": "integer"}
        }
    });
    assert_eq!(
        gemini_schema(&schema).unwrap_err(),
        [
            Issue {
                path: "/properties/max-size".into(),
                rule: Rule::InvalidPropertyName {
                    name: "max-size".into(),
                    pattern: "^[A-Za-z_][A-Za-z0-9_]*$"
                }
            },
            Issue {
                path: "/properties/level/enum".into(),
                rule: Rule::NonStringEnum
            },
        ]
    );
}

/// A model turn as google-genai 3.6.1's `Content.to_json_dict()` writes it (and
/// `model_dump_json()`): the fields under their own names, `function_call` and
/// `thought_signature`, which the API takes too.
const SDK_SNAKE_CASE_TURN: &str = r#"{"parts": [{"text": "Checking."}, {"function_call": {"id": "fc1", "args": {"location": "Paris"}, "name": "get_weather"}, "thought_signature": "c2ln"}, {"function_call": {"name": "ping"}}], "role": "model"}"#;

#[test]
fn calls_written_under_the_fields_own_names_are_read() {
    let calls = gemini::read_calls(&golden(SDK_SNAKE_CASE_TURN)).unwrap();
    let mut weather = ToolCall::new("fc1", "get_weather", json!({"location": "Paris"}));
    weather
        .extras
        .insert("thought_signature".into(), json!("c2ln"));
    let ping = ToolCall::new("synthesized-call-1", "ping", Value::Null);
    assert_eq!(calls, [weather, ping]);
    // The whole response, as `GenerateContentResponse.to_json_dict()` writes it.
    let response = json!({"candidates": [{"content": golden(SDK_SNAKE_CASE_TURN),
                                          "finish_reason": "STOP"}]});
    assert_eq!(gemini::read_calls(&response).unwrap(), calls);
}

/// A model turn as google-genai 3.6.1's `Content.model_dump(mode="json", by_alias=True)` writes
/// it: every unset field of a part null (here a few of its twenty), `functionCall` included.
const SDK_NULLS_TURN: &str = r#"{"parts": [{"fileData": null, "functionCall": null, "functionResponse": null, "text": "Checking.", "thought": null, "thoughtSignature": null}, {"fileData": null, "functionCall": {"id": "fc1", "args": {"location": "Paris"}, "name": "get_weather", "partialArgs": null, "willContinue": null}, "functionResponse": null, "text": null, "thought": null, "thoughtSignature": "c2ln"}, {"fileData": null, "functionCall": {"id": null, "args": null, "name": "ping", "partialArgs": null, "willContinue": null}, "functionResponse": null, "text": null, "thought": null, "thoughtSignature": null}], "role": "model"}"#;

#[test]
fn null_fields_are_absent_ones() {
    let calls = gemini::read_calls(&golden(SDK_NULLS_TURN)).unwrap();
    let mut weather = ToolCall::new("fc1", "get_weather", json!({"location": "Paris"}));
    weather
        .extras
        .insert("thoughtSignature".into(), json!("c2ln"));
    let ping = ToolCall::new("synthesized-call-1", "ping", Value::Null);
    assert_eq!(calls, [weather, ping]);
    // Sent back without the nulls, as google-genai sends the same turn.
    assert_eq!(
        gemini::write_calls(&calls),
        json!({"role": "model", "parts": [
            {"functionCall": {"id": "fc1", "name": "get_weather", "args": {"location": "Paris"}},
             "thoughtSignature": "c2ln"},
            {"functionCall": {"name": "ping", "args": {}}}
        ]})
    );
}

/// A response whose candidate was stopped, as google-genai 3.6.1's
/// `GenerateContentResponse.model_dump(mode="json", by_alias=True)` writes it: its `content`
/// null (here with a few of its other null fields).
#[test]
fn a_stopped_candidate_with_null_content_has_no_calls() {
    let response = json!({"sdkHttpResponse": null, "candidates": [{"content": null,
        "citationMetadata": null, "finishMessage": null, "finishReason": "SAFETY", "index": null,
        "safetyRatings": null}], "modelVersion": null, "promptFeedback": null, "usageMetadata": null});
    assert_eq!(gemini::read_calls(&response).unwrap(), []);
}
