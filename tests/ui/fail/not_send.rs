use std::rc::Rc;
use tool_runtime::tool;

/// Counts to three, slowly.
#[tool]
async fn count() -> u32 {
    let counter = Rc::new(3);
    tokio::task::yield_now().await;
    *counter
}

fn main() {}
