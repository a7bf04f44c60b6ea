use tool_runtime::tool;

struct Counter(u64);

/// Counts calls.
#[tool]
async fn bump(#[state] counter: &mut Counter) -> u64 {
    counter.0 += 1;
    counter.0
}

fn main() {}
