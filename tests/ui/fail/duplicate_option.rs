use tool_runtime::tool;

/// Says hello.
#[tool(timeout = "1s", timeout = "2s")]
async fn greet(name: String) -> String {
    format!("Hello, {name}")
}

fn main() {}
