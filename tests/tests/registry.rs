//! `Toolbox::registered()` in a binary whose tools have distinct names: it finds the tools of
//! this test and of the library crate it links, with no list.

use tool_runtime::{Toolbox, tool};

// Links the library crate, whose tools register themselves; nothing else of it is used.
use tests as _;

/// Multiplies two numbers.
#[tool]
async fn multiply(a: i64, b: i64) -> i64 {
    a * b
}

#[tokio::test]
async fn every_tool_of_the_binary_is_found() {
    let toolbox = Toolbox::registered().unwrap();
    let names: Vec<&str> = toolbox.specs().map(|s| s.name.as_ref()).collect();
    assert_eq!(names, ["library_echo", "multiply"]);
    assert_eq!(
        toolbox.call("multiply", r#"{"a":6,"b":7}"#).await.text(),
        "42"
    );
    assert_eq!(
        toolbox
            .call("library_echo", r#"{"message":"from the lib"}"#)
            .await
            .text(),
        "from the lib"
    );
}
