//! The MCP requests [`McpServer`] answers: `initialize`, `tools/list` and `tools/call`.

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CustomRequest, CustomResult, ErrorCode,
    InitializeRequestParams, ListToolsResult, PaginatedRequestParams, ProgressNotificationParam,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::mpsc;

use super::McpServer;
use super::{convert, elicit};
use crate::{OnProgress, Progress, ToolCall};

/// How many progress reports wait to be sent before new ones are dropped: a tool reporting
/// faster than the client reads loses reports, never memory.
const PROGRESS_BACKLOG: usize = 64;

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

    /// Runs the call through the toolbox. It is cancelled when the client sends
    /// `notifications/cancelled` for it (rmcp cancels the request's token), when the server
    /// stops (its input closed), or when its HTTP session ends; each progress report of the tool becomes a
    /// `notifications/progress` when the client sent a `progressToken`. When the toolbox's
    /// approval policy asks a person and the client can show a form, its user is asked
    /// (`elicit.rs`): on 2026-07-28 the call is answered `input_required` until the client sends
    /// it again with the answer.
    async fn call_tool(
        &self,
        mut request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let asking = match &self.toolbox.inner.approval {
            Some(_) => elicit::asking(&mut request, &context),
            None => None,
        };
        let arguments = request.arguments.map_or(Value::Null, Value::Object);
        let mut call = ToolCall::new(context.id.to_string(), request.name, arguments);
        let mut input_required = None;
        if let Some(asking) = asking {
            call = call.with_approver(asking.approver);
            input_required = asking.input_required;
        }
        let token = context.meta.get_progress_token();
        let (reports, mut progress) = mpsc::channel::<Progress>(PROGRESS_BACKLOG);
        if token.is_some() {
            call = call.with_progress(OnProgress::new(move |report| {
                let _ = reports.try_send(report);
            }));
        }
        // Over HTTP, the call ends with its session too.
        let session = self.sessions.as_ref().and_then(|sessions| {
            sessions.stop_of(context.extensions.get::<http::request::Parts>()?)
        });
        let cancel = session.as_ref().unwrap_or(&self.stop).child_token();
        // On the heap: rmcp moves this future into the request's task, and it moves a task
        // several times as it spawns it, so the call's own future is better not inside.
        let mut running = Box::pin(self.toolbox.call_with(call, &cancel));
        let notify = |report: Progress| {
            let token = token.clone().expect("reports come only with a token");
            let mut param = ProgressNotificationParam::new(token, report.done);
            param.total = report.total;
            param.message = report.message;
            context.peer.notify_progress(param)
        };
        let result = loop {
            tokio::select! {
                result = &mut running => break result,
                input = async { input_required.as_mut().expect("checked").await },
                    if input_required.is_some() => match input
                {
                    // Dropping the call ends its wait for approval: nothing ran or was counted.
                    Ok(input) => return Ok(CallToolResponse::InputRequired(input)),
                    Err(_) => input_required = None,
                },
                () = context.ct.cancelled(), if !cancel.is_cancelled() => cancel.cancel(),
                Some(report) = progress.recv() => {
                    // A client that is gone gets no progress; the call goes on to its result.
                    let _ = notify(report).await;
                }
            }
        };
        while let Ok(report) = progress.try_recv() {
            let _ = notify(report).await;
        }
        convert::result(&self.toolbox, &result).map(CallToolResponse::from)
    }

    /// A request rmcp could not read as one MCP defines comes here. A `tools/call` or an
    /// `initialize` whose params are not MCP's is answered with what is wrong with them
    /// (-32602); any other method is not one this server has (-32601).
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        if let Some(error) = unreadable_params(&request) {
            return Err(error);
        }
        let method = request.method;
        let message =
            format!("this server has no method `{method}`; it answers tools/list and tools/call");
        Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, message, None))
    }
}

/// What is wrong with the params of `request`, when it names `tools/call` or `initialize` and
/// rmcp could not read it as that method (it then reads it as a method of its own).
pub(super) fn unreadable_params(request: &CustomRequest) -> Option<ErrorData> {
    let (problem, send) = match request.method.as_str() {
        "tools/call" => (
            problem::<CallToolRequestParams>(request),
            r#"{"name": a tool's name, "arguments": an object}"#,
        ),
        "initialize" => (
            problem::<InitializeRequestParams>(request),
            "protocolVersion, capabilities and clientInfo",
        ),
        _ => return None,
    };
    let method = &request.method;
    let message = format!("the params of {method} are not valid ({problem}); send {send}");
    Some(ErrorData::invalid_params(message, None))
}

/// Why the params of `request` cannot be read as a `P`.
fn problem<P: DeserializeOwned>(request: &CustomRequest) -> String {
    match request.params_as::<P>() {
        Ok(None) => "none were sent".to_owned(),
        Err(error) => error.to_string(),
        Ok(Some(_)) => "MCP's request could not be read".to_owned(),
    }
}
