//! Anthropic Messages: `tools` entries, `tool_use` blocks, and the `tool_result` blocks of the
//! user message that answers them.

use serde_json::{Value, json};

use crate::{CallResult, ToolCall, ToolSpec, Toolbox};

use super::ReadError;
use super::declarations::{Declarations, Form, cached};
use super::read::{Reader, arguments, id_text, refuse_duplicates, refused};

const READER: Reader = Reader {
    what: "Anthropic message",
    advice: "pass the assistant message or the whole response, as it came",
};

/// The `tools` of a Messages request: `{"name", "description", "input_schema"}` per tool,
/// the schema as schemars wrote it (draft 2020-12).
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::anthropic;
/// use tool_runtime::{tool, Toolbox};
///
/// /// Get weather
/// #[tool]
/// async fn get_weather(location: String) -> String {
///     format!("Sunny in {location}")
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
/// assert_eq!(
///     anthropic::tools(&toolbox),
///     [json!({
///         "name": "get_weather",
///         "description": "Get weather",
///         "input_schema": {
///             "type": "object",
///             "additionalProperties": false,
///             "properties": {"location": {"type": "string"}},
///             "required": ["location"]
///         }
///     })]
/// );
/// # }
/// ```
pub fn tools(toolbox: &Toolbox) -> Declarations {
    let declarations = cached(toolbox, Form::Anthropic, || {
        let declare = |spec: &ToolSpec| {
            json!({
                "name": spec.name,
                "description": spec.description,
                "input_schema": spec.input_schema,
            })
        };
        Ok(toolbox.specs().map(declare).collect())
    });
    declarations.unwrap_or_default()
}

/// The `tool_use` blocks of an assistant message (a Messages response is one).
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::anthropic;
///
/// let message = json!({"role": "assistant", "content": [
///     {"type": "text", "text": "Let me check."},
///     {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Paris"}}
/// ]});
/// let calls = anthropic::read_calls(&message).unwrap();
/// assert_eq!(calls.len(), 1);
/// assert_eq!(calls[0].arguments, json!({"location": "Paris"}).into());
/// ```
pub fn read_calls(message: &Value) -> Result<Vec<ToolCall>, ReadError> {
    if message.get("content").is_some_and(Value::is_string) {
        return Ok(Vec::new());
    }
    let mut calls = Vec::new();
    for (i, block) in READER.list(message, "content", "")?.iter().enumerate() {
        if block.get("type").and_then(Value::as_str) != Some("tool_use") {
            continue;
        }
        let path = format!("/content/{i}");
        let read = || -> Result<ToolCall, ReadError> {
            let id = READER.string(block, "id", &path)?;
            let name = READER.string(block, "name", &path)?;
            Ok(ToolCall::new(id, name, arguments(block.get("input"))))
        };
        calls.push(
            read().unwrap_or_else(|error| {
                refused(id_text(block.get("id")), block.get("name"), &error)
            }),
        );
    }
    refuse_duplicates(&mut calls);
    Ok(calls)
}

/// The user message that answers a turn's calls: one `tool_result` block per result, in
/// order, with `is_error`. Anthropic wants these blocks first in the message: add any text
/// after them.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::anthropic;
/// use tool_runtime::{tool, ToolCall, Toolbox};
///
/// /// Get weather
/// #[tool]
/// async fn get_weather(location: String) -> String {
///     format!("Sunny in {location}")
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
///     let call = ToolCall::new("toolu_1", "get_weather", json!({"location": "Paris"}));
///     let results = toolbox.call_all([call]).await;
///     assert_eq!(
///         anthropic::write_results(&results),
///         json!({"role": "user", "content": [{
///             "type": "tool_result", "tool_use_id": "toolu_1",
///             "content": "Sunny in Paris", "is_error": false
///         }]})
///     );
/// }
/// ```
pub fn write_results(results: &[CallResult]) -> Value {
    let blocks: Vec<Value> = results
        .iter()
        .map(|result| {
            json!({
                "type": "tool_result",
                "tool_use_id": result.id,
                "content": result.output.text(),
                "is_error": result.output.is_error(),
            })
        })
        .collect();
    json!({"role": "user", "content": blocks})
}
