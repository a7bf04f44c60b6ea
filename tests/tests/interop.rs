//! A toolbox in the Rust agent ecosystem: wrapped by a tower layer, its data through serde,
//! its calls recorded by a `metrics` recorder, its declarations, calls and results in
//! async-openai's types, and its tools merged into a server written with rmcp's macros.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use serde_json::json;
use tokio::sync::Barrier;
use tool_runtime::{CallResult, ToolCall, ToolSpec, Toolbox, tool};

/// How many calls of `busy` are running, and the most that ever ran at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// Stays busy a while, counting the calls that overlap it.
#[tool]
async fn busy(ms: u64, #[state] gauge: &Gauge, #[state] barrier: &Arc<Barrier>) -> String {
    let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
    gauge.most.fetch_max(now, Ordering::SeqCst);
    if ms == 0 {
        // Without a limit, the three calls meet here: they did run at once.
        barrier.wait().await;
    } else {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    gauge.now.fetch_sub(1, Ordering::SeqCst);
    format!("busy {ms} ms")
}

/// Halves an even number.
#[tool(timeout = "50ms")]
async fn half(n: i64) -> Result<i64, String> {
    if n < 0 {
        std::future::pending::<()>().await;
    }
    if n % 2 == 0 {
        Ok(n / 2)
    } else {
        Err(format!("{n} is odd"))
    }
}

fn busy_toolbox() -> (Toolbox, Arc<Gauge>) {
    let gauge = Arc::new(Gauge::default());
    let toolbox = Toolbox::builder()
        .tool(busy::tool())
        .state_arc(gauge.clone())
        .state(Arc::new(Barrier::new(3)))
        .build()
        .unwrap();
    (toolbox, gauge)
}

mod tower_layers {
    use tower::limit::ConcurrencyLimitLayer;
    use tower::{Layer, ServiceExt};

    use super::*;

    #[tokio::test]
    async fn a_toolbox_is_a_service_and_a_layer_limits_it() {
        // Alone, the service runs the three calls at once: they meet at the barrier.
        let (toolbox, gauge) = busy_toolbox();
        let results = tokio::join!(
            toolbox
                .clone()
                .oneshot(ToolCall::new("a", "busy", json!({"ms": 0}))),
            toolbox
                .clone()
                .oneshot(ToolCall::new("b", "busy", json!({"ms": 0}))),
            toolbox
                .clone()
                .oneshot(ToolCall::new("c", "busy", json!({"ms": 0}))),
        );
        assert_eq!(results.0.unwrap().output.text(), "busy 0 ms");
        assert_eq!(results.2.unwrap().id, "c");
        assert_eq!(gauge.most.load(Ordering::SeqCst), 3);

        // Behind tower's concurrency limit of one, they run one after the other.
        let (toolbox, gauge) = busy_toolbox();
        let limited = ConcurrencyLimitLayer::new(1).layer(toolbox);
        let results = tokio::join!(
            limited
                .clone()
                .oneshot(ToolCall::new("a", "busy", json!({"ms": 20}))),
            limited
                .clone()
                .oneshot(ToolCall::new("b", "busy", json!({"ms": 20}))),
            limited
                .clone()
                .oneshot(ToolCall::new("c", "busy", json!({"ms": 20}))),
        );
        assert_eq!(results.1.unwrap().output.text(), "busy 20 ms");
        assert_eq!(gauge.most.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failures_are_results_not_service_errors() {
        let toolbox = Toolbox::builder().tool(half::tool()).build().unwrap();
        let result = toolbox
            .oneshot(ToolCall::new("call_1", "half", r#"{"n": 3}"#))
            .await
            .unwrap();
        assert!(result.output.is_error());
        assert_eq!(result.output.text(), "half failed: 3 is odd");
    }
}

mod serde_data {
    use tool_runtime::{Annotations, ToolOutput};

    use super::*;

    /// `value` through JSON text and back.
    fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
        serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn specs_calls_results_and_outputs_round_trip() {
        let toolbox = Toolbox::builder().tool(half::tool()).build().unwrap();
        let spec = toolbox.spec("half").unwrap();
        assert_eq!(&round_trip(spec), spec);
        let hinted = ToolSpec::new("ping", "Answers.", json!({"type": "object"}))
            .with_annotations(Annotations {
                read_only: Some(true),
                ..Annotations::default()
            })
            .with_output_schema(Some(json!({"type": "string"})));
        assert_eq!(round_trip(&hinted), hinted);

        let mut call = ToolCall::new("call_1", "half", r#"{"n": 4}"#);
        call.extras.insert("thoughtSignature".into(), json!("abc"));
        assert_eq!(round_trip(&call), call);
        let value_call = ToolCall::new("call_2", "half", json!({"n": 3}));
        assert_eq!(round_trip(&value_call), value_call);

        // A success with its structured value, a failure with its typed error, a timeout.
        let calls = [
            call,
            value_call,
            ToolCall::new("call_3", "half", r#"{"n": -1}"#),
        ];
        let results = toolbox.call_all(calls).await;
        assert_eq!(results[0].output.structured(), Some(&json!(2)));
        assert!(
            results[2]
                .output
                .error()
                .unwrap()
                .to_string()
                .contains("timed out")
        );
        for result in &results {
            let back: CallResult = round_trip(result);
            assert_eq!(&back, result);
            assert_eq!(back.output.error(), result.output.error());
        }
        let output: ToolOutput = round_trip(&results[1].output);
        assert_eq!(output.text(), "half failed: 3 is odd");
    }

    #[test]
    fn a_call_is_plain_data() {
        let call = ToolCall::new("call_1", "half", json!({"n": 4}));
        assert_eq!(
            serde_json::to_value(&call).unwrap(),
            json!({"id": "call_1", "name": "half", "arguments": {"json": {"n": 4}}, "extras": {}})
        );
    }
}

mod metrics_recorder {
    use metrics_util::CompositeKey;
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    use tool_runtime::interop::metrics::{CALLS, DURATION, ERRORS, PANICS, TIMEOUTS};

    use super::*;

    type Snapshot = Vec<(
        CompositeKey,
        Option<metrics::Unit>,
        Option<metrics::SharedString>,
        DebugValue,
    )>;

    /// The value of the metric `name` of the tool `tool`.
    fn value<'a>(snapshot: &'a Snapshot, name: &str, tool: &str) -> Option<&'a DebugValue> {
        snapshot.iter().find_map(|(key, _, _, value)| {
            let key = key.key();
            let labels: Vec<_> = key.labels().map(|l| (l.key(), l.value())).collect();
            (key.name() == name && labels == [("tool", tool)]).then_some(value)
        })
    }

    #[tokio::test]
    async fn every_call_is_recorded_by_tool() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let toolbox = metrics::with_local_recorder(&recorder, || {
            Toolbox::builder().tool(half::tool()).build().unwrap()
        });
        for n in [4, 3, -1, 8] {
            toolbox.call("half", json!({"n": n})).await;
        }
        toolbox.call("halve", json!({"n": 2})).await;

        // One snapshot: taking one resets the debugging recorder's values.
        let snapshot = snapshotter.snapshot().into_vec();
        for (name, count) in [(CALLS, 4), (ERRORS, 2), (TIMEOUTS, 1), (PANICS, 0)] {
            let expected = DebugValue::Counter(count);
            assert_eq!(value(&snapshot, name, "half"), Some(&expected), "{name}");
        }
        let Some(DebugValue::Histogram(durations)) = value(&snapshot, DURATION, "half") else {
            panic!("no histogram of durations");
        };
        assert_eq!(durations.len(), 4);
        // The timeout of 50 ms is among them.
        assert!(durations.iter().any(|seconds| seconds.0 >= 0.05));
        // An unknown tool is not a tool's call.
        assert_eq!(value(&snapshot, CALLS, "halve"), None);
        assert_eq!(toolbox.stats("half").unwrap().calls, 4);
    }

    /// Fails transiently on its first start, then answers.
    #[tool(destructive, retries = 2)]
    async fn wipe(#[state] starts: &AtomicUsize) -> Result<String, tool_runtime::Transient> {
        if starts.fetch_add(1, Ordering::SeqCst) == 0 {
            let busy = std::io::Error::new(std::io::ErrorKind::TimedOut, "busy");
            return Err(tool_runtime::Transient::new(busy));
        }
        Ok("wiped".to_owned())
    }

    #[tokio::test(start_paused = true)]
    async fn retries_approvals_and_denials_are_recorded_as_the_stats_count_them() {
        use tool_runtime::interop::metrics::{APPROVALS, ATTEMPTS, DENIALS};
        use tool_runtime::{Approval, Approver, Decision};

        // The person approves the first call and declines the second.
        let answers = Arc::new(AtomicUsize::new(0));
        let person = Approver::new(move |_| {
            let first = answers.fetch_add(1, Ordering::SeqCst) == 0;
            std::future::ready(if first {
                Decision::Allow
            } else {
                Decision::deny("not today")
            })
        });
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let toolbox = metrics::with_local_recorder(&recorder, || {
            Toolbox::builder()
                .tool(wipe::tool())
                .state(AtomicUsize::new(0))
                .approval(Approval::ask_destructive().approver(person))
                .build()
                .unwrap()
        });
        assert_eq!(toolbox.call("wipe", "{}").await.text(), "wiped");
        assert!(toolbox.call("wipe", "{}").await.is_error());

        let snapshot = snapshotter.snapshot().into_vec();
        let stats = toolbox.stats("wipe").unwrap();
        assert_eq!((stats.attempts, stats.approvals, stats.denials), (2, 1, 1));
        for (name, count) in [(ATTEMPTS, 2), (APPROVALS, 1), (DENIALS, 1), (CALLS, 2)] {
            let expected = DebugValue::Counter(count);
            assert_eq!(value(&snapshot, name, "wipe"), Some(&expected), "{name}");
        }
    }
}

mod async_openai_types {
    use async_openai::types::chat::{
        ChatCompletionRequestMessage, ChatCompletionRequestToolMessageContent,
        ChatCompletionResponseMessage, ChatCompletionTools, CreateChatCompletionRequest,
    };
    use async_openai::types::responses::{InputItem, Item, Response, Tool};
    use tool_runtime::interop::async_openai::{
        chat_tool_messages, chat_tools, read_chat_calls, read_response_calls, response_outputs,
        response_tools,
    };
    use tool_runtime::providers::{Strict, openai, openai_responses};

    use super::*;

    fn toolbox() -> Toolbox {
        Toolbox::builder().tool(half::tool()).build().unwrap()
    }

    #[tokio::test]
    async fn chat_completions_declarations_calls_and_results() {
        let toolbox = toolbox();
        let tools = chat_tools(&toolbox, Strict::On).unwrap();
        // async-openai writes the same declaration as the provider module.
        assert_eq!(
            serde_json::to_value(&tools).unwrap(),
            json!(openai::tools(&toolbox, Strict::On).unwrap())
        );
        let ChatCompletionTools::Function(declared) = &tools[0] else {
            panic!("not a function");
        };
        assert_eq!(declared.function.name, "half");
        // And the request that carries them is valid to async-openai.
        let request: CreateChatCompletionRequest = serde_json::from_value(json!({
            "model": "gpt-5", "messages": [{"role": "user", "content": "half of 8?"}],
            "tools": serde_json::to_value(&tools).unwrap()
        }))
        .unwrap();
        assert_eq!(request.tools.unwrap().len(), 1);

        let message: ChatCompletionResponseMessage = serde_json::from_value(json!({
            "role": "assistant", "content": null,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "half", "arguments": "{\"n\":8}"}},
                {"id": "call_2", "type": "function", "function": {"name": "half", "arguments": "{\"n\":"}},
                {"id": "call_3", "type": "custom", "custom_tool": {"name": "grep", "input": "x"}},
                {"id": "call_1", "type": "function", "function": {"name": "half", "arguments": "{\"n\":8}"}}
            ]
        }))
        .unwrap();
        let calls = read_chat_calls(&message);
        assert_eq!(
            calls.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["call_1", "call_2", "call_3", "call_1"]
        );
        // Read as providers::openai reads the same message: a custom call and a second call of
        // one id are refused, each answered on its own.
        let json_calls = openai::read_calls(&serde_json::to_value(&message).unwrap()).unwrap();
        let refusals: Vec<bool> = calls.iter().map(|c| c.refusal.is_some()).collect();
        let json_refusals: Vec<bool> = json_calls.iter().map(|c| c.refusal.is_some()).collect();
        assert_eq!(refusals, [false, false, true, true]);
        assert_eq!(refusals, json_refusals);
        let results = toolbox.call_all(calls).await;
        let messages = chat_tool_messages(&results);
        assert_eq!(
            serde_json::to_value(&messages).unwrap(),
            json!(openai::write_results(&results))
        );
        let ChatCompletionRequestMessage::Tool(first) = &messages[0] else {
            panic!("not a tool message");
        };
        assert_eq!(
            first.content,
            ChatCompletionRequestToolMessageContent::Text("4".into())
        );
        assert!(results[1].output.is_error());
        assert_eq!(
            results[2].output.text(),
            "grep was not run: the call is of type \"custom\", and only function calls are run. \
             Call the tool again as a function call."
        );
        assert!(
            results[3]
                .output
                .text()
                .starts_with("half was not run: its id \"call_1\" is the id of an earlier call")
        );
    }

    #[tokio::test]
    async fn responses_declarations_calls_and_results() {
        let toolbox = toolbox();
        let tools = response_tools(&toolbox, Strict::Off).unwrap();
        assert_eq!(
            serde_json::to_value(&tools).unwrap(),
            json!(openai_responses::tools(&toolbox, Strict::Off).unwrap())
        );
        assert!(matches!(&tools[0], Tool::Function(f) if f.strict == Some(false)));

        let response: Response = serde_json::from_value(json!({
            "id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-5",
            "status": "completed", "tools": [], "parallel_tool_calls": true,
            "output": [
                {"type": "reasoning", "id": "rs_1", "summary": []},
                {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "half",
                 "arguments": "{\"n\":6}", "status": "completed"},
                {"type": "function_call", "id": "fc_2", "call_id": "call_1", "name": "half",
                 "arguments": "{\"n\":6}", "status": "completed"}
            ]
        }))
        .unwrap();
        let mut calls = read_response_calls(&response.output);
        let again = calls.pop().unwrap();
        assert_eq!(calls, [ToolCall::new("call_1", "half", "{\"n\":6}")]);
        assert!(
            again.refusal.is_some(),
            "a second call of one id is refused"
        );
        let results = toolbox.call_all(calls).await;
        let items = response_outputs(&results);
        assert_eq!(
            serde_json::to_value(&items).unwrap(),
            json!(openai_responses::write_results(&results))
        );
        assert!(
            matches!(&items[0], InputItem::Item(Item::FunctionCallOutput(o)) if o.call_id.as_deref() == Some("call_1"))
        );
    }
}

mod rmcp_router {
    use rmcp::handler::server::router::tool::ToolRouter;
    use rmcp::handler::server::wrapper::Parameters;
    use rmcp::model::{CallToolRequestParams, ServerCapabilities, ServerConfig};
    use rmcp::{ServerHandler, ServiceExt, tool_handler, tool_router};
    use tool_runtime::mcp::McpServer;

    use super::*;

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct EchoArgs {
        /// The word to echo.
        word: String,
    }

    /// A server written with rmcp's macros, with a tool of its own.
    #[derive(Clone)]
    struct Mixed {
        tool_router: ToolRouter<Mixed>,
    }

    #[tool_router]
    impl Mixed {
        /// Its own tools, and the toolbox's, in one line.
        fn new(toolbox: Toolbox) -> Self {
            let tool_router = Self::tool_router() + McpServer::new(toolbox).tool_router().unwrap();
            Mixed { tool_router }
        }

        /// Echoes a word.
        #[rmcp::tool]
        async fn echo(&self, Parameters(EchoArgs { word }): Parameters<EchoArgs>) -> String {
            word
        }
    }

    #[tool_handler(router = self.tool_router)]
    impl ServerHandler for Mixed {
        fn get_info(&self) -> ServerConfig {
            ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
        }
    }

    fn call(name: &'static str, arguments: serde_json::Value) -> CallToolRequestParams {
        CallToolRequestParams::new(name).with_arguments(serde_json::from_value(arguments).unwrap())
    }

    #[tokio::test]
    async fn a_tool_router_server_serves_our_tools_beside_its_own() {
        let toolbox = Toolbox::builder().tool(half::tool()).build().unwrap();
        let (server_end, client_end) = tokio::io::duplex(64 * 1024);
        let server = tokio::spawn(async move {
            let running = Mixed::new(toolbox)
                .serve(server_end)
                .await
                .expect("handshake");
            running.waiting().await.expect("the server ran to its end");
        });
        let client = ().serve(client_end).await.expect("handshake");

        let mut names: Vec<_> = client
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        names.sort();
        assert_eq!(names, ["echo", "half"]);
        let ours = client
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "half")
            .unwrap();
        assert_eq!(ours.input_schema["required"], json!(["n"]));

        let echoed = client
            .call_tool(call("echo", json!({"word": "hi"})))
            .await
            .unwrap();
        assert_eq!(echoed.content[0].as_text().unwrap().text, "hi");
        let halved = client
            .call_tool(call("half", json!({"n": 10})))
            .await
            .unwrap();
        assert_eq!(halved.structured_content, Some(json!({"result": 5})));
        let failed = client
            .call_tool(call("half", json!({"n": 7})))
            .await
            .unwrap();
        assert_eq!(failed.is_error, Some(true));
        assert_eq!(
            failed.content[0].as_text().unwrap().text,
            "half failed: 7 is odd"
        );

        client.cancel().await.unwrap();
        server.await.unwrap();
    }
}
