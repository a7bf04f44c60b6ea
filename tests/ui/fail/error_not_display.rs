use tool_runtime::tool;

#[derive(Debug)]
enum LookupError {
    NotFound,
}

/// Looks a user up.
#[tool]
async fn lookup(id: u64) -> Result<String, LookupError> {
    let _ = id;
    Err(LookupError::NotFound)
}

fn main() {}
