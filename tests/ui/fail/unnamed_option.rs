use tool_runtime::tool;

/// Says hello.
#[tool("hello")]
async fn greet(#[arg("who to greet")] name: String) -> String {
    format!("Hello, {name}")
}

/// Says goodbye.
#[tool("Says goodbye to someone.")]
async fn bye(name: String) -> String {
    format!("Bye, {name}")
}

fn main() {}
