//! [`McpServer::tool_router`]: the toolbox's tools as rmcp routes, for a server of one's own.

use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use rmcp::model::CallToolRequestParams;
use rmcp::{ErrorData, ServerHandler};

use super::McpServer;

impl McpServer {
    /// The toolbox's tools as an rmcp [`ToolRouter`] for any server type `S`, so that a server
    /// written with rmcp's `#[tool_router]` serves them beside its own tools: its router plus
    /// this one (`Self::tool_router() + McpServer::new(toolbox).tool_router()?`), kept in a
    /// field that `#[tool_handler(router = self.tool_router)]` reads. Each tool is
    /// declared and called exactly as [`McpServer`] does it: under the toolbox's timeouts,
    /// failures as results with `isError: true`, cancelled by `notifications/cancelled`.
    ///
    /// An error when a tool's declaration cannot be written in MCP's types (an input schema
    /// that is not an object).
    ///
    /// ```
    /// use tool_runtime::mcp::McpServer;
    /// use tool_runtime::mcp::rmcp::handler::server::router::tool::ToolRouter;
    /// use tool_runtime::{tool, Toolbox};
    ///
    /// /// Adds two numbers.
    /// #[tool]
    /// async fn add(a: i64, b: i64) -> i64 {
    ///     a + b
    /// }
    ///
    /// /// The user's own server, whose other tools come from rmcp's `#[tool_router]`.
    /// struct MyServer;
    ///
    /// # fn main() {
    /// let toolbox = Toolbox::builder().tool(add::tool()).build().unwrap();
    /// let theirs: ToolRouter<MyServer> = ToolRouter::new();
    /// let router = theirs + McpServer::new(toolbox).tool_router().unwrap();
    /// assert!(router.has_route("add"));
    /// # }
    /// ```
    pub fn tool_router<S: Send + Sync + 'static>(&self) -> Result<ToolRouter<S>, ErrorData> {
        let mut router = ToolRouter::new();
        for tool in self.tools.clone()?.iter() {
            let server = self.clone();
            router.add_route(ToolRoute::new_dyn(tool.clone(), move |context| {
                let server = server.clone();
                let mut request = CallToolRequestParams::new(context.name);
                if let Some(arguments) = context.arguments {
                    request = request.with_arguments(arguments);
                }
                let request_context = context.request_context;
                Box::pin(async move { server.call_tool(request, request_context).await })
            }));
        }
        Ok(router)
    }
}
