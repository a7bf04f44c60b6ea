//! Provider formats: a toolbox's declarations as each provider wants them, the calls read
//! from each provider's response, and the results written back in its shape.
//!
//! | provider | declarations | calls | results |
//! |---|---|---|---|
//! | OpenAI Chat Completions | [`openai::tools`] | [`openai::read_calls`] | [`openai::write_results`] |
//! | OpenAI Responses | [`openai_responses::tools`] | [`openai_responses::read_calls`] | [`openai_responses::write_results`] |
//! | Anthropic Messages | [`anthropic::tools`] | [`anthropic::read_calls`] | [`anthropic::write_results`] |
//! | Google Gemini | [`gemini::tools`] | [`gemini::read_calls`] | [`gemini::write_results`] (and [`gemini::write_calls`]) |
//! | MCP | [`mcp::tools_list`] | [`mcp::read_call`] | [`mcp::write_result`], [`mcp::write_response`] |
//! | Ollama | [`ollama::tools`] | [`ollama::read_calls`] | [`ollama::write_results`] |
//!
//! Each tool has one schema, the one schemars generates ([`ToolSpec::input_schema`]); each
//! provider's dialect is a transform of it: [`openai_strict_schema`], [`gemini_schema`],
//! [`ollama_schema`], [`mcp_schema`]; Anthropic takes it as it is. What a dialect cannot
//! express is reported by tool, place and rule ([`Violation`]); [`ToolboxBuilder::targets`]
//! checks it when the toolbox is built. [`snapshot`] and [`compare`] tell, in a crate's own
//! tests, which changes to its tools break the models and clients written against them.
//! [`budget`] tells what each tool's declaration costs in tokens, per provider.
//!
//! ```
//! use serde_json::json;
//! use tool_runtime::providers::{openai, Strict};
//! use tool_runtime::{tool, Toolbox};
//!
//! /// Get weather
//! #[tool]
//! async fn get_weather(location: String) -> String {
//!     format!("Sunny in {location}")
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let toolbox = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
//!     let request_tools = openai::tools(&toolbox, Strict::On).unwrap();
//!     assert_eq!(request_tools[0]["function"]["strict"], json!(true));
//!
//!     // The model's answer, as the API returned it.
//!     let message = json!({"role": "assistant", "content": null, "tool_calls": [{
//!         "id": "call_1", "type": "function",
//!         "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}
//!     }]});
//!     let calls = openai::read_calls(&message).unwrap();
//!     let results = toolbox.call_all(calls).await;
//!     assert_eq!(
//!         openai::write_results(&results),
//!         [json!({"role": "tool", "tool_call_id": "call_1", "content": "Sunny in Paris"})]
//!     );
//! }
//! ```
//!
//! The module is grouped as the design reads: the wire formats (one module per provider, with
//! `read` for reading calls and their ids and `declarations` for the per-toolbox cache) build
//! on `dialects` (one transform per provider's schema dialect, and the rules they check), which
//! build on `schema` (walking, node rewrites, `$ref` inlining, nullable forms). Snapshots live
//! in the crate's `snapshot` module and are re-exported here.
//!
//! [`ToolSpec::input_schema`]: crate::ToolSpec::input_schema
//! [`ToolboxBuilder::targets`]: crate::ToolboxBuilder::targets

pub mod anthropic;
pub mod budget;
pub mod gemini;
pub mod mcp;
pub mod ollama;
pub mod openai;
pub mod openai_responses;

mod declarations;
mod dialects;
pub(crate) mod read;
pub(crate) mod schema;

pub use crate::snapshot::{Change, ChangeKind, Part, compare, snapshot};
pub(crate) use declarations::DeclarationCache;
pub use declarations::Declarations;
pub use dialects::{
    ExportError, NullStyle, Provider, Strict, Violation, gemini_schema, mcp_schema, ollama_schema,
    openai_strict_schema,
};
pub use gemini::GeminiDialect;
pub use read::ReadError;
pub use schema::{Issue, Rule};
