use tool_runtime::tool;

#[derive(serde::Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

/// Measures the distance of a point from the origin.
#[tool]
async fn norm(label: String, point: Point) -> f64 {
    let _ = label;
    (point.x * point.x + point.y * point.y).sqrt()
}

fn main() {}
