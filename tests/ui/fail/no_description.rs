use tool_runtime::tool;

#[tool]
async fn greet(name: String) -> String {
    format!("Hello, {name}")
}

fn main() {}
