//! An MCP server for the tests that start it as a child process (`tests/tests/mcp_child_process.rs`,
//! `tests/tests/mcp_clients.rs`): on stdio by default; with `--http`, on streamable HTTP at
//! 127.0.0.1 on a free port, whose URL it prints as the first line of stdout, until its stdin
//! closes (`--http --stateless`: with no sessions). Its tools say on stderr what happened to
//! them, since stdout carries the protocol. With `--approval`, it also has a `destructive`
//! tool, `delete_note`, and asks a person before each of its calls
//! (`Approval::ask_destructive()`), for `tests/clients/python/elicit.py`. With `--shapes`, it
//! also has tools whose arguments and results take more shapes of schema (a tagged union, an
//! enum, a type that contains itself, a map, an optional result), for
//! `tests/clients/python/frameworks.py`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use tool_runtime::mcp::{HttpServer, McpServer};
use tool_runtime::{Approval, CallContext, Toolbox, tool};

/// How many `wait_for_cancel` calls were cancelled.
static CANCELLED: AtomicUsize = AtomicUsize::new(0);

/// How many notes `delete_note` deleted.
static DELETED: AtomicUsize = AtomicUsize::new(0);

/// Deletes a note.
#[tool(destructive)]
async fn delete_note(name: String) -> String {
    DELETED.fetch_add(1, Ordering::SeqCst);
    format!("deleted {name}")
}

/// How many notes were deleted so far.
#[tool(read_only)]
async fn notes_deleted() -> usize {
    DELETED.load(Ordering::SeqCst)
}

/// Adds two numbers.
#[tool(read_only)]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Always fails, with `message`.
#[tool]
async fn fail(message: String) -> Result<String, String> {
    Err(message)
}

/// Never answers within its time.
#[tool(timeout = "50ms")]
async fn stall() -> String {
    std::future::pending().await
}

/// Waits until the call is cancelled, which drops its future; says on stderr when it starts
/// and when it is dropped.
#[tool]
async fn wait_for_cancel() -> String {
    eprintln!("wait_for_cancel started");
    let _dropped = CountOnDrop;
    std::future::pending().await
}

/// Counts a cancelled `wait_for_cancel` and says so on stderr, when dropped.
struct CountOnDrop;

impl Drop for CountOnDrop {
    fn drop(&mut self) {
        CANCELLED.fetch_add(1, Ordering::SeqCst);
        eprintln!("wait_for_cancel dropped");
    }
}

/// How many `wait_for_cancel` calls were cancelled so far.
#[tool]
async fn cancellations() -> usize {
    CANCELLED.load(Ordering::SeqCst)
}

/// Counts from 1 to `n`, reporting each step as progress.
#[tool]
async fn count_up(n: u32, cx: &CallContext) -> u32 {
    for step in 1..=n {
        cx.progress(f64::from(step), Some(f64::from(n)), &format!("step {step}"));
        tokio::task::yield_now().await;
    }
    n
}

/// `word`, `times` times: a typed result, which the toolbox cuts when it is long.
#[tool(read_only)]
async fn repeat(word: String, times: u32) -> Vec<String> {
    vec![word; times as usize]
}

/// A shape to measure.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Shape {
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

/// A unit of length.
#[derive(Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Unit {
    /// Metres.
    M,
    /// Feet.
    Ft,
}

/// What `measure` found.
#[derive(Serialize, JsonSchema)]
struct Measured {
    /// The shape's area, in square `unit`s.
    area: f64,
    /// The unit of the area's side.
    unit: Unit,
    /// A remark, when there is one.
    note: Option<String>,
}

/// A tree of names.
#[derive(Serialize, Deserialize, JsonSchema)]
struct Node {
    /// The node's name.
    name: String,
    /// Its children.
    children: Vec<Node>,
}

/// A word, or a list of such values: a recursive type that is not an object.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
enum Nested {
    /// A word.
    Word(String),
    /// A list.
    List(Vec<Nested>),
}

/// `word` inside `depth` lists.
#[tool(read_only)]
async fn nest(word: String, depth: u32) -> Nested {
    (0..depth).fold(Nested::Word(word), |inner, _| Nested::List(vec![inner]))
}

/// Measures a shape's area.
///
/// # Arguments
/// * `shape` - the shape, tagged by its `kind`
/// * `unit` - the unit of its lengths (metres when not given)
#[tool(read_only)]
async fn measure(shape: Shape, unit: Option<Unit>) -> Measured {
    let area = match shape {
        Shape::Circle { radius } => std::f64::consts::PI * radius * radius,
        Shape::Square { side } => side * side,
    };
    let note = (area == 0.0).then(|| "an empty shape".to_owned());
    Measured {
        area,
        unit: unit.unwrap_or(Unit::M),
        note,
    }
}

/// The tree `root`, every name in capitals: a recursive type, in and out.
#[tool(read_only)]
async fn shout_tree(root: Node) -> Node {
    fn shout(node: Node) -> Node {
        Node {
            name: node.name.to_uppercase(),
            children: node.children.into_iter().map(shout).collect(),
        }
    }
    shout(root)
}

/// How many times each word occurs in `words`: a map.
#[tool(read_only)]
async fn word_counts(words: Vec<String>) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for word in words {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

/// The value of `key`, if it has one: an optional result.
#[tool(read_only)]
async fn lookup(key: String) -> Option<String> {
    (key == "colour").then(|| "blue".to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let flag = |name: &str| std::env::args().skip(1).any(|arg| arg == name);
    let mut builder = Toolbox::builder();
    if flag("--approval") {
        builder = builder
            .tools([delete_note::tool(), notes_deleted::tool()])
            .approval(Approval::ask_destructive());
    }
    if flag("--shapes") {
        builder = builder.tools([
            measure::tool(),
            shout_tree::tool(),
            word_counts::tool(),
            lookup::tool(),
            nest::tool(),
        ]);
    }
    let toolbox = builder
        .tools([
            add::tool(),
            fail::tool(),
            stall::tool(),
            wait_for_cancel::tool(),
            cancellations::tool(),
            count_up::tool(),
            repeat::tool(),
        ])
        .default_timeout(Duration::from_secs(60))
        .build()
        .map_err(std::io::Error::other)?;
    let server = McpServer::new(toolbox).with_implementation("mcp_test_server", "0.1.0");
    if !flag("--http") {
        return server.serve_stdio().await;
    }
    let mut http = HttpServer::builder(server);
    if flag("--stateless") {
        http = http.stateless();
    }
    let http = http.bind("127.0.0.1:0").await?;
    println!("{}", http.url());
    // Serve until the test closes stdin (or dies).
    let mut stdin = tokio::io::stdin();
    let _ = tokio::io::copy(&mut stdin, &mut tokio::io::sink()).await;
    http.shutdown().await;
    Ok(())
}
