//! `greet_after_delay`: the async basics.

use std::time::Duration;

use tool_runtime::tool;

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

/// Greet someone after waiting a while, as a slow I/O call would.
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
) -> Result<String, GreetError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(GreetError::EmptyName);
    }
    if delay_ms > MAX_DELAY_MS {
        return Err(GreetError::TooLong(delay_ms));
    }
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    Ok(format!("Hello, {name}!"))
}
