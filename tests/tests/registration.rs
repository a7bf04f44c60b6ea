//! Automatic registration across crates, and toolboxes built from lists.

use tool_runtime::{BuildProblem, Toolbox, tool};

/// Adds two numbers; declared in this test binary.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

mod other {
    use tool_runtime::tool;

    /// A second tool also named add.
    #[tool(name = "add")]
    pub async fn plus(a: i64) -> i64 {
        a
    }
}

#[tokio::test]
async fn registered_finds_the_tools_of_every_linked_crate() {
    let toolbox = Toolbox::builder()
        .registered()
        .tool(add::tool())
        .tool(tests::library_echo::tool())
        .build();
    // `other::plus` is also named add: the registry holds both, which is refused.
    let error = toolbox.unwrap_err();
    let [BuildProblem::DuplicateName { name, functions }] = error.problems() else {
        panic!("{error}");
    };
    assert_eq!(name, "add");
    let mut functions = functions.clone();
    functions.sort();
    assert_eq!(
        functions,
        ["registration::add", "registration::other::plus"]
    );
}

#[tokio::test]
async fn a_list_builds_a_toolbox_of_just_those_tools() {
    let toolbox = Toolbox::builder()
        .tool(add::tool())
        .tool(tests::library_echo::tool())
        .build()
        .unwrap();
    let names: Vec<&str> = toolbox.specs().map(|s| s.name.as_ref()).collect();
    assert_eq!(names, ["add", "library_echo"]);
    assert_eq!(
        toolbox
            .call("library_echo", r#"{"message":"hi"}"#)
            .await
            .text(),
        "hi"
    );
    assert_eq!(toolbox.call("add", r#"{"a":1,"b":2}"#).await.text(), "3");
}

#[test]
fn duplicate_names_are_refused_with_the_name() {
    let error = Toolbox::builder()
        .tool(add::tool())
        .tool(other::plus::tool())
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the toolbox could not be built: two different tools are named \"add\", declared by `registration::add` and `registration::other::plus`; rename one with #[tool(name = \"...\")]"
    );
}

#[test]
fn the_same_tool_twice_counts_once() {
    let toolbox = Toolbox::builder()
        .tool(add::tool())
        .tool(add::tool())
        .build()
        .unwrap();
    assert_eq!(toolbox.len(), 1);
}

/// Declares a tool whose name comes from a `macro_rules!` macro, as generated code does.
macro_rules! declare_echo {
    ($name:ident) => {
        /// Echoes its text; declared by a macro.
        #[tool]
        async fn $name(text: String) -> String {
            text
        }
    };
}

declare_echo!(macro_echo);

#[tokio::test]
async fn tools_declared_by_macro_rules_compile_and_run() {
    let toolbox = Toolbox::builder().tool(macro_echo::tool()).build().unwrap();
    assert_eq!(
        toolbox.call("macro_echo", r#"{"text":"hi"}"#).await.text(),
        "hi"
    );
}

/// A tool written by hand, named at run time, as a remote server's tools are.
struct HandWritten(&'static str);

impl tool_runtime::Tool for HandWritten {
    fn spec(&self) -> tool_runtime::ToolSpec {
        tool_runtime::ToolSpec::new(
            self.0,
            "Written by hand.",
            serde_json::json!({"type": "object"}),
        )
    }

    fn call<'a>(
        &'a self,
        _: tool_runtime::ArgumentsRef<'a>,
        _: tool_runtime::CallContext,
        _: &'a tool_runtime::State,
    ) -> tool_runtime::BoxFuture<'a, Result<tool_runtime::ToolValue, tool_runtime::Failure>> {
        Box::pin(async { Ok(tool_runtime::ToolValue::text("hand")) })
    }
}

#[test]
fn hand_written_tools_of_one_name_are_two_tools() {
    // Two tools of one type (two servers' tools, say) are told apart by name only.
    let error = Toolbox::builder()
        .tool(std::sync::Arc::new(HandWritten("search")))
        .tool(std::sync::Arc::new(HandWritten("search")))
        .build()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [BuildProblem::DuplicateName {
            name: "search".into(),
            functions: vec![],
        }]
    );
    // Nor does a hand-written tool merge with a `#[tool]` of its name.
    let error = Toolbox::builder()
        .tool(add::tool())
        .tool(std::sync::Arc::new(HandWritten("add")))
        .build()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [BuildProblem::DuplicateName {
            name: "add".into(),
            functions: vec!["registration::add".to_string()],
        }]
    );
}
