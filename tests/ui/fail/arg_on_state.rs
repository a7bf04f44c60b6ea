use tool_runtime::tool;

struct Db;

/// Counts the rows of a table.
#[tool]
async fn count(table: String, #[state] #[arg(description = "the database")] db: &Db) -> u64 {
    let _ = (table, db);
    0
}

fn main() {}
