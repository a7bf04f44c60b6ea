//! The result of one call as the model reads it.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::{ToolError, ToolValue};

/// What one call gives back: always a string for the model, with a flag saying whether it is an
/// error. Code that wants more reads [`ToolOutput::structured`] or [`ToolOutput::error`].
///
/// ```
/// use tool_runtime::{tool, Toolbox};
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder().tool(add::tool()).build().unwrap();
///     let output = toolbox.call("add", r#"{"a": 2, "b": 3}"#).await;
///     assert_eq!(output.text(), "5");
///     assert!(!output.is_error());
///
///     let output = toolbox.call("add", r#"{"a": 2}"#).await;
///     assert!(output.is_error());
///     assert_eq!(
///         output.text(),
///         "invalid arguments for add: missing field `b`. Fix the arguments and call add again."
///     );
/// }
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ToolOutput {
    text: String,
    structured: Option<Value>,
    /// Boxed: errors are rare, and an output is moved a few times on every call.
    error: Option<Box<ToolError>>,
    slow_poll: Option<Duration>,
}

impl ToolOutput {
    /// A successful output.
    #[inline]
    pub fn success(value: ToolValue) -> Self {
        ToolOutput::success_after(value, None)
    }

    /// A successful output, and its slowest poll if it went over the threshold.
    #[inline]
    pub(crate) fn success_after(value: ToolValue, slow_poll: Option<Duration>) -> Self {
        ToolOutput {
            text: value.text,
            structured: value.structured,
            error: None,
            slow_poll,
        }
    }

    /// A failed output whose text is `text` (the error's message, or a redacted one).
    pub fn failure(error: ToolError, text: String) -> Self {
        ToolOutput {
            text,
            structured: None,
            error: Some(Box::new(error)),
            slow_poll: None,
        }
    }

    /// The text for the model: the result, or what went wrong.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, owned.
    #[inline]
    pub fn into_text(self) -> String {
        self.text
    }

    /// Whether the call failed.
    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }

    /// The structured result, for tools that return a typed value.
    pub fn structured(&self) -> Option<&Value> {
        self.structured.as_ref()
    }

    /// The error, in full even when the toolbox hides details from the model.
    pub fn error(&self) -> Option<&ToolError> {
        self.error.as_deref()
    }

    /// The longest single poll of the tool's future, when it went over the toolbox's
    /// slow-poll threshold: the tool blocked its thread (and so the executor) that long.
    pub fn slow_poll(&self) -> Option<Duration> {
        self.slow_poll
    }

    #[inline]
    pub(crate) fn set_slow_poll(&mut self, slow_poll: Option<Duration>) {
        self.slow_poll = slow_poll;
    }

    /// Cuts the text to `limit` characters, at a char boundary, saying how much was cut, and
    /// leaves out a structured result whose JSON is longer than `limit`.
    pub(crate) fn cut_to(&mut self, limit: usize) {
        // Bytes bound characters: text this short cannot be over the limit.
        if self.text.len() > limit
            && let Some((end, _)) = self.text.char_indices().nth(limit)
        {
            let cut = self.text[end..].chars().count();
            self.text.truncate(end);
            self.text
                .push_str(&format!("\n[output cut: {cut} more characters not shown]"));
        }
        if self
            .structured
            .as_ref()
            .is_some_and(|value| crate::arguments::json_len(value) > limit)
        {
            self.structured = None;
        }
    }
}

impl fmt::Display for ToolOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
