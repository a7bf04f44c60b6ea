//! A toolbox's declarations and results in rmcp's types: `tools/list` from the JSON of
//! [`providers::mcp`](crate::providers::mcp), `tools/call` results with rmcp's constructors, so
//! that rmcp fills in what each protocol revision requires (such as 2026-07-28's `resultType`).

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{CallToolResult, ContentBlock, Tool};
use serde::Deserialize;

use crate::providers::{NullStyle, mcp};
use crate::{CallResult, ToolError, Toolbox};

/// The toolbox's tools as `tools/list` gives them, read once from the declarations of
/// [`mcp::tools_list`]; each answer clones them (their schemas are shared).
pub(super) fn tools(toolbox: &Toolbox, nulls: NullStyle) -> Result<Arc<[Tool]>, ErrorData> {
    mcp::tools_list(toolbox, nulls)
        .iter()
        .map(|tool| {
            Tool::deserialize(tool).map_err(|error| {
                let name = tool["name"].as_str().unwrap_or_default();
                ErrorData::internal_error(
                    format!("the declaration of the tool {name} cannot be sent over MCP: {error}"),
                    None,
                )
            })
        })
        .collect()
}

/// The answer to a `tools/call`: its result (the text as one text block, the structured
/// content, `isError`), or the JSON-RPC error -32602 of an unknown tool, as MCP asks.
pub(super) fn result(toolbox: &Toolbox, result: &CallResult) -> Result<CallToolResult, ErrorData> {
    let output = &result.output;
    if let Some(ToolError::UnknownTool { .. }) = output.error() {
        return Err(ErrorData::invalid_params(output.text().to_owned(), None));
    }
    let content = vec![ContentBlock::text(output.text())];
    let (structured, is_error) = mcp::structured_and_is_error(toolbox, result);
    let mut answer = if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    answer.structured_content = structured;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::{ToolOutput, ToolValue};

    fn answer(output: ToolOutput) -> Result<CallToolResult, ErrorData> {
        let toolbox = Toolbox::builder().build().unwrap();
        let call = CallResult {
            id: "1".to_owned(),
            name: "add".to_owned(),
            output,
            elapsed: Duration::ZERO,
        };
        result(&toolbox, &call)
    }

    /// 2026-07-28 clients refuse a result without `resultType`; rmcp's constructors set it.
    #[test]
    fn results_say_they_are_complete() {
        let success = answer(ToolOutput::success(ToolValue::json(json!(5)))).unwrap();
        assert_eq!(
            serde_json::to_value(success).unwrap(),
            json!({
                "resultType": "complete",
                "content": [{"type": "text", "text": "5"}],
                "structuredContent": {"result": 5},
                "isError": false
            })
        );
        let error = ToolError::Cancelled {
            tool: "add".to_owned(),
        };
        let failure = answer(ToolOutput::failure(error, "add was cancelled.".to_owned())).unwrap();
        assert_eq!(
            serde_json::to_value(failure).unwrap(),
            json!({
                "resultType": "complete",
                "content": [{"type": "text", "text": "add was cancelled."}],
                "isError": true
            })
        );
    }

    #[test]
    fn an_unknown_tool_is_a_protocol_error() {
        let error = ToolError::UnknownTool {
            name: "ad".to_owned(),
            suggestions: Vec::new(),
            available: Vec::new(),
        };
        let text = "unknown tool \"ad\". No tools are available.".to_owned();
        let error = answer(ToolOutput::failure(error, text.clone())).unwrap_err();
        assert_eq!(error.code, rmcp::model::ErrorCode::INVALID_PARAMS);
        assert_eq!(error.message, text);
    }
}
