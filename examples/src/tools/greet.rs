//! `greet_after_delay`: the async basics, and progress reports.

use std::time::Duration;

use tool_runtime::{CallContext, tool};

/// The longest wait `greet_after_delay` accepts.
pub const MAX_DELAY_MS: u64 = 10_000;

/// Why a greeting was refused.
#[derive(Debug, thiserror::Error)]
pub enum GreetError {
    /// The name was empty.
    #[error("the name is empty; give the name of the person to greet")]
    EmptyName,
    /// The delay was too long.
    #[error("a delay of {0} ms is too long; ask for at most {MAX_DELAY_MS} ms")]
    TooLong(u64),
}

/// Greet someone after waiting a while, as a slow I/O call would, reporting the time waited
/// as progress every 100 ms.
///
/// # Arguments
/// * `name` - who to greet
/// * `delay_ms` - how long to wait first, in milliseconds
#[tool(timeout = "1s", read_only, idempotent, open_world = false)]
pub async fn greet_after_delay(
    name: String,
    #[arg(default)]
    #[schemars(range(max = 10_000))]
    delay_ms: u64,
    cx: &CallContext,
) -> Result<String, GreetError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(GreetError::EmptyName);
    }
    if delay_ms > MAX_DELAY_MS {
        return Err(GreetError::TooLong(delay_ms));
    }
    let mut waited = 0;
    while waited < delay_ms {
        let tick = (delay_ms - waited).min(100);
        tokio::time::sleep(Duration::from_millis(tick)).await;
        waited += tick;
        cx.progress(waited as f64, Some(delay_ms as f64), "waiting");
    }
    Ok(format!("Hello, {name}!"))
}
