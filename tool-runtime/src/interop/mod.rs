//! The Rust agent ecosystem, connected to a [`Toolbox`](crate::Toolbox).
//!
//! | what you use | how to connect it |
//! |---|---|
//! | tower | a [`Toolbox`](crate::Toolbox) is a `tower::Service<ToolCall>`: wrap it in any layer |
//! | serde | [`ToolSpec`](crate::ToolSpec), [`ToolCall`](crate::ToolCall), [`CallResult`](crate::CallResult) and [`ToolOutput`](crate::ToolOutput) are `Serialize + Deserialize` |
//! | the `metrics` facade | feature `metrics`: every call recorded under the names in `interop::metrics` |
//! | async-openai | feature `async-openai`: typed declarations, calls and results in `interop::async_openai` |
//! | rmcp | feature `mcp`: `McpServer::tool_router` merges the toolbox into your own `#[tool_router]` |

mod tower;

#[cfg(feature = "metrics")]
pub mod metrics;

#[cfg(feature = "async-openai")]
pub mod async_openai;
