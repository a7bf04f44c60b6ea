//! A toolbox in [async-openai](https://docs.rs/async-openai)'s types (feature `async-openai`):
//! its declarations as request tools, the model's calls read from its response types, and the
//! results written as its messages, for Chat Completions and for Responses.
//!
//! The declarations are the ones [`providers::openai`] and [`providers::openai_responses`]
//! write, strict mode included; only the types change. async-openai is built with its types
//! alone (`chat-completion-types`, `response-types`), without its HTTP client: turn on its
//! `chat-completion` or `responses` feature in your own dependency to send requests.
//!
//! ```
//! use async_openai::types::chat::{
//!     ChatCompletionRequestMessage, ChatCompletionResponseMessage, ChatCompletionTools,
//! };
//! use tool_runtime::interop::async_openai::{chat_tool_messages, chat_tools, read_chat_calls};
//! use tool_runtime::providers::Strict;
//! use tool_runtime::{tool, Toolbox};
//!
//! /// Get the weather of a city.
//! #[tool]
//! async fn get_weather(city: String) -> String {
//!     format!("Sunny in {city}")
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let toolbox = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
//!     // The request's `tools`.
//!     let tools: Vec<ChatCompletionTools> = chat_tools(&toolbox, Strict::On).unwrap();
//!     let ChatCompletionTools::Function(declared) = &tools[0] else { unreachable!() };
//!     assert_eq!(declared.function.strict, Some(true));
//!
//!     // The assistant's message in the response, its calls run, the results as messages.
//!     let message: ChatCompletionResponseMessage = serde_json::from_value(serde_json::json!({
//!         "role": "assistant",
//!         "tool_calls": [{"id": "call_1", "type": "function",
//!             "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]
//!     }))
//!     .unwrap();
//!     let results = toolbox.call_all(read_chat_calls(&message)).await;
//!     let messages: Vec<ChatCompletionRequestMessage> = chat_tool_messages(&results);
//!     let ChatCompletionRequestMessage::Tool(answer) = &messages[0] else { unreachable!() };
//!     assert_eq!(answer.tool_call_id, "call_1");
//! }
//! ```
//!
//! [`providers::openai`]: crate::providers::openai
//! [`providers::openai_responses`]: crate::providers::openai_responses

use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionRequestMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestToolMessageContent, ChatCompletionResponseMessage, ChatCompletionTool,
    ChatCompletionTools, FunctionObject,
};
use async_openai::types::responses::{
    FunctionCallOutput, FunctionCallOutputItemParam, FunctionTool, InputItem, Item, OutputItem,
    Tool,
};
use serde_json::Value;

use crate::providers::read::refuse_duplicates;
use crate::providers::{ExportError, Strict, openai, openai_responses};
use crate::{CallResult, ToolCall, Toolbox};

/// The toolbox's declarations as Chat Completions request tools, as
/// [`providers::openai::tools`](crate::providers::openai::tools) writes them.
pub fn chat_tools(
    toolbox: &Toolbox,
    strict: Strict,
) -> Result<Vec<ChatCompletionTools>, ExportError> {
    let declarations = openai::tools(toolbox, strict)?;
    Ok(declarations
        .iter()
        .map(|declaration| {
            let function = function_object(&declaration["function"]);
            ChatCompletionTools::Function(ChatCompletionTool { function })
        })
        .collect())
}

/// The function calls of an assistant message, as
/// [`providers::openai::read_calls`](crate::providers::openai::read_calls) reads them: a custom
/// tool's call is [refused](ToolCall::refused) (the toolbox's tools are functions), and so is a
/// call whose id an earlier call has, so that each gets an answer and none runs twice.
pub fn read_chat_calls(message: &ChatCompletionResponseMessage) -> Vec<ToolCall> {
    let calls = message.tool_calls.iter().flatten();
    let mut calls: Vec<ToolCall> = calls
        .map(|call| match call {
            ChatCompletionMessageToolCalls::Function(call) => ToolCall::new(
                &call.id,
                &call.function.name,
                call.function.arguments.as_str(),
            ),
            ChatCompletionMessageToolCalls::Custom(call) => ToolCall::refused(
                &call.id,
                &call.custom_tool.name,
                "the call is of type \"custom\", and only function calls are run. Call the tool \
                 again as a function call.",
            ),
        })
        .collect();
    refuse_duplicates(&mut calls);
    calls
}

/// The results as `tool` messages, one per call, in order, for the next request.
pub fn chat_tool_messages(results: &[CallResult]) -> Vec<ChatCompletionRequestMessage> {
    results
        .iter()
        .map(|result| {
            ChatCompletionRequestMessage::Tool(ChatCompletionRequestToolMessage {
                content: ChatCompletionRequestToolMessageContent::Text(
                    result.output.text().to_owned(),
                ),
                tool_call_id: result.id.clone(),
            })
        })
        .collect()
}

/// The toolbox's declarations as Responses request tools, as
/// [`providers::openai_responses::tools`](crate::providers::openai_responses::tools) writes
/// them.
pub fn response_tools(toolbox: &Toolbox, strict: Strict) -> Result<Vec<Tool>, ExportError> {
    let declarations = openai_responses::tools(toolbox, strict)?;
    Ok(declarations
        .iter()
        .map(|declaration| {
            let function = function_object(declaration);
            Tool::Function(FunctionTool {
                name: function.name,
                parameters: function.parameters,
                strict: function.strict,
                description: function.description,
                defer_loading: None,
                r#async: None,
                output_schema: None,
                allowed_callers: None,
            })
        })
        .collect())
}

/// The `function_call` items of a response's output; a call's id is its `call_id`. A call
/// whose id an earlier call has is [refused](ToolCall::refused), as
/// [`providers::openai_responses::read_calls`](crate::providers::openai_responses::read_calls)
/// does.
pub fn read_response_calls(output: &[OutputItem]) -> Vec<ToolCall> {
    let mut calls: Vec<ToolCall> = output
        .iter()
        .filter_map(|item| match item {
            OutputItem::FunctionCall(call) => Some(ToolCall::new(
                &call.call_id,
                &call.name,
                call.arguments.as_str(),
            )),
            _ => None,
        })
        .collect();
    refuse_duplicates(&mut calls);
    calls
}

/// The results as `function_call_output` input items, one per call, in order.
pub fn response_outputs(results: &[CallResult]) -> Vec<InputItem> {
    results
        .iter()
        .map(|result| {
            InputItem::Item(Item::FunctionCallOutput(FunctionCallOutputItemParam {
                call_id: Some(result.id.clone()),
                output: FunctionCallOutput::Text(result.output.text().to_owned()),
                id: None,
                status: None,
                name: None,
                namespace: None,
                caller: None,
            }))
        })
        .collect()
}

/// A function's name, description, parameters and strictness, from a declaration that
/// [`openai`] or [`openai_responses`] wrote.
fn function_object(declaration: &Value) -> FunctionObject {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    FunctionObject {
        name: text(&declaration["name"]),
        description: Some(text(&declaration["description"])),
        parameters: Some(declaration["parameters"].clone()),
        strict: declaration["strict"].as_bool(),
    }
}
