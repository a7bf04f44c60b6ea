//! The wrapper around every tool future: catches panics, and times each poll so that a tool
//! that blocks its thread (a blocking call inside an async tool) is reported.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Polls a tool's future, turning a panic into an error value and recording in `longest` the
/// longest poll that went over `threshold`.
pub(crate) struct Guarded<'a, F> {
    future: F,
    tool: &'a str,
    threshold: Option<Duration>,
    longest: &'a AtomicU64,
}

impl<'a, F> Guarded<'a, F> {
    pub(crate) fn new(
        future: F,
        tool: &'a str,
        threshold: Option<Duration>,
        longest: &'a AtomicU64,
    ) -> Self {
        Guarded {
            future,
            tool,
            threshold,
            longest,
        }
    }
}

impl<F: Future + Unpin> Future for Guarded<'_, F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let started = self.threshold.map(|_| Instant::now());
        let future = &mut self.future;
        let polled = catch_unwind(AssertUnwindSafe(|| Pin::new(future).poll(cx)));
        if let (Some(started), Some(threshold)) = (started, self.threshold) {
            let took = started.elapsed();
            if took > threshold {
                tracing::warn!(
                    tool = self.tool,
                    poll_ms = took.as_millis() as u64,
                    threshold_ms = threshold.as_millis() as u64,
                    "a tool held its thread for {} ms in one poll: it blocks the executor; \
                     use async I/O, or make it a plain fn so it runs on the blocking pool",
                    took.as_millis()
                );
                self.longest
                    .fetch_max(took.as_nanos() as u64, Ordering::Relaxed);
            }
        }
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
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
