//! Load test: 1,000,000 calls through `call_all`, in batches of 1,000, mixing tools that
//! succeed, fail, panic and time out. Checks that every call got exactly one result with its
//! own id and the outcome its tool gives, that memory comes back to its baseline, and that no
//! task is left running; prints the calls per second and the peak memory.
//!
//! ```text
//! cargo run --release --bin load            # in benches/
//! cargo run --release --bin load -- 100000  # fewer calls
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use tool_runtime::{DEFAULT_LIMITS, Limits, ToolCall, Toolbox, tool};
use tool_runtime_benches::{status_kib, verdict};

/// Succeeds at once.
#[tool]
async fn succeed(n: u64) -> u64 {
    n
}

/// Fails at once.
#[tool]
async fn fail(n: u64) -> Result<u64, String> {
    Err(format!("call {n} failed on purpose"))
}

/// Panics at once.
#[tool]
async fn explode(n: u64) -> u64 {
    panic!("call {n} panicked on purpose")
}

/// Sleeps past its timeout.
#[tool(timeout = "2ms")]
async fn hang(n: u64) -> u64 {
    tokio::time::sleep(Duration::from_secs(60)).await;
    n
}

const BATCH: usize = 1_000;

/// The tool for call `i` and the outcome it must give: 70% succeed, 10% each of the others.
fn plan(i: u64) -> (&'static str, &'static str) {
    match i % 10 {
        0 => ("fail", "failed"),
        1 => ("explode", "panicked"),
        2 => ("hang", "timed_out"),
        _ => ("succeed", "ok"),
    }
}

async fn run_batches(toolbox: &Toolbox, first: u64, batches: u64) -> Result<(), String> {
    for batch in 0..batches {
        let start = first + batch * BATCH as u64;
        let calls = (start..start + BATCH as u64).map(|i| {
            let (name, _) = plan(i);
            ToolCall::new(format!("call_{i}"), name, format!(r#"{{"n":{i}}}"#))
        });
        let results = toolbox.call_all(calls).await;
        if results.len() != BATCH {
            return Err(format!(
                "batch {batch}: {} results for {BATCH} calls",
                results.len()
            ));
        }
        for (offset, result) in results.iter().enumerate() {
            let i = start + offset as u64;
            let (name, expected) = plan(i);
            let outcome = result.output.error().map_or("ok", |e| e.kind());
            if result.id != format!("call_{i}") || result.name != name || outcome != expected {
                return Err(format!(
                    "call_{i}: got id {} name {} outcome {outcome}, expected {name} {expected}",
                    result.id, result.name
                ));
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let total: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let batches = total.div_ceil(BATCH as u64);
    // A hundred thousand panics would each print a message; they are counted instead.
    std::panic::set_hook(Box::new(|_| {}));
    let toolbox = Toolbox::builder()
        .tools([succeed::tool(), fail::tool(), explode::tool(), hang::tool()])
        .limits(Limits {
            batch_size: BATCH,
            ..DEFAULT_LIMITS
        })
        .build()
        .expect("the toolbox builds");

    // Warm up (allocator pools, the timer wheel), then take the baseline.
    if let Err(e) = run_batches(&toolbox, 0, 5).await {
        eprintln!("FAIL warm-up: {e}");
        return ExitCode::FAILURE;
    }
    let baseline = status_kib("VmRSS");
    let started = Instant::now();
    if let Err(e) = run_batches(&toolbox, 0, batches).await {
        eprintln!("FAIL {e}");
        return ExitCode::FAILURE;
    }
    let elapsed = started.elapsed();
    let calls = batches * BATCH as u64;
    let (after, peak) = (status_kib("VmRSS"), status_kib("VmHWM"));
    // A task whose result was taken is released by its worker thread a moment later: the
    // count is read again for up to a second, which a task still running would outlast.
    let metrics = tokio::runtime::Handle::current().metrics();
    let settling = Instant::now();
    while metrics.num_alive_tasks() > 0 && settling.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let alive = metrics.num_alive_tasks();
    let stats: Vec<String> = toolbox
        .all_stats()
        .map(|(name, s)| {
            format!(
                "{name}: {} calls, {} errors, {} timeouts, {} panics",
                s.calls, s.errors, s.timeouts, s.panics
            )
        })
        .collect();

    println!(
        "calls:            {calls} in {} batches of {BATCH}",
        batches
    );
    println!("time:             {:.2} s", elapsed.as_secs_f64());
    println!(
        "calls per second: {:.0}",
        calls as f64 / elapsed.as_secs_f64()
    );
    println!("memory:           baseline {baseline} KiB, peak {peak} KiB, after {after} KiB");
    println!("per tool:         {}", stats.join("; "));
    println!("tasks alive:      {alive}");
    // The allocator may keep some freed pages; more than 16 MiB kept would be a leak.
    let returned = after.saturating_sub(baseline) < 16 * 1024;
    println!("PASS every call got exactly one result with its own id and expected outcome");
    println!(
        "{} memory back to baseline (+{} KiB)",
        verdict(returned),
        after.saturating_sub(baseline)
    );
    println!("{} no task left running", verdict(alive == 0));
    if returned && alive == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
