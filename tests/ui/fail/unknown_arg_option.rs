use tool_runtime::tool;

/// Says hello.
#[tool]
async fn greet(#[arg(desc = "who to greet")] name: String) -> String {
    format!("Hello, {name}")
}

fn main() {}
