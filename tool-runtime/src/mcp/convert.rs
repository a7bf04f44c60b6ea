//! The JSON of [`providers::mcp`](crate::providers::mcp), read into rmcp's types.

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{CallToolResponse, CallToolResult, Tool};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::providers::{NullStyle, mcp};
use crate::{CallResult, Toolbox};

/// The toolbox's tools as `tools/list` gives them.
pub(super) fn tools(toolbox: &Toolbox, nulls: NullStyle) -> Result<Arc<[Tool]>, ErrorData> {
    let mut list = mcp::tools_list(toolbox, nulls);
    let tools: Vec<Value> = decode(list["tools"].take(), "the list of tools")?;
    tools
        .into_iter()
        .map(|tool| {
            let name = tool["name"].as_str().unwrap_or_default().to_owned();
            decode(tool, &format!("the declaration of the tool {name}"))
        })
        .collect()
}

/// The answer to a `tools/call`: its result, or the JSON-RPC error of an unknown tool.
pub(super) fn response(
    toolbox: &Toolbox,
    result: &CallResult,
) -> Result<CallToolResponse, ErrorData> {
    let mut response = mcp::write_response(toolbox, result);
    match response.get_mut("error") {
        Some(error) => Err(decode(error.take(), "the error")?),
        None => decode::<CallToolResult>(response["result"].take(), "the result")
            .map(CallToolResponse::from),
    }
}

fn decode<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, ErrorData> {
    serde_json::from_value(value).map_err(|error| {
        ErrorData::internal_error(format!("{what} cannot be sent over MCP: {error}"), None)
    })
}
