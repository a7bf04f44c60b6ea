use tool_runtime::tool;

struct Weather;

impl Weather {
    /// Gives the forecast for a city.
    #[tool]
    async fn forecast(city: String) -> String {
        format!("sunny in {city}")
    }
}

fn main() {}
