use tool_runtime::tool;

/// Adds the two numbers of a pair.
#[tool]
async fn add((a, b): (i64, i64)) -> i64 {
    a + b
}

fn main() {}
