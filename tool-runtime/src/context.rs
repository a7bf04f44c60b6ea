//! The call context a tool may ask for: its call id, its deadline and its cancellation.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

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
    cancellation: CancellationToken,
}

impl CallContext {
    /// A context with no call id, no deadline and a token nobody cancels: for calling a tool
    /// function directly.
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
        self.cancellation = token;
        self
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
        self.cancellation.is_cancelled()
    }

    /// Completes when the call is cancelled; use it in `tokio::select!`.
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.cancellation.cancelled()
    }

    /// The token itself, to hand to code that takes a `CancellationToken`.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.cancellation
    }
}
