use tool_runtime::tool;

/// Says hello.
#[tool]
async fn greet(name: &str) -> String {
    format!("Hello, {name}")
}

fn main() {}
