use tool_runtime::{tool, CallContext};

struct Greetings;

/// Says hello.
///
/// # Arguments
/// * `name` - who to greet
/// * `cx` - the call's context
/// * `greetings` - what to say
#[tool]
async fn greet(name: String, cx: &CallContext, #[state] greetings: &Greetings) -> String {
    let _ = (cx, greetings);
    format!("Hello, {name}")
}

fn main() {}
