//! A [`Toolbox`](crate::Toolbox) served over the Model Context Protocol, and the tools of MCP
//! servers used like local ones, through [rmcp], the official Rust SDK.
//!
//! # Why a feature
//!
//! This module is behind the cargo feature `mcp`. Users depend on `tool-runtime` alone; most
//! of them hand the tools to a model's API and never speak MCP, so they should not build rmcp,
//! hyper and their dependencies. Those who serve or use MCP tools turn the feature on:
//!
//! ```toml
//! tool-runtime = { version = "0.1", features = ["mcp"] }
//! ```
//!
//! rmcp is built with only what this module uses: its server and client, stdio, and the
//! streamable HTTP server, which hyper serves with no web framework on top. It is re-exported
//! as [`rmcp`], so that its types can be named without depending on it.
//!
//! # Serving a toolbox
//!
//! [`McpServer`] is an rmcp [`ServerHandler`](rmcp::ServerHandler). `tools/list` gives the
//! toolbox's declarations as [`providers::mcp::tools_list`](crate::providers::mcp::tools_list)
//! writes them; `tools/call` runs through the toolbox, so the tool's timeout, bad arguments,
//! its errors and its panics come back as results with `isError: true` and the message as
//! text, structured results as `structuredContent`; an unknown tool is a JSON-RPC error
//! -32602, as are params of `tools/call` that are not MCP's (the message says what is wrong),
//! and a method MCP does not have is -32601; a `notifications/cancelled` for a call in flight
//! drops the tool's future ([`Toolbox::call_with`](crate::Toolbox::call_with)).
//!
//! When the toolbox's [`Approval`](crate::Approval) policy asks a person about a call, and the
//! client declared the elicitation capability, the client's user answers a yes/no form naming
//! the tool and showing its arguments (`elicitation/create` up to 2025-11-25; on 2026-07-28,
//! an `input_required` result the client answers by sending the call again): only an accepted
//! yes runs the call. Without the capability, the policy's own approver or fallback decides.
//!
//! - [`McpServer::serve_stdio`]: over stdin and stdout, the way MCP clients start local servers;
//! - [`McpServer::serve_http`]: streamable HTTP, on 127.0.0.1 unless told otherwise
//!   ([`HttpServer`]);
//! - any other rmcp transport, with rmcp's [`ServiceExt::serve`](rmcp::ServiceExt::serve).
//!
//! ```
//! use tool_runtime::mcp::rmcp::model::CallToolRequestParams;
//! use tool_runtime::mcp::rmcp::ServiceExt;
//! use tool_runtime::mcp::McpServer;
//! use tool_runtime::{tool, Toolbox};
//!
//! /// Adds two numbers.
//! #[tool]
//! async fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let toolbox = Toolbox::builder().tool(add::tool()).build()?;
//!     // A client and the server, connected by a pipe; stdio works the same way.
//!     let (server_end, client_end) = tokio::io::duplex(64 * 1024);
//!     tokio::spawn(async move {
//!         let server = McpServer::new(toolbox).serve(server_end).await?;
//!         server.waiting().await?;
//!         Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
//!     });
//!     let client = ().serve(client_end).await?;
//!
//!     let tools = client.list_all_tools().await?;
//!     assert_eq!(tools[0].name, "add");
//!     let arguments = serde_json::json!({"a": 2, "b": 3});
//!     let call = CallToolRequestParams::new("add").with_arguments(serde_json::from_value(arguments)?);
//!     let result = client.call_tool(call).await?;
//!     assert_eq!(result.structured_content, Some(serde_json::json!({"result": 5})));
//!     assert_eq!(result.is_error, Some(false));
//!     client.cancel().await?;
//!     Ok(())
//! }
//! ```
//!
//! # Several replicas behind a load balancer
//!
//! [`HttpServerBuilder::stateless`] serves every request on its own: no session is kept, so
//! any replica serving the same toolbox answers any request, with no affinity at the balancer.
//! Progress reports still reach the client on the stream of their request, and a call is
//! cancelled when its client closes that stream; what else changes for clients of the revisions
//! with sessions is listed there. State given to the toolbox (`#[state]`) is per replica: it
//! suits what every replica can rebuild (pools, caches, clients), not what a conversation must
//! find again on its next call, which belongs in a store the replicas share.
//!
//! The server answers health checks at `/healthz` (liveness) and `/readyz` (readiness, 503 once
//! [`HttpServer::drain`] was called), outside the MCP path and with no token needed
//! ([`HttpServerBuilder::health_paths`]). The repository's `deploy/` folder has a container
//! file and Kubernetes manifests for the example server run this way.
//!
//! # Using the tools of an MCP server
//!
//! [`remote_tools`] lists a server's tools through an rmcp client and gives them as
//! [`ToolRef`](crate::ToolRef)s: added to a toolbox, they are called like local tools, under
//! the toolbox's timeouts and with their failures as text ([`RemoteTool`]). A client served
//! with a [`ProgressRelay`] also passes the server's progress reports on to each call's caller
//! (through a toolbox served over MCP, to its own client).
//!
//! With the feature `mcp-client` (rmcp's streamable HTTP client, on reqwest),
//! [`RemoteServers`] uses several servers at HTTP URLs serving the same tools as one: calls
//! spread over them, fail over when a server dies, and a call that may have run is never sent
//! twice unless the tool is idempotent.

mod auth;
mod convert;
mod cors;
mod elicit;
#[cfg(feature = "mcp-client")]
mod endpoints;
mod handler;
mod http;
#[cfg(feature = "mcp-client")]
mod http_client;
mod remote;
mod router;
mod server;
mod service;

pub use auth::Identity;
#[cfg(feature = "mcp-client")]
pub use endpoints::{ConnectError, Endpoint, RemoteServers, RemoteServersBuilder};
pub use http::{DEFAULT_HTTP_ADDR, HttpServer, HttpServerBuilder};
pub use remote::{ProgressRelay, RemoteTool, remote_tools};
pub use server::McpServer;
pub use service::{HttpResponse, McpHttpService};

/// The MCP SDK this module is built on, for its types ([`rmcp::model`]), its client and its
/// transports.
pub use rmcp;
