use tool_runtime::{tool, Toolbox};

// Three mistakes give three errors, and registering the tool adds none.
#[tool(timeout = "soon")]
async fn greet(name: &str, (a, b): (u8, u8)) -> String {
    format!("Hello, {name} {a} {b}")
}

fn main() {
    let _ = Toolbox::builder().tool(greet::tool());
}
