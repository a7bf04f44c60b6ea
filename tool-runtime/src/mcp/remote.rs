//! [`RemoteTool`]: a tool of an MCP server, called through an rmcp client like a local tool,
//! on one server or on any of several ([`RemoteServers`](super::RemoteServers)); how a call
//! that got no answer is told apart: nothing sent, or sent and perhaps run; and
//! [`ProgressRelay`], which passes the server's progress reports on to the call's caller.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, CancelledNotification,
    CancelledNotificationParam, ClientRequest, ContentBlock, JsonObject, PaginatedRequestParams,
    ProgressNotificationParam, ProgressToken, RequestId, ServerResult,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RunningService};
use rmcp::transport::DynamicTransportError;
use rmcp::{ClientHandler, ErrorData, Peer, RoleClient, ServiceError};
use serde_json::Value;

#[cfg(feature = "mcp-client")]
use super::endpoints::Servers;
use crate::providers::Provider;
use crate::{
    Annotations, ArgumentsRef, BoxFuture, CallContext, Failure, State, Tool, ToolRef, ToolSpec,
    ToolValue,
};

/// The tools of the MCP server behind `peer`, each a [`RemoteTool`], to add to a toolbox.
///
/// Keep the client running (the `RunningService` rmcp gave) while the toolbox is used: its
/// tools send their calls through it, and a call whose client is gone fails with a message
/// saying so. The server's progress reports are not passed on; for that, serve the client with
/// a [`ProgressRelay`] and list the tools with [`ProgressRelay::remote_tools`].
///
/// What a server lists is bounded: at most 100 pages and 16 MiB of declarations are read, or
/// the listing fails saying so. A tool MCP's own rules refuse (a name not of 1 to 128 letters,
/// digits, `_`, `-` and `.`, or an input schema that is not an object) is left out, and so is
/// a second tool of the same name; each is named in a warning (`tracing`). A remote tool named
/// like another tool of the toolbox makes
/// [`ToolboxBuilder::build`](crate::ToolboxBuilder::build) fail with
/// [`BuildProblem::DuplicateName`](crate::BuildProblem::DuplicateName).
///
/// ```
/// use tool_runtime::mcp::rmcp::ServiceExt;
/// use tool_runtime::mcp::{remote_tools, McpServer};
/// use tool_runtime::{tool, Toolbox};
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // A server elsewhere; here, one of ours at the end of a pipe.
///     let (server_end, client_end) = tokio::io::duplex(64 * 1024);
///     let remote = Toolbox::builder().tool(add::tool()).build()?;
///     tokio::spawn(async move {
///         let server = McpServer::new(remote).serve(server_end).await?;
///         server.waiting().await?;
///         Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
///     });
///     let client = ().serve(client_end).await?;
///
///     let toolbox = Toolbox::builder().tools(remote_tools(client.peer()).await?).build()?;
///     assert_eq!(toolbox.call("add", r#"{"a": 2, "b": 3}"#).await.text(), "5");
///     assert_eq!(
///         toolbox.call("add", r#"{"a": 2}"#).await.text(),
///         "add failed: invalid arguments for add: missing field `b`. Fix the arguments and \
///          call add again."
///     );
///     Ok(())
/// }
/// ```
pub async fn remote_tools(peer: &Peer<RoleClient>) -> Result<Vec<ToolRef>, ServiceError> {
    list(peer, None).await
}

/// The tools of the server behind `peer`, whose calls report their progress through `relay`.
async fn list(
    peer: &Peer<RoleClient>,
    relay: Option<&ProgressRelay>,
) -> Result<Vec<ToolRef>, ServiceError> {
    let tools = listed_tools(peer).await?;
    Ok(tools
        .into_iter()
        .map(|tool| {
            let route = Route::Peer {
                peer: peer.clone(),
                relay: relay.cloned(),
            };
            Arc::new(RemoteTool { route, tool }) as ToolRef
        })
        .collect())
}

/// At most this many pages of `tools/list` are read: a server that never stops paging cannot
/// hold a listing forever.
const MAX_PAGES: usize = 100;

/// At most this many bytes of tool declarations (as JSON) are kept from one server's listing.
const MAX_LISTING_BYTES: usize = 16 << 20;

/// The tools the server behind `peer` lists, page after page, within [`MAX_PAGES`] and
/// [`MAX_LISTING_BYTES`]. A tool MCP's rules refuse, or named like one listed before it, is
/// left out with a warning.
pub(super) async fn listed_tools(
    peer: &Peer<RoleClient>,
) -> Result<Vec<rmcp::model::Tool>, ServiceError> {
    let mut tools = Vec::new();
    let mut names = HashSet::new();
    let mut bytes = 0;
    let mut cursor = None;
    for _ in 0..MAX_PAGES {
        let params = PaginatedRequestParams::default().with_cursor(cursor);
        let page = peer.list_tools(Some(params)).await?;
        for tool in page.tools {
            if let Some(violation) = Provider::Mcp.check(&declaration(&tool)).first() {
                tracing::warn!(%violation, "a tool of an MCP server is left out");
                continue;
            }
            if !names.insert(tool.name.clone()) {
                let name = &tool.name;
                tracing::warn!(%name, "an MCP server lists two tools of this name; the second is left out");
                continue;
            }
            bytes += serde_json::to_vec(&tool).map_or(0, |json| json.len());
            if bytes > MAX_LISTING_BYTES {
                return Err(listing_refused(format!(
                    "the server's tools take more than {MAX_LISTING_BYTES} bytes to declare"
                )));
            }
            tools.push(tool);
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(tools);
        }
    }
    Err(listing_refused(format!(
        "the server lists its tools on more than {MAX_PAGES} pages"
    )))
}

/// The error of a listing given up on `why`.
fn listing_refused(why: String) -> ServiceError {
    ServiceError::McpError(ErrorData::internal_error(
        format!("{why}; its tools are not used"),
        None,
    ))
}

/// What a model or a client is told about the remote tool `tool`.
fn declaration(tool: &rmcp::model::Tool) -> ToolSpec {
    let hints = tool.annotations.clone().unwrap_or_default();
    // MCP's default: a tool that is not read-only may be destructive unless it says it is not,
    // so that a person is asked about it (`Approval::ask_destructive`).
    let read_only = hints.read_only_hint == Some(true);
    let annotations = Annotations {
        title: tool.title.clone().or(hints.title),
        read_only: hints.read_only_hint,
        destructive: hints.destructive_hint.or((!read_only).then_some(true)),
        idempotent: hints.idempotent_hint,
        open_world: hints.open_world_hint,
    };
    ToolSpec::new(
        tool.name.clone(),
        tool.description.clone().unwrap_or_default(),
        Value::Object(JsonObject::clone(&tool.input_schema)),
    )
    .with_output_schema(
        tool.output_schema
            .as_deref()
            .map(|schema| Value::Object(schema.clone())),
    )
    .with_annotations(annotations)
}

/// An rmcp client handler that passes the progress reports an MCP server sends during a call
/// of one of its [`RemoteTool`]s on to that call's caller, as
/// [`CallContext::progress`](crate::CallContext::progress) reports: to the
/// [`OnProgress`](crate::OnProgress) of an in-process call, or, when the toolbox is itself
/// served over MCP, to its client as `notifications/progress`. Serve the client with it, and
/// list the tools with [`ProgressRelay::remote_tools`]. ([`RemoteServers`](super::RemoteServers)
/// serves each of its clients with one.)
///
/// Reports that come after the call's answer are dropped, and, as with every report
/// ([`CallContext::progress`](crate::CallContext::progress)), those that do not go further
/// than the last one passed on (rmcp may hand two close reports over in either order). What
/// is passed on is bounded whatever the server sends: a `total` that is not a finite number
/// is left out, and a message is cut to its first 1,000 characters.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use tool_runtime::mcp::rmcp::ServiceExt;
/// use tool_runtime::mcp::{McpServer, ProgressRelay};
/// use tool_runtime::{tool, CallContext, OnProgress, Progress, ToolCall, Toolbox};
///
/// /// Counts to `n`.
/// #[tool]
/// async fn count(n: u32, cx: &CallContext) -> u32 {
///     for step in 1..=n {
///         cx.progress(step.into(), Some(n.into()), "counting");
///         tokio::time::sleep(std::time::Duration::from_millis(10)).await;
///     }
///     n
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // A server elsewhere; here, one of ours at the end of a pipe.
///     let (server_end, client_end) = tokio::io::duplex(64 * 1024);
///     let remote = Toolbox::builder().tool(count::tool()).build()?;
///     tokio::spawn(async move {
///         let server = McpServer::new(remote).serve(server_end).await?;
///         server.waiting().await?;
///         Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
///     });
///     let client = ProgressRelay::default().serve(client_end).await?;
///
///     let toolbox = Toolbox::builder().tools(ProgressRelay::remote_tools(&client).await?).build()?;
///     let seen = Arc::new(Mutex::new(Vec::new()));
///     let listener = OnProgress::new({
///         let seen = seen.clone();
///         move |progress: Progress| seen.lock().unwrap().push(progress.done)
///     });
///     let call = ToolCall::new("1", "count", r#"{"n": 3}"#).with_progress(listener);
///     assert_eq!(toolbox.call_all([call]).await[0].output.text(), "3");
///     assert_eq!(*seen.lock().unwrap(), [1.0, 2.0, 3.0]);
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProgressRelay {
    /// The contexts of the calls in flight through this client, by the progress token rmcp gave
    /// their request.
    calls: Arc<Mutex<HashMap<ProgressToken, CallContext>>>,
}

/// The longest progress message a [`ProgressRelay`] passes on, in characters: a server's longer
/// ones are cut.
const MAX_PROGRESS_MESSAGE_CHARS: usize = 1_000;

/// Stops passing a call's reports on when dropped: when its answer came, or its caller stopped
/// waiting.
struct Listening<'a> {
    relay: &'a ProgressRelay,
    token: ProgressToken,
}

impl ProgressRelay {
    /// The tools of the MCP server behind `client`, a client served with a relay, as
    /// [`remote_tools`] gives them, but passing their progress reports on to their callers
    /// through the relay.
    pub async fn remote_tools(
        client: &RunningService<RoleClient, ProgressRelay>,
    ) -> Result<Vec<ToolRef>, ServiceError> {
        list(client.peer(), Some(client.service())).await
    }

    /// Passes the reports for `token` to `context` until the guard is dropped.
    fn listen(&self, token: ProgressToken, context: &CallContext) -> Listening<'_> {
        self.lock().insert(token.clone(), context.clone());
        Listening { relay: self, token }
    }

    /// Passes `report` on to the call of its token, if that call is in flight.
    fn pass_on(&self, report: ProgressNotificationParam) {
        let Some(context) = self.lock().get(&report.progress_token).cloned() else {
            return;
        };
        let total = report.total.filter(|total| total.is_finite());
        let message = report.message.as_deref().unwrap_or("");
        let message = match message.char_indices().nth(MAX_PROGRESS_MESSAGE_CHARS) {
            Some((end, _)) => &message[..end],
            None => message,
        };
        // The caller's code runs outside the lock.
        context.progress(report.progress, total, message);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ProgressToken, CallContext>> {
        self.calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        let context = self.relay.lock().remove(&self.token);
        // The context (and the caller's listener in it) is dropped outside the lock.
        drop(context);
    }
}

impl ClientHandler for ProgressRelay {
    async fn on_progress(
        &self,
        report: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.pass_on(report);
    }
}

/// A tool of an MCP server as a [`Tool`]: its spec is the server's description of it (name,
/// title, description, schemas, hints; no timeout of its own, so the toolbox's applies), and
/// a call sends `tools/call` through the client. Hints the server leaves out take MCP's
/// defaults where they matter: a tool not declared read-only is `destructive` unless it says
/// otherwise, so that [`Approval::ask_destructive`](crate::Approval::ask_destructive) asks
/// about it.
///
/// A result with `isError: true` is the tool's failure ([`Failure::Tool`]), with the result's
/// text as the message; so is a JSON-RPC error, and an answer that is not a tool's result
/// (2026-07-28's `input_required`, or a task: this client asks no user and polls no task). A request that got no answer is a failure too,
/// saying which of two cases it was:
///
/// - nothing reached the server (the client had stopped, the connection was refused, the
///   server answered 503 or 429, 401 or 403 for the credentials, or 404 for a session it no
///   longer knows): "the MCP server did not answer the call (…)";
/// - the request was sent and the answer never came (the connection broke, the response
///   stream ended early, a balancer answered 502 or 504): the call may have run, and the
///   model reads "unknown outcome: the server stopped answering after the call was sent, so it
///   may or may not have run. Check whether it did before calling again."
///
/// When the toolbox stops a call (its timeout, a cancelled batch), the request is dropped, and
/// the server is told with `notifications/cancelled`. The server's progress reports for a call
/// reach the caller when the client was served with a [`ProgressRelay`] (and always through
/// [`RemoteServers`](super::RemoteServers)).
#[derive(Debug)]
pub struct RemoteTool {
    route: Route,
    tool: rmcp::model::Tool,
}

/// Where a remote tool's calls go.
#[derive(Debug)]
enum Route {
    /// One server, through its client, with the relay the client was served with, if any.
    Peer {
        peer: Peer<RoleClient>,
        relay: Option<ProgressRelay>,
    },
    /// Any of several servers serving the same tools.
    #[cfg(feature = "mcp-client")]
    Servers(Arc<Servers>),
}

impl RemoteTool {
    /// The tool `tool`, as the server's `tools/list` described it, called through `peer`.
    ///
    /// ```
    /// use tool_runtime::mcp::rmcp::model::{JsonObject, Tool as McpTool};
    /// use tool_runtime::mcp::rmcp::{Peer, RoleClient};
    /// use tool_runtime::mcp::RemoteTool;
    /// use tool_runtime::Tool;
    ///
    /// fn weather_tool(peer: Peer<RoleClient>) -> RemoteTool {
    ///     let schema: JsonObject = serde_json::from_value(serde_json::json!({
    ///         "type": "object",
    ///         "properties": {"city": {"type": "string"}}
    ///     }))
    ///     .unwrap();
    ///     let tool = RemoteTool::new(peer, McpTool::new("weather", "Today's weather.", schema));
    ///     assert_eq!(tool.spec().description, "Today's weather.");
    ///     tool
    /// }
    /// # let _ = weather_tool;
    /// ```
    pub fn new(peer: Peer<RoleClient>, tool: rmcp::model::Tool) -> Self {
        RemoteTool {
            route: Route::Peer { peer, relay: None },
            tool,
        }
    }

    /// The tool `tool`, called on any of `servers`.
    #[cfg(feature = "mcp-client")]
    pub(crate) fn on_servers(servers: Arc<Servers>, tool: rmcp::model::Tool) -> Self {
        RemoteTool {
            route: Route::Servers(servers),
            tool,
        }
    }

    /// Whether a call that may have run can be sent again: the server declared the tool
    /// idempotent or read-only.
    #[cfg_attr(not(feature = "mcp-client"), allow(dead_code))]
    fn may_repeat(&self) -> bool {
        self.tool.annotations.as_ref().is_some_and(|hints| {
            hints.idempotent_hint == Some(true) || hints.read_only_hint == Some(true)
        })
    }
}

impl Tool for RemoteTool {
    fn spec(&self) -> ToolSpec {
        declaration(&self.tool)
    }

    fn call<'a>(
        &'a self,
        arguments: ArgumentsRef<'a>,
        context: CallContext,
        _state: &'a State,
    ) -> BoxFuture<'a, Result<ToolValue, Failure>> {
        Box::pin(async move {
            let arguments: JsonObject = arguments.decode()?;
            let request =
                CallToolRequestParams::new(self.tool.name.clone()).with_arguments(arguments);
            let answer = match &self.route {
                Route::Peer { peer, relay } => send(peer, relay.as_ref(), request, &context)
                    .await
                    .map_err(Lost::failure)?,
                #[cfg(feature = "mcp-client")]
                Route::Servers(servers) => {
                    servers.call(request, self.may_repeat(), &context).await?
                }
            };
            match answer {
                Ok(result) => value(&self.tool.name, result),
                Err(error) => Err(Failure::Tool(error.message.into_owned())),
            }
        })
    }
}

/// What the model reads when the server answered a call with another kind of result (such as
/// 2026-07-28's `input_required`, or a task), which this client does not act on.
const NOT_A_TOOL_RESULT: &str = "the MCP server answered with something other than the tool's \
     result (such as a request for more input, or a task to poll), which this client cannot use. Do \
     without this tool.";

/// What the model reads when a call was sent and its answer never came.
pub(crate) const UNKNOWN_OUTCOME: &str = "unknown outcome: the server stopped answering after \
     the call was sent, so it may or may not have run. Check whether it did before calling again.";

/// Why a request got no answer from a server.
#[derive(Debug)]
pub(crate) enum Lost {
    /// Nothing reached the server: the request may be sent again, anywhere.
    NotSent(String),
    /// The request was sent and its answer never came: the call may have run.
    MayHaveRun(String),
}

impl Lost {
    /// The failure the model reads when the request is not sent again.
    pub(crate) fn failure(self) -> Failure {
        match self {
            Lost::NotSent(why) => {
                Failure::Tool(format!("the MCP server did not answer the call ({why})"))
            }
            Lost::MayHaveRun(why) => {
                tracing::warn!(%why, "an MCP call was sent and got no answer: its outcome is unknown");
                Failure::Tool(UNKNOWN_OUTCOME.to_owned())
            }
        }
    }
}

/// Sends `tools/call` through `peer`: the server's answer (its result, or its JSON-RPC error),
/// or why there was none. The server's progress reports for the call go to `context` when the
/// client was served with `relay`; if the call is dropped before its answer, the server is
/// sent `notifications/cancelled`.
pub(crate) async fn send(
    peer: &Peer<RoleClient>,
    relay: Option<&ProgressRelay>,
    request: CallToolRequestParams,
    context: &CallContext,
) -> Result<Result<CallToolResult, ErrorData>, Lost> {
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(request));
    // A client that has stopped takes no request, so nothing was sent; once the request is
    // handed to a live one, a closed transport may have come after the server got it.
    let handle = peer
        .send_request_with_option(request, PeerRequestOptions::no_options())
        .await
        .map_err(|error| Lost::NotSent(error.to_string()))?;
    let _listening = relay.map(|relay| relay.listen(handle.progress_token.clone(), context));
    let mut abandoned = Abandoned {
        peer,
        id: Some(handle.id.clone()),
    };
    let answer = handle.await_response().await;
    abandoned.id = None;
    match answer {
        Ok(ServerResult::CallToolResult(result)) => Ok(Ok(result)),
        // A result without `content` reads as an empty one, as rmcp's own `call_tool` has it.
        Ok(ServerResult::EmptyResult(_)) => Ok(Ok(CallToolResult::success(Vec::new()))),
        // An answer, though one this client cannot use: not a reason to send the call again.
        Ok(_) => Ok(Err(ErrorData::internal_error(NOT_A_TOOL_RESULT, None))),
        Err(ServiceError::McpError(error)) => Ok(Err(error)),
        Err(ServiceError::TransportSend(error)) if nothing_sent(&error) => {
            Err(Lost::NotSent(error.error.to_string()))
        }
        Err(error) => Err(Lost::MayHaveRun(error.to_string())),
    }
}

/// A request whose caller may stop waiting: dropped before its answer came (`id` still set),
/// it tells the server with `notifications/cancelled`, as rmcp's own `call_tool` does.
struct Abandoned<'a> {
    peer: &'a Peer<RoleClient>,
    id: Option<RequestId>,
}

impl Drop for Abandoned<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else {
            return;
        };
        let (Ok(runtime), peer) = (tokio::runtime::Handle::try_current(), self.peer.clone()) else {
            return;
        };
        let reason = "the caller stopped waiting for the call".to_owned();
        let notice =
            CancelledNotification::new(CancelledNotificationParam::new(Some(id), Some(reason)));
        runtime.spawn(async move { peer.send_notification(notice.into()).await });
    }
}

/// Whether an HTTP request failed before the server could run it: the connection was refused
/// (or could not be made), the server or a balancer said it was unavailable (503) or too busy
/// (429), it refused the credentials (401, 403), or the server no longer knew the session (404)
/// and a new one failed too.
#[cfg(feature = "mcp-client")]
fn nothing_sent(error: &DynamicTransportError) -> bool {
    use rmcp::transport::streamable_http_client::StreamableHttpError;
    match error
        .error
        .downcast_ref::<StreamableHttpError<reqwest::Error>>()
    {
        Some(StreamableHttpError::Client(error)) => error.is_connect(),
        Some(StreamableHttpError::HttpStatus(status)) => {
            matches!(status.status, 401 | 403 | 429 | 503)
        }
        Some(
            StreamableHttpError::SessionExpired
            | StreamableHttpError::AuthRequired(_)
            | StreamableHttpError::InsufficientScope(_),
        ) => true,
        _ => false,
    }
}

/// Without the HTTP client, a transport that failed to send may have sent part of the request.
#[cfg(not(feature = "mcp-client"))]
fn nothing_sent(_error: &DynamicTransportError) -> bool {
    false
}

/// The value of a `CallToolResult`: its text blocks, one per line (other blocks as their JSON),
/// or the structured content's JSON when there is no block. An error's text that already says
/// `{name} failed: ` (as a tool-runtime server writes it) loses that prefix, which the local
/// toolbox adds again.
fn value(name: &str, result: CallToolResult) -> Result<ToolValue, Failure> {
    let mut text = result
        .content
        .iter()
        .map(|block| match block {
            ContentBlock::Text(text) => text.text.clone(),
            other => serde_json::to_string(other).unwrap_or_default(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    if let (true, Some(structured)) = (text.is_empty(), &result.structured_content) {
        text = structured.to_string();
    }
    if result.is_error == Some(true) {
        let prefix = format!("{name} failed: ");
        let message = text
            .strip_prefix(&prefix)
            .map(str::to_owned)
            .unwrap_or(text);
        return Err(Failure::Tool(message));
    }
    Ok(ToolValue {
        text,
        structured: result.structured_content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OnProgress, Progress};

    /// A context whose progress reports are kept in the vector returned beside it.
    fn listened() -> (CallContext, Arc<Mutex<Vec<Progress>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let listener = OnProgress::new({
            let seen = seen.clone();
            move |report| seen.lock().unwrap().push(report)
        });
        (CallContext::new().with_progress(listener), seen)
    }

    fn report(token: u32, progress: f64) -> ProgressNotificationParam {
        let token = ProgressToken(rmcp::model::NumberOrString::Number(token.into()));
        ProgressNotificationParam::new(token, progress).with_message("working")
    }

    fn dones(seen: &Mutex<Vec<Progress>>) -> Vec<f64> {
        seen.lock().unwrap().iter().map(|p| p.done).collect()
    }

    #[test]
    fn reports_go_to_their_own_call_and_only_forward() {
        let relay = ProgressRelay::default();
        let (first, seen_first) = listened();
        let (second, seen_second) = listened();
        let _first = relay.listen(report(1, 0.0).progress_token, &first);
        let _second = relay.listen(report(2, 0.0).progress_token, &second);
        for (token, progress) in [
            (1, 1.0),
            (2, 5.0),
            (1, 3.0),
            (1, 2.0),
            (1, f64::NAN),
            (1, 3.0),
        ] {
            relay.pass_on(report(token, progress));
        }
        relay.pass_on(report(7, 1.0));
        assert_eq!(dones(&seen_first), [1.0, 3.0]);
        assert_eq!(dones(&seen_second), [5.0]);
        let first = &seen_first.lock().unwrap()[0];
        assert_eq!(
            (first.total, first.message.as_deref()),
            (None, Some("working"))
        );
    }

    #[test]
    fn what_is_passed_on_is_bounded() {
        let relay = ProgressRelay::default();
        let (context, seen) = listened();
        let _listening = relay.listen(report(1, 0.0).progress_token, &context);
        // The docs say 1,000 characters.
        let long = "é".repeat(1_500);
        let mut flood = report(1, 1.0).with_message(long).with_total(f64::INFINITY);
        relay.pass_on(flood.clone());
        flood.progress = 2.0;
        flood.total = Some(f64::NAN);
        relay.pass_on(flood);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        for report in seen.iter() {
            assert_eq!(report.total, None);
            let message = report.message.as_deref().unwrap();
            assert_eq!(message, "é".repeat(1_000));
        }
    }

    #[test]
    fn a_call_that_ended_is_forgotten() {
        let relay = ProgressRelay::default();
        let (context, seen) = listened();
        let listening = relay.listen(report(1, 0.0).progress_token, &context);
        relay.pass_on(report(1, 1.0));
        drop(listening);
        relay.pass_on(report(1, 2.0));
        assert_eq!(dones(&seen), [1.0]);
        assert!(relay.lock().is_empty());
    }

    #[test]
    fn text_blocks_are_lines_and_other_blocks_their_json() {
        let result = CallToolResult::success(vec![
            ContentBlock::text("a chart:"),
            ContentBlock::image("iVBORw0KGgo=", "image/png"),
        ]);
        assert_eq!(
            value("chart", result).unwrap().text,
            "a chart:\n{\"type\":\"image\",\"data\":\"iVBORw0KGgo=\",\"mimeType\":\"image/png\"}"
        );
    }

    #[test]
    fn structured_content_alone_is_its_json() {
        let mut result = CallToolResult::success(Vec::new());
        result.structured_content = Some(serde_json::json!({"temp": 15}));
        let value = value("weather", result).unwrap();
        assert_eq!(value.text, r#"{"temp":15}"#);
        assert_eq!(value.structured, Some(serde_json::json!({"temp": 15})));
    }

    #[test]
    fn an_error_result_is_the_tools_failure() {
        let result = CallToolResult::error(vec![ContentBlock::text("no such city")]);
        assert_eq!(
            value("city", result),
            Err(Failure::Tool("no such city".to_owned()))
        );
    }

    #[test]
    fn a_failure_already_named_by_the_server_is_not_named_twice() {
        let result = CallToolResult::error(vec![ContentBlock::text("city failed: no such city")]);
        assert_eq!(
            value("city", result),
            Err(Failure::Tool("no such city".to_owned()))
        );
        let other = CallToolResult::error(vec![ContentBlock::text("town failed: closed")]);
        assert_eq!(
            value("city", other),
            Err(Failure::Tool("town failed: closed".to_owned()))
        );
    }
}
