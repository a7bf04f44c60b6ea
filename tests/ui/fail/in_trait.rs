use tool_runtime::tool;

trait Forecasts {
    /// Gives the forecast for a city.
    #[tool]
    fn forecast(city: String) -> String {
        format!("sunny in {city}")
    }
}

fn main() {}
