//! The MCP requests [`McpServer`] answers: `initialize`, `tools/list` and `tools/call`.

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use super::McpServer;
use super::convert;
use crate::ToolCall;

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        let config = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(self.implementation.clone());
        match &self.instructions {
            Some(instructions) => config.with_instructions(instructions.clone()),
            None => config,
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self.tools.clone()?;
        Ok(ListToolsResult::with_all_items(tools.to_vec()))
    }

    /// Runs the call through the toolbox, under the request's cancellation token, which rmcp
    /// cancels when the client sends `notifications/cancelled` for it.
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.map_or(Value::Null, Value::Object);
        let call = ToolCall::new(context.id.to_string(), request.name, arguments);
        let result = self.toolbox.call_with(call, &context.ct).await;
        convert::response(&self.toolbox, &result)
    }
}
