//! The Model Context Protocol: the `tools/list` result, `tools/call` requests, and the
//! `CallToolResult` that answers them.

use serde_json::{Map, Value, json};

use crate::{Annotations, CallResult, ToolCall, ToolError, ToolSpec, Toolbox};

use super::ReadError;
use super::declarations::{Declarations, Form, cached};
use super::dialects::{NullStyle, mcp_schema};
use super::read::{Reader, arguments};
use super::schema::node::is_object_root;
use super::schema::walk::walk_mut;

const READER: Reader = Reader {
    what: "MCP tools/call request",
    advice: "pass the JSON-RPC request or its params, as they came",
};

/// The JSON-RPC error code for an unknown tool.
const INVALID_PARAMS: i64 = -32602;

/// The tools of a `tools/list` result, `{"tools": [...]}`: each with its `name`, `title` (from
/// [`Annotations::title`]), `description`, `inputSchema`, `outputSchema` and `annotations`
/// (`readOnlyHint`, `destructiveHint`, `idempotentHint`, `openWorldHint`, for the hints set).
/// An output schema whose root is not an object is wrapped as
/// `{"type": "object", "properties": {"result": ...}, "required": ["result"]}`, as MCP
/// requires; [`write_result`] wraps such a tool's structured content the same way.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::{mcp, NullStyle};
/// use tool_runtime::{tool, Toolbox};
///
/// /// Counts the words of a text.
/// #[tool(read_only)]
/// async fn count_words(text: String, limit: Option<u32>) -> usize {
///     text.split_whitespace().count().min(limit.unwrap_or(u32::MAX) as usize)
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(count_words::tool()).build().unwrap();
/// let tools = mcp::tools_list(&toolbox, NullStyle::AnyOf);
/// let tool = &tools[0];
/// assert_eq!(tool["annotations"], json!({"readOnlyHint": true}));
/// assert_eq!(
///     tool["inputSchema"]["properties"]["limit"],
///     json!({"anyOf": [
///         {"type": "integer", "minimum": 0, "maximum": 4294967295u32},
///         {"type": "null"}
///     ]})
/// );
/// assert_eq!(
///     tool["outputSchema"],
///     json!({
///         "type": "object",
///         "properties": {"result": {"type": "integer", "minimum": 0, "maximum": u64::MAX}},
///         "required": ["result"]
///     })
/// );
/// // The answer to a `tools/list` request.
/// let result = json!({"tools": tools});
/// assert_eq!(result["tools"][0]["name"], "count_words");
/// # }
/// ```
pub fn tools_list(toolbox: &Toolbox, nulls: NullStyle) -> Declarations {
    let tools = cached(toolbox, Form::Mcp(nulls), || {
        Ok(toolbox.specs().map(|spec| tool(spec, nulls)).collect())
    });
    tools.unwrap_or_default()
}

fn tool(spec: &ToolSpec, nulls: NullStyle) -> Value {
    let mut tool = Map::new();
    tool.insert("name".to_owned(), json!(spec.name));
    if let Some(title) = &spec.annotations.title {
        tool.insert("title".to_owned(), json!(title));
    }
    tool.insert("description".to_owned(), json!(spec.description));
    tool.insert(
        "inputSchema".to_owned(),
        mcp_schema(&spec.input_schema, nulls),
    );
    if let Some(output) = &spec.output_schema {
        tool.insert(
            "outputSchema".to_owned(),
            mcp_schema(&object_schema(output), nulls),
        );
    }
    let hints = hints(&spec.annotations);
    if !hints.is_empty() {
        tool.insert("annotations".to_owned(), Value::Object(hints));
    }
    Value::Object(tool)
}

/// The hints that are set, by their MCP names.
pub(crate) fn hints(annotations: &Annotations) -> Map<String, Value> {
    [
        ("readOnlyHint", annotations.read_only),
        ("destructiveHint", annotations.destructive),
        ("idempotentHint", annotations.idempotent),
        ("openWorldHint", annotations.open_world),
    ]
    .into_iter()
    .filter_map(|(name, hint)| Some((name.to_owned(), Value::Bool(hint?))))
    .collect()
}

/// An output schema whose root is an object: as it is, or wrapped under `result` (its `$defs`
/// staying at the root, where its `$ref`s point). A `$ref` to anything else of the old root,
/// such as `#` for a type that contains itself, is made to point where that now is, under
/// `/properties/result`.
fn object_schema(schema: &Value) -> Value {
    if is_object_root(schema) {
        return schema.clone();
    }
    let mut inner = schema.clone();
    let defs = inner
        .as_object_mut()
        .and_then(|map| map.shift_remove("$defs"));
    let mut wrapped = json!({
        "type": "object",
        "properties": {"result": inner},
        "required": ["result"]
    });
    if let Some(defs) = defs {
        wrapped["$defs"] = defs;
    }
    walk_mut(&mut wrapped, "", &mut |node, _| {
        if let Some(Value::String(reference)) = node.get_mut("$ref")
            && let Some(rest) = reference.strip_prefix('#')
            && !rest.starts_with("/$defs/")
        {
            *reference = format!("#/properties/result{rest}");
        }
    });
    wrapped
}

/// The call of a `tools/call` request (or of its `params`). The call's id is the request's
/// JSON-RPC id as JSON text (`2`, or `"abc"` with its quotes), so that [`write_response`]
/// gives it back exactly, with its JSON type; an id that JSON-RPC does not allow (an object,
/// a list, a boolean) is an error.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::mcp;
///
/// let request = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
///                      "params": {"name": "get_weather", "arguments": {"location": "Paris"}}});
/// let call = mcp::read_call(&request).unwrap();
/// assert_eq!((call.id.as_str(), call.name.as_str()), ("2", "get_weather"));
/// ```
pub fn read_call(request: &Value) -> Result<ToolCall, ReadError> {
    let Some(method) = request.get("method") else {
        return read_params(request, "", String::new());
    };
    if method != "tools/call" {
        return Err(READER.error("/method", format!("{method} is not \"tools/call\"")));
    }
    let id = match request.get("id") {
        None => String::new(),
        Some(id @ (Value::String(_) | Value::Number(_) | Value::Null)) => id.to_string(),
        Some(_) => {
            return Err(READER.error("/id", "a JSON-RPC id is a string or a number"));
        }
    };
    let params = request
        .get("params")
        .ok_or_else(|| READER.error("/params", "an object is expected"))?;
    read_params(params, "/params", id)
}

fn read_params(params: &Value, path: &str, id: String) -> Result<ToolCall, ReadError> {
    let name = READER.string(params, "name", path)?;
    Ok(ToolCall::new(id, name, arguments(params.get("arguments"))))
}

/// The `CallToolResult` of a call: its text as one text block, its structured content (wrapped
/// under `result` when the tool's output schema is, or when a tool without one gave a value
/// that is not an object), and `isError`. A tool's failure, bad arguments included, is a
/// result the model reads, not a protocol error. So is the result of a tool that declares an
/// output schema when its value was left out for being longer than the toolbox's
/// [`max_output_chars`](crate::ToolboxBuilder::max_output_chars): MCP allows no success
/// without it.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::mcp;
/// use tool_runtime::{tool, ToolCall, Toolbox};
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder().tool(add::tool()).build().unwrap();
///     let results = toolbox.call_all([ToolCall::new("1", "add", json!({"a": 2, "b": 3}))]).await;
///     assert_eq!(
///         mcp::write_result(&toolbox, &results[0]),
///         json!({
///             "content": [{"type": "text", "text": "5"}],
///             "structuredContent": {"result": 5},
///             "isError": false
///         })
///     );
/// }
/// ```
pub fn write_result(toolbox: &Toolbox, result: &CallResult) -> Value {
    let output = &result.output;
    let mut answer = Map::new();
    answer.insert(
        "content".to_owned(),
        json!([{"type": "text", "text": output.text()}]),
    );
    let (content, is_error) = structured_and_is_error(toolbox, result);
    if let Some(content) = content {
        answer.insert("structuredContent".to_owned(), content);
    }
    answer.insert("isError".to_owned(), json!(is_error));
    Value::Object(answer)
}

/// The `structuredContent` of a call's result, and whether the result is an error for MCP.
/// The structured value is wrapped under `result` when the tool's output schema is, or when a
/// tool without one gave a value that is not an object. The result is an error when the tool
/// failed, and when the tool declares an output schema but has no structured value to match it
/// (its value was longer than the toolbox's output limit, or a remote tool gave none): MCP
/// allows no other result of such a tool, and clients refuse it; as an error, the model reads
/// the text.
pub(crate) fn structured_and_is_error(
    toolbox: &Toolbox,
    result: &CallResult,
) -> (Option<Value>, bool) {
    let schema = toolbox
        .spec(&result.name)
        .and_then(|spec| spec.output_schema.as_ref());
    let Some(value) = result.output.structured() else {
        return (None, result.output.is_error() || schema.is_some());
    };
    let wrap = schema.map_or(!value.is_object(), |schema| !is_object_root(schema));
    let content = if wrap {
        json!({"result": value})
    } else {
        value.clone()
    };
    (Some(content), result.output.is_error())
}

/// The JSON-RPC response to the `tools/call` request a call was read from: its `result` (see
/// [`write_result`]), or, for an unknown tool, an error with code -32602, as MCP asks.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::mcp;
/// use tool_runtime::Toolbox;
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder().build().unwrap();
///     let request = json!({"jsonrpc": "2.0", "id": "a", "method": "tools/call",
///                          "params": {"name": "nope"}});
///     let results = toolbox.call_all([mcp::read_call(&request).unwrap()]).await;
///     assert_eq!(
///         mcp::write_response(&toolbox, &results[0]),
///         json!({"jsonrpc": "2.0", "id": "a", "error": {
///             "code": -32602,
///             "message": "unknown tool \"nope\". No tools are available."
///         }})
///     );
/// }
/// ```
pub fn write_response(toolbox: &Toolbox, result: &CallResult) -> Value {
    let id = serde_json::from_str::<Value>(&result.id)
        .ok()
        .filter(|id| id.is_string() || id.is_number() || id.is_null())
        .unwrap_or_else(|| json!(result.id));
    if let Some(ToolError::UnknownTool { .. }) = result.output.error() {
        let error = json!({"code": INVALID_PARAMS, "message": result.output.text()});
        return json!({"jsonrpc": "2.0", "id": id, "error": error});
    }
    json!({"jsonrpc": "2.0", "id": id, "result": write_result(toolbox, result)})
}
