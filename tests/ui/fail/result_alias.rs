use tool_runtime::tool;

#[derive(Debug)]
struct LookupError;

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not found")
    }
}

type Res<T> = std::result::Result<T, LookupError>;

/// Looks a user up.
#[tool]
async fn lookup(id: u64) -> Res<String> {
    let _ = id;
    Err(LookupError)
}

fn main() {}
