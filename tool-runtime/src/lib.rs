//! Declare the tools an LLM agent calls with one attribute, and run the model's calls
//! concurrently, each under a timeout, with every failure turned into text the model can act on.
//!
//! # A tool
//!
//! ```
//! use tool_runtime::{tool, Toolbox};
//!
//! /// Convert a temperature between Celsius and Fahrenheit.
//! ///
//! /// # Arguments
//! /// * `value` - the temperature to convert
//! /// * `to_fahrenheit` - true for °C → °F, false for °F → °C
//! #[tool(read_only, timeout = "1s")]
//! async fn convert(value: f64, to_fahrenheit: Option<bool>) -> String {
//!     if to_fahrenheit.unwrap_or(true) {
//!         format!("{:.1}°F", value * 9.0 / 5.0 + 32.0)
//!     } else {
//!         format!("{:.1}°C", (value - 32.0) * 5.0 / 9.0)
//!     }
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     // The function is still an ordinary function...
//!     assert_eq!(convert(100.0, None).await, "212.0°F");
//!
//!     // ...and `convert::tool()` is the tool, with the schema the model reads.
//!     let toolbox = Toolbox::builder().tool(convert::tool()).build().unwrap();
//!     let spec = toolbox.spec("convert").unwrap();
//!     assert_eq!(spec.description, "Convert a temperature between Celsius and Fahrenheit.");
//!     assert_eq!(spec.input_schema["required"], serde_json::json!(["value"]));
//!
//!     // The model's call, as JSON, gives a string for the model.
//!     let output = toolbox.call("convert", r#"{"value": 20, "to_fahrenheit": true}"#).await;
//!     assert_eq!(output.text(), "68.0°F");
//! }
//! ```
//!
//! # Failures are text
//!
//! Whatever the model sends, [`Toolbox::call`] answers with a [`ToolOutput`] whose text says
//! what failed and what to do: an unknown tool (with the close names), arguments that do not
//! match (with the path of the field at fault), the tool's own error, a panic (the process goes
//! on), or a timeout. [`Toolbox::try_call`] gives the typed [`ToolError`] instead.
//!
//! ```
//! use tool_runtime::{tool, Toolbox};
//!
//! /// Reads a setting.
//! #[tool]
//! async fn setting(key: String) -> Result<String, std::io::Error> {
//!     Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("no setting {key:?}")))
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let toolbox = Toolbox::builder().tool(setting::tool()).build().unwrap();
//!     let output = toolbox.call("settings", r#"{"key": "a"}"#).await;
//!     assert_eq!(
//!         output.text(),
//!         r#"unknown tool "settings". Did you mean "setting"? Available tools: setting."#
//!     );
//!     let output = toolbox.call("setting", r#"{"key": "a"}"#).await;
//!     assert_eq!(output.text(), r#"setting failed: no setting "a""#);
//!     assert!(output.is_error());
//! }
//! ```
//!
//! # Registration
//!
//! Each `#[tool] fn name` gives `name::tool()`, for a toolbox built from a list, and registers
//! itself, so that [`ToolboxBuilder::registered`] finds every tool linked into the binary,
//! from every crate. The builder checks names and state once; specs and schemas are computed
//! then, not on each call.
//!
//! # Concurrency
//!
//! [`Toolbox::call_all`] runs one model turn's calls at once, each on its own tokio task, and
//! gives the results back in order with their call ids. A plain `fn` tool runs on tokio's
//! blocking pool so it cannot stall the others.
//!
//! # Providers
//!
//! [`providers`] declares a toolbox to OpenAI (Chat Completions, Responses, strict mode),
//! Anthropic, Gemini, MCP and Ollama, each in its own schema dialect, reads the calls from
//! their responses and writes the results back in their shapes; [`ToolboxBuilder::targets`]
//! checks, when the toolbox is built, that every tool can be declared to the providers named.

#![warn(missing_docs)]

mod approval;
mod arguments;
mod batch;
mod builder;
mod call;
mod context;
mod error;
mod guard;
mod output;
mod registry;
mod retry;
mod schema;
mod snapshot;
mod spec;
mod state;
mod stats;
mod tool;
mod toolbox;

pub mod interop;
pub mod providers;

#[cfg(feature = "mcp")]
pub mod mcp;

#[doc(hidden)]
pub mod __private;

pub use approval::{Approval, ApprovalRequest, Approver, Decision};
pub use arguments::{Arguments, ArgumentsRef, AsArguments};
pub use batch::{BatchOptions, CallResult, ToolCall};
pub use builder::{
    BuildError, BuildProblem, DEFAULT_LIMITS, DEFAULT_MAX_BLOCKING_CALLS, DEFAULT_MAX_OUTPUT_CHARS,
    DEFAULT_SLOW_POLL, DEFAULT_TIMEOUT, Limits, ToolboxBuilder,
};
pub use context::{CallContext, OnProgress, Progress};
pub use error::{ToolError, Transient};
pub use output::ToolOutput;
pub use spec::{Annotations, ToolSpec};
pub use state::State;
pub use stats::ToolStats;
pub use tool::{BoxFuture, Failure, StateRequirement, Tool, ToolRef, ToolValue};
pub use toolbox::Toolbox;

/// Re-exported for [`CallContext::cancellation_token`].
pub use tokio_util::sync::CancellationToken;

#[doc = include_str!("tool_attr.md")]
pub use tool_runtime_macros::tool;
