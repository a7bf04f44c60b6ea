//! The quickstart: declares the example tools, prints their OpenAI declarations, then runs
//! one model turn's worth of tool calls (the JSON a model sends) at once and shows every
//! failure coming back as text. Runs offline in a few seconds: the HTTP server, the database and the files it uses
//! are created on this machine.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::time::{Duration, Instant};

use examples::fixtures::files::CITIES_CSV;
use examples::{BoxError, Demo};
use serde_json::json;
use tool_runtime::providers::{Strict, openai};
use tool_runtime::{CallResult, ToolCall};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let demo = Demo::start().await?;
    let toolbox = &demo.toolbox;

    println!(
        "== The {} tools, declared for OpenAI Chat Completions (strict mode) ==",
        toolbox.len()
    );
    let declarations = openai::tools(toolbox, Strict::On)?;
    println!("{}", serde_json::to_string_pretty(&declarations)?);

    println!("\n== One model turn: five calls, run at once ==");
    // The assistant message a model sends for a turn with five parallel tool calls.
    let message = json!({
        "role": "assistant",
        "content": null,
        "tool_calls": [
            call("call_1", "greet_after_delay", json!({"name": "Ada", "delay_ms": 600})),
            call("call_2", "fetch_url", json!({"url": demo.server.url("/slow?ms=500"), "max_chars": 80})),
            call(
                "call_3",
                "query_db",
                json!({"sql": "SELECT name, population FROM cities WHERE country = 'France' ORDER BY population DESC"}),
            ),
            call("call_4", "read_file", json!({"path": "notes/todo.txt"})),
            call("call_5", "parse_csv_summary", json!({"text": CITIES_CSV})),
        ]
    });
    let turn = openai::read_calls(&message)?;
    let started = Instant::now();
    let results = toolbox.call_all(turn).await;
    let wall = started.elapsed();
    print_results(&results);
    let sum: Duration = results.iter().map(|r| r.elapsed).sum();
    println!(
        "wall time {} for calls whose own times add up to {}: {:.1}x faster than one after another",
        ms(wall),
        ms(sum),
        sum.as_secs_f64() / wall.as_secs_f64()
    );

    println!("\n== Failures come back as text the model can act on ==");
    let failures = vec![
        ToolCall::new(
            "call_6",
            "greet_after_delay",
            json!({"name": "Bo", "delay_ms": 5000}),
        ),
        ToolCall::new(
            "call_7",
            "query_db",
            json!({"sql": "SELECT * FROM cities", "max_rows": "ten"}),
        ),
        ToolCall::new(
            "call_8",
            "fetch_url",
            json!({"url": demo.server.url("/missing")}),
        ),
        ToolCall::new("call_9", "query_db", json!({"sql": "DELETE FROM cities"})),
        ToolCall::new("call_10", "read_file", json!({"path": "../../etc/passwd"})),
        ToolCall::new("call_11", "fetch_ur", json!({"url": "https://example.com"})),
    ];
    let started = Instant::now();
    let results = toolbox.call_all(failures).await;
    print_results(&results);
    println!(
        "all six answered in {}; the agent goes on",
        ms(started.elapsed())
    );
    Ok(())
}

fn print_results(results: &[CallResult]) {
    for result in results {
        let mark = if result.output.is_error() {
            "error"
        } else {
            "ok"
        };
        println!(
            "[{:<7}] {:<17} {:>6}  {mark:<5}  {}",
            result.id,
            result.name,
            ms(result.elapsed),
            one_line(result.output.text(), 110)
        );
    }
}

fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &flat[..end]),
        None => flat,
    }
}

/// One entry of an assistant message's `tool_calls`: the arguments are a JSON string.
fn call(id: &str, name: &str, arguments: serde_json::Value) -> serde_json::Value {
    json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments.to_string()}})
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
