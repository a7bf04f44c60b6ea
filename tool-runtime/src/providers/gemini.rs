//! Google Gemini: `functionDeclarations`, the model's `functionCall` parts (with their thought
//! signatures), and the `functionResponse` parts that answer them.

use serde_json::{Map, Value, json};

use crate::{CallResult, ToolCall, ToolSpec, Toolbox};

use super::ReadError;
use super::declarations::{Declarations, Form, cached};
use super::dialects::{ExportError, Provider, Violation, declare_all, gemini_schema, violations};
use super::read::{
    Reader, arguments, arguments_value, call_id, given, id_text, refuse_duplicates, refused,
};

const READER: Reader = Reader {
    what: "Gemini response",
    advice: "pass the model's content or the whole response, as it came",
};

/// The names of a part's function call: `functionCall` in the API's JSON, and `function_call`,
/// the field's own name, which the API takes too and google-genai's serializers write
/// (`to_json_dict`, `model_dump_json`).
const FUNCTION_CALL: [&str; 2] = ["functionCall", "function_call"];

/// How Gemini declarations give their parameters.
///
/// ```
/// use tool_runtime::providers::GeminiDialect;
///
/// assert_eq!(GeminiDialect::default(), GeminiDialect::Parameters);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GeminiDialect {
    /// `parameters`: the OpenAPI 3.0 subset (see [`gemini_schema`]).
    #[default]
    Parameters,
    /// `parametersJsonSchema`: the JSON Schema as schemars wrote it. Takes maps and recursive
    /// types, which `parameters` cannot.
    ParametersJsonSchema,
}

/// The `tools` of a `generateContent` request: one entry, `{"functionDeclarations": [...]}`
/// (none for an empty toolbox), each declaration `{"name", "description", "parameters"}`. A
/// tool without parameters has no `parameters`, since Gemini refuses an object without
/// properties.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::{gemini, GeminiDialect};
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
///     gemini::tools(&toolbox, GeminiDialect::Parameters).unwrap(),
///     [json!({"functionDeclarations": [{
///         "name": "get_weather",
///         "description": "Get weather",
///         "parameters": {
///             "type": "object",
///             "properties": {"location": {"type": "string"}},
///             "required": ["location"]
///         }
///     }]})]
/// );
/// # }
/// ```
pub fn tools(toolbox: &Toolbox, dialect: GeminiDialect) -> Result<Declarations, ExportError> {
    cached(toolbox, Form::Gemini(dialect), || {
        let declarations = declare_all(toolbox, |spec| declaration(spec, dialect))?;
        if declarations.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![json!({"functionDeclarations": declarations})])
    })
}

fn declaration(spec: &ToolSpec, dialect: GeminiDialect) -> Result<Value, Vec<Violation>> {
    let mut declaration = Map::new();
    declaration.insert("name".to_owned(), json!(spec.name));
    declaration.insert("description".to_owned(), json!(spec.description));
    match dialect {
        GeminiDialect::Parameters => {
            let parameters = gemini_schema(&spec.input_schema)
                .map_err(|issues| violations(spec, Provider::Gemini, issues))?;
            let has_properties = parameters
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|properties| !properties.is_empty());
            if has_properties {
                declaration.insert("parameters".to_owned(), parameters);
            }
        }
        GeminiDialect::ParametersJsonSchema => {
            declaration.insert("parametersJsonSchema".to_owned(), spec.input_schema.clone());
        }
    }
    Ok(Value::Object(declaration))
}

/// The `functionCall` parts of the model's content (or of the first candidate of a whole
/// response). A call without an id gets one made from its position (`synthesized-call-0`,
/// ...), which is never sent back; a given id that looks like one is kept apart (prefixed
/// `given:` in [`ToolCall::id`], sent back as it came). A call that cannot be read, or whose id
/// an earlier call has, is [refused](ToolCall::refused) while the others run. A part's call is
/// read under either of its names, `functionCall` or `function_call` (google-genai's
/// `to_json_dict()` writes the second); a null field is an absent one (its `model_dump()`
/// writes every unset field as null). The other fields of the part, such as
/// `thoughtSignature`, are kept in [`ToolCall::extras`] for [`write_calls`]. A response
/// without a candidate, or whose candidate has no content (it was stopped: see its
/// `finishReason`), has no calls.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::gemini;
///
/// let content = json!({"role": "model", "parts": [
///     {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}},
///      "thoughtSignature": "c2ln"}
/// ]});
/// let calls = gemini::read_calls(&content).unwrap();
/// assert_eq!(calls[0].id, "synthesized-call-0");
/// assert_eq!(calls[0].extras["thoughtSignature"], "c2ln");
/// ```
pub fn read_calls(response: &Value) -> Result<Vec<ToolCall>, ReadError> {
    let (content, path) = match response.get("candidates") {
        // A response blocked before any candidate, or a candidate stopped without content
        // (`finishReason` says why, such as `SAFETY`; a null content is none), has no calls.
        Some(candidates) => match candidates
            .pointer("/0/content")
            .filter(|content| !content.is_null())
        {
            Some(content) => (content, "/candidates/0/content"),
            None => return Ok(Vec::new()),
        },
        None => (response, ""),
    };
    let mut calls = Vec::new();
    for (i, part) in READER.list(content, "parts", path)?.iter().enumerate() {
        let Some((key, call)) = FUNCTION_CALL
            .into_iter()
            .find_map(|key| Some((key, part.get(key).filter(|call| !call.is_null())?)))
        else {
            continue;
        };
        let call_path = format!("{path}/parts/{i}/{key}");
        let index = calls.len();
        let id = call_id(&READER, call, &call_path, index);
        let shown_id = id.clone().unwrap_or_else(|_| id_text(call.get("id")));
        let read = || -> Result<ToolCall, ReadError> {
            let name = READER.string(call, "name", &call_path)?;
            Ok(ToolCall::new(id?, name, arguments(call.get("args"))))
        };
        let mut tool_call =
            read().unwrap_or_else(|error| refused(shown_id, call.get("name"), &error));
        if let Value::Object(fields) = part {
            tool_call.extras = fields
                .iter()
                .filter(|(key, value)| !FUNCTION_CALL.contains(&key.as_str()) && !value.is_null())
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
        }
        calls.push(tool_call);
    }
    refuse_duplicates(&mut calls);
    Ok(calls)
}

/// The model's content that made `calls`, as it goes back into the conversation: one
/// `functionCall` part per call, with the fields Gemini sent beside it (its
/// `thoughtSignature`, which Gemini 3 requires back unchanged). Sending back the model's
/// content as it came does the same.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::gemini;
///
/// let content = json!({"role": "model", "parts": [
///     {"functionCall": {"id": "fc1", "name": "get_weather", "args": {"location": "Paris"}},
///      "thoughtSignature": "c2ln"}
/// ]});
/// let calls = gemini::read_calls(&content).unwrap();
/// assert_eq!(gemini::write_calls(&calls), content);
/// ```
pub fn write_calls(calls: &[ToolCall]) -> Value {
    let parts: Vec<Value> = calls
        .iter()
        .map(|call| {
            let mut function_call = Map::new();
            if let Some(id) = given(&call.id) {
                function_call.insert("id".to_owned(), json!(id));
            }
            function_call.insert("name".to_owned(), json!(call.name));
            function_call.insert("args".to_owned(), arguments_value(&call.arguments));
            let mut part = Map::new();
            part.insert("functionCall".to_owned(), Value::Object(function_call));
            part.extend(call.extras.clone());
            Value::Object(part)
        })
        .collect();
    json!({"role": "model", "parts": parts})
}

/// The user content that answers a turn's calls: one `functionResponse` part per result, in
/// order, its `response` `{"output": ...}` (the structured result, or the text) or
/// `{"error": "..."}`.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::gemini;
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
///     let call = ToolCall::new("fc1", "get_weather", json!({"location": "Paris"}));
///     let results = toolbox.call_all([call]).await;
///     assert_eq!(
///         gemini::write_results(&results),
///         json!({"role": "user", "parts": [{"functionResponse": {
///             "id": "fc1", "name": "get_weather", "response": {"output": "Sunny in Paris"}
///         }}]})
///     );
/// }
/// ```
pub fn write_results(results: &[CallResult]) -> Value {
    let parts: Vec<Value> = results
        .iter()
        .map(|result| {
            let output = &result.output;
            let response = if output.is_error() {
                json!({"error": output.text()})
            } else {
                let value = output.structured().cloned();
                json!({"output": value.unwrap_or_else(|| json!(output.text()))})
            };
            let mut function_response = Map::new();
            if let Some(id) = given(&result.id) {
                function_response.insert("id".to_owned(), json!(id));
            }
            function_response.insert("name".to_owned(), json!(result.name));
            function_response.insert("response".to_owned(), response);
            json!({"functionResponse": function_response})
        })
        .collect();
    json!({"role": "user", "parts": parts})
}
