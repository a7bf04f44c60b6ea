//! Every call of a toolbox recorded through the [`metrics`](https://docs.rs/metrics) facade
//! (feature `metrics`), beside the counters [`Toolbox::stats`](crate::Toolbox::stats) reads.
//!
//! Each metric has the label `tool`, the tool's name; unknown tools are not recorded, as in
//! [`ToolStats`](crate::ToolStats):
//!
//! | name | kind | what |
//! |---|---|---|
//! | [`CALLS`] `tool_runtime_tool_calls_total` | counter | calls of the tool, including those refused before it ran (as [`ToolStats::calls`](crate::ToolStats::calls)) |
//! | [`ERRORS`] `tool_runtime_tool_errors_total` | counter | calls that ended in an error of any kind |
//! | [`TIMEOUTS`] `tool_runtime_tool_timeouts_total` | counter | calls that timed out |
//! | [`PANICS`] `tool_runtime_tool_panics_total` | counter | calls that panicked |
//! | [`ATTEMPTS`] `tool_runtime_tool_attempts_total` | counter | starts of the tool, a retried call's each |
//! | [`APPROVALS`] `tool_runtime_tool_approvals_total` | counter | calls a person approved |
//! | [`DENIALS`] `tool_runtime_tool_denials_total` | counter | calls declined, or that no one could approve |
//! | [`DURATION`] `tool_runtime_tool_call_duration_seconds` | histogram | each call's time, in seconds |
//!
//! The handles are taken from the recorder installed when the toolbox is built: install the
//! exporter (Prometheus, StatsD, ...) first.
//!
//! ```
//! use metrics_util::debugging::{DebugValue, DebuggingRecorder};
//! use tool_runtime::interop::metrics::CALLS;
//! use tool_runtime::{tool, Toolbox};
//!
//! /// Says hello.
//! #[tool]
//! async fn greet(name: String) -> String {
//!     format!("Hello, {name}!")
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let recorder = DebuggingRecorder::new();
//!     let snapshotter = recorder.snapshotter();
//!     let toolbox = metrics::with_local_recorder(&recorder, || {
//!         Toolbox::builder().tool(greet::tool()).build().unwrap()
//!     });
//!     toolbox.call("greet", r#"{"name": "Ada"}"#).await;
//!     let calls = snapshotter.snapshot().into_vec().into_iter().find_map(|(key, _, _, value)| {
//!         (key.key().name() == CALLS).then_some(value)
//!     });
//!     assert_eq!(calls, Some(DebugValue::Counter(1)));
//! }
//! ```

use std::time::Duration;

use metrics::{Counter, Histogram};

use crate::stats::Ending;

/// Counter: calls of the tool, including those refused before it ran, and those whose caller
/// stopped waiting (counted as cancelled).
pub const CALLS: &str = "tool_runtime_tool_calls_total";
/// Counter: calls that ended in an error of any kind.
pub const ERRORS: &str = "tool_runtime_tool_errors_total";
/// Counter: calls that timed out.
pub const TIMEOUTS: &str = "tool_runtime_tool_timeouts_total";
/// Counter: calls that panicked.
pub const PANICS: &str = "tool_runtime_tool_panics_total";
/// Counter: starts of the tool; a call [retried](crate::Transient) counts each attempt.
pub const ATTEMPTS: &str = "tool_runtime_tool_attempts_total";
/// Counter: calls a person approved when the [approval policy](crate::Approval) asked.
pub const APPROVALS: &str = "tool_runtime_tool_approvals_total";
/// Counter: calls the approval policy or a person declined, or that no one could approve.
pub const DENIALS: &str = "tool_runtime_tool_denials_total";
/// Histogram: each call's time, in seconds.
pub const DURATION: &str = "tool_runtime_tool_call_duration_seconds";

/// One tool's handles, registered once when the toolbox is built.
pub(crate) struct ToolMetrics {
    calls: Counter,
    errors: Counter,
    timeouts: Counter,
    panics: Counter,
    attempts: Counter,
    approvals: Counter,
    denials: Counter,
    duration: Histogram,
}

impl ToolMetrics {
    pub(crate) fn new(tool: &str) -> Self {
        ToolMetrics {
            calls: metrics::counter!(CALLS, "tool" => tool.to_owned()),
            errors: metrics::counter!(ERRORS, "tool" => tool.to_owned()),
            timeouts: metrics::counter!(TIMEOUTS, "tool" => tool.to_owned()),
            panics: metrics::counter!(PANICS, "tool" => tool.to_owned()),
            attempts: metrics::counter!(ATTEMPTS, "tool" => tool.to_owned()),
            approvals: metrics::counter!(APPROVALS, "tool" => tool.to_owned()),
            denials: metrics::counter!(DENIALS, "tool" => tool.to_owned()),
            duration: metrics::histogram!(DURATION, "tool" => tool.to_owned()),
        }
    }

    pub(crate) fn record(&self, ending: Ending, elapsed: Duration) {
        self.calls.increment(1);
        self.duration.record(elapsed.as_secs_f64());
        if ending != Ending::Success {
            self.errors.increment(1);
        }
        match ending {
            Ending::TimedOut => self.timeouts.increment(1),
            Ending::Panicked => self.panics.increment(1),
            Ending::Denied => self.denials.increment(1),
            Ending::Success | Ending::Failed => {}
        }
    }

    pub(crate) fn attempted(&self, attempts: u32) {
        self.attempts.increment(u64::from(attempts));
    }

    pub(crate) fn approved(&self) {
        self.approvals.increment(1);
    }
}
