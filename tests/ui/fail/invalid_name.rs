use tool_runtime::tool;

/// Says hello.
#[tool(name = "say hello!")]
async fn greet(name: String) -> String {
    format!("Hello, {name}")
}

fn main() {}
