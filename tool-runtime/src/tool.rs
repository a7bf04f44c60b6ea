//! The `Tool` trait that `#[tool]` implements, and the values that cross it.

use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::{ArgumentsRef, CallContext, State, ToolSpec};

/// A boxed, sendable future, as [`Tool::call`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A shared tool, as toolboxes hold them.
pub type ToolRef = Arc<dyn Tool>;

/// A tool: its declaration and a way to call it with JSON arguments.
///
/// `#[tool]` implements it for you; implement it by hand for tools whose shape is only known at
/// run time (tools of a remote server, say). Timeouts, panics, cancellation, counters and the
/// text the model reads are the toolbox's business, whatever the tool.
///
/// ```
/// use std::sync::Arc;
/// use tool_runtime::{ArgumentsRef, BoxFuture, CallContext, Failure, State, Tool, ToolSpec, ToolValue};
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
///         arguments: ArgumentsRef<'a>,
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

    /// Runs the tool on the model's arguments, borrowed for as long as the call runs.
    fn call<'a>(
        &'a self,
        arguments: ArgumentsRef<'a>,
        context: CallContext,
        state: &'a State,
    ) -> BoxFuture<'a, Result<ToolValue, Failure>>;
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
    /// The tool returned an error that may not recur (see [`Transient`](crate::Transient)):
    /// the toolbox may try the call again. The model reads it as [`Failure::Tool`].
    Transient(String),
    /// The tool panicked.
    Panicked(String),
}

impl Failure {
    /// The tool's own error, from anything `Display`.
    pub fn tool(error: impl fmt::Display) -> Self {
        Failure::Tool(format!("{error:#}"))
    }

    /// The tool's own error, from anything `Display`, when trying again may help: a timeout,
    /// a dropped connection, a busy server.
    ///
    /// ```
    /// use tool_runtime::Failure;
    ///
    /// let failure = Failure::transient("the server is busy");
    /// assert_eq!(failure, Failure::Transient("the server is busy".to_owned()));
    /// ```
    pub fn transient(error: impl fmt::Display) -> Self {
        Failure::Transient(format!("{error:#}"))
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
            | Failure::Transient(message)
            | Failure::Panicked(message) => f.write_str(message),
        }
    }
}
