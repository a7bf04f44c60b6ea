use tool_runtime::tool;

/// Says hello.
#[tool]
async fn greet() -> impl serde::Serialize {
    "hello"
}

/// Says hello to each.
#[tool]
async fn greet_all() -> Result<Vec<impl serde::Serialize>, std::io::Error> {
    Ok(vec!["hello"])
}

/// Says hello later.
#[tool]
fn greet_later() -> impl std::future::Future<Output = String> {
    async { "hello".to_owned() }
}

fn main() {}
