#![deny(warnings, missing_docs, unused_qualifications)]
//! Tools and parameters whose names are those of the generated code's own parameters, and raw
//! identifiers, in names and parameters: the expansion must not shadow or mangle them.

use tool_runtime::{tool, CallContext, Toolbox};

/// Shared state.
pub struct Db;

/// A tool named `state`.
#[tool]
pub async fn state(arguments: String, #[state] context: &Db) -> String {
    let _ = context;
    arguments
}

/// A tool named `context`.
#[tool]
pub async fn context(state: i64, cx: &CallContext) -> i64 {
    let _ = cx;
    state
}

/// A tool named `arguments`, a plain function.
#[tool]
pub fn arguments(context: u8, state: u8) -> u8 {
    context + state
}

/// A tool with a raw identifier as its name and its parameter.
///
/// # Arguments
/// * `type` - the kind of thing
#[tool]
pub async fn r#match(r#type: String, r#async: Option<bool>) -> String {
    format!("{type}{}", r#async.unwrap_or(false))
}

/// Names that generated code might use for its own locals.
#[tool]
pub async fn locals(__tool_value: i64, __map: i64, value: i64) -> i64 {
    __tool_value + __map + value
}

fn main() {
    let toolbox = Toolbox::builder()
        .tools([
            state::tool(),
            context::tool(),
            arguments::tool(),
            r#match::tool(),
            locals::tool(),
        ])
        .state(Db)
        .build()
        .unwrap();
    assert!(toolbox.spec("match").is_some());
    let schema = &toolbox.spec("match").unwrap().input_schema;
    assert!(schema["properties"]["type"].is_object());
    assert_eq!(toolbox.spec("match").unwrap().input_schema["required"][0], "type");
}
