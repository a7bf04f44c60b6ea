//! Limits on what a model may send: argument size, nesting depth, batch size.

use serde_json::{Value, json};
use tool_runtime::{DEFAULT_LIMITS, Limits, ToolCall, ToolError, Toolbox, tool};

/// Counts the items it is given.
#[tool]
async fn count(items: Vec<Value>) -> usize {
    items.len()
}

fn toolbox(limits: Limits) -> Toolbox {
    Toolbox::builder()
        .tool(count::tool())
        .limits(limits)
        .build()
        .unwrap()
}

#[tokio::test]
async fn arguments_over_the_size_limit_are_refused() {
    let toolbox = toolbox(Limits {
        argument_bytes: 100,
        ..DEFAULT_LIMITS
    });
    let big = json!({"items": ["x".repeat(200)]});
    let expected = "invalid arguments for count: the arguments are 214 bytes, over the limit of 100; send less data. Fix the arguments and call count again.";
    assert_eq!(toolbox.call("count", big.clone()).await.text(), expected);
    assert_eq!(
        toolbox.call("count", big.to_string()).await.text(),
        expected
    );
    assert_eq!(
        toolbox.call("count", json!({"items": [1, 2]})).await.text(),
        "2"
    );
}

#[tokio::test]
async fn the_default_size_limit_is_one_mebibyte() {
    let toolbox = toolbox(DEFAULT_LIMITS);
    let just_under = format!(r#"{{"items":["{}"]}}"#, "x".repeat(1024 * 1024 - 14));
    assert_eq!(just_under.len(), 1024 * 1024);
    assert_eq!(toolbox.call("count", just_under.clone()).await.text(), "1");
    let over = just_under.replacen('x', "xx", 1);
    assert!(
        toolbox
            .call("count", over)
            .await
            .text()
            .contains("over the limit of 1048576")
    );
}

fn nested(depth: usize) -> String {
    format!(
        r#"{{"items":{}1{}}}"#,
        "[".repeat(depth - 1),
        "]".repeat(depth - 1)
    )
}

#[tokio::test]
async fn arguments_nested_too_deep_are_refused() {
    let toolbox = toolbox(Limits {
        nesting_depth: 5,
        ..DEFAULT_LIMITS
    });
    assert_eq!(toolbox.call("count", nested(5)).await.text(), "1");
    let expected = "invalid arguments for count: the arguments nest deeper than 5 levels; send a flatter object. Fix the arguments and call count again.";
    assert_eq!(toolbox.call("count", nested(6)).await.text(), expected);
    let value: Value = serde_json::from_str(&nested(6)).unwrap();
    assert_eq!(toolbox.call("count", value).await.text(), expected);
    // Brackets inside strings do not count.
    let quoted = json!({"items": ["[[[[[[[[[["]}).to_string();
    assert_eq!(toolbox.call("count", quoted).await.text(), "1");
    let escaped = json!({"items": ["a \"[[[[[[[[\" and a \\", "[[[[[["]}).to_string();
    assert_eq!(toolbox.call("count", escaped).await.text(), "2");
}

#[tokio::test]
async fn very_deep_arguments_never_overflow_the_stack() {
    let toolbox = toolbox(DEFAULT_LIMITS);
    let deep = nested(100_000);
    let output = toolbox.call("count", deep).await;
    assert!(
        output.text().contains("nest deeper than 64 levels"),
        "{}",
        output.text()
    );
}

#[tokio::test]
async fn calls_past_the_batch_limit_are_answered_without_running() {
    let toolbox = toolbox(Limits {
        batch_size: 2,
        ..DEFAULT_LIMITS
    });
    let calls = (0..4).map(|i| ToolCall::new(format!("c{i}"), "count", json!({"items": [i]})));
    let results = toolbox.call_all(calls).await;
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["c0", "c1", "c2", "c3"]);
    assert_eq!(results[1].output.text(), "1");
    assert_eq!(
        results[2].output.text(),
        "count was not run: 4 calls came at once, over the limit of 2. Call at most 2 tools at a time."
    );
    assert_eq!(
        results[3].output.error(),
        Some(&ToolError::BatchTooLarge {
            tool: "count".into(),
            size: 4,
            limit: 2
        })
    );
    // The calls refused are counted, as refused before they ran.
    let stats = toolbox.stats("count").unwrap();
    assert_eq!((stats.calls, stats.errors, stats.attempts), (4, 2, 2));
    // The name of a call past the limit is the model's: echoed shortened and escaped.
    let name = format!("count\n\u{1b}[31m{}", "A".repeat(5_000));
    let calls = (0..3).map(|i| ToolCall::new(format!("c{i}"), name.clone(), json!({})));
    let results = toolbox.call_all(calls).await;
    let shown = format!("count\\n\\u{{1b}}[31m{}…", "A".repeat(53));
    assert_eq!(
        results[2].output.text(),
        format!(
            "{shown} was not run: 3 calls came at once, over the limit of 2. Call at most 2 tools \
             at a time."
        )
    );
}

/// Limits too large to count and times too long to add are as good as none, not a panic.
#[tokio::test]
async fn unbounded_limits_and_timeouts_do_not_panic() {
    let toolbox = Toolbox::builder()
        .tool(count::tool())
        .concurrency_limit(usize::MAX)
        .max_blocking_calls(usize::MAX)
        .default_timeout(std::time::Duration::MAX)
        .build()
        .unwrap();
    assert_eq!(
        toolbox.call("count", json!({"items": [1, 2]})).await.text(),
        "2"
    );
    let options = tool_runtime::BatchOptions::new().deadline(std::time::Duration::MAX);
    let calls = [ToolCall::new("a", "count", json!({"items": [1]}))];
    let results = toolbox.call_all_with(calls, options).await;
    assert_eq!(results[0].output.text(), "1");
}

/// Writes `n` letters, as text and as structured content.
#[tool]
async fn letters(n: usize) -> Vec<String> {
    vec!["a".repeat(n)]
}

/// Writes `n` letters of text.
#[tool]
async fn text_of(n: usize) -> String {
    "a".repeat(n)
}

#[tokio::test]
async fn outputs_are_capped_by_default_text_and_structured_content_alike() {
    let toolbox = Toolbox::builder()
        .tools([letters::tool(), text_of::tool()])
        .build()
        .unwrap();
    let huge = toolbox.call("text_of", r#"{"n": 300000}"#).await;
    let (kept, note) = huge.text().split_once('\n').unwrap();
    assert_eq!(
        (kept.len(), note),
        (100_000, "[output cut: 200000 more characters not shown]")
    );
    assert!(
        huge.text()
            .ends_with("[output cut: 200000 more characters not shown]")
    );
    // A structured value over the cap is left out, so that no provider writes it in full.
    let typed = toolbox.call("letters", r#"{"n": 300000}"#).await;
    assert!(typed.text().ends_with("more characters not shown]"));
    assert_eq!(typed.structured(), None);
    let results = toolbox
        .call_all([ToolCall::new("1", "letters", r#"{"n": 300000}"#)])
        .await;
    let mcp = tool_runtime::providers::mcp::write_result(&toolbox, &results[0]);
    assert!(
        mcp.to_string().len() < 101_000,
        "{} bytes",
        mcp.to_string().len()
    );
    // Small ones keep both.
    let small = toolbox.call("letters", r#"{"n": 3}"#).await;
    assert_eq!(small.structured(), Some(&json!(["aaa"])));
    // `None` turns the cap off.
    let uncapped = Toolbox::builder()
        .tool(letters::tool())
        .max_output_chars(None)
        .build()
        .unwrap();
    let full = uncapped.call("letters", r#"{"n": 300000}"#).await;
    assert!(full.structured().is_some());
}

#[tokio::test]
async fn a_huge_unknown_name_is_cut_escaped_and_not_compared() {
    let toolbox = toolbox(DEFAULT_LIMITS);
    let name = "\u{1}".repeat(4 * 1024 * 1024);
    let output = toolbox.call(&name, "{}").await;
    assert!(output.text().len() < 1_000, "{} bytes", output.text().len());
    assert!(
        output.text().starts_with(r#"unknown tool "\u{1}\u{1}"#),
        "{}",
        output.text()
    );
    assert!(output.text().contains("…"), "{}", output.text());
    // A name just over the limit is not looked up, even when a tool has its first 256 bytes.
    let long = format!("count{}", "x".repeat(300));
    let error = toolbox.try_call(&long, "{}").await.unwrap_err();
    assert!(
        matches!(error, ToolError::UnknownTool { ref suggestions, .. } if suggestions.is_empty())
    );
}

/// A panic payload whose own `Drop` panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the payload's drop panicked");
    }
}

/// Panics with a payload that panics again when dropped.
#[tool]
async fn bomb(blocking: bool) -> String {
    if blocking {
        tokio::task::spawn_blocking(|| std::panic::panic_any(Bomb))
            .await
            .map(|()| String::new())
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    } else {
        std::panic::panic_any(Bomb)
    }
}

/// The same, from a plain function on the blocking pool.
#[tool]
fn bomb_blocking() -> String {
    std::panic::panic_any(Bomb)
}

#[tokio::test]
async fn a_panic_payload_that_panics_when_dropped_is_contained() {
    let toolbox = Toolbox::builder()
        .tools([bomb::tool(), bomb_blocking::tool()])
        .build()
        .unwrap();
    for (name, arguments) in [
        ("bomb", r#"{"blocking": false}"#),
        ("bomb", r#"{"blocking": true}"#),
        ("bomb_blocking", "{}"),
    ] {
        let output = toolbox.call(name, arguments).await;
        assert!(output.is_error());
        assert!(
            output
                .text()
                .starts_with(&format!("{name} panicked: a panic without a message")),
            "{}",
            output.text()
        );
    }
    let results = toolbox
        .call_all([ToolCall::new("1", "bomb", r#"{"blocking": false}"#)])
        .await;
    assert!(results[0].output.text().starts_with("bomb panicked"));
}
