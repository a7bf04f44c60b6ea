use tool_runtime::tool;

#[allow(dead_code)]
struct Report {
    total: u32,
}

/// Sums the day's sales.
#[tool]
async fn daily_report() -> Report {
    Report { total: 3 }
}

fn main() {}
