//! Transient failures tried again: which tools, how often, after which pauses, within the
//! call's deadline and cancellation. On paused time, so the pauses cost nothing and every
//! instant is exact.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;
use tokio::time::Instant;
use tool_runtime::{
    ArgumentsRef, BatchOptions, BoxFuture, CallContext, CancellationToken, Failure, OnProgress,
    Progress, State, Tool, ToolCall, ToolError, ToolSpec, ToolValue, Toolbox, Transient, tool,
};

/// A service that fails transiently a given number of times, then answers; it records when
/// each attempt reached it.
pub struct Upstream {
    failures: usize,
    starts: Mutex<Vec<Instant>>,
}

impl Upstream {
    fn failing(failures: usize) -> Self {
        Upstream {
            failures,
            starts: Mutex::new(Vec::new()),
        }
    }

    fn answer(&self) -> Result<String, Transient> {
        let mut starts = self.starts.lock().unwrap();
        starts.push(Instant::now());
        if starts.len() <= self.failures {
            let busy = std::io::Error::new(std::io::ErrorKind::TimedOut, "the upstream is busy");
            return Err(Transient::new(busy));
        }
        Ok(format!("answered on attempt {}", starts.len()))
    }

    fn starts(&self) -> Vec<Instant> {
        self.starts.lock().unwrap().clone()
    }
}

/// Looks a record up; calling it again changes nothing.
#[tool(idempotent)]
async fn lookup(#[state] upstream: &Upstream) -> Result<String, Transient> {
    upstream.answer()
}

/// Reads a quote; it changes nothing.
#[tool(read_only)]
async fn quote(#[state] upstream: &Upstream) -> Result<String, Transient> {
    upstream.answer()
}

/// Sends a message: twice would send it twice.
#[tool]
async fn send(#[state] upstream: &Upstream) -> Result<String, Transient> {
    upstream.answer()
}

/// Deletes a record.
#[tool(destructive)]
async fn delete(#[state] upstream: &Upstream) -> Result<String, Transient> {
    upstream.answer()
}

/// Polls a job, retrying as its author chose.
#[tool(retries = 6, timeout = "1h")]
async fn poll_job(#[state] upstream: &Upstream) -> Result<String, Transient> {
    upstream.answer()
}

/// Polls a job under a short timeout.
#[tool(retries = 10, timeout = "250ms")]
async fn poll_quickly(#[state] upstream: &Upstream) -> Result<String, Transient> {
    upstream.answer()
}

/// Idempotent, but its author turned retries off.
#[tool(idempotent, retries = 0)]
async fn lookup_once(#[state] upstream: &Upstream) -> Result<String, Transient> {
    upstream.answer()
}

/// Panics on its first attempt.
#[tool(idempotent)]
async fn crashes(#[state] upstream: &Upstream) -> Result<String, Transient> {
    if upstream.starts().is_empty() {
        upstream.starts.lock().unwrap().push(Instant::now());
        panic!("the parser broke");
    }
    upstream.answer()
}

/// Fails transiently, then hangs.
#[tool(idempotent, timeout = "1s")]
async fn hangs(#[state] upstream: &Upstream) -> Result<String, Transient> {
    if !upstream.starts().is_empty() {
        upstream.starts.lock().unwrap().push(Instant::now());
        std::future::pending::<()>().await;
    }
    upstream.answer()
}

/// Fails for good.
#[tool(idempotent)]
async fn missing(#[state] upstream: &Upstream) -> Result<String, String> {
    upstream.starts.lock().unwrap().push(Instant::now());
    Err("there is no such record".to_owned())
}

/// With anyhow, the transient error under a context.
#[tool(idempotent)]
async fn via_anyhow(#[state] upstream: &Upstream) -> anyhow::Result<String> {
    let answer = upstream.answer().context("the lookup failed")?;
    Ok(answer)
}

/// With a boxed error.
#[tool(idempotent)]
async fn via_box(
    #[state] upstream: &Upstream,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    Ok(upstream.answer()?)
}

/// Why a quote could not be read.
#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    /// The exchange did not answer; its cause is transient.
    #[error("the exchange did not answer")]
    Busy(#[source] Transient),
    /// A transparent variant hides its field from the chain of causes.
    #[error(transparent)]
    Hidden(Transient),
}

/// With an error enum whose variant's source is transient.
#[tool(idempotent)]
async fn via_enum(#[state] upstream: &Upstream) -> Result<String, QuoteError> {
    upstream.answer().map_err(QuoteError::Busy)
}

/// With a transparent variant: the runtime cannot see the wrapper.
#[tool(idempotent)]
async fn via_transparent(#[state] upstream: &Upstream) -> Result<String, QuoteError> {
    upstream.answer().map_err(QuoteError::Hidden)
}

/// Imports four rows, reporting each; the first attempt fails transiently after two.
#[tool(idempotent)]
async fn import(#[state] upstream: &Upstream, cx: &CallContext) -> Result<String, Transient> {
    let first = upstream.starts().is_empty();
    for row in 1..=4 {
        if first && row == 3 {
            break;
        }
        cx.progress(row.into(), Some(4.0), "importing");
    }
    upstream.answer()
}

fn with_upstream(upstream: Upstream) -> (Toolbox, Arc<Upstream>) {
    let upstream = Arc::new(upstream);
    let toolbox = Toolbox::builder()
        .tools([
            lookup::tool(),
            quote::tool(),
            send::tool(),
            delete::tool(),
            poll_job::tool(),
            poll_quickly::tool(),
            lookup_once::tool(),
            crashes::tool(),
            hangs::tool(),
            missing::tool(),
            via_anyhow::tool(),
            via_box::tool(),
            via_enum::tool(),
            via_transparent::tool(),
            import::tool(),
        ])
        .state_arc(upstream.clone())
        .build()
        .unwrap();
    (toolbox, upstream)
}

/// The longest pause before retry number `retry` (1 for the first): 100 ms doubled with each
/// retry, at most 5 s.
fn ceiling(retry: u32) -> Duration {
    (Duration::from_millis(100) * 2u32.pow(retry - 1)).min(Duration::from_secs(5))
}

#[tokio::test(start_paused = true)]
async fn an_idempotent_tool_succeeds_on_its_third_attempt() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(2));
    let output = toolbox.call("lookup", "{}").await;
    assert_eq!(output.text(), "answered on attempt 3");
    assert!(!output.is_error());
    assert_eq!(upstream.starts().len(), 3);
    let stats = toolbox.stats("lookup").unwrap();
    assert_eq!((stats.calls, stats.errors, stats.attempts), (1, 0, 3));
}

#[tokio::test(start_paused = true)]
async fn an_idempotent_tool_makes_three_attempts_in_all() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(usize::MAX));
    let output = toolbox.call("lookup", "{}").await;
    assert_eq!(
        output.text(),
        "lookup failed: the upstream is busy (after 3 attempts)"
    );
    assert!(output.is_error());
    assert_eq!(upstream.starts().len(), 3);
    assert_eq!(toolbox.stats("lookup").unwrap().attempts, 3);
}

#[tokio::test(start_paused = true)]
async fn a_read_only_tool_is_retried_too() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(1));
    assert_eq!(
        toolbox.call("quote", "{}").await.text(),
        "answered on attempt 2"
    );
    assert_eq!(upstream.starts().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_tool_that_may_not_be_called_again_is_tried_once() {
    for name in ["send", "delete", "lookup_once"] {
        let (toolbox, upstream) = with_upstream(Upstream::failing(1));
        let output = toolbox.call(name, "{}").await;
        assert_eq!(
            output.text(),
            format!("{name} failed: the upstream is busy")
        );
        assert_eq!(upstream.starts().len(), 1, "{name}");
        let stats = toolbox.stats(name).unwrap();
        assert_eq!((stats.calls, stats.errors, stats.attempts), (1, 1, 1));
    }
}

#[tokio::test(start_paused = true)]
async fn retries_follow_exponential_backoff_with_full_jitter() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(usize::MAX));
    let output = toolbox.call("poll_job", "{}").await;
    assert_eq!(
        output.text(),
        "poll_job failed: the upstream is busy (after 7 attempts)"
    );
    let starts = upstream.starts();
    assert_eq!(starts.len(), 7);
    for (retry, pair) in (1..).zip(starts.windows(2)) {
        let pause = pair[1] - pair[0];
        // The timer rounds a pause up to the next millisecond.
        assert!(
            pause <= ceiling(retry) + Duration::from_millis(1),
            "retry {retry} came after {pause:?}"
        );
    }
    let stats = toolbox.stats("poll_job").unwrap();
    assert_eq!((stats.calls, stats.errors, stats.attempts), (1, 1, 7));

    // The pauses are drawn, not fixed: the first of 40 calls spreads over its 100 ms.
    let mut firsts = Vec::new();
    for _ in 0..40 {
        let (toolbox, upstream) = with_upstream(Upstream::failing(1));
        toolbox.call("poll_job", "{}").await;
        let starts = upstream.starts();
        firsts.push(starts[1] - starts[0]);
    }
    let short = firsts
        .iter()
        .filter(|p| **p < Duration::from_millis(50))
        .count();
    let long = firsts
        .iter()
        .filter(|p| **p >= Duration::from_millis(50))
        .count();
    assert!(short > 0 && long > 0, "{firsts:?}");
}

#[tokio::test(start_paused = true)]
async fn no_pause_is_started_that_would_end_past_the_deadline() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(usize::MAX));
    let started = Instant::now();
    let error = toolbox.try_call("poll_quickly", "{}").await.unwrap_err();
    let took = started.elapsed();
    let attempts = upstream.starts().len();
    // The first pause (at most 100 ms) fits in 250 ms; the ones after 250 ms in all do not,
    // and the 10 retries allowed would need far longer.
    assert!((2..11).contains(&attempts), "{attempts} attempts");
    assert!(took < Duration::from_millis(250), "{took:?}");
    assert_eq!(
        error,
        ToolError::Failed {
            tool: "poll_quickly".into(),
            message: format!("the upstream is busy (after {attempts} attempts)"),
        }
    );
    let stats = toolbox.stats("poll_quickly").unwrap();
    assert_eq!(stats.timeouts, 0);
    assert_eq!(stats.attempts, attempts as u64);
}

#[tokio::test(start_paused = true)]
async fn a_batch_deadline_bounds_the_retries() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(usize::MAX));
    let started = Instant::now();
    let results = toolbox
        .call_all_with(
            [ToolCall::new("1", "poll_job", "{}")],
            BatchOptions::new().deadline(Duration::from_millis(300)),
        )
        .await;
    assert!(started.elapsed() < Duration::from_millis(300));
    let attempts = upstream.starts().len();
    assert!((2..7).contains(&attempts), "{attempts} attempts");
    assert_eq!(
        results[0].output.text(),
        format!("poll_job failed: the upstream is busy (after {attempts} attempts)")
    );
}

#[tokio::test(start_paused = true)]
async fn cancellation_during_a_pause_stops_the_call_at_once() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(usize::MAX));
    let stop = CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            stop.cancel();
        }
    });
    let started = Instant::now();
    // Each attempt fails at once, so the call spends all its time in pauses.
    let result = toolbox
        .call_with(ToolCall::new("7", "poll_job", "{}"), &stop)
        .await;
    assert_eq!(started.elapsed(), Duration::from_millis(50));
    assert_eq!(
        result.output.text(),
        "poll_job was cancelled before it finished."
    );
    let attempts = upstream.starts().len();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(
        upstream.starts().len(),
        attempts,
        "no attempt after the cancel"
    );
    assert_eq!(toolbox.stats("poll_job").unwrap().attempts, attempts as u64);
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_never_retried() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(0));
    let output = toolbox.call("crashes", "{}").await;
    assert!(
        output
            .text()
            .starts_with("crashes panicked: the parser broke."),
        "{}",
        output.text()
    );
    assert_eq!(upstream.starts().len(), 1);
    let stats = toolbox.stats("crashes").unwrap();
    assert_eq!((stats.panics, stats.attempts), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn an_attempt_that_times_out_is_the_last() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(usize::MAX));
    let started = Instant::now();
    let error = toolbox.try_call("hangs", "{}").await.unwrap_err();
    assert_eq!(
        error,
        ToolError::TimedOut {
            tool: "hangs".into(),
            after: Duration::from_secs(1)
        }
    );
    // The deadline is the call's, not the attempt's.
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(upstream.starts().len(), 2);
    let stats = toolbox.stats("hangs").unwrap();
    assert_eq!((stats.timeouts, stats.attempts), (1, 2));
}

#[tokio::test(start_paused = true)]
async fn an_error_that_is_not_transient_is_not_retried() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(0));
    assert_eq!(
        toolbox.call("missing", "{}").await.text(),
        "missing failed: there is no such record"
    );
    assert_eq!(upstream.starts().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_transient_error_is_found_among_the_causes() {
    for name in ["via_anyhow", "via_box", "via_enum"] {
        let (toolbox, upstream) = with_upstream(Upstream::failing(1));
        assert_eq!(
            toolbox.call(name, "{}").await.text(),
            "answered on attempt 2",
            "{name}"
        );
        assert_eq!(upstream.starts().len(), 2, "{name}");
    }
    // Its text is the wrapped error's, under the context or the variant's own message.
    let texts = [
        ("via_anyhow", "the lookup failed: the upstream is busy"),
        ("via_box", "the upstream is busy"),
        (
            "via_enum",
            "the exchange did not answer: the upstream is busy",
        ),
    ];
    for (name, text) in texts {
        let (toolbox, _) = with_upstream(Upstream::failing(usize::MAX));
        assert_eq!(
            toolbox.call(name, "{}").await.text(),
            format!("{name} failed: {text} (after 3 attempts)")
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_transparent_variant_hides_the_wrapper() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(1));
    assert_eq!(
        toolbox.call("via_transparent", "{}").await.text(),
        "via_transparent failed: the upstream is busy"
    );
    assert_eq!(upstream.starts().len(), 1);
}

/// A tool written by hand that says its failure is transient.
struct Flaky(Arc<Upstream>);

impl Tool for Flaky {
    fn spec(&self) -> ToolSpec {
        ToolSpec::new("flaky", "Fails once.", json!({"type": "object"})).with_retries(1)
    }

    fn call<'a>(
        &'a self,
        _arguments: ArgumentsRef<'a>,
        _context: CallContext,
        _state: &'a State,
    ) -> BoxFuture<'a, Result<ToolValue, Failure>> {
        Box::pin(async move {
            self.0
                .answer()
                .map(ToolValue::text)
                .map_err(Failure::transient)
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_hand_written_tool_says_its_failure_is_transient() {
    let upstream = Arc::new(Upstream::failing(1));
    let toolbox = Toolbox::builder()
        .tool(Arc::new(Flaky(upstream.clone())))
        .build()
        .unwrap();
    assert_eq!(
        toolbox.call("flaky", "{}").await.text(),
        "answered on attempt 2"
    );
    assert_eq!(upstream.starts().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn progress_grows_across_the_attempts_of_a_call() {
    let (toolbox, _upstream) = with_upstream(Upstream::failing(1));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = OnProgress::new({
        let seen = seen.clone();
        move |report: Progress| seen.lock().unwrap().push(report.done)
    });
    let call = ToolCall::new("1", "import", "{}").with_progress(listener);
    let results = toolbox.call_all([call]).await;
    assert_eq!(results[0].output.text(), "answered on attempt 2");
    // The second attempt's rows 1 and 2 were reported already, by the first.
    assert_eq!(*seen.lock().unwrap(), [1.0, 2.0, 3.0, 4.0]);
}

#[tokio::test(start_paused = true)]
async fn a_call_dropped_during_a_retry_counts_every_attempt() {
    let (toolbox, upstream) = with_upstream(Upstream::failing(1));
    // Its caller stops waiting (drops the call) while the second attempt runs.
    let call = tokio::time::timeout(Duration::from_millis(500), toolbox.call("hangs", "{}"));
    assert!(call.await.is_err());
    assert_eq!(upstream.starts().len(), 2);
    let stats = toolbox.stats("hangs").unwrap();
    assert_eq!((stats.calls, stats.attempts), (1, 2));
}
