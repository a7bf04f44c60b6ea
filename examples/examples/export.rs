//! Prints the declarations of the example tools in a provider's format, as JSON on stdout:
//! what a request's `tools` holds (for MCP, the `tools/list` result).
//!
//! ```text
//! cargo run --example export -- --format openai --strict
//! cargo run --example export -- --format gemini
//! ```
//! Formats: openai, openai-responses, anthropic, gemini, mcp, ollama.

use std::process::ExitCode;

use examples::Demo;
use examples::export::{FORMATS, declarations};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut format = None;
    let mut strict = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--format" => format = args.next(),
            "--strict" => strict = true,
            other => return usage(&format!("unknown argument {other:?}")),
        }
    }
    let Some(format) = format else {
        return usage("--format is missing");
    };
    let demo = match Demo::start().await {
        Ok(demo) => demo,
        Err(e) => {
            eprintln!("could not set up the example tools: {e}");
            return ExitCode::FAILURE;
        }
    };
    match declarations(&demo.toolbox, &format, strict) {
        Ok(json) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("JSON values serialize")
            );
            ExitCode::SUCCESS
        }
        Err(e) => usage(&e.to_string()),
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("{problem}");
    eprintln!(
        "usage: export --format FORMAT [--strict]   (FORMAT: {})",
        FORMATS.join(", ")
    );
    ExitCode::from(2)
}
