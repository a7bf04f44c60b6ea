//! The wrappers around every tool future, each with one job: [`Guarded`] contains panics and
//! times each poll, so that a tool that blocks its thread (a blocking call inside an async
//! tool) is reported; [`Deadline`] stops the call at its deadline; [`run_blocking`] runs a plain `fn` tool on tokio's blocking pool within the
//! toolbox's cap on blocking calls.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::{CallContext, Failure, Toolbox};

/// What the polls of a tool's future showed.
#[derive(Default)]
pub(crate) struct Polls {
    /// When the last poll returned the result.
    pub(crate) ended: Option<Instant>,
    /// The longest poll over the slow-poll threshold.
    pub(crate) slow: Option<Duration>,
}

/// Polls a tool's future, turning a panic into its message, and records in `polls` when it
/// finished and its longest poll over `threshold`. Dropping it drops the tool's future with
/// a panic in that drop contained too.
pub(crate) struct Guarded<'a, F> {
    future: Option<F>,
    tool: &'a str,
    threshold: Option<Duration>,
    polls: &'a mut Polls,
}

impl<'a, F> Guarded<'a, F> {
    pub(crate) fn new(
        future: F,
        tool: &'a str,
        threshold: Option<Duration>,
        polls: &'a mut Polls,
    ) -> Self {
        Guarded {
            future: Some(future),
            tool,
            threshold,
            polls,
        }
    }
}

impl<F: Future + Unpin> Future for Guarded<'_, F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(future) = this.future.as_mut() else {
            return Poll::Pending;
        };
        let start = this.threshold.map(|_| Instant::now());
        let polled = catch_unwind(AssertUnwindSafe(|| Pin::new(future).poll(cx)));
        let ready = !matches!(polled, Ok(Poll::Pending));
        let end = (start.is_some() || ready).then(Instant::now);
        if let (Some(start), Some(end), Some(threshold)) = (start, end, this.threshold) {
            let took = end.saturating_duration_since(start);
            this.polls.slow = this.polls.slow.max(slow_poll(this.tool, took, threshold));
        }
        if ready {
            this.polls.ended = end;
            contained_drop(this.future.take());
        }
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(contain(payload))),
        }
    }
}

impl<F> Drop for Guarded<'_, F> {
    fn drop(&mut self) {
        contained_drop(self.future.take());
    }
}

/// `Some(took)`, with a warning naming the tool, when one poll of it held its thread for
/// longer than `threshold`.
pub(crate) fn slow_poll(tool: &str, took: Duration, threshold: Duration) -> Option<Duration> {
    if took <= threshold {
        return None;
    }
    tracing::warn!(
        tool,
        poll_ms = took.as_millis() as u64,
        threshold_ms = threshold.as_millis() as u64,
        "a tool held its thread for {} ms in one poll: it blocks the executor; \
         use async I/O, or make it a plain fn so it runs on the blocking pool",
        took.as_millis()
    );
    Some(took)
}

/// Completes with `Some(output)`, or `None` once `deadline` has passed.
pub(crate) struct Deadline<F> {
    future: F,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<F> Deadline<F> {
    pub(crate) fn new(future: F, deadline: Instant) -> Self {
        Deadline {
            future,
            deadline,
            timer: None,
        }
    }
}

impl<F: Future + Unpin> Future for Deadline<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Poll::Ready(output) = Pin::new(&mut this.future).poll(cx) {
            return Poll::Ready(Some(output));
        }
        // Made on the first poll that leaves the future pending: a tool that answers at once
        // costs no timer.
        let deadline = this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        timer.as_mut().poll(cx).map(|()| None)
    }
}

/// The message of a panic payload. The payload is dropped here, a panic in its own `Drop`
/// contained too.
pub(crate) fn contain(payload: Box<dyn Any + Send>) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    };
    contained_drop(Some(payload));
    message
}

/// Drops `value`; a panic in its `Drop` is contained, and the payload of that panic is
/// leaked rather than dropped (its own `Drop` could panic again).
pub(crate) fn contained_drop<T>(value: Option<T>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        std::mem::forget(payload);
    }
}

/// At most this many characters of a name or an id the model gave are echoed back to it.
pub(crate) const SHOWN_CHARS: usize = 64;

/// The first [`SHOWN_CHARS`] characters of `text` the model gave (a name, an id), ending in
/// `…` when there were more, to echo back to it.
pub(crate) fn shortened(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]).into(),
        None => text.into(),
    }
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`), for logs: text from a model or
/// a tool cannot forge log lines or terminal escapes.
pub(crate) fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// Where a blocking call is: running, over, or abandoned by a call whose time was up.
const RUNNING: u8 = 0;
const OVER: u8 = 1;
const ABANDONED: u8 = 2;

/// Runs `f` on tokio's blocking pool, once one of the toolbox's slots for blocking calls is
/// free (waiting for it under the call's own timeout). The slot is held until `f` returns,
/// even after the call's time is up: a tool that ignores cancellation holds its slot, not a
/// thread of tokio's pool beyond the cap. A result that comes after the call was given up is
/// dropped and logged, and the tool's stats count the call as running late meanwhile.
pub(crate) async fn run_blocking<R: Send + 'static>(
    context: &CallContext,
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, Failure> {
    let (toolbox, index) = match context.toolbox() {
        Some((toolbox, index)) => (Some(toolbox.clone()), index),
        None => (None, 0),
    };
    let slot = match &toolbox {
        Some(toolbox) => Some(
            Arc::clone(&toolbox.inner.blocking)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed"),
        ),
        None => None,
    };
    let status = Arc::new(AtomicU8::new(RUNNING));
    let mut watch = Abandon {
        status: Arc::clone(&status),
        toolbox: toolbox.clone(),
        index,
    };
    let handle = tokio::task::spawn_blocking(move || {
        let result = catch_unwind(AssertUnwindSafe(f)).map_err(contain);
        drop(slot);
        let abandoned = status
            .compare_exchange(RUNNING, OVER, Ordering::AcqRel, Ordering::Acquire)
            .is_err();
        if let (true, Some(toolbox)) = (abandoned, &toolbox) {
            let entry = &toolbox.inner.entries[index];
            entry.counters.running_late(-1);
            tracing::warn!(
                tool = &*entry.spec.name,
                "a blocking call finished after its time was up; its result was dropped"
            );
        }
        result
    });
    let joined = handle.await;
    watch.toolbox = None;
    match joined {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(message)) => Err(Failure::Panicked(message)),
        Err(_) => Err(Failure::Tool("the blocking task was cancelled".to_owned())),
    }
}

/// Dropped with the call's future before the blocking call returned: counts the call as
/// running late until it does.
struct Abandon {
    status: Arc<AtomicU8>,
    toolbox: Option<Toolbox>,
    index: usize,
}

impl Drop for Abandon {
    fn drop(&mut self) {
        let Some(toolbox) = &self.toolbox else { return };
        let counters = &toolbox.inner.entries[self.index].counters;
        counters.running_late(1);
        let given_up = self
            .status
            .compare_exchange(RUNNING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if !given_up {
            counters.running_late(-1);
        }
    }
}
