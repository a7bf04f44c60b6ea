//! The README's first command, `cargo run --example quickstart`: "the demo: real HTTP, SQLite
//! and files, offline, a few seconds". It runs to its end, the turn's five calls succeed, and
//! each failure of the second batch comes back as text.

use std::process::Command;
use std::time::{Duration, Instant};

use examples::fixtures::built_example;

#[test]
fn the_quickstart_runs_the_turn_then_answers_every_failure_as_text() {
    let started = Instant::now();
    let output = Command::new(built_example("quickstart"))
        .output()
        .expect("the quickstart starts");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(took < Duration::from_secs(30), "it took {took:?}");
    assert!(
        stdout.starts_with("== The 5 tools, declared for OpenAI Chat Completions (strict mode) ==")
    );
    let line = |id: &str| {
        stdout
            .lines()
            .find(|line| line.starts_with(&format!("[{id:<7}]")))
            .unwrap_or_else(|| panic!("no line for {id}:\n{stdout}"))
            .to_owned()
    };
    for id in ["call_1", "call_2", "call_3", "call_4", "call_5"] {
        assert!(line(id).contains("  ok  "), "{}", line(id));
    }
    for (id, text) in [
        ("call_6", "greet_after_delay timed out after 1s."),
        ("call_7", "invalid arguments for query_db: at `max_rows`"),
        ("call_8", "/missing answered 404 Not Found"),
        ("call_9", "query_db failed: only reads are allowed"),
        (
            "call_10",
            "read_file failed: \"../../etc/passwd\" is not allowed",
        ),
        (
            "call_11",
            "unknown tool \"fetch_ur\". Did you mean \"fetch_url\"?",
        ),
    ] {
        let line = line(id);
        assert!(line.contains("  error  ") && line.contains(text), "{line}");
    }
    assert!(stdout.contains("all six answered in"), "{stdout}");
}
