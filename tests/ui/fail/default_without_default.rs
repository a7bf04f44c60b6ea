use tool_runtime::tool;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Point {
    x: i64,
}

/// Reads a point, or the default one.
#[tool]
async fn read_point(#[arg(default)] point: Point) -> i64 {
    point.x
}

fn main() {}
