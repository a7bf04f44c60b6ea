use tool_runtime::tool;

/// Reads a flaky sensor.
#[tool(read_only, retries = 50)]
async fn read_sensor(id: u32) -> String {
    id.to_string()
}

/// Reads another flaky sensor.
#[tool(read_only, retries = "3")]
async fn read_other_sensor(id: u32) -> String {
    id.to_string()
}

fn main() {}
