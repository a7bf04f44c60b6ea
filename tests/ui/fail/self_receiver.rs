use tool_runtime::tool;

struct Weather;

impl Weather {
    /// Gets the weather.
    #[tool]
    async fn get(&self, city: String) -> String {
        city
    }
}

fn main() {}
