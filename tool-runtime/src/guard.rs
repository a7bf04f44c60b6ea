//! The wrappers around every tool future: [`Guarded`] catches panics and times each poll, so
//! that a tool that blocks its thread (a blocking call inside an async tool) is reported;
//! [`Deadline`] stops the call at its deadline, arming a timer only if the tool does not
//! finish on its first poll.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// What the polls of a tool's future showed.
#[derive(Default)]
pub(crate) struct Polls {
    /// When the last poll returned the result.
    pub(crate) ended: Option<Instant>,
    /// The longest poll over the slow-poll threshold.
    pub(crate) slow: Option<Duration>,
}

/// Polls a tool's future, turning a panic into an error value, and records in `polls` when it
/// finished and its longest poll over `threshold`.
pub(crate) struct Guarded<'a, F> {
    future: F,
    tool: &'a str,
    threshold: Option<Duration>,
    /// The start of the first poll: the call's start, read once already.
    first_start: Option<Instant>,
    polls: &'a mut Option<Polls>,
}

impl<'a, F> Guarded<'a, F> {
    pub(crate) fn new(
        future: F,
        tool: &'a str,
        threshold: Option<Duration>,
        started: Instant,
        polls: &'a mut Option<Polls>,
    ) -> Self {
        Guarded {
            future,
            tool,
            threshold,
            first_start: Some(started),
            polls,
        }
    }
}

impl<F: Future + Unpin> Future for Guarded<'_, F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let start = this
            .threshold
            .map(|_| this.first_start.take().unwrap_or_else(Instant::now));
        let future = &mut this.future;
        let polled = catch_unwind(AssertUnwindSafe(|| Pin::new(future).poll(cx)));
        let ready = !matches!(polled, Ok(Poll::Pending));
        let end = (start.is_some() || ready).then(Instant::now);
        let polls = this.polls.get_or_insert_with(Polls::default);
        if let (Some(start), Some(end), Some(threshold)) = (start, end, this.threshold) {
            let took = end.saturating_duration_since(start);
            polls.slow = polls.slow.max(slow_poll(this.tool, took, threshold));
        }
        if ready {
            polls.ended = end;
        }
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// `Some(took)`, with a warning naming the tool, when one poll of it held its thread for
/// longer than `threshold`.
#[inline]
pub(crate) fn slow_poll(tool: &str, took: Duration, threshold: Duration) -> Option<Duration> {
    if took <= threshold {
        return None;
    }
    warn_slow_poll(tool, took, threshold);
    Some(took)
}

#[cold]
fn warn_slow_poll(tool: &str, took: Duration, threshold: Duration) {
    tracing::warn!(
        tool,
        poll_ms = took.as_millis() as u64,
        threshold_ms = threshold.as_millis() as u64,
        "a tool held its thread for {} ms in one poll: it blocks the executor; \
         use async I/O, or make it a plain fn so it runs on the blocking pool",
        took.as_millis()
    );
}

/// Completes with `Some(output)`, or `None` once `deadline` has passed. The timer is made on
/// the first poll that leaves the future pending, so a tool that answers at once costs none.
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
        let deadline = this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        timer.as_mut().poll(cx).map(|()| None)
    }
}

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
