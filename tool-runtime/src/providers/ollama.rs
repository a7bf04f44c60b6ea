//! Ollama's `/api/chat`: `tools` entries, the message's `tool_calls`, and the `role: "tool"`
//! messages that answer them.

use serde_json::{Map, Value, json};

use crate::{CallResult, ToolCall, Toolbox};

use super::ReadError;
use super::declarations::{Declarations, Form, cached};
use super::dialects::{ExportError, Provider, declare_all, ollama_schema, violations};
use super::read::{Reader, arguments, call_id, given, id_text, refuse_duplicates, refused};

const READER: Reader = Reader {
    what: "Ollama response",
    advice: "pass the assistant message or the whole response, as it came",
};

/// The `tools` of a chat request: `{"type": "function", "function": {"name", "description",
/// "parameters"}}` per tool, the parameters in Ollama's dialect (see
/// [`ollama_schema`]): every `$ref` inlined, since Ollama drops them.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::ollama;
/// use tool_runtime::{tool, Toolbox};
///
/// /// Get temperature
/// #[tool]
/// async fn get_temperature(city: String) -> String {
///     format!("22°C in {city}")
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(get_temperature::tool()).build().unwrap();
/// assert_eq!(
///     ollama::tools(&toolbox).unwrap(),
///     [json!({"type": "function", "function": {
///         "name": "get_temperature",
///         "description": "Get temperature",
///         "parameters": {
///             "type": "object",
///             "required": ["city"],
///             "properties": {"city": {"type": "string"}}
///         }
///     }})]
/// );
/// # }
/// ```
pub fn tools(toolbox: &Toolbox) -> Result<Declarations, ExportError> {
    cached(toolbox, Form::Ollama, || {
        declare_all(toolbox, |spec| {
            let parameters = ollama_schema(&spec.input_schema)
                .map_err(|issues| violations(spec, Provider::Ollama, issues))?;
            Ok(json!({
                "type": "function",
                "function": {
                    "name": spec.name,
                    "description": spec.description,
                    "parameters": parameters,
                }
            }))
        })
    })
}

/// The calls of an assistant message (or of a whole response, under `message`). Arguments
/// come as an object. A call without an id gets one made from its position
/// (`synthesized-call-0`, ...), which is never sent back. A call that cannot be read, or whose
/// id an earlier call has, is [refused](ToolCall::refused) while the others run.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::ollama;
///
/// let response = json!({"model": "llama3.2", "message": {"role": "assistant", "content": "",
///     "tool_calls": [{"function": {
///         "index": 0, "name": "get_temperature", "arguments": {"city": "Paris"}
///     }}]}});
/// let calls = ollama::read_calls(&response).unwrap();
/// assert_eq!(calls[0].id, "synthesized-call-0");
/// assert_eq!(calls[0].arguments, json!({"city": "Paris"}).into());
/// ```
pub fn read_calls(response: &Value) -> Result<Vec<ToolCall>, ReadError> {
    let (message, path) = match response.get("message") {
        Some(message) => (message, "/message"),
        None => (response, ""),
    };
    let mut calls: Vec<ToolCall> = READER
        .list(message, "tool_calls", path)?
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let call_path = format!("{path}/tool_calls/{i}");
            let id = call_id(&READER, call, &call_path, i);
            let shown_id = id.clone().unwrap_or_else(|_| id_text(call.get("id")));
            let read = || -> Result<ToolCall, ReadError> {
                let function_path = format!("{call_path}/function");
                let function = call
                    .get("function")
                    .ok_or_else(|| READER.error(&function_path, "an object is expected"))?;
                let name = READER.string(function, "name", &function_path)?;
                Ok(ToolCall::new(
                    id?,
                    name,
                    arguments(function.get("arguments")),
                ))
            };
            read().unwrap_or_else(|error| refused(shown_id, call.pointer("/function/name"), &error))
        })
        .collect();
    refuse_duplicates(&mut calls);
    Ok(calls)
}

/// The `role: "tool"` messages that answer a turn's calls, one per result, in order, each
/// with `tool_name` and, when the model gave one, `tool_call_id`.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::ollama;
/// use tool_runtime::{tool, ToolCall, Toolbox};
///
/// /// Get temperature
/// #[tool]
/// async fn get_temperature(city: String) -> String {
///     format!("22°C in {city}")
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder().tool(get_temperature::tool()).build().unwrap();
///     let call = ToolCall::new("call_1", "get_temperature", json!({"city": "Paris"}));
///     let results = toolbox.call_all([call]).await;
///     assert_eq!(
///         ollama::write_results(&results),
///         [json!({"role": "tool", "tool_name": "get_temperature", "tool_call_id": "call_1",
///                 "content": "22°C in Paris"})]
///     );
/// }
/// ```
pub fn write_results(results: &[CallResult]) -> Vec<Value> {
    results
        .iter()
        .map(|result| {
            let mut message = Map::new();
            message.insert("role".to_owned(), json!("tool"));
            message.insert("tool_name".to_owned(), json!(result.name));
            if let Some(id) = given(&result.id) {
                message.insert("tool_call_id".to_owned(), json!(id));
            }
            message.insert("content".to_owned(), json!(result.output.text()));
            Value::Object(message)
        })
        .collect()
}
