use tool_runtime::tool;

/// Says hello.
#[tool(timeout = "5 seconds")]
async fn greet(name: String) -> String {
    format!("Hello, {name}")
}

fn main() {}
