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
            tools: vec!["greet".into()],
            type_name: "runtime::Settings"
        }]
    );
    assert_eq!(
        error.to_string(),
        "the toolbox could not be built: tool greet needs state of type `runtime::Settings`; give it with ToolboxBuilder::state or state_arc (Toolbox::registered() gives no state: write `Toolbox::builder().registered().state(value).build()`)"
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

/// Never waits: its body has no `.await`.
#[tool]
async fn double(n: i64) -> i64 {
    n * 2
}

/// Waits once before answering.
#[tool]
async fn double_later(n: i64) -> i64 {
    tokio::task::yield_now().await;
    n * 2
}

macro_rules! twice {
    ($n:expr) => {
        $n * 2
    };
}

/// Uses a macro of its own.
#[tool]
async fn double_by_macro(n: i64) -> i64 {
    twice!(n)
}

#[tokio::test]
async fn tools_that_wait_or_not_take_the_same_path() {
    // Bad arguments are refused the same way, whatever the tool's body.
    let toolbox = Toolbox::builder()
        .tools([double::tool(), double_later::tool()])
        .build()
        .unwrap();
    for name in ["double", "double_later"] {
        let output = toolbox.call(name, r#"{"n": "x"}"#).await;
        assert!(
            output.text().starts_with(&format!(
                "invalid arguments for {name}: at `n`: invalid type"
            )),
            "{}",
            output.text()
        );
    }
    // Either way, the toolbox gives the same answer.
    let toolbox = Toolbox::builder()
        .tools([
            double::tool(),
            double_later::tool(),
            double_by_macro::tool(),
        ])
        .build()
        .unwrap();
    for name in ["double", "double_later", "double_by_macro"] {
        assert_eq!(
            toolbox.call(name, r#"{"n": 21}"#).await.text(),
            "42",
            "{name}"
        );
    }
}

#[tokio::test]
async fn arguments_are_taken_as_text_value_or_arguments_without_a_copy() {
    use tool_runtime::Arguments;
    let toolbox = Toolbox::builder().tool(double::tool()).build().unwrap();
    let text = String::from(r#"{"n": 4}"#);
    let value = json!({"n": 4});
    let outputs = [
        toolbox.call("double", text.as_str()).await,
        toolbox.call("double", &text).await,
        toolbox.call("double", text.clone()).await,
        toolbox.call("double", &value).await,
        toolbox.call("double", value.clone()).await,
        toolbox.call("double", Arguments::from(value)).await,
        toolbox.call("double", "").await,
    ];
    let texts: Vec<&str> = outputs.iter().map(|o| o.text()).collect();
    assert_eq!(&texts[..6], ["8"; 6]);
    assert_eq!(
        texts[6],
        "invalid arguments for double: missing field `n`. Fix the arguments and call double again."
    );
}

#[tokio::test]
async fn a_tool_can_be_declared_inside_a_function_with_a_local_type() {
    /// A point of this test only.
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Point {
        x: i64,
        y: i64,
    }

    /// Adds a point's coordinates.
    #[tool]
    async fn sum(point: Point) -> i64 {
        point.x + point.y
    }

    let toolbox = Toolbox::builder().tool(sum::tool()).build().unwrap();
    let output = toolbox.call("sum", r#"{"point": {"x": 2, "y": 3}}"#).await;
    assert_eq!(output.text(), "5");
    assert_eq!(sum(Point { x: 1, y: 1 }).await, 2);
}

/// A tool answering with its own name, to fill toolboxes of any size.
struct Named(String);

impl tool_runtime::Tool for Named {
    fn spec(&self) -> tool_runtime::ToolSpec {
        let schema = json!({"type": "object", "properties": {}});
        tool_runtime::ToolSpec::new(self.0.clone(), "Answers with its name.", schema)
    }

    fn call<'a>(
        &'a self,
        _: tool_runtime::ArgumentsRef<'a>,
        _: CallContext,
        _: &'a tool_runtime::State,
    ) -> tool_runtime::BoxFuture<'a, Result<tool_runtime::ToolValue, tool_runtime::Failure>> {
        Box::pin(async move { Ok(tool_runtime::ToolValue::text(self.0.clone())) })
    }
}

#[tokio::test]
async fn every_tool_is_found_by_name_in_small_and_large_toolboxes() {
    // Small toolboxes are scanned, large ones hashed: both must find every tool.
    for size in [1, 3, 8, 9, 40] {
        let names: Vec<String> = (0..size).map(|i| format!("tool_{i}")).collect();
        let tools = names
            .iter()
            .map(|n| Arc::new(Named(n.clone())) as tool_runtime::ToolRef);
        let toolbox = Toolbox::builder().tools(tools).build().unwrap();
        for name in &names {
            assert_eq!(toolbox.call(name, "{}").await.text(), name, "size {size}");
        }
        let unknown = toolbox.call("tool_", "{}").await;
        assert!(
            unknown.text().starts_with("unknown tool \"tool_\"."),
            "{}",
            unknown.text()
        );
    }
}

/// Computes without ever waiting, for `ms` milliseconds.
#[tool(timeout = "50ms")]
async fn compute(ms: u64) -> String {
    std::thread::sleep(Duration::from_millis(ms));
    "computed".to_owned()
}

#[tokio::test]
async fn an_async_body_that_never_waits_still_times_out_and_is_named() {
    let toolbox = Toolbox::builder().tool(compute::tool()).build().unwrap();
    let output = toolbox.call("compute", r#"{"ms": 300}"#).await;
    // The value came after the deadline: dropped, not delivered.
    assert_eq!(
        output.text(),
        "compute timed out after 50ms. Try again with a smaller request, or do without it."
    );
    assert!(output.slow_poll().is_some());
    assert_eq!(toolbox.stats("compute").unwrap().timeouts, 1);
}

/// Set when the endless tool may stop (at the end of the test).
static RELEASE: AtomicBool = AtomicBool::new(false);

/// Never yields until released.
#[tool]
async fn endless() -> String {
    while !RELEASE.load(Ordering::SeqCst) {
        std::hint::spin_loop();
    }
    "released".to_owned()
}

#[test]
fn a_batch_deadline_returns_the_others_while_a_tool_never_yields() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let toolbox = Toolbox::builder()
        .tools([endless::tool(), double::tool()])
        .build()
        .unwrap();
    let results = runtime.block_on(toolbox.call_all_with(
        [
            ToolCall::new("1", "endless", "{}"),
            ToolCall::new("2", "double", r#"{"n": 2}"#),
        ],
        tool_runtime::BatchOptions::new().deadline(Duration::from_millis(200)),
    ));
    assert_eq!(
        results[0].output.text(),
        "endless timed out after 200ms. Try again with a smaller request, or do without it."
    );
    assert_eq!(results[1].output.text(), "4");
    RELEASE.store(true, Ordering::SeqCst);
    runtime.shutdown_background();
}

/// How many calls of `stuck` run at once, and the most seen.
static STUCK_NOW: AtomicUsize = AtomicUsize::new(0);
static STUCK_MAX: AtomicUsize = AtomicUsize::new(0);
/// Opened at the end of the test, to let the stuck calls return.
static GATE: (Mutex<bool>, std::sync::Condvar) = (Mutex::new(false), std::sync::Condvar::new());

/// Blocks, ignoring cancellation, until the gate opens.
#[tool(timeout = "100ms")]
fn stuck() -> String {
    let now = STUCK_NOW.fetch_add(1, Ordering::SeqCst) + 1;
    STUCK_MAX.fetch_max(now, Ordering::SeqCst);
    let (lock, opened) = &GATE;
    let mut open = lock.lock().unwrap();
    while !*open {
        open = opened.wait(open).unwrap();
    }
    STUCK_NOW.fetch_sub(1, Ordering::SeqCst);
    "done".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_calls_that_ignore_cancellation_are_capped_and_never_delivered() {
    let toolbox = Toolbox::builder()
        .tool(stuck::tool())
        .max_blocking_calls(8)
        .build()
        .unwrap();
    let calls = (0..64).map(|i| ToolCall::new(i.to_string(), "stuck", "{}"));
    let results = toolbox.call_all(calls).await;
    assert!(results.iter().all(|r| r.output.text()
        == "stuck timed out after 100ms. Try again with a smaller request, or do without it."));
    assert_eq!(
        STUCK_MAX.load(Ordering::SeqCst),
        8,
        "at most the cap run at once"
    );
    // Those that got a thread still run; the others never started.
    assert_eq!(toolbox.stats("stuck").unwrap().running_late, 8);
    // tokio's blocking pool still serves others.
    assert_eq!(tokio::task::spawn_blocking(|| 7).await.unwrap(), 7);
    {
        let (lock, opened) = &GATE;
        *lock.lock().unwrap() = true;
        opened.notify_all();
    }
    while toolbox.stats("stuck").unwrap().running_late > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(STUCK_NOW.load(Ordering::SeqCst), 0);
}

/// Finds a name.
#[tool]
async fn find_name(found: bool) -> Option<String> {
    found.then(|| "Ada".to_owned())
}

/// Does something and says nothing.
#[tool]
async fn act() -> Result<(), String> {
    Ok(())
}

/// Finds a point.
#[tool]
async fn find_point(found: bool) -> Option<Vec<i64>> {
    found.then(|| vec![1, 2])
}

#[tokio::test]
async fn options_and_units_read_plainly() {
    let toolbox = Toolbox::builder()
        .tools([find_name::tool(), act::tool(), find_point::tool()])
        .build()
        .unwrap();
    assert_eq!(
        toolbox.call("find_name", r#"{"found": true}"#).await.text(),
        "Ada"
    );
    assert_eq!(
        toolbox
            .call("find_name", r#"{"found": false}"#)
            .await
            .text(),
        "none"
    );
    assert_eq!(toolbox.call("act", "{}").await.text(), "done");
    assert_eq!(
        toolbox
            .call("find_point", r#"{"found": true}"#)
            .await
            .text(),
        "[1,2]"
    );
    assert_eq!(
        toolbox
            .call("find_point", r#"{"found": false}"#)
            .await
            .text(),
        "none"
    );
}
