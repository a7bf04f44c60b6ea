use tool_runtime::tool;

#[derive(Default)]
struct Weather {
    city: String,
}

// A free function of the same name: where the tool sits cannot be told from the file, so it is
// refused for its `Self`.
fn forecast() {}

impl Weather {
    /// Gives the forecast for a city.
    #[tool]
    async fn forecast(city: String) -> String {
        let default = Self::default();
        format!("{city}{}", default.city)
    }
}

fn main() {
    forecast();
}
