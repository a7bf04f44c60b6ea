//! Tools declared in a library crate, so that the tests can show a binary finding the tools of
//! the crates it links.

use tool_runtime::tool;

/// Echoes a message back; declared in the library crate.
#[tool]
pub async fn library_echo(message: String) -> String {
    message
}

/// Argument types shared by the schema and provider tests, so that each golden schema is
/// checked against one definition.
pub mod types {
    use schemars::JsonSchema;
    use serde::Deserialize;

    /// Which rows to read.
    #[derive(Deserialize, JsonSchema)]
    pub struct Filter {
        /// Column to match.
        #[schemars(length(min = 1, max = 64))]
        pub column: String,
        /// At most this many rows.
        #[schemars(range(min = 1, max = 100))]
        pub limit: u32,
        /// Nested page settings.
        pub page: Option<Page>,
    }

    /// A page of results.
    #[derive(Deserialize, JsonSchema)]
    pub struct Page {
        /// First row, from zero.
        pub offset: u64,
    }

    /// Temperature unit.
    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Unit {
        /// Degrees Celsius.
        Celsius,
        /// Degrees Fahrenheit.
        Fahrenheit,
    }

    /// A shape to draw.
    #[derive(Deserialize, JsonSchema)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    pub enum Shape {
        /// A circle.
        Circle {
            /// Its radius.
            radius: f64,
        },
        /// A square.
        Square {
            /// Its side.
            side: f64,
        },
    }

    /// A tree of names.
    #[derive(Deserialize, JsonSchema)]
    pub struct Tree {
        /// The node's name.
        pub name: String,
        /// Its children.
        pub children: Vec<Tree>,
    }
}

/// For a test that needs a program `.ci/run` installs (an official MCP client, a checker) and
/// returns early without it: says why it skips, and fails instead under `CI=true`, where the
/// program must be there.
pub fn skip_outside_ci(reason: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{reason} (it must be in CI)"
    );
    eprintln!("skipped: {reason}");
}

/// Whether the Python package `package` is installed in the venv at `venv`
/// (`lib/python3.X/site-packages/PACKAGE`, whatever the X).
pub fn has_package(venv: &std::path::Path, package: &str) -> bool {
    venv.join("lib")
        .read_dir()
        .into_iter()
        .flatten()
        .flatten()
        .any(|lib| lib.path().join("site-packages").join(package).exists())
}

/// Starts the server `command` runs, which serves until its stdin closes and first prints
/// where it serves (a URL or an address); gives the child and that line.
pub async fn start_server(mut command: tokio::process::Command) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let line = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        tokio::io::BufReader::new(stdout).lines().next_line().await
    })
    .await
    .expect("the server prints where it serves within 20 s")
    .expect("stdout is readable")
    .expect("a line");
    (child, line)
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
