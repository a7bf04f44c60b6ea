use tool_runtime::tool;

#[derive(Default)]
struct Weather {
    city: String,
}

impl Weather {
    /// Gives the forecast for a city.
    #[tool]
    async fn forecast(city: String) -> String {
        let default = Self::default();
        format!("{city}{}", default.city)
    }
}

fn main() {}
