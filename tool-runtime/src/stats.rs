//! Per-tool counters: calls, errors, timeouts, panics, attempts and time spent.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::ToolError;

/// What a tool's calls came to since the toolbox was built.
///
/// ```
/// use tool_runtime::{tool, Toolbox};
///
/// /// Halves a number.
/// #[tool]
/// async fn half(n: i64) -> Result<i64, String> {
///     if n % 2 == 0 { Ok(n / 2) } else { Err(format!("{n} is odd")) }
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder().tool(half::tool()).build().unwrap();
///     toolbox.call("half", r#"{"n": 4}"#).await;
///     toolbox.call("half", r#"{"n": 3}"#).await;
///     let stats = toolbox.stats("half").unwrap();
///     assert_eq!((stats.calls, stats.errors, stats.timeouts), (2, 1, 0));
/// }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolStats {
    /// Calls of the tool, including those refused before it ran and those whose caller
    /// dropped them before they answered, counted as cancelled (calls of unknown tools are not
    /// counted).
    pub calls: u64,
    /// Calls that ended in an error of any kind.
    pub errors: u64,
    /// Calls that timed out.
    pub timeouts: u64,
    /// Calls that panicked.
    pub panics: u64,
    /// Times the tool was started: one per call that reached it, plus one per retry of a
    /// transient failure.
    pub attempts: u64,
    /// Time spent in the tool's calls, summed.
    pub total_time: Duration,
    /// Blocking (`fn`) calls still running on their thread although their time is up: the
    /// tool ignores cancellation. Their results will be dropped.
    pub running_late: u64,
    /// Calls that ran because a person approved them (an [`Approval`](crate::Approval) asked).
    pub approvals: u64,
    /// Calls that were not run because the approval policy or a person declined them, or no
    /// one could approve them in time.
    pub denials: u64,
}

/// How a call ended, as the counters tell endings apart: classified once, for [`Counters`]
/// and the `metrics` handles alike.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Success,
    /// An error that no counter but `errors` tells apart.
    Failed,
    TimedOut,
    Panicked,
    /// Declined, or no one could approve it.
    Denied,
}

impl Ending {
    fn of(error: Option<&ToolError>) -> Self {
        match error {
            None => Ending::Success,
            Some(ToolError::TimedOut { .. }) => Ending::TimedOut,
            Some(ToolError::Panicked { .. }) => Ending::Panicked,
            Some(ToolError::Declined { .. } | ToolError::Unapproved { .. }) => Ending::Denied,
            Some(_) => Ending::Failed,
        }
    }
}

/// The counters behind [`ToolStats`], updated by every call.
pub(crate) struct Counters {
    calls: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    panics: AtomicU64,
    attempts: AtomicU64,
    nanos: AtomicU64,
    running_late: AtomicI64,
    approvals: AtomicU64,
    denials: AtomicU64,
    /// The same, through the `metrics` facade.
    #[cfg(feature = "metrics")]
    metrics: crate::interop::metrics::ToolMetrics,
}

impl Counters {
    /// The counters of the tool `_tool`, all zero.
    pub(crate) fn new(_tool: &str) -> Self {
        Counters {
            calls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            panics: AtomicU64::new(0),
            attempts: AtomicU64::new(0),
            nanos: AtomicU64::new(0),
            running_late: AtomicI64::new(0),
            approvals: AtomicU64::new(0),
            denials: AtomicU64::new(0),
            #[cfg(feature = "metrics")]
            metrics: crate::interop::metrics::ToolMetrics::new(_tool),
        }
    }

    pub(crate) fn record(&self, error: Option<&ToolError>, elapsed: Duration) {
        let ending = Ending::of(error);
        #[cfg(feature = "metrics")]
        self.metrics.record(ending, elapsed);
        self.calls.fetch_add(1, Ordering::Relaxed);
        if !elapsed.is_zero() {
            self.nanos
                .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        }
        if ending != Ending::Success {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        let counter = match ending {
            Ending::TimedOut => &self.timeouts,
            Ending::Panicked => &self.panics,
            Ending::Denied => &self.denials,
            Ending::Success | Ending::Failed => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `attempts` more starts of the tool.
    pub(crate) fn attempted(&self, attempts: u32) {
        #[cfg(feature = "metrics")]
        self.metrics.attempted(attempts);
        self.attempts
            .fetch_add(u64::from(attempts), Ordering::Relaxed);
    }

    /// One more (`1`) or one fewer (`-1`) blocking call running after its time was up.
    pub(crate) fn running_late(&self, delta: i64) {
        self.running_late.fetch_add(delta, Ordering::Relaxed);
    }

    /// One more call that a person approved.
    pub(crate) fn approved(&self) {
        #[cfg(feature = "metrics")]
        self.metrics.approved();
        self.approvals.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ToolStats {
        ToolStats {
            calls: self.calls.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            panics: self.panics.load(Ordering::Relaxed),
            attempts: self.attempts.load(Ordering::Relaxed),
            total_time: Duration::from_nanos(self.nanos.load(Ordering::Relaxed)),
            running_late: self.running_late.load(Ordering::Relaxed).max(0) as u64,
            approvals: self.approvals.load(Ordering::Relaxed),
            denials: self.denials.load(Ordering::Relaxed),
        }
    }
}
