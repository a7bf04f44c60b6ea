//! The call context a tool may ask for: its call id, its deadline and its cancellation.

use std::sync::Arc;
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
        match &self.cancellation {
            Some(token) => token.cancelled().await,
            None => std::future::pending().await,
        }
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
