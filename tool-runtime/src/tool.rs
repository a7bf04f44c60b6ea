//! The `Tool` trait that `#[tool]` implements, and the values that cross it.

use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::{Arguments, ArgumentsRef, CallContext, State, ToolSpec};

/// A boxed, sendable future, as [`Tool::call`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A shared tool, as toolboxes hold them.
pub type ToolRef = Arc<dyn Tool>;

/// A tool: its declaration and a way to call it with JSON arguments.
///
/// `#[tool]` implements it for you; implement it by hand for tools whose shape is only known at
/// run time (tools of a remote server, say).
///
/// ```
/// use std::sync::Arc;
/// use tool_runtime::{Arguments, BoxFuture, CallContext, Failure, State, Tool, ToolSpec, ToolValue};
///
/// struct Echo;
///
/// impl Tool for Echo {
///     fn spec(&self) -> ToolSpec {
///         ToolSpec::new("echo", "Returns its arguments.", serde_json::json!({"type": "object"}))
///     }
///
///     fn call<'a>(
///         &'a self,
///         arguments: Arguments,
///         _context: CallContext,
///         _state: &'a State,
///     ) -> BoxFuture<'a, Result<ToolValue, Failure>> {
///         Box::pin(async move { Ok(ToolValue::text(arguments.to_json_string())) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let toolbox = tool_runtime::Toolbox::builder().tool(Arc::new(Echo)).build().unwrap();
/// assert_eq!(toolbox.call("echo", r#"{"a":1}"#).await.text(), r#"{"a":1}"#);
/// # }
/// ```
pub trait Tool: Any + Send + Sync {
    /// The tool's declaration. Called once, when a toolbox is built.
    fn spec(&self) -> ToolSpec;

    /// The state types the tool needs, checked when a toolbox is built.
    fn state_requirements(&self) -> Vec<StateRequirement> {
        Vec::new()
    }

    /// Whether [`call`](Tool::call) looks at its [`CallContext`]. When it does not, the runtime
    /// does not make the context a cancellation token of its own. `#[tool]` answers from the
    /// function's parameters; asked once, when a toolbox is built.
    fn reads_context(&self) -> bool {
        true
    }

    /// Whether [`start`](Tool::start) turns a panic of its own into
    /// [`Failure::Panicked`](crate::Failure::Panicked) rather than letting it unwind. When it
    /// does, the toolbox spares the call a `catch_unwind` of its own; a tool that says so and
    /// panics anyway takes the caller's task down. Panics inside the future of a
    /// [`Started::Running`] are the toolbox's business either way. `#[tool]` answers `true`;
    /// asked once, when a toolbox is built.
    fn catches_panics(&self) -> bool {
        false
    }

    /// Runs the tool. Timeouts, panics and error text are the toolbox's business.
    fn call<'a>(
        &'a self,
        arguments: Arguments,
        context: CallContext,
        state: &'a State,
    ) -> BoxFuture<'a, Result<ToolValue, Failure>>;

    /// Starts the tool on borrowed arguments, as the toolbox does: a tool that can finish
    /// without waiting answers [`Started::Done`] and costs no boxed future. The default copies
    /// the arguments for [`call`](Tool::call); `#[tool]` decodes them in place, and finishes an
    /// `async fn` whose body has no `.await` at once.
    fn start<'a>(
        &'a self,
        arguments: ArgumentsRef<'_>,
        context: CallContext,
        state: &'a State,
    ) -> Started<'a> {
        Started::Running(self.call(arguments.to_owned(), context, state))
    }
}

/// How a call began: finished already, or running as a future to await.
///
/// ```
/// use tool_runtime::{tool, ArgumentsRef, CallContext, Started, State};
///
/// /// Adds two integers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// fn main() {
///     let tool = add::tool();
///     let state = State::default();
///     let arguments = ArgumentsRef::Text(r#"{"a":1,"b":2}"#);
///     let started = tool.start(arguments, CallContext::new(), &state);
///     let Started::Done(Ok(value)) = started else { panic!("add never waits") };
///     assert_eq!(value.text, "3");
/// }
/// ```
#[must_use = "a running call does nothing unless its future is awaited"]
pub enum Started<'a> {
    /// The call finished without waiting.
    Done(Result<ToolValue, Failure>),
    /// The call is running: its future gives the outcome.
    Running(BoxFuture<'a, Result<ToolValue, Failure>>),
}

impl<'a> Started<'a> {
    /// The outcome as a future, whichever way the call began.
    pub fn into_future(self) -> BoxFuture<'a, Result<ToolValue, Failure>> {
        match self {
            Started::Done(result) => Box::pin(std::future::ready(result)),
            Started::Running(future) => future,
        }
    }
}

/// A state type that a tool needs.
///
/// ```
/// use tool_runtime::StateRequirement;
///
/// let need = StateRequirement::of::<String>();
/// assert_eq!(need.type_name(), "alloc::string::String");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateRequirement {
    type_id: TypeId,
    type_name: &'static str,
}

impl StateRequirement {
    /// The requirement of a value of type `T`.
    pub fn of<T: Send + Sync + 'static>() -> Self {
        StateRequirement {
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
        }
    }

    /// The type's id.
    pub fn type_id(&self) -> TypeId {
        self.type_id
    }

    /// The type's name.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

/// What a tool returned: the text the model reads, and the JSON value when the result is
/// structured (MCP `structuredContent`).
///
/// ```
/// use tool_runtime::ToolValue;
///
/// let value = ToolValue::json(serde_json::json!({"temp": 15}));
/// assert_eq!(value.text, r#"{"temp":15}"#);
/// assert_eq!(ToolValue::text("hello").structured, None);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ToolValue {
    /// The result as the model reads it.
    pub text: String,
    /// The result as JSON, for structured results.
    pub structured: Option<Value>,
}

impl ToolValue {
    /// A text result.
    pub fn text(text: impl Into<String>) -> Self {
        ToolValue {
            text: text.into(),
            structured: None,
        }
    }

    /// A structured result; its text is the compact JSON.
    pub fn json(value: Value) -> Self {
        ToolValue {
            // Straight to JSON text, not through `Display`'s formatter: writing a value cannot
            // fail, its keys being strings.
            text: serde_json::to_string(&value).unwrap_or_default(),
            structured: Some(value),
        }
    }
}

/// Why a tool's call did not produce a value, as the tool itself reports it. The toolbox turns
/// it into a [`ToolError`](crate::ToolError) that names the tool.
///
/// ```
/// use tool_runtime::Failure;
///
/// let failure = Failure::tool("connection refused");
/// assert_eq!(failure.to_string(), "connection refused");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The arguments did not decode.
    InvalidArguments {
        /// Where in the arguments, as `filter.limit` or `items[2]`; `None` for the whole.
        path: Option<String>,
        /// What was wrong there.
        message: String,
    },
    /// The tool returned an error.
    Tool(String),
    /// The tool panicked.
    Panicked(String),
}

impl Failure {
    /// The tool's own error, from anything `Display`.
    pub fn tool(error: impl fmt::Display) -> Self {
        Failure::Tool(format!("{error:#}"))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::InvalidArguments {
                path: Some(path),
                message,
            } => write!(f, "at `{path}`: {message}"),
            Failure::InvalidArguments {
                path: None,
                message,
            }
            | Failure::Tool(message)
            | Failure::Panicked(message) => f.write_str(message),
        }
    }
}
