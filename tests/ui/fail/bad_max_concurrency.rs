use tool_runtime::tool;

/// Calls a rate-limited API.
#[tool(max_concurrency = 0)]
async fn call_api(query: String) -> String {
    query
}

fn main() {}
