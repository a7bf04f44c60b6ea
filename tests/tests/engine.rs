//! The batch engine: concurrency limits, sequential tools, deadlines, cancellation, output
//! limits and counters.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tool_runtime::{BatchOptions, CancellationToken, ToolCall, ToolError, Toolbox, tool};

/// How many calls run at once, the most seen, and how many started.
#[derive(Default)]
pub struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
    started: AtomicUsize,
}

impl Gauge {
    async fn hold(&self, ms: u64) {
        self.started.fetch_add(1, Ordering::SeqCst);
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// Works for a while.
#[tool]
async fn work(ms: u64, #[state] gauge: &Gauge) -> String {
    gauge.hold(ms).await;
    format!("worked {ms} ms")
}

/// Works for a while, alone.
#[tool(max_concurrency = 1)]
async fn single(ms: u64, #[state] gauge: &Gauge) -> String {
    gauge.hold(ms).await;
    format!("worked {ms} ms alone")
}

/// Calls a rate-limited API.
#[tool(max_concurrency = 2)]
async fn rate_limited(#[state] gauge: &Gauge) -> String {
    gauge.hold(100).await;
    "ok".into()
}

/// Migrates the database; must not overlap anything.
#[tool(sequential)]
async fn migrate(#[state] gauge: &Gauge, #[state] log: &Log) -> String {
    let others = gauge.now.load(Ordering::SeqCst);
    log.0
        .lock()
        .unwrap()
        .push(format!("migrate saw {others} running"));
    gauge.hold(50).await;
    "migrated".into()
}

/// The order in which things happened.
#[derive(Default)]
pub struct Log(Mutex<Vec<String>>);

fn calls(name: &str, arguments: serde_json::Value, n: usize) -> Vec<ToolCall> {
    (0..n)
        .map(|i| ToolCall::new(format!("{name}_{i}"), name, arguments.clone()))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_tools_max_concurrency_caps_its_calls() {
    let gauge = Arc::new(Gauge::default());
    let toolbox = Toolbox::builder()
        .tool(rate_limited::tool())
        .state_arc(gauge.clone())
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let results = toolbox.call_all(calls("rate_limited", json!({}), 6)).await;
    assert!(results.iter().all(|r| r.output.text() == "ok"));
    assert_eq!(gauge.max(), 2);
    // Three waves of two, 100 ms each.
    assert_eq!(started.elapsed(), Duration::from_millis(300));
}

#[tokio::test(start_paused = true)]
async fn the_toolbox_concurrency_limit_caps_a_batch() {
    let gauge = Arc::new(Gauge::default());
    let toolbox = Toolbox::builder()
        .tool(work::tool())
        .state_arc(gauge.clone())
        .concurrency_limit(3)
        .build()
        .unwrap();
    let results = toolbox.call_all(calls("work", json!({"ms": 10}), 10)).await;
    assert_eq!(results.len(), 10);
    assert_eq!(gauge.max(), 3);
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        (0..10).map(|i| format!("work_{i}")).collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn a_sequential_tool_never_overlaps_the_others() {
    let gauge = Arc::new(Gauge::default());
    let log = Arc::new(Log::default());
    let toolbox = Toolbox::builder()
        .tools([work::tool(), migrate::tool()])
        .state_arc(gauge.clone())
        .state_arc(log.clone())
        .build()
        .unwrap();
    let mut batch = calls("work", json!({"ms": 100}), 3);
    batch.push(ToolCall::new("m", "migrate", json!({})));
    batch.extend(calls("work", json!({"ms": 100}), 2));
    let started = tokio::time::Instant::now();
    let results = toolbox.call_all(batch).await;
    // 100 ms for the three before, 50 alone, 100 for the two after.
    assert_eq!(started.elapsed(), Duration::from_millis(250));
    assert_eq!(*log.0.lock().unwrap(), ["migrate saw 0 running"]);
    assert_eq!(gauge.max(), 3);
    assert_eq!(results[3].output.text(), "migrated");
}

/// Never finishes on its own.
#[tool(timeout = "1h")]
async fn forever(#[state] flags: &Flags) -> String {
    let _dropped = SetOnDrop(&flags.dropped);
    tokio::time::sleep(Duration::from_secs(3600)).await;
    flags.finished.store(true, Ordering::SeqCst);
    "finished".into()
}

/// What happened to the `forever` calls.
#[derive(Default)]
pub struct Flags {
    dropped: AtomicUsize,
    finished: AtomicBool,
}

struct SetOnDrop<'a>(&'a AtomicUsize);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn forever_toolbox(flags: Arc<Flags>) -> Toolbox {
    Toolbox::builder()
        .tools([forever::tool(), work::tool()])
        .state_arc(flags)
        .state(Gauge::default())
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_batch_deadline_stops_what_is_left() {
    let flags = Arc::new(Flags::default());
    let toolbox = forever_toolbox(flags.clone());
    let mut batch = calls("forever", json!({}), 2);
    batch.push(ToolCall::new("quick", "work", json!({"ms": 10})));
    let results = toolbox
        .call_all_with(
            batch,
            BatchOptions::new().deadline(Duration::from_millis(500)),
        )
        .await;
    assert_eq!(results[2].output.text(), "worked 10 ms");
    for result in &results[..2] {
        assert_eq!(
            result.output.error(),
            Some(&ToolError::TimedOut {
                tool: "forever".into(),
                after: Duration::from_millis(500)
            })
        );
    }
    assert_eq!(flags.dropped.load(Ordering::SeqCst), 2);
}

/// A sequential call that runs until the batch's deadline leaves no time for the calls after
/// it: they are answered as not run, not as timed out (which would tell the model to ask for
/// less).
#[tokio::test(start_paused = true)]
async fn calls_whose_turn_comes_after_the_deadline_are_not_run() {
    let gauge = Arc::new(Gauge::default());
    let toolbox = Toolbox::builder()
        .tools([work::tool(), migrate::tool()])
        .state_arc(gauge.clone())
        .state(Log::default())
        .build()
        .unwrap();
    let batch = vec![
        ToolCall::new("slow", "work", json!({"ms": 1_000})),
        ToolCall::new("sequential", "migrate", json!({})),
        ToolCall::new("late", "work", json!({"ms": 10})),
    ];
    let results = toolbox
        .call_all_with(
            batch,
            BatchOptions::new().deadline(Duration::from_millis(200)),
        )
        .await;
    assert_eq!(
        results[0].output.error().map(ToolError::kind),
        Some("timed_out")
    );
    for result in &results[1..] {
        let tool = &result.name;
        assert_eq!(
            result.output.error(),
            Some(&ToolError::NotStarted {
                tool: tool.clone(),
                deadline: Duration::from_millis(200)
            })
        );
        assert_eq!(
            result.output.text(),
            format!(
                "{tool} was not run: the deadline of 200ms for this turn's calls passed before \
                 its turn came. Call it again if it is still needed."
            )
        );
    }
    assert_eq!(gauge.max(), 1, "neither late call started");
}

/// A call waiting for a concurrency slot when the batch's deadline passes never starts, even
/// once the slot is free: it is answered as not run, so the model may call it again without
/// its effect happening twice.
#[tokio::test(start_paused = true)]
async fn a_call_still_waiting_for_a_slot_at_the_deadline_never_starts() {
    let gauge = Arc::new(Gauge::default());
    let toolbox = Toolbox::builder()
        .tool(work::tool())
        .state_arc(gauge.clone())
        .concurrency_limit(1)
        .build()
        .unwrap();
    let batch = vec![
        ToolCall::new("slow", "work", json!({"ms": 5_000})),
        ToolCall::new("waiting", "work", json!({"ms": 50})),
    ];
    let options = BatchOptions::new().deadline(Duration::from_millis(200));
    let results = toolbox.call_all_with(batch, options).await;
    assert_eq!(
        results[0].output.error().map(ToolError::kind),
        Some("timed_out")
    );
    assert_eq!(
        results[1].output.error(),
        Some(&ToolError::NotStarted {
            tool: "work".into(),
            deadline: Duration::from_millis(200)
        })
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(gauge.started.load(Ordering::SeqCst), 1);
}

/// A call cancelled while it waits for its tool's concurrency slot is answered at once, not
/// when the slot frees, and never starts.
#[tokio::test(start_paused = true)]
async fn a_call_cancelled_while_waiting_for_a_slot_answers_at_once() {
    let gauge = Arc::new(Gauge::default());
    let toolbox = Toolbox::builder()
        .tool(single::tool())
        .state_arc(gauge.clone())
        .build()
        .unwrap();
    let holder = tokio::spawn({
        let toolbox = toolbox.clone();
        async move { toolbox.call("single", json!({"ms": 3_000})).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let stop = CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(70)).await;
            stop.cancel();
        }
    });
    let started = tokio::time::Instant::now();
    let waiting = ToolCall::new("w", "single", json!({"ms": 1}));
    let result = toolbox.call_with(waiting, &stop).await;
    assert_eq!(started.elapsed(), Duration::from_millis(70));
    assert_eq!(
        result.output.error().map(ToolError::kind),
        Some("cancelled")
    );
    assert_eq!(holder.await.unwrap().text(), "worked 3000 ms alone");
    assert_eq!(gauge.started.load(Ordering::SeqCst), 1);
}

/// A call whose caller stops waiting (drops its future, as a timeout around it does) is
/// counted, as cancelled: it reached the tool.
#[tokio::test(start_paused = true)]
async fn a_call_dropped_by_its_caller_is_counted_as_cancelled() {
    let gauge = Arc::new(Gauge::default());
    let toolbox = Toolbox::builder()
        .tool(work::tool())
        .state_arc(gauge)
        .build()
        .unwrap();
    let call = toolbox.call("work", json!({"ms": 1_000}));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), call)
            .await
            .is_err()
    );
    let batch = toolbox.call_all([ToolCall::new("1", "work", json!({"ms": 1_000}))]);
    assert!(
        tokio::time::timeout(Duration::from_millis(50), batch)
            .await
            .is_err()
    );
    tokio::task::yield_now().await;
    let stats = toolbox.stats("work").unwrap();
    assert_eq!((stats.calls, stats.errors, stats.attempts), (2, 2, 2));
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_batch_answers_cancelled_for_unfinished_calls() {
    let flags = Arc::new(Flags::default());
    let toolbox = forever_toolbox(flags.clone());
    let stop = CancellationToken::new();
    let canceller = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            stop.cancel();
        })
    };
    let batch = vec![
        ToolCall::new("a", "forever", json!({})),
        ToolCall::new("b", "work", json!({"ms": 10})),
    ];
    let results = toolbox
        .call_all_with(batch, BatchOptions::new().cancellation(stop))
        .await;
    canceller.await.unwrap();
    assert_eq!(
        results[0].output.text(),
        "forever was cancelled before it finished."
    );
    assert_eq!(results[1].output.text(), "worked 10 ms");
}

#[tokio::test(start_paused = true)]
async fn dropping_a_batch_cancels_every_call() {
    let flags = Arc::new(Flags::default());
    let toolbox = forever_toolbox(flags.clone());
    let batch = toolbox.call_all(calls("forever", json!({}), 5));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), batch)
            .await
            .is_err()
    );
    // Give aborted tasks a turn to be dropped, then run the clock far past the tools' end.
    tokio::time::sleep(Duration::from_secs(7200)).await;
    assert_eq!(flags.dropped.load(Ordering::SeqCst), 5);
    assert!(
        !flags.finished.load(Ordering::SeqCst),
        "no tool kept running"
    );
}

/// A blocking tool that runs until it is cancelled.
#[tool(timeout = "1h")]
fn blocking_until_cancelled(cx: tool_runtime::CallContext, #[state] seen: &SeenCancel) -> String {
    while !cx.is_cancelled() {
        std::thread::sleep(Duration::from_millis(1));
    }
    seen.0.store(true, Ordering::SeqCst);
    "stopped".into()
}

/// Whether the blocking tool saw its cancellation.
#[derive(Default)]
pub struct SeenCancel(AtomicBool);

#[tokio::test]
async fn dropping_a_batch_cancels_blocking_tools_too() {
    let seen = Arc::new(SeenCancel::default());
    let toolbox = Toolbox::builder()
        .tool(blocking_until_cancelled::tool())
        .state_arc(seen.clone())
        .build()
        .unwrap();
    let batch = toolbox.call_all(calls("blocking_until_cancelled", json!({}), 1));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), batch)
            .await
            .is_err()
    );
    for _ in 0..500 {
        if seen.0.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the blocking tool never saw its batch dropped");
}

/// Returns a long text.
#[tool]
async fn long_text(n: usize) -> String {
    "é".repeat(n)
}

#[tokio::test]
async fn long_outputs_are_cut_at_a_char_boundary_with_a_marker() {
    let toolbox = Toolbox::builder()
        .tool(long_text::tool())
        .max_output_chars(10)
        .build()
        .unwrap();
    assert_eq!(
        toolbox.call("long_text", json!({"n": 25})).await.text(),
        format!(
            "{}\n[output cut: 15 more characters not shown]",
            "é".repeat(10)
        )
    );
    assert_eq!(
        toolbox.call("long_text", json!({"n": 10})).await.text(),
        "é".repeat(10)
    );
}

/// Fails, panics or times out, as asked.
#[tool(timeout = "100ms")]
async fn flaky(mode: String) -> Result<String, String> {
    match mode.as_str() {
        "fail" => Err("asked to fail".into()),
        "panic" => panic!("asked to panic"),
        "hang" => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok("late".into())
        }
        _ => Ok("fine".into()),
    }
}

#[tokio::test(start_paused = true)]
async fn one_bad_call_never_affects_the_others_and_counters_add_up() {
    let toolbox = Toolbox::builder().tool(flaky::tool()).build().unwrap();
    let batch = ["ok", "fail", "panic", "hang", "ok"]
        .iter()
        .enumerate()
        .map(|(i, mode)| ToolCall::new(format!("c{i}"), "flaky", json!({"mode": mode})));
    let results = toolbox.call_all(batch).await;
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| r.output.error().map_or("ok", ToolError::kind))
        .collect();
    assert_eq!(kinds, ["ok", "failed", "panicked", "timed_out", "ok"]);
    let stats = toolbox.stats("flaky").unwrap();
    assert_eq!(
        (stats.calls, stats.errors, stats.timeouts, stats.panics),
        (5, 3, 1, 1)
    );
    assert_eq!(stats.total_time, Duration::from_millis(100));
    assert_eq!(toolbox.all_stats().count(), 1);
}
