//! State, the call context, plain functions on the blocking pool, and batches.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use serde_json::json;
use tool_runtime::{BuildProblem, CallContext, ToolCall, Toolbox, tool};

/// A counter shared by calls.
#[derive(Default)]
pub struct Hits(AtomicUsize);

/// Settings shared as an Arc.
pub struct Settings {
    pub greeting: String,
}

/// Greets someone and counts the greetings.
#[tool]
async fn greet(name: String, #[state] hits: &Hits, #[state] settings: Arc<Settings>) -> String {
    let n = hits.0.fetch_add(1, Ordering::SeqCst) + 1;
    format!("{}, {name} (#{n})", settings.greeting)
}

#[tokio::test]
async fn state_is_injected_by_reference_and_by_arc() {
    let toolbox = Toolbox::builder()
        .tool(greet::tool())
        .state(Hits::default())
        .state_arc(Arc::new(Settings {
            greeting: "Hello".into(),
        }))
        .build()
        .unwrap();
    assert_eq!(
        toolbox.call("greet", json!({"name": "Ada"})).await.text(),
        "Hello, Ada (#1)"
    );
    assert_eq!(
        toolbox.call("greet", json!({"name": "Bo"})).await.text(),
        "Hello, Bo (#2)"
    );
}

#[test]
fn missing_state_is_refused_when_the_toolbox_is_built() {
    let error = Toolbox::builder()
        .tool(greet::tool())
        .state(Hits::default())
        .build()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [BuildProblem::MissingState {
            tool: "greet".into(),
            type_name: "runtime::Settings"
        }]
    );
    assert_eq!(
        error.to_string(),
        "the toolbox could not be built: tool greet needs state of type `runtime::Settings`; give it with ToolboxBuilder::state or state_arc"
    );
}

#[tokio::test]
async fn the_function_stays_callable_directly() {
    let hits = Hits::default();
    let settings = Arc::new(Settings {
        greeting: "Hi".into(),
    });
    assert_eq!(greet("Cy".into(), &hits, settings).await, "Hi, Cy (#1)");
}

/// Reports what the call context holds.
#[tool(timeout = "5s")]
async fn whoami(cx: &CallContext) -> String {
    let remaining = cx.remaining().expect("a deadline is set");
    format!(
        "{} {} {}",
        cx.call_id().unwrap_or("-"),
        remaining > Duration::from_secs(4) && remaining <= Duration::from_secs(5),
        cx.is_cancelled()
    )
}

#[tokio::test]
async fn the_context_carries_the_call_id_and_the_deadline() {
    let toolbox = Toolbox::builder().tool(whoami::tool()).build().unwrap();
    assert_eq!(toolbox.call("whoami", "{}").await.text(), "- true false");
    let results = toolbox
        .call_all([ToolCall::new("call_7", "whoami", "{}")])
        .await;
    assert_eq!(results[0].output.text(), "call_7 true false");
}

static STOPPED: AtomicBool = AtomicBool::new(false);

/// Spins until the call is cancelled.
#[tool(timeout = "50ms")]
fn spin(cx: CallContext) -> String {
    while !cx.is_cancelled() {
        std::thread::sleep(Duration::from_millis(1));
    }
    STOPPED.store(true, Ordering::SeqCst);
    "stopped".into()
}

#[tokio::test]
async fn a_blocking_tool_sees_its_cancellation_when_time_is_up() {
    let toolbox = Toolbox::builder().tool(spin::tool()).build().unwrap();
    let output = toolbox.call("spin", "{}").await;
    assert!(output.is_error());
    for _ in 0..500 {
        if STOPPED.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the blocking tool never saw its cancellation");
}

static THREADS: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());

/// Records the thread it runs on.
#[tool]
fn record_thread() -> String {
    THREADS.lock().unwrap().push(std::thread::current().id());
    "ok".into()
}

#[tokio::test(flavor = "current_thread")]
async fn plain_functions_run_off_the_executor_thread() {
    let toolbox = Toolbox::builder()
        .tool(record_thread::tool())
        .build()
        .unwrap();
    assert_eq!(toolbox.call("record_thread", "").await.text(), "ok");
    let threads = THREADS.lock().unwrap().clone();
    assert_eq!(threads.len(), 1);
    assert_ne!(threads[0], std::thread::current().id());
}

/// Waits, then echoes.
#[tool]
async fn echo_after(text: String, ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    text
}

#[tokio::test(start_paused = true)]
async fn a_batch_runs_concurrently_and_keeps_the_order() {
    let toolbox = Toolbox::builder().tool(echo_after::tool()).build().unwrap();
    let started = tokio::time::Instant::now();
    let results = toolbox
        .call_all([
            ToolCall::new("a", "echo_after", json!({"text": "slow", "ms": 300})),
            ToolCall::new("b", "nope", json!({})),
            ToolCall::new("c", "echo_after", json!({"text": "fast", "ms": 100})),
        ])
        .await;
    // Paused time advances only as far as the tasks need: concurrent calls take 300 ms of
    // virtual time, one after another they would take 400.
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    let summary: Vec<(&str, &str, bool)> = results
        .iter()
        .map(|r| (r.id.as_str(), r.output.text(), r.output.is_error()))
        .collect();
    assert_eq!(
        summary,
        [
            ("a", "slow", false),
            (
                "b",
                r#"unknown tool "nope". Available tools: echo_after."#,
                true
            ),
            ("c", "fast", false),
        ]
    );
}
