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
