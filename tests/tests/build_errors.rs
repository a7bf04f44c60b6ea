//! What a toolbox that cannot be built says: each missing state type once, with every tool
//! that needs it; two tools of one name, with the functions that declare them; and, for
//! `Toolbox::registered()`, which takes no state, how to give it.

use tool_runtime::{BuildProblem, Toolbox, tool};

/// A database handle.
pub struct Db;

/// A clock.
pub struct Clock;

/// Reads a row.
#[tool]
async fn read_row(id: u64, #[state] db: &Db) -> u64 {
    let _ = db;
    id
}

/// Writes a row.
#[tool]
async fn write_row(id: u64, #[state] db: &Db, #[state] clock: &Clock) -> u64 {
    let _ = (db, clock);
    id
}

mod first {
    use tool_runtime::tool;

    /// Searches the first index.
    #[tool]
    pub async fn search(text: String) -> String {
        text
    }
}

mod second {
    use tool_runtime::tool;

    /// Searches the second index.
    #[tool(name = "search")]
    pub async fn find(text: String) -> String {
        text
    }
}

#[test]
fn missing_state_is_reported_once_listing_every_tool_that_needs_it() {
    let error = Toolbox::builder()
        .tools([read_row::tool(), write_row::tool()])
        .build()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [
            BuildProblem::MissingState {
                tools: vec!["read_row".into(), "write_row".into()],
                type_name: "build_errors::Db",
            },
            BuildProblem::MissingState {
                tools: vec!["write_row".into()],
                type_name: "build_errors::Clock",
            },
        ]
    );
    let text = error.to_string();
    assert!(
        text.contains("tools read_row, write_row need state of type `build_errors::Db`"),
        "{text}"
    );
}

#[test]
fn duplicate_names_name_both_functions() {
    let error = Toolbox::builder()
        .tools([first::search::tool(), second::find::tool()])
        .build()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [BuildProblem::DuplicateName {
            name: "search".into(),
            functions: vec![
                "build_errors::first::search".into(),
                "build_errors::second::find".into()
            ],
        }]
    );
    assert_eq!(
        error.to_string(),
        "the toolbox could not be built: two different tools are named \"search\", declared by \
         `build_errors::first::search` and `build_errors::second::find`; rename one with \
         #[tool(name = \"...\")]"
    );
}

#[test]
fn registered_without_state_says_to_use_the_builder() {
    let text = Toolbox::registered().unwrap_err().to_string();
    assert!(
        text.contains("`Toolbox::builder().registered().state(value).build()`"),
        "{text}"
    );
    let built = Toolbox::builder()
        .tools([read_row::tool(), write_row::tool()])
        .state(Db)
        .state(Clock)
        .build();
    assert!(built.is_ok());
}
