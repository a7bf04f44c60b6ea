use tool_runtime::tool;

/// Says hello.
///
/// # Arguments
/// * `nmae` - who to greet
#[tool]
async fn greet(name: String) -> String {
    format!("Hello, {name}")
}

fn main() {}
