#![deny(warnings, missing_docs, unused_qualifications)]
//! Tools that are indented, near `impl` blocks, or named like a method: `#[tool]` looks at
//! where a function is declared, and these are all free functions.

use tool_runtime::{tool, Toolbox};

/// A type with a method named like the tool below.
pub struct Weather;

impl Weather {
    /// Not a tool: a method of the same name as a tool.
    pub fn forecast(&self) -> &'static str {
        "rain"
    }
}

/// Gives the forecast for a city.
#[tool]
pub async fn forecast(city: String) -> String {
    format!("sunny in {city}, not {}", Weather.forecast())
}

/// Tools in an inline module, indented.
pub mod inner {
    use tool_runtime::tool;

    /// Adds two numbers; `impl { }` in a doc comment or "impl Weather {" in a string is text.
    #[tool]
    pub fn add(a: i64, b: i64) -> i64 {
        let _ = "impl Weather {";
        a + b
    }
}

fn main() {
    let toolbox = Toolbox::builder()
        .tool(forecast::tool())
        .tool(inner::add::tool())
        .build()
        .unwrap();
    assert_eq!(toolbox.len(), 2);
}
