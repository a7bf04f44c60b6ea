#![deny(warnings, missing_docs, unused_qualifications)]
//! A plain `fn` tool whose error is a `Box<dyn Error>`, which cannot cross threads: it compiles,
//! and the model reads the error's text, as it does from the same `async fn`.

use std::error::Error;

use tool_runtime::{tool, Toolbox};

/// Reads a number, on the blocking pool.
#[tool]
pub fn number(text: String) -> Result<i64, Box<dyn Error>> {
    Ok(text.parse::<i64>()?)
}

/// Reads a number.
#[tool]
pub async fn number_async(text: String) -> Result<i64, Box<dyn Error>> {
    Ok(text.parse::<i64>()?)
}

fn main() {
    let toolbox = Toolbox::builder()
        .tools([number::tool(), number_async::tool()])
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for name in ["number", "number_async"] {
            let read = toolbox.call(name, r#"{"text": "42"}"#).await;
            assert_eq!(read.text(), "42");
            let failed = toolbox.call(name, r#"{"text": "x"}"#).await;
            assert!(failed.is_error());
            assert_eq!(
                failed.text(),
                format!("{name} failed: invalid digit found in string")
            );
        }
    });
}
