//! Drives MCP calls through `RemoteServers` (the tools of several servers used as one, with
//! failover) and prints one JSON object: how many calls were answered, failed with an unknown
//! outcome or otherwise, latencies, wall time. The Rust half of `deploy/local-cluster.sh`,
//! whose Python half is `deploy/cluster/drive.py`; both send the mix of
//! `deploy/cluster/calls.py`.
//!
//! ```text
//! cargo run --release --bin cluster_load -- URL[,URL...] CALLS CONCURRENCY RUN_ID [KILL_PID KILL_AFTER]
//! ```
//!
//! With KILL_PID, the process KILL_PID gets SIGKILL once KILL_AFTER calls have finished: a
//! replica dying in the middle of the load.

use std::error::Error;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tool_runtime::Toolbox;
use tool_runtime::mcp::RemoteServers;

const CSV: &str = "city,population\nParis,2100000\nLyon,520000\nNice,340000\n";

/// The call number `index` of the mix (see `deploy/cluster/calls.py`).
fn call_of(run_id: &str, index: usize) -> (&'static str, Value) {
    match index % 10 {
        kind @ 0..=3 => (
            "record_call",
            json!({"id": format!("{run_id}-{index}"), "delay_ms": if kind == 3 { 100 } else { 0 }}),
        ),
        4 | 5 => (
            "query_db",
            json!({"sql": "SELECT name FROM cities ORDER BY population DESC LIMIT 3"}),
        ),
        6 => (
            "greet_after_delay",
            json!({"name": format!("caller {index}"), "delay_ms": 100}),
        ),
        _ => ("parse_csv_summary", json!({"text": CSV})),
    }
}

/// How a call ended.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Answered,
    /// The tool's own error.
    Error,
    /// Sent, then the server stopped answering: it may have run.
    Unknown,
    /// No server answered.
    Failed,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [urls, calls, concurrency, run_id, kill @ ..] = args.as_slice() else {
        return Err(
            "usage: cluster_load URL[,URL...] CALLS CONCURRENCY RUN_ID [KILL_PID KILL_AFTER]"
                .into(),
        );
    };
    let (calls, concurrency): (usize, usize) = (calls.parse()?, concurrency.parse()?);
    let kill = match kill {
        [pid, after] => Some((pid.clone(), after.parse::<usize>()?)),
        _ => None,
    };
    let servers = RemoteServers::builder(urls.split(','))
        .probe_backoff(Duration::from_millis(200), Duration::from_secs(2))
        .connect()
        .await?;
    let toolbox = Toolbox::builder()
        .tools(servers.tools())
        .default_timeout(Duration::from_secs(30))
        .build()?;

    let next = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let kill = Arc::new(Mutex::new(kill));
    let outcomes = Arc::new(Mutex::new(Vec::with_capacity(calls)));
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (toolbox, next, finished, kill, outcomes, run_id) = (
            toolbox.clone(),
            next.clone(),
            finished.clone(),
            kill.clone(),
            outcomes.clone(),
            run_id.clone(),
        );
        workers.spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= calls {
                    break;
                }
                let (name, arguments) = call_of(&run_id, index);
                let began = Instant::now();
                let output = toolbox.call(name, arguments).await;
                let kind = if !output.is_error() {
                    Kind::Answered
                } else if output.text().contains("unknown outcome") {
                    Kind::Unknown
                } else if output.text().contains("MCP server") {
                    Kind::Failed
                } else {
                    Kind::Error
                };
                outcomes.lock().unwrap().push((kind, began.elapsed()));
                let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
                let mut kill = kill.lock().unwrap();
                if kill.as_ref().is_some_and(|(_, after)| done >= *after) {
                    let (pid, _) = kill.take().unwrap();
                    Command::new("kill").args(["-9", &pid]).status().ok();
                }
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined?;
    }
    let wall = start.elapsed().as_secs_f64();

    let outcomes = outcomes.lock().unwrap();
    let count = |kind: Kind| outcomes.iter().filter(|(k, _)| *k == kind).count();
    let mut latencies: Vec<Duration> = outcomes.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    let percentile = |fraction: f64| {
        let index = ((fraction * latencies.len() as f64) as usize).min(latencies.len() - 1);
        (latencies[index].as_secs_f64() * 1e5).round() / 100.0
    };
    println!(
        "{}",
        json!({
            "calls": outcomes.len(),
            "answered": count(Kind::Answered),
            "errors": count(Kind::Error),
            "unknown_outcome": count(Kind::Unknown),
            "failed": count(Kind::Failed),
            "p50_ms": percentile(0.50),
            "p99_ms": percentile(0.99),
            "wall_s": (wall * 1000.0).round() / 1000.0,
            "calls_per_s": (outcomes.len() as f64 / wall * 10.0).round() / 10.0,
        })
    );
    Ok(())
}
