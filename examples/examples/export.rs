//! Prints the declarations of the example tools in a provider's format, as JSON on stdout:
//! what a request's `tools` holds (for MCP, the `tools/list` result). With `--costs`, prints
//! instead what each tool's declaration costs in tokens, per provider, most expensive first.
//!
//! ```text
//! cargo run --example export -- --format openai --strict
//! cargo run --example export -- --format gemini
//! cargo run --example export -- --costs
//! ```
//! Formats: openai, openai-responses, anthropic, gemini, mcp, ollama.

use std::process::ExitCode;

use examples::Demo;
use examples::export::{FORMATS, cost_table, declarations};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut format = None;
    let mut strict = false;
    let mut costs = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--format" => format = args.next(),
            "--strict" => strict = true,
            "--costs" => costs = true,
            other => return usage(&format!("unknown argument {other:?}")),
        }
    }
    if costs && (format.is_some() || strict) {
        return usage("--costs covers every format: give it alone");
    }
    let demo = match Demo::start().await {
        Ok(demo) => demo,
        Err(e) => {
            eprintln!("could not set up the example tools: {e}");
            return ExitCode::FAILURE;
        }
    };
    if costs {
        return match cost_table(&demo.toolbox) {
            Ok(table) => {
                print!("{table}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("could not count the declarations: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let Some(format) = format else {
        return usage("--format is missing");
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
        "usage: export --format FORMAT [--strict] | export --costs   (FORMAT: {})",
        FORMATS.join(", ")
    );
    ExitCode::from(2)
}
