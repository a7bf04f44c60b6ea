//! OpenAI Chat Completions: `tools` entries, the assistant message's `tool_calls`, and the
//! `role: "tool"` messages that answer them.

use serde_json::{Value, json};

use crate::{CallResult, ToolCall, Toolbox};

use super::ReadError;
use super::declarations::{Declarations, Form, cached};
use super::dialects::{ExportError, Strict, openai_declarations};
use super::read::{Reader, arguments, id_text, refuse_duplicates, refused};
use crate::guard::shortened;

const READER: Reader = Reader {
    what: "OpenAI Chat Completions response",
    advice: "pass the assistant message or the whole response, as it came",
};

/// The `tools` of a Chat Completions request:
/// `{"type": "function", "function": {"name", "description", "parameters", "strict"}}` per
/// tool, the parameters in strict mode's dialect when `strict` asks for it (see
/// [`openai_strict_schema`](super::openai_strict_schema)).
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::{openai, Strict};
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
///     openai::tools(&toolbox, Strict::On).unwrap(),
///     [json!({"type": "function", "function": {
///         "name": "get_weather",
///         "description": "Get weather",
///         "parameters": {
///             "type": "object",
///             "properties": {"location": {"type": "string"}},
///             "required": ["location"],
///             "additionalProperties": false
///         },
///         "strict": true
///     }})]
/// );
/// # }
/// ```
pub fn tools(toolbox: &Toolbox, strict: Strict) -> Result<Declarations, ExportError> {
    cached(toolbox, Form::OpenAi(strict), || {
        openai_declarations(toolbox, strict, |spec, parameters, strict| {
            json!({
                "type": "function",
                "function": {
                    "name": spec.name,
                    "description": spec.description,
                    "parameters": parameters,
                    "strict": strict,
                }
            })
        })
    })
}

/// The calls of an assistant message (or of the first choice of a whole response). Each
/// call's `arguments` stay the JSON text the model wrote, so text that is not valid JSON
/// becomes an invalid-arguments result for that call when it runs, not an error here. A call
/// that cannot be read (no id, a `custom` call) and a call whose id an earlier call has are
/// [refused](ToolCall::refused): answered with what was wrong, while the others run. Only a
/// message that cannot be read at all is an error.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::openai;
/// use tool_runtime::Arguments;
///
/// let message = json!({"role": "assistant", "content": null, "tool_calls": [{
///     "id": "call_1", "type": "function",
///     "function": {"name": "get_weather", "arguments": "{\"location\":"}
/// }]});
/// let calls = openai::read_calls(&message).unwrap();
/// assert_eq!(calls[0].id, "call_1");
/// assert_eq!(calls[0].arguments, Arguments::Text("{\"location\":".into()));
/// ```
pub fn read_calls(response: &Value) -> Result<Vec<ToolCall>, ReadError> {
    let (message, path) = match response.get("choices") {
        Some(choices) => {
            let message = choices
                .pointer("/0/message")
                .ok_or_else(|| READER.error("/choices/0/message", "a message is expected"))?;
            (message, "/choices/0/message")
        }
        None => (response, ""),
    };
    let mut calls: Vec<ToolCall> = READER
        .list(message, "tool_calls", path)?
        .iter()
        .enumerate()
        .map(|(i, call)| {
            read_call(call, &format!("{path}/tool_calls/{i}")).unwrap_or_else(|error| {
                let name = call
                    .pointer("/function/name")
                    .or_else(|| call.pointer("/custom/name"));
                refused(id_text(call.get("id")), name, &error)
            })
        })
        .collect();
    refuse_duplicates(&mut calls);
    Ok(calls)
}

fn read_call(call: &Value, path: &str) -> Result<ToolCall, ReadError> {
    if let Some(kind) = call.get("type").and_then(Value::as_str)
        && kind != "function"
    {
        let kind = shortened(kind);
        let problem = format!("the call is of type {kind:?}, and only function calls are run");
        return Err(READER.error(&format!("{path}/type"), problem));
    }
    let id = READER.string(call, "id", path)?;
    let function_path = format!("{path}/function");
    let function = call
        .get("function")
        .ok_or_else(|| READER.error(&function_path, "an object is expected"))?;
    let name = READER.string(function, "name", &function_path)?;
    Ok(ToolCall::new(
        id,
        name,
        arguments(function.get("arguments")),
    ))
}

/// The `role: "tool"` messages that answer a turn's calls, one per result, in order.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::openai;
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
///         openai::write_results(&results),
///         [json!({"role": "tool", "tool_call_id": "call_1", "content": "Sunny in Paris"})]
///     );
/// }
/// ```
pub fn write_results(results: &[CallResult]) -> Vec<Value> {
    results
        .iter()
        .map(|result| {
            json!({
                "role": "tool",
                "tool_call_id": result.id,
                "content": result.output.text(),
            })
        })
        .collect()
}
