//! Running one call: lookup, concurrency slot, deadline, panic catching, cancellation,
//! counters, tracing, and the text of the outcome.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::error::close_names;
use crate::guard::{Deadline, Guarded, Polls, panic_message, slow_poll};
use crate::tool::BoxFuture;
use crate::toolbox::Entry;
use crate::{
    ArgumentsRef, AsArguments, CallContext, CallResult, Failure, OnProgress, Started, ToolCall,
    ToolError, ToolOutput, ToolValue, Toolbox,
};

/// One call to run.
pub(crate) struct Call<'a> {
    pub(crate) id: Option<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) arguments: ArgumentsRef<'a>,
    /// The batch's cancellation, when the call is part of one.
    pub(crate) cancel: Option<&'a CancellationToken>,
    /// The batch's deadline, when it has one.
    pub(crate) deadline: Option<Instant>,
    /// Where the tool's progress reports go, when someone listens.
    pub(crate) progress: Option<&'a OnProgress>,
}

/// How a call went.
pub(crate) struct Executed {
    pub(crate) result: Result<ToolValue, ToolError>,
    /// The longest poll over the slow-poll threshold, if any.
    pub(crate) slow_poll: Option<Duration>,
    pub(crate) elapsed: Duration,
}

impl Toolbox {
    /// Calls the tool `name` with `arguments` (JSON text or a JSON value). Never fails: every
    /// failure comes back as an output whose text tells the model what went wrong.
    pub async fn call(&self, name: &str, arguments: impl AsArguments) -> ToolOutput {
        let arguments = arguments.as_arguments();
        let inner = &*self.inner;
        // The common case in one piece, the tool's value going straight into the output: once
        // the tool is done, moving its value from step to step is most of what is left to pay.
        if let Some(entry) = inner.plain_entry(name, arguments) {
            let span = call_span(name, None);
            let begun = coarsetime::Instant::now_without_cache_update();
            let started = span.in_scope(|| {
                entry
                    .tool
                    .start(arguments, CallContext::new(), &inner.state)
            });
            let executed = match started {
                Started::Done(Ok(value)) => {
                    let elapsed = since(begun);
                    let slow = self.slow_poll(name, elapsed);
                    note(entry, None, elapsed, &span);
                    // With no limit to apply, built straight into the return: a local and
                    // its copy would cost more than everything else done here.
                    if inner.max_output_chars.is_none() {
                        return ToolOutput::success_after(value, slow);
                    }
                    let mut output = ToolOutput::success_after(value, slow);
                    self.limit(&mut output);
                    return output;
                }
                started => match self.conclude(entry, started, begun, Watch::default(), span) {
                    Begun::Over(executed) => executed,
                    Begun::Waiting(future) => future.await,
                },
            };
            return self.render(executed);
        }
        // Not through `execute`: this future stays small, and is moved on every call.
        let executed = match self.begin(Call::single(name, arguments)) {
            Begun::Over(executed) => executed,
            Begun::Waiting(future) => future.await,
        };
        self.render(executed)
    }

    /// Calls the tool `name`, returning the typed error for code that wants to act on it.
    ///
    /// ```
    /// use tool_runtime::{tool, ToolError, Toolbox};
    ///
    /// /// Divides a by b.
    /// #[tool]
    /// async fn divide(a: i64, b: i64) -> Result<i64, String> {
    ///     a.checked_div(b).ok_or_else(|| "division by zero".to_owned())
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let toolbox = Toolbox::builder().tool(divide::tool()).build().unwrap();
    ///     let error = toolbox.try_call("divide", r#"{"a":1,"b":0}"#).await.unwrap_err();
    ///     assert!(matches!(error, ToolError::Failed { .. }));
    ///     assert_eq!(error.to_string(), "divide failed: division by zero");
    /// }
    /// ```
    pub async fn try_call(
        &self,
        name: &str,
        arguments: impl AsArguments,
    ) -> Result<ToolValue, ToolError> {
        self.execute(Call::single(name, arguments.as_arguments()))
            .await
            .result
    }

    /// Runs one call that someone else may cancel, such as an MCP client's request: cancelling
    /// `cancel` drops the tool's future at once and answers that the call was cancelled.
    /// Otherwise it is [`call`](Toolbox::call) with the call's id (in the tool's
    /// [`CallContext`] and in the result), under the tool's timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tool_runtime::{tool, CancellationToken, ToolCall, Toolbox};
    ///
    /// /// Waits for a long time.
    /// #[tool]
    /// async fn wait() -> String {
    ///     tokio::time::sleep(Duration::from_secs(3600)).await;
    ///     "done".to_owned()
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let toolbox = Toolbox::builder().tool(wait::tool()).build().unwrap();
    ///     let stop = CancellationToken::new();
    ///     tokio::spawn({
    ///         let stop = stop.clone();
    ///         async move {
    ///             tokio::time::sleep(Duration::from_millis(20)).await;
    ///             stop.cancel(); // the client gave up
    ///         }
    ///     });
    ///     let result = toolbox.call_with(ToolCall::new("7", "wait", "{}"), &stop).await;
    ///     assert_eq!(result.id, "7");
    ///     assert_eq!(result.output.text(), "wait was cancelled before it finished.");
    ///     assert!(result.output.is_error());
    /// }
    /// ```
    pub async fn call_with(&self, call: ToolCall, cancel: &CancellationToken) -> CallResult {
        let ToolCall {
            id,
            name,
            arguments,
            progress,
            refusal,
            ..
        } = call;
        let executed = match refusal {
            Some(reason) => Executed::refused(name.clone(), reason),
            None => {
                self.execute(Call {
                    id: Some(&id),
                    name: &name,
                    arguments: arguments.as_ref(),
                    cancel: Some(cancel),
                    deadline: None,
                    progress: progress.as_ref(),
                })
                .await
            }
        };
        let elapsed = executed.elapsed;
        CallResult {
            output: self.render(executed),
            id,
            name,
            elapsed,
        }
    }

    /// Runs one call.
    pub(crate) async fn execute(&self, call: Call<'_>) -> Executed {
        match self.begin(call) {
            Begun::Over(executed) => executed,
            Begun::Waiting(future) => future.await,
        }
    }

    /// Begins a call: everything up to the tool's first wait happens here, without a future,
    /// so that a call that never waits costs no allocation of the runtime's own.
    fn begin<'a>(&'a self, call: Call<'a>) -> Begun<'a> {
        let inner = &*self.inner;
        let Some(entry) = inner.lookup(call.name) else {
            let available: Vec<String> = self.specs().map(|s| s.name.to_string()).collect();
            return Begun::Over(Executed::at_once(Err(ToolError::UnknownTool {
                name: call.name.to_owned(),
                suggestions: close_names(call.name, available.iter().map(String::as_str)),
                available,
            })));
        };
        let limits = inner.limits;
        if let Err(failure) = call
            .arguments
            .check_limits(limits.argument_bytes, limits.nesting_depth)
        {
            let error = attach(&entry.spec.name, failure);
            entry.counters.record(Some(&error), Duration::ZERO);
            return Begun::Over(Executed::at_once(Err(error)));
        }
        match &entry.limit {
            Some(limit) => Begun::Waiting(Box::pin(async move {
                let _slot = limit.acquire().await;
                match self.launch(entry, call) {
                    Begun::Over(executed) => executed,
                    Begun::Waiting(future) => future.await,
                }
            })),
            None => self.launch(entry, call),
        }
    }

    /// Starts the tool of `entry` with its deadline, its cancellation and its panics caught,
    /// in the call's span; the call is over at once if the tool finishes without waiting.
    fn launch<'a>(&'a self, entry: &'a Entry, call: Call<'a>) -> Begun<'a> {
        let inner = &*self.inner;
        let span = call_span(call.name, call.id);
        if call.cancel.is_some_and(CancellationToken::is_cancelled) {
            let cancelled = Executed::at_once(Err(ToolError::Cancelled {
                tool: entry.spec.name.to_string(),
            }));
            note_executed(entry, &cancelled, &span);
            return Begun::Over(cancelled);
        }
        let mut watch = Watch {
            cancel: call.cancel,
            batch_deadline: call.deadline,
            ..Watch::default()
        };
        // A context costs allocations (its token, its call id) and a precise clock read (its
        // deadline): make one only for a tool that reads it. Its token also tells a blocking
        // tool that its time is up.
        let mut context = CallContext::new();
        if entry.reads_context {
            let now = Instant::now();
            let token = call
                .cancel
                .map(CancellationToken::child_token)
                .unwrap_or_default();
            context = context
                .with_deadline(self.deadline(entry, now, call.deadline))
                .with_cancellation(token.clone());
            if let Some(id) = call.id {
                context = context.with_call_id(id);
            }
            if let Some(listener) = call.progress {
                context = context.with_progress(listener.clone());
            }
            (watch.since, watch.token) = (Some(now), Some(token));
        }
        // A call that finishes without waiting is timed on the coarse clock: a precise read
        // would cost as much as the call.
        let begun = coarsetime::Instant::now_without_cache_update();
        let (tool, arguments, state) = (&entry.tool, call.arguments, &inner.state);
        let start = if entry.catches_panics {
            Ok(span.in_scope(|| tool.start(arguments, context, state)))
        } else {
            span.in_scope(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    tool.start(arguments, context, state)
                }))
            })
        };
        match start {
            Ok(started) => self.conclude(entry, started, begun, watch, span),
            Err(payload) => {
                let message = panic_message(&*payload);
                let panicked =
                    Executed::at_once(Err(attach(&entry.spec.name, Failure::Panicked(message))));
                note_executed(entry, &panicked, &span);
                Begun::Over(panicked)
            }
        }
    }

    /// What follows a tool's start, `begun` on the coarse clock: the outcome of a call that is
    /// over, or the future of one whose tool waits, watched by `watch`.
    fn conclude<'a>(
        &'a self,
        entry: &'a Entry,
        started: Started<'a>,
        begun: coarsetime::Instant,
        watch: Watch<'a>,
        span: tracing::Span,
    ) -> Begun<'a> {
        let tool = entry.spec.name.as_ref();
        match started {
            Started::Done(result) => {
                let elapsed = since(begun);
                let executed = Executed {
                    result: result.map_err(|failure| attach(tool, failure)),
                    slow_poll: self.slow_poll(tool, elapsed),
                    elapsed,
                };
                note_executed(entry, &executed, &span);
                Begun::Over(executed)
            }
            Started::Running(future) => {
                let started = watch.since.unwrap_or_else(Instant::now);
                let running = Running {
                    future,
                    tool,
                    started,
                    deadline: self.deadline(entry, started, watch.batch_deadline),
                    token: watch.token,
                    cancel: watch.cancel,
                };
                Begun::Waiting(self.wait(entry, running, span))
            }
        }
    }

    /// `Some(took)`, with a warning, when a call of `tool` held its thread for `took` at once,
    /// longer than the slow-poll threshold.
    #[inline]
    fn slow_poll(&self, tool: &str, took: Duration) -> Option<Duration> {
        self.inner
            .slow_poll
            .and_then(|threshold| slow_poll(tool, took, threshold))
    }

    /// When a call of `entry` started at `started` must be over: its timeout, or the batch's
    /// deadline if that comes first.
    fn deadline(&self, entry: &Entry, started: Instant, batch: Option<Instant>) -> Instant {
        let deadline = started + entry.spec.timeout.unwrap_or(self.inner.default_timeout);
        batch.map_or(deadline, |batch| deadline.min(batch))
    }

    /// The future of a call whose tool waits. Apart from [`launch`](Toolbox::launch), so that
    /// a call that never waits does not carry this future's frame.
    fn wait<'a>(
        &'a self,
        entry: &'a Entry,
        running: Running<'a>,
        span: tracing::Span,
    ) -> BoxFuture<'a, Executed> {
        let slow_poll = self.inner.slow_poll;
        Box::pin(async move {
            let executed = running.finish(slow_poll).instrument(span.clone()).await;
            note_executed(entry, &executed, &span);
            executed
        })
    }

    /// The output the model reads for a call.
    pub(crate) fn render(&self, executed: Executed) -> ToolOutput {
        let inner = &*self.inner;
        let mut output = match executed.result {
            Ok(value) => ToolOutput::success(value),
            Err(error) if inner.hide_error_details && error.carries_tool_text() => {
                let id = error_id();
                tracing::error!(error_id = %id, tool = error.tool(), kind = error.kind(), error = %error, "tool call failed");
                let text = error.redacted(&id);
                ToolOutput::failure(error, text)
            }
            Err(error) => {
                tracing::warn!(tool = error.tool(), kind = error.kind(), error = %error, "tool call failed");
                let text = error.to_string();
                ToolOutput::failure(error, text)
            }
        };
        output.set_slow_poll(executed.slow_poll);
        self.limit(&mut output);
        output
    }

    /// Cuts the output to the toolbox's limit, if it has one.
    #[inline]
    fn limit(&self, output: &mut ToolOutput) {
        if let Some(limit) = self.inner.max_output_chars {
            output.cut_to(limit);
        }
    }
}

impl<'a> Call<'a> {
    fn single(name: &'a str, arguments: ArgumentsRef<'a>) -> Self {
        Call {
            id: None,
            name,
            arguments,
            cancel: None,
            deadline: None,
            progress: None,
        }
    }
}

/// How a call began: over already, or waiting for its tool.
enum Begun<'a> {
    Over(Executed),
    Waiting(BoxFuture<'a, Executed>),
}

/// Records a call that is over in its tool's counters and its span.
#[inline]
fn note(entry: &Entry, error: Option<&ToolError>, elapsed: Duration, span: &tracing::Span) {
    entry.counters.record(error, elapsed);
    if !span.is_disabled() {
        span.record("outcome", error.map_or("ok", ToolError::kind));
        span.record("elapsed_ms", elapsed.as_millis() as u64);
    }
}

/// [`note`] of a call that is over.
fn note_executed(entry: &Entry, executed: &Executed, span: &tracing::Span) {
    note(
        entry,
        executed.result.as_ref().err(),
        executed.elapsed,
        span,
    );
}

/// The span of one call.
#[inline]
fn call_span(tool: &str, call_id: Option<&str>) -> tracing::Span {
    tracing::info_span!(
        "tool_call",
        tool,
        call_id = call_id.unwrap_or(""),
        outcome = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    )
}

/// The time since `begun`, on the coarse clock.
#[inline]
fn since(begun: coarsetime::Instant) -> Duration {
    coarsetime::Instant::now_without_cache_update()
        .duration_since(begun)
        .into()
}

/// What a call whose tool waits is watched by, besides its timeout.
#[derive(Default)]
struct Watch<'a> {
    /// When its context was made, if it has one: its deadline counts from then.
    since: Option<Instant>,
    /// The token of its context, cancelled when its time is up.
    token: Option<CancellationToken>,
    /// Whoever may cancel it.
    cancel: Option<&'a CancellationToken>,
    /// The deadline of its batch.
    batch_deadline: Option<Instant>,
}

impl Executed {
    /// A call that ended before its tool ran, or as it began.
    pub(crate) fn at_once(result: Result<ToolValue, ToolError>) -> Self {
        Executed {
            result,
            slow_poll: None,
            elapsed: Duration::ZERO,
        }
    }

    /// A call the provider reader refused (see [`ToolCall::refused`]).
    pub(crate) fn refused(tool: String, reason: String) -> Self {
        Executed::at_once(Err(ToolError::Refused { tool, reason }))
    }
}

/// A call whose tool is waiting: its future, awaited under its deadline and cancellation.
struct Running<'a> {
    future: BoxFuture<'a, Result<ToolValue, Failure>>,
    tool: &'a str,
    started: Instant,
    deadline: Instant,
    /// The token of the tool's context, cancelled when its time is up.
    token: Option<CancellationToken>,
    /// Whoever may cancel the call.
    cancel: Option<&'a CancellationToken>,
}

impl Running<'_> {
    async fn finish(self, slow_poll: Option<Duration>) -> Executed {
        let Running {
            future,
            tool,
            started,
            deadline,
            token,
            cancel,
        } = self;
        let mut finished = None;
        let timed = async {
            let guarded = Guarded::new(future, tool, slow_poll, started, &mut finished);
            match Deadline::new(guarded, deadline).await {
                Some(Ok(result)) => result.map_err(|failure| attach(tool, failure)),
                Some(Err(payload)) => {
                    Err(attach(tool, Failure::Panicked(panic_message(&*payload))))
                }
                None => {
                    if let Some(token) = &token {
                        token.cancel();
                    }
                    Err(ToolError::TimedOut {
                        tool: tool.to_owned(),
                        after: deadline.saturating_duration_since(started),
                    })
                }
            }
        };
        let result = match cancel {
            Some(cancel) => tokio::select! {
                biased;
                () = cancel.cancelled() => Err(ToolError::Cancelled { tool: tool.to_owned() }),
                result = timed => result,
            },
            None => timed.await,
        };
        let Polls { ended, slow } = finished.unwrap_or_default();
        let elapsed = ended
            .unwrap_or_else(Instant::now)
            .saturating_duration_since(started);
        Executed {
            result,
            slow_poll: slow,
            elapsed,
        }
    }
}

fn attach(tool: &str, failure: Failure) -> ToolError {
    let tool = tool.to_owned();
    match failure {
        Failure::InvalidArguments { path, message } => ToolError::InvalidArguments {
            tool,
            path,
            message,
        },
        Failure::Tool(message) => ToolError::Failed { tool, message },
        Failure::Panicked(message) => ToolError::Panicked { tool, message },
    }
}

/// A short id that ties the model's redacted message to the logged error.
fn error_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut x = seed
        ^ NEXT
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    format!("{:012x}", (x ^ (x >> 31)) & 0xFFFF_FFFF_FFFF)
}
