//! Concurrency and memory of `Toolbox::call_all`, each beside what tokio alone gives.
//!
//! Run with `cargo run --release --bin concurrency`. Prints, for 1,000 calls of a tool that
//! sleeps 20 ms, the wall time over the ideal with no limit and with `concurrency_limit(8)`;
//! and, for 100,000 calls in flight at once, the peak memory per call beyond the tool's own
//! future. Each figure is printed with PASS/FAIL against its target; no time is asserted.
//!
//! The memory figures come from child processes (this binary run again with `memory <kind>`),
//! one per measurement, so that the peak RSS of one is not the peak of another.

use std::process::Command;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tool_runtime::{DEFAULT_LIMITS, Limits, ToolCall, Toolbox, tool};
use tool_runtime_benches::{status_kib, verdict};

/// How long one call of `nap` sleeps in the latency runs.
const NAP: Duration = Duration::from_millis(20);
/// Calls per latency run.
const CALLS: usize = 1_000;
/// The concurrency limit of the second latency run.
const LIMIT: usize = 8;
/// Repetitions of each latency run; the median is reported.
const RUNS: usize = 5;
/// Calls in flight at once for the memory figure.
const IN_FLIGHT: usize = 100_000;
/// How long each of them sleeps: long enough for all to be started before the first ends.
const IN_FLIGHT_NAP_MS: u64 = 2_000;

/// Sleeps `ms` milliseconds, then says so.
///
/// # Arguments
/// * `ms` - how long to sleep
#[tool]
async fn nap(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "done".to_owned()
}

/// A toolbox with `nap`, whose batches may hold every call of these runs, at most `limit` of
/// them running at once.
fn toolbox(limit: Option<usize>) -> Toolbox {
    let builder = Toolbox::builder().tool(nap::tool()).limits(Limits {
        batch_size: IN_FLIGHT,
        ..DEFAULT_LIMITS
    });
    match limit {
        Some(limit) => builder.concurrency_limit(limit),
        None => builder,
    }
    .build()
    .expect("a toolbox")
}

fn calls(n: usize, ms: u64) -> Vec<ToolCall> {
    let arguments = format!(r#"{{"ms":{ms}}}"#);
    (0..n)
        .map(|i| ToolCall::new(format!("call_{i}"), "nap", arguments.as_str()))
        .collect()
}

/// The wall time of one batch through `call_all`.
async fn toolbox_batch(toolbox: &Toolbox) -> Duration {
    let calls = calls(CALLS, NAP.as_millis() as u64);
    let started = Instant::now();
    let results = toolbox.call_all(calls).await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(|r| r.output.text() == "done"));
    elapsed
}

/// The wall time of the same batch as bare tokio tasks running the tool's function, at most
/// `limit` at once: what the runtime alone gives, for reference.
async fn bare_batch(limit: Option<usize>) -> Duration {
    let slots = std::sync::Arc::new(Semaphore::new(limit.unwrap_or(Semaphore::MAX_PERMITS)));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CALLS)
        .map(|_| {
            let slots = slots.clone();
            tokio::spawn(async move {
                let _slot = slots.acquire_owned().await;
                nap(NAP.as_millis() as u64).await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("the task ends"), "done");
    }
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs both latency scenarios, ours and bare side by side, and prints the ratios.
async fn latency() {
    let unlimited = toolbox(None);
    let limited = toolbox(Some(LIMIT));
    // One batch each first, so that the runtime's threads and allocator are warm.
    toolbox_batch(&unlimited).await;
    bare_batch(None).await;

    for (label, toolbox, limit) in [
        ("no limit", &unlimited, None),
        ("concurrency_limit(8)", &limited, Some(LIMIT)),
    ] {
        let ideal = NAP * CALLS.div_ceil(limit.unwrap_or(CALLS)) as u32;
        let mut ours = Vec::new();
        let mut bare = Vec::new();
        for _ in 0..RUNS {
            ours.push(toolbox_batch(toolbox).await);
            bare.push(bare_batch(limit).await);
        }
        let (ours, bare) = (median(ours), median(bare));
        let ratio = ours.as_secs_f64() / ideal.as_secs_f64();
        println!(
            "{CALLS} calls x {} ms, {label}: wall {:.1} ms = {ratio:.3}x ideal {} ms \
             (bare tokio tasks: {:.1} ms = {:.3}x); target < 1.5x: {}",
            NAP.as_millis(),
            ours.as_secs_f64() * 1e3,
            ideal.as_millis(),
            bare.as_secs_f64() * 1e3,
            bare.as_secs_f64() / ideal.as_secs_f64(),
            verdict(ratio < 1.5),
        );
    }
}

/// In a child process: puts `IN_FLIGHT` sleeping calls in flight at once, either through
/// `call_all` or as bare tasks running the tool's function, and prints the peak RSS growth.
fn memory_child(kind: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let toolbox = toolbox(None);
    // The calls (the model's ids, names and arguments) exist before the measurement starts:
    // they are input, not overhead.
    let batch = calls(IN_FLIGHT, IN_FLIGHT_NAP_MS);
    // Resets VmHWM to the current RSS (Linux >= 4.0), so the peak below is this run's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmRSS");
    rt.block_on(async {
        match kind {
            "toolbox" => {
                let results = toolbox.call_all(batch).await;
                assert_eq!(results.len(), IN_FLIGHT);
                assert!(results.iter().all(|r| r.output.text() == "done"));
            }
            "bare" => {
                // `batch` stays alive to the end, as it does (inside the tasks) in the other.
                let tasks: Vec<_> = (0..IN_FLIGHT)
                    .map(|_| tokio::spawn(nap(IN_FLIGHT_NAP_MS)))
                    .collect();
                for task in tasks {
                    assert_eq!(task.await.expect("the task ends"), "done");
                }
            }
            _ => panic!("unknown kind {kind:?}"),
        }
    });
    println!("{}", status_kib("VmHWM").saturating_sub(before));
}

/// Runs `memory_child(kind)` in a fresh process and returns its peak RSS growth, in KiB.
fn memory_of(kind: &str) -> u64 {
    let exe = std::env::current_exe().expect("the path of this binary");
    let output = Command::new(exe)
        .args(["memory", kind])
        .output()
        .expect("the child runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a number of KiB")
}

fn memory() {
    let future = std::mem::size_of_val(&nap(IN_FLIGHT_NAP_MS));
    let bare = memory_of("bare");
    let ours = memory_of("toolbox");
    let per_call = |kib: u64| kib as f64 * 1024.0 / IN_FLIGHT as f64;
    let overhead = per_call(ours) - per_call(bare);
    println!(
        "{IN_FLIGHT} calls in flight: peak RSS +{:.1} MiB through call_all = {:.0} B per call; \
         bare tasks of the tool's future ({future} B unboxed) +{:.1} MiB = {:.0} B per call",
        ours as f64 / 1024.0,
        per_call(ours),
        bare as f64 / 1024.0,
        per_call(bare),
    );
    println!(
        "overhead per in-flight call beyond the tool's own future: {overhead:.0} B = {:.2} KiB; \
         target < 2 KiB: {}",
        overhead / 1024.0,
        verdict(overhead < 2048.0),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, kind] = args.as_slice()
        && mode == "memory"
    {
        memory_child(kind);
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(latency());
    drop(rt);
    memory();
}
