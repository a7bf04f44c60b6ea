use tool_runtime::{tool, Toolbox};

/// Says hello.
#[tool]
async fn greet(#[arg(rename = "who")] #[serde(rename = "person")] name: String) -> String {
    format!("Hello, {name}")
}

/// Counts.
#[tool]
async fn count(#[arg(default)] #[serde(default)] from: u32) -> u32 {
    from + 1
}

/// Says goodbye.
///
/// # Arguments
/// * `name` - who to say goodbye to
#[tool]
async fn bye(#[schemars(description = "the person")] name: String) -> String {
    format!("Bye, {name}")
}

fn main() {
    let _ = Toolbox::builder().tool(greet::tool());
}
