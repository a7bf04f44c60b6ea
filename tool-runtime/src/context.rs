//! The call context a tool may ask for: its call id, its deadline, its cancellation, and where
//! its progress reports go.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::Toolbox;

/// What a tool knows about the call it is serving. Add a parameter of this type (by value or
/// by reference) to a `#[tool]` function; it is not part of the schema.
///
/// When the call's time is up, the runtime cancels the token and stops awaiting the tool. An
/// async tool is simply dropped at its next `.await`; a blocking (`fn`) tool keeps running on
/// its thread, so long loops should check [`CallContext::is_cancelled`].
///
/// ```
/// use tool_runtime::{tool, CallContext};
///
/// /// Counts up to `n`, stopping early when the call's time is up.
/// #[tool(timeout = "2s")]
/// fn count(n: u64, cx: &CallContext) -> u64 {
///     let mut i = 0;
///     while i < n && !cx.is_cancelled() {
///         i += 1;
///     }
///     i
/// }
///
/// fn main() {
///     // Called directly, a tool gets a context that is never cancelled.
///     assert_eq!(count(10, &CallContext::new()), 10);
/// }
/// ```
#[derive(Clone, Debug, Default)]
pub struct CallContext {
    call_id: Option<Arc<str>>,
    deadline: Option<Instant>,
    /// `None`: never cancelled (no token is made until one is needed).
    cancellation: Option<CancellationToken>,
    /// `None`: nobody listens to progress reports.
    progress: Option<Reports>,
    /// The toolbox running the call and the index of the tool's entry, for its blocking calls.
    toolbox: Option<(Toolbox, usize)>,
}

impl CallContext {
    /// A context with no call id, no deadline, that nothing cancels: for calling a tool
    /// function directly. Add [`with_cancellation`](CallContext::with_cancellation) to cancel it.
    pub fn new() -> Self {
        CallContext::default()
    }

    /// Sets the call id.
    pub fn with_call_id(mut self, id: impl Into<Arc<str>>) -> Self {
        self.call_id = Some(id.into());
        self
    }

    /// Sets the deadline.
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Uses `token` for cancellation.
    pub fn with_cancellation(mut self, token: CancellationToken) -> Self {
        self.cancellation = Some(token);
        self
    }

    /// Sends the tool's progress reports to `listener`. The context and its clones are one
    /// call: each of their reports must go further than the last one passed on.
    pub fn with_progress(mut self, listener: OnProgress) -> Self {
        self.progress = Some(Reports {
            listener,
            last: Arc::new(Mutex::new(f64::NEG_INFINITY)),
        });
        self
    }

    /// Reports how far the call has come: `done` units of work, of `total` when it is known,
    /// with a short `message` (none when empty). An MCP client that asked for progress gets
    /// each report as a `notifications/progress`; an in-process caller gets it through the
    /// [`OnProgress`] of its [`ToolCall`](crate::ToolCall). With nobody listening, it does
    /// nothing. MCP requires progress to grow, so a report whose `done` is not above the last
    /// one passed on, or is NaN, is dropped: when the toolbox runs a tool again after a
    /// transient failure, the new attempt's reports are passed on once they go further than
    /// the earlier one got.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use tool_runtime::{tool, CallContext, OnProgress, Progress, ToolCall, Toolbox};
    ///
    /// /// Counts the lines of a text.
    /// #[tool]
    /// async fn count_lines(text: String, cx: &CallContext) -> usize {
    ///     let total = text.lines().count();
    ///     for (done, _) in text.lines().enumerate() {
    ///         cx.progress((done + 1) as f64, Some(total as f64), "counting");
    ///     }
    ///     total
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let toolbox = Toolbox::builder().tool(count_lines::tool()).build().unwrap();
    ///     let seen = Arc::new(Mutex::new(Vec::new()));
    ///     let listener = OnProgress::new({
    ///         let seen = seen.clone();
    ///         move |progress: Progress| seen.lock().unwrap().push(progress.done)
    ///     });
    ///     let call = ToolCall::new("1", "count_lines", r#"{"text": "a\nb"}"#).with_progress(listener);
    ///     let results = toolbox.call_all([call]).await;
    ///     assert_eq!(results[0].output.text(), "2");
    ///     assert_eq!(*seen.lock().unwrap(), [1.0, 2.0]);
    /// }
    /// ```
    pub fn progress(&self, done: f64, total: Option<f64>, message: &str) {
        if let Some(Reports { listener, last }) = &self.progress {
            {
                let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
                if done.is_nan() || done <= *last {
                    return;
                }
                *last = done;
            }
            // The listener runs outside the lock.
            (listener.0)(Progress {
                done,
                total,
                message: (!message.is_empty()).then(|| message.to_owned()),
            });
        }
    }

    /// The id the model gave this call, when it gave one.
    pub fn call_id(&self) -> Option<&str> {
        self.call_id.as_deref()
    }

    /// When the runtime stops waiting for this call.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The time left before the deadline (zero once it has passed).
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether the call has been cancelled (its time is up, or its batch was cancelled).
    pub fn is_cancelled(&self) -> bool {
        self.cancellation
            .as_ref()
            .is_some_and(CancellationToken::is_cancelled)
    }

    /// Completes when the call is cancelled (never, for a context nothing can cancel); use it
    /// in `tokio::select!`.
    pub async fn cancelled(&self) {
        crate::call::cancelled(self.cancellation.as_ref()).await
    }

    /// A token cancelled with the call, to hand to code that takes a `CancellationToken` (for a
    /// context nothing can cancel, a token of its own that nothing cancels).
    pub fn cancellation_token(&self) -> CancellationToken {
        self.cancellation.clone().unwrap_or_default()
    }

    /// The context of a call run by `toolbox`, of its tool at `index`.
    pub(crate) fn with_toolbox(mut self, toolbox: Toolbox, index: usize) -> Self {
        self.toolbox = Some((toolbox, index));
        self
    }

    /// The toolbox running the call, and the index of the tool's entry.
    pub(crate) fn toolbox(&self) -> Option<(&Toolbox, usize)> {
        self.toolbox
            .as_ref()
            .map(|(toolbox, index)| (toolbox, *index))
    }
}

/// Where the reports of a call go, and the `done` of the last one passed on, shared by the
/// clones of its context (the attempts of the call, a relay of a remote server's reports).
#[derive(Clone, Debug)]
struct Reports {
    listener: OnProgress,
    last: Arc<Mutex<f64>>,
}

/// One progress report of a tool ([`CallContext::progress`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// How much work is done.
    pub done: f64,
    /// How much work there is in all, when the tool knows.
    pub total: Option<f64>,
    /// What the tool is doing, when it said.
    pub message: Option<String>,
}

/// Where the progress reports of a call go: a function called with each report, in order, on
/// the tool's task. It should return at once (push to a channel, update a counter).
///
/// ```
/// use tool_runtime::{OnProgress, Progress, ToolCall};
///
/// let call = ToolCall::new("1", "import", "{}")
///     .with_progress(OnProgress::new(|p: Progress| eprintln!("{} of {:?}", p.done, p.total)));
/// assert!(call.progress.is_some());
/// ```
#[derive(Clone)]
pub struct OnProgress(Arc<dyn Fn(Progress) + Send + Sync>);

impl OnProgress {
    /// Calls `listener` with each report.
    pub fn new(listener: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        OnProgress(Arc::new(listener))
    }
}

impl fmt::Debug for OnProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnProgress(..)")
    }
}

/// Two listeners are equal when they are the same function (clones of one `OnProgress`).
impl PartialEq for OnProgress {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reports_that_go_further_are_passed_on_by_a_context_and_its_clones() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let listener = OnProgress::new({
            let seen = seen.clone();
            move |report: Progress| seen.lock().unwrap().push(report.done)
        });
        let context = CallContext::new().with_progress(listener.clone());
        let clone = context.clone();
        context.progress(1.0, None, "");
        context.progress(1.0, None, "");
        clone.progress(0.5, None, "");
        clone.progress(f64::NAN, None, "");
        clone.progress(2.0, None, "");
        context.progress(1.5, None, "");
        // Another call with the same listener starts again.
        CallContext::new()
            .with_progress(listener)
            .progress(0.0, None, "");
        assert_eq!(*seen.lock().unwrap(), [1.0, 2.0, 0.0]);
    }
}
