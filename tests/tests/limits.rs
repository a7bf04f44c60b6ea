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
    assert_eq!(toolbox.stats("count").unwrap().calls, 2);
}
