//! OpenAI Responses: flat `tools` entries, `function_call` output items, and the
//! `function_call_output` input items that answer them.

use serde_json::{Value, json};

use crate::{CallResult, ToolCall, Toolbox};

use super::ReadError;
use super::declarations::{Declarations, Form, cached};
use super::dialects::{ExportError, Strict, openai_declarations};
use super::read::{Reader, arguments, id_text, refuse_duplicates, refused};

const READER: Reader = Reader {
    what: "OpenAI Responses output",
    advice: "pass the whole response, its `output` list, or one output item, as it came",
};

/// The `tools` of a Responses request:
/// `{"type": "function", "name", "description", "parameters", "strict"}` per tool. `strict`
/// is always written, since Responses makes a schema strict when it is left out.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::{openai_responses, Strict};
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
/// let tools = openai_responses::tools(&toolbox, Strict::Off).unwrap();
/// assert_eq!(tools[0]["name"], "get_weather");
/// assert_eq!(tools[0]["strict"], json!(false));
/// # }
/// ```
pub fn tools(toolbox: &Toolbox, strict: Strict) -> Result<Declarations, ExportError> {
    cached(toolbox, Form::OpenAiResponses(strict), || {
        openai_declarations(toolbox, strict, |spec, parameters, strict| {
            json!({
                "type": "function",
                "name": spec.name,
                "description": spec.description,
                "parameters": parameters,
                "strict": strict,
            })
        })
    })
}

/// The `function_call` items of a response (the whole response, its `output` list, or one
/// item). A call's id is its `call_id`; its `arguments` stay the JSON text the model wrote. A
/// call that cannot be read, or whose `call_id` an earlier call has, is
/// [refused](ToolCall::refused) while the others run.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::openai_responses;
///
/// let response = json!({"output": [
///     {"type": "reasoning", "id": "rs_1", "summary": []},
///     {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
///      "arguments": "{\"location\":\"Paris\"}", "status": "completed"}
/// ]});
/// let calls = openai_responses::read_calls(&response).unwrap();
/// assert_eq!(calls.len(), 1);
/// assert_eq!(calls[0].id, "call_1");
/// ```
pub fn read_calls(response: &Value) -> Result<Vec<ToolCall>, ReadError> {
    // The items, and the pointer of their list (none for a single item).
    let (items, list) = match response {
        Value::Array(items) => (items.as_slice(), Some("")),
        _ if response.get("output").is_some() => {
            (READER.list(response, "output", "")?, Some("/output"))
        }
        item => (std::slice::from_ref(item), None),
    };
    let mut calls = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.get("type").and_then(Value::as_str) != Some("function_call") {
            continue;
        }
        let path = list.map_or_else(String::new, |list| format!("{list}/{i}"));
        let read = || -> Result<ToolCall, ReadError> {
            let id = READER.string(item, "call_id", &path)?;
            let name = READER.string(item, "name", &path)?;
            Ok(ToolCall::new(id, name, arguments(item.get("arguments"))))
        };
        calls.push(read().unwrap_or_else(|error| {
            refused(id_text(item.get("call_id")), item.get("name"), &error)
        }));
    }
    refuse_duplicates(&mut calls);
    Ok(calls)
}

/// The `function_call_output` items that answer a turn's calls, one per result, in order.
/// Reasoning items that came with the calls must be sent back with them.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::openai_responses;
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
///     let call = ToolCall::new("call_1", "get_weather", r#"{"location":"Paris"}"#);
///     let results = toolbox.call_all([call]).await;
///     assert_eq!(
///         openai_responses::write_results(&results),
///         [json!({
///             "type": "function_call_output", "call_id": "call_1", "output": "Sunny in Paris"
///         })]
///     );
/// }
/// ```
pub fn write_results(results: &[CallResult]) -> Vec<Value> {
    results
        .iter()
        .map(|result| {
            json!({
                "type": "function_call_output",
                "call_id": result.id,
                "output": result.output.text(),
            })
        })
        .collect()
}
