//! A toolbox served over MCP, driven by rmcp's own client over stdio (a pipe, in process) and
//! over streamable HTTP (on 127.0.0.1): every behaviour is checked on both transports.

mod mcp_tools;

use std::sync::Arc;

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, ClientRequest, CustomRequest, ErrorCode,
};
use rmcp::service::{PeerRequestOptions, RunningService};
use rmcp::{RoleClient, ServiceError, ServiceExt};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tool_runtime::mcp::{HttpServer, McpServer};
use tool_runtime::providers::NullStyle;
use tool_runtime::{Toolbox, tool};

use mcp_tools::{Probe, http_client, within_10s};

#[derive(Clone, Copy)]
enum Transport {
    Stdio,
    Http,
}

/// Where the server runs: a task serving one end of a pipe, or an HTTP server.
enum Server {
    Stdio(JoinHandle<()>),
    Http(HttpServer),
}

/// A client connected to a server of the test tools.
struct Session {
    client: RunningService<RoleClient, ()>,
    server: Server,
    probe: Arc<Probe>,
}

/// `server` on one end of a pipe, on a task of its own, and a client on the other end.
async fn serve_on_a_pipe(server: McpServer) -> (RunningService<RoleClient, ()>, JoinHandle<()>) {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let task = tokio::spawn(async move {
        let running = server.serve(server_end).await.expect("handshake");
        running.waiting().await.expect("the server ran to its end");
    });
    let client = ().serve(client_end).await.expect("handshake");
    (client, task)
}

async fn connect(transport: Transport) -> Session {
    let probe = Arc::new(Probe::default());
    let server = McpServer::new(mcp_tools::toolbox(&probe))
        .with_implementation("tests", "1.2.3")
        .with_instructions("Add numbers with add.");
    let (client, server) = match transport {
        Transport::Stdio => {
            let (client, task) = serve_on_a_pipe(server).await;
            (client, Server::Stdio(task))
        }
        Transport::Http => {
            let http = server.serve_http("127.0.0.1:0").await.expect("bind");
            let client = http_client(http.url()).await;
            (client, Server::Http(http))
        }
    };
    Session {
        client,
        server,
        probe,
    }
}

impl Session {
    async fn call(
        &self,
        name: &'static str,
        arguments: Value,
    ) -> Result<CallToolResult, ServiceError> {
        let Value::Object(arguments) = arguments else {
            panic!("arguments are an object");
        };
        self.client
            .call_tool(CallToolRequestParams::new(name).with_arguments(arguments))
            .await
    }

    /// The result of a call that must succeed at the protocol level, as JSON.
    async fn result(&self, name: &'static str, arguments: Value) -> Value {
        let result = self.call(name, arguments).await.expect("a result");
        serde_json::to_value(result).unwrap()
    }

    /// Disconnects the client and stops the server, checking both end cleanly.
    async fn close(self) {
        self.client.cancel().await.expect("the client stops");
        match self.server {
            Server::Stdio(task) => within_10s("the server's end", task).await.unwrap(),
            Server::Http(http) => within_10s("the HTTP server's shutdown", http.shutdown()).await,
        }
    }
}

fn text_result(text: &str, is_error: bool) -> Value {
    json!({"content": [{"type": "text", "text": text}], "isError": is_error})
}

async fn introduces_itself(transport: Transport) {
    let session = connect(transport).await;
    let info = session.client.peer_info().expect("the server's info");
    let server = info.server_info.as_ref().expect("an implementation");
    assert_eq!(
        (server.name.as_str(), server.version.as_str()),
        ("tests", "1.2.3")
    );
    assert_eq!(info.instructions.as_deref(), Some("Add numbers with add."));
    assert!(info.capabilities.tools.is_some());
    session.close().await;
}

async fn lists_the_tools(transport: Transport) {
    let session = connect(transport).await;
    let tools = session.client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        ["add", "city", "explode", "meet", "stall", "wait_for_cancel"]
    );
    assert_eq!(
        serde_json::to_value(&tools[0]).unwrap(),
        json!({
            "name": "add",
            "description": "Adds two numbers.",
            "inputSchema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "a": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                    "b": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}
                },
                "required": ["a", "b"]
            },
            "outputSchema": {
                "type": "object",
                "properties": {"result": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}},
                "required": ["result"]
            },
            "annotations": {"readOnlyHint": true, "idempotentHint": true}
        })
    );
    assert_eq!(
        serde_json::to_value(&tools[1]).unwrap(),
        json!({
            "name": "city",
            "description": "Looks a city up.",
            "inputSchema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {"name": {"type": "string", "description": "the city's name"}},
                "required": ["name"]
            },
            "outputSchema": {
                "description": "A city and its population.",
                "type": "object",
                "properties": {
                    "name": {"description": "The city's name.", "type": "string"},
                    "population": {
                        "description": "How many people live there.",
                        "type": "integer",
                        "minimum": 0,
                        "maximum": u64::MAX
                    }
                },
                "required": ["name", "population"]
            }
        })
    );
    session.close().await;
}

async fn calls_a_tool(transport: Transport) {
    let session = connect(transport).await;
    assert_eq!(
        session.result("add", json!({"a": 2, "b": 3})).await,
        json!({
            "content": [{"type": "text", "text": "5"}],
            "structuredContent": {"result": 5},
            "isError": false
        })
    );
    assert_eq!(
        session.result("city", json!({"name": "Paris"})).await,
        json!({
            "content": [{"type": "text", "text": r#"{"name":"Paris","population":2100000}"#}],
            "structuredContent": {"name": "Paris", "population": 2_100_000},
            "isError": false
        })
    );
    session.close().await;
}

async fn answers_a_failing_tool_with_its_error(transport: Transport) {
    let session = connect(transport).await;
    assert_eq!(
        session.result("city", json!({"name": "Atlantis"})).await,
        text_result(r#"city failed: no city named "Atlantis""#, true)
    );
    session.close().await;
}

async fn answers_bad_arguments_with_what_is_wrong(transport: Transport) {
    let session = connect(transport).await;
    assert_eq!(
        session.result("add", json!({"a": "two", "b": 3})).await,
        text_result(
            "invalid arguments for add: at `a`: invalid type: string \"two\", expected i64. \
             Fix the arguments and call add again.",
            true
        )
    );
    assert_eq!(
        session.result("add", json!({"a": 2})).await,
        text_result(
            "invalid arguments for add: missing field `b`. Fix the arguments and call add again.",
            true
        )
    );
    session.close().await;
}

async fn answers_a_timeout(transport: Transport) {
    let session = connect(transport).await;
    assert_eq!(
        session.result("stall", json!({})).await,
        text_result(
            "stall timed out after 50ms. Try again with a smaller request, or do without it.",
            true
        )
    );
    session.close().await;
}

async fn answers_a_panic_and_goes_on(transport: Transport) {
    let session = connect(transport).await;
    assert_eq!(
        session.result("explode", json!({})).await,
        text_result(
            "explode panicked: boom. This is a bug in the tool; try another approach.",
            true
        )
    );
    assert_eq!(
        session.result("add", json!({"a": 1, "b": 1})).await["content"][0]["text"],
        "2"
    );
    session.close().await;
}

async fn refuses_an_unknown_tool_with_invalid_params(transport: Transport) {
    let session = connect(transport).await;
    let Err(ServiceError::McpError(error)) = session.call("ad", json!({})).await else {
        panic!("an unknown tool is a JSON-RPC error");
    };
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert_eq!(error.code.0, -32602);
    assert_eq!(
        error.message,
        "unknown tool \"ad\". Did you mean \"add\"? Available tools: add, city, explode, meet, \
         stall, wait_for_cancel."
    );
    assert_eq!(error.data, None);
    session.close().await;
}

/// Requests rmcp cannot read as MCP's: a `tools/call` without a tool's name, and a method MCP
/// does not have. Each is answered with what is wrong, and the session goes on.
async fn answers_a_malformed_request_with_what_is_wrong(transport: Transport) {
    let session = connect(transport).await;
    let send = |method: &str, params: Value| {
        let Value::Object(params) = params else {
            panic!("params are an object");
        };
        let request = CustomRequest::new(method, Some(Value::Object(params)));
        session
            .client
            .send_request(ClientRequest::CustomRequest(request))
    };
    let refused = async |method: &str, params: Value| match send(method, params).await {
        Err(ServiceError::McpError(error)) => error,
        other => panic!("a malformed {method} is a JSON-RPC error, not {other:?}"),
    };
    let error = refused("tools/call", json!({"arguments": {}})).await;
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert_eq!(
        error.message,
        "the params of tools/call are not valid (missing field `name`); send {\"name\": a tool's \
         name, \"arguments\": an object}"
    );
    // A second initialize reaches the server's handler, which rmcp could not read either.
    let error = refused("initialize", json!({"capabilities": {}})).await;
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert_eq!(
        error.message,
        "the params of initialize are not valid (missing field `protocolVersion`); send \
         protocolVersion, capabilities and clientInfo"
    );
    let error = refused("tools/frob", json!({})).await;
    assert_eq!(error.code, ErrorCode::METHOD_NOT_FOUND);
    assert_eq!(
        error.message,
        "this server has no method `tools/frob`; it answers tools/list and tools/call"
    );
    assert_eq!(
        session.result("add", json!({"a": 2, "b": 3})).await["content"][0]["text"],
        "5"
    );
    session.close().await;
}

async fn runs_calls_concurrently(transport: Transport) {
    let session = connect(transport).await;
    // Each `meet` waits for the other: run one after the other, they would never finish.
    let (ada, bob) = within_10s("both meetings", async {
        tokio::join!(
            session.result("meet", json!({"who": "Ada"})),
            session.result("meet", json!({"who": "Bob"})),
        )
    })
    .await;
    assert_eq!(
        ada,
        json!({"content": [{"type": "text", "text": "Ada met"}], "isError": false})
    );
    assert_eq!(
        bob,
        json!({"content": [{"type": "text", "text": "Bob met"}], "isError": false})
    );
    session.close().await;
}

async fn cancelling_a_call_drops_the_tool(transport: Transport) {
    let session = connect(transport).await;
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(CallToolRequestParams::new(
        "wait_for_cancel",
    )));
    let handle = session
        .client
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .unwrap();
    within_10s("the tool's start", session.probe.started.notified()).await;
    handle
        .cancel(Some("the user gave up".to_owned()))
        .await
        .unwrap();
    within_10s("the tool's drop", session.probe.dropped.notified()).await;
    // The server goes on serving.
    assert_eq!(
        session.result("add", json!({"a": 20, "b": 22})).await["content"][0]["text"],
        "42"
    );
    session.close().await;
}

/// Greets someone, or everyone.
#[tool]
async fn greet(name: Option<String>) -> String {
    format!("Hello, {}!", name.as_deref().unwrap_or("everyone"))
}

#[tokio::test]
async fn lists_nullable_parameters_in_the_chosen_style() {
    let toolbox = Toolbox::builder().tool(greet::tool()).build().unwrap();
    let server = McpServer::new(toolbox).with_null_style(NullStyle::AnyOf);
    let (client, _server) = serve_on_a_pipe(server).await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(
        tools[0].schema_as_json_value(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"name": {"anyOf": [{"type": "string"}, {"type": "null"}]}}
        })
    );
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_the_http_server_down_cancels_the_calls_in_flight() {
    let probe = Arc::new(Probe::default());
    let http = McpServer::new(mcp_tools::toolbox(&probe))
        .serve_http("127.0.0.1:0")
        .await
        .unwrap();
    let addr = http.local_addr();
    let client = http_client(http.url()).await;
    let peer = client.peer().clone();
    let call = tokio::spawn(async move {
        peer.call_tool(CallToolRequestParams::new("wait_for_cancel"))
            .await
    });
    within_10s("the tool's start", probe.started.notified()).await;
    within_10s("the shutdown", http.shutdown()).await;
    within_10s("the tool's drop", probe.dropped.notified()).await;
    let refused = tokio::net::TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // The call got no answer from the server; it ends when the client stops.
    client.cancel().await.unwrap();
    let answer = within_10s("the call's end", call).await.unwrap();
    assert!(matches!(answer, Err(ServiceError::TransportClosed)));
}

/// Each scenario above, once per transport.
macro_rules! on_both_transports {
    ($($scenario:ident),* $(,)?) => {
        mod stdio {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(super::Transport::Stdio).await;
                }
            )*
        }
        mod http {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(super::Transport::Http).await;
                }
            )*
        }
    };
}

on_both_transports!(
    introduces_itself,
    lists_the_tools,
    calls_a_tool,
    answers_a_failing_tool_with_its_error,
    answers_bad_arguments_with_what_is_wrong,
    answers_a_timeout,
    answers_a_panic_and_goes_on,
    refuses_an_unknown_tool_with_invalid_params,
    answers_a_malformed_request_with_what_is_wrong,
    runs_calls_concurrently,
    cancelling_a_call_drops_the_tool,
);
