//! Session churn: what the heap keeps of MCP sessions that the session cap ends.
//!
//! An `HttpServer` with `max_sessions(CAP)` runs in this process; a plain client on one
//! keep-alive connection opens sessions one after another (`initialize`, `initialized`, one
//! `tools/call`) and never ends them, so that past the cap every new session ends the idlest.
//! A counting allocator gives the bytes live on the heap, `/proc/self/status` the resident set.
//! Both are printed when the cap is first reached and then as more sessions go through it.
//!
//! Target: the live heap after the churn within 1% of the live heap at the cap: an ended
//! session leaves nothing behind, in this crate or in rmcp.
//!
//! ```text
//! cargo run --release --bin session_churn                  # CAP 1,000, 20,000 sessions
//! cargo run --release --bin session_churn -- 60000 1000    # SESSIONS CAP
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tool_runtime::mcp::{HttpServer, McpServer};
use tool_runtime::{Toolbox, tool};
use tool_runtime_benches::plain_http::PlainHttp;
use tool_runtime_benches::{status_kib, verdict};

/// The system allocator, counting the bytes it has handed out and not had back.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to `System` unchanged; only the counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

const REVISION: &str = "2025-06-18";

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"churn","version":"0"}}}"#;

const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

const CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}"#;

/// The live heap in bytes and the resident set in KiB, once the tasks of ended sessions have
/// had time to finish.
fn memory() -> (usize, u64) {
    std::thread::sleep(Duration::from_millis(300));
    (LIVE.load(Ordering::Relaxed), status_kib("VmRSS"))
}

fn main() -> ExitCode {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().expect("SESSIONS CAP, as numbers"))
        .collect();
    let (sessions, cap) = match args[..] {
        [] => (20_000, 1_000),
        [sessions] => (sessions, 1_000),
        [sessions, cap, ..] => (sessions, cap),
    };
    assert!(sessions >= 2 * cap, "SESSIONS must be at least twice CAP");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let server = runtime.block_on(async {
        let toolbox = Toolbox::builder()
            .tool(add::tool())
            .build()
            .expect("one tool");
        HttpServer::builder(McpServer::new(toolbox))
            .max_sessions(cap)
            .bind("127.0.0.1:0")
            .await
            .expect("bind")
    });
    let mut client = PlainHttp::connect(server.local_addr().to_string(), REVISION);
    let (empty, _) = memory();

    println!("{sessions} MCP sessions through a cap of {cap}, never ended by the client:");
    println!("{:>10} {:>16} {:>12}", "sessions", "live heap", "resident");
    let mut at_cap = (0, 0);
    let mut checkpoints = (1..=5).map(|k| cap + (sessions - cap) * k / 5).peekable();
    for opened in 1..=sessions {
        client.forget_session();
        client.post(INITIALIZE, None);
        client.post(INITIALIZED, None);
        let answer = client.post(CALL, Some("add"));
        assert!(
            answer.contains(r#""text":"3""#),
            "unexpected answer: {answer}"
        );
        if opened == cap || checkpoints.next_if_eq(&opened).is_some() {
            let (live, resident) = memory();
            if opened == cap {
                at_cap = (live, resident);
            }
            println!("{opened:>10} {:>13} KiB {resident:>8} KiB", live / 1024);
        }
    }
    let (live, resident) = memory();
    let per_session = (at_cap.0 - empty) / cap;
    let growth = live as f64 / at_cap.0 as f64;
    let pass = growth <= 1.01;
    println!(
        "live heap per live session: {per_session} B; resident at the cap: {} KiB, after: \
         {resident} KiB",
        at_cap.1
    );
    println!(
        "live heap after {} sessions ended by the cap / at the cap: {growth:.4}x  \
         target <= 1.01x: {}",
        sessions - cap,
        verdict(pass)
    );
    runtime.block_on(server.shutdown());
    if pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
