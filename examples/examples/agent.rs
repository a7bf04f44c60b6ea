//! A complete agent loop against any OpenAI-compatible Chat Completions endpoint: the example
//! tools are sent with the conversation, each turn's tool calls run concurrently, and their
//! results go back until the model answers. Before each call of a destructive tool
//! (`save_note`), you are asked on the terminal, `y/N`, with the tool and its arguments; the
//! replay gives the recorded answers.
//!
//! ```text
//! OPENAI_BASE_URL=https://api.openai.com/v1 OPENAI_API_KEY=sk-... cargo run --example agent
//! OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_MODEL=qwen3 cargo run --example agent   # Ollama
//! OPENAI_BASE_URL=http://127.0.0.1:8080/v1 cargo run --example agent                       # llama.cpp
//! cargo run --example agent                       # no endpoint: replays a recorded conversation
//! ```

use std::sync::Arc;

use examples::agent::{Model, Notes, Person, Step, for_terminal, run, toolbox};
use examples::{BoxError, Demo};

const QUESTION: &str = "Which French cities are in the database? Summarise data/cities.csv, \
                        tell me what the local server's /hello page says, and greet me: I'm Ada. \
                        Then save a note titled french-cities listing the French cities.";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let demo = Demo::start().await?;
    let (mut model, person, label) = match Model::from_env()? {
        Some(model) => (model, Person::Terminal, ""),
        None => {
            println!("No endpoint is set, so this run replays a recorded conversation.");
            println!(
                "To talk to a live model, set OPENAI_BASE_URL (and OPENAI_API_KEY, OPENAI_MODEL),"
            );
            println!(
                "e.g. OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_MODEL=qwen3 for Ollama.\n"
            );
            let model = Model::replay(&demo.server.url(""))?;
            (model, Person::replay()?, "[replay] ")
        }
    };
    let notes = Arc::new(Notes::default());
    let toolbox = toolbox(&demo, notes.clone(), person)?;
    println!("{label}user: {QUESTION}\n");
    run(&toolbox, &mut model, QUESTION, 8, |step| match step {
        Step::Calls {
            turn,
            results,
            wall,
        } => {
            let sum: std::time::Duration = results.iter().map(|r| r.elapsed).sum();
            println!(
                "{label}turn {turn}: {} tool calls, run at once in {} ms (their own times add up to {} ms)",
                results.len(),
                wall.as_millis(),
                sum.as_millis()
            );
            for result in results {
                let mark = if result.output.is_error() { "error" } else { "ok" };
                let text = for_terminal(&result.output.text().split_whitespace().collect::<Vec<_>>().join(" "));
                let shown: String = text.chars().take(100).collect();
                println!("  {:<18} {mark:<5} {shown}{}", for_terminal(&result.name), if text.len() > shown.len() { "…" } else { "" });
            }
            println!();
        }
        Step::Answer(answer) => println!("{label}assistant: {}", for_terminal(answer)),
    })
    .await?;
    if let Some(note) = notes.get("french-cities") {
        println!("\nthe note french-cities: {}", for_terminal(&note));
    }
    Ok(())
}
