use tool_runtime::tool;

/// Says hello.
#[tool(timout = "5s")]
async fn greet(name: String) -> String {
    format!("Hello, {name}")
}

fn main() {}
