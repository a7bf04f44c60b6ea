//! The one call path: [`Toolbox::call`], [`Toolbox::try_call`], [`Toolbox::call_with`] and each
//! call of a batch end in [`Toolbox::run`], which gives the outcome, and
//! [`Toolbox::render`] turns an outcome into the text the model reads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::approval::Verdict;
use crate::error::close_names;
use crate::guard::{Deadline, Guarded, Polls, contain, contained_drop, escaped, shortened};
use crate::retry;
use crate::toolbox::Entry;
use crate::{
    ApprovalRequest, Approver, ArgumentsRef, AsArguments, CallContext, CallResult, Failure,
    OnProgress, ToolCall, ToolError, ToolOutput, ToolValue, Toolbox,
};

/// The longest tool name looked up; a longer one is unknown without a search for close names.
const MAX_NAME_BYTES: usize = 256;

/// One call to run.
#[derive(Clone, Copy)]
pub(crate) struct Call<'a> {
    pub(crate) id: Option<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) arguments: ArgumentsRef<'a>,
    /// The batch's cancellation, when the call is part of one.
    pub(crate) cancel: Option<&'a CancellationToken>,
    /// The batch's deadline and the time the batch was given, when it has one.
    pub(crate) deadline: Option<(Instant, Duration)>,
    /// Where the tool's progress reports go, when someone listens.
    pub(crate) progress: Option<&'a OnProgress>,
    /// Who answers when the approval policy asks a person, for this call.
    pub(crate) approver: Option<&'a Approver>,
    /// The call is one of a batch, and takes one of the toolbox's concurrency slots.
    pub(crate) in_batch: bool,
}

/// How a call went.
pub(crate) struct Outcome {
    pub(crate) result: Result<ToolValue, ToolError>,
    /// The longest poll over the slow-poll threshold, if any.
    pub(crate) slow_poll: Option<Duration>,
    pub(crate) elapsed: Duration,
    /// How many times the tool was started: none when the call ended before, more than one
    /// when it was retried.
    pub(crate) attempts: u32,
}

impl Toolbox {
    /// Calls the tool `name` with `arguments` (JSON text or a JSON value). Never fails: every
    /// failure comes back as an output whose text tells the model what went wrong.
    pub async fn call(&self, name: &str, arguments: impl AsArguments) -> ToolOutput {
        let outcome = self
            .run(&Call::single(name, arguments.as_arguments()))
            .await;
        self.render(outcome)
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
        self.run(&Call::single(name, arguments.as_arguments()))
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
            approver,
            refusal,
            ..
        } = call;
        let outcome = match refusal {
            Some(reason) => Outcome::refused(name.clone(), reason),
            None => {
                self.run(&Call {
                    id: Some(&id),
                    name: &name,
                    arguments: arguments.as_ref(),
                    cancel: Some(cancel),
                    deadline: None,
                    progress: progress.as_ref(),
                    approver: approver.as_ref(),
                    in_batch: false,
                })
                .await
            }
        };
        let elapsed = outcome.elapsed;
        CallResult {
            output: self.render(outcome),
            id,
            name,
            elapsed,
        }
    }

    /// Runs one call: finds the tool, checks the arguments' size, asks the approval policy
    /// (that wait is outside the tool's timeout, inside the batch's deadline and the caller's
    /// cancellation), waits for the batch's and the tool's concurrency slots, then runs the
    /// tool's future under its guards, in the call's span, and counts the outcome.
    ///
    /// The call is borrowed, here and below: a value an `async fn` takes is held twice in its
    /// future, and a batch holds one such future per call in flight.
    pub(crate) async fn run(&self, call: &Call<'_>) -> Outcome {
        let inner = &*self.inner;
        let Some(index) = (call.name.len() <= MAX_NAME_BYTES)
            .then(|| inner.position(call.name))
            .flatten()
        else {
            return Outcome::at_once(Err(self.unknown_tool(call.name)));
        };
        let entry = &inner.entries[index];
        if let Err(error) = self.within_limits(entry, call.arguments) {
            return Outcome::stopped(entry, error);
        }
        // Arguments a policy or a person edited: checked as the model's are, here for their
        // size, by the tool's own decoding for their schema.
        let edited: Box<serde_json::Value>;
        let mut arguments = call.arguments;
        let mut was_edited = false;
        if let Some(policy) = &inner.approval {
            let request =
                ApprovalRequest::of(call.name, call.id, call.arguments, &entry.spec.annotations);
            // Boxed, so that the calls of a toolbox without a policy carry no room for its wait.
            let verdict = policy.check(request, call.approver, call.cancel, call.deadline);
            match Box::pin(verdict).await {
                Verdict::Stop(error) => return Outcome::stopped(entry, error),
                Verdict::Run {
                    arguments: changed,
                    asked,
                } => {
                    if asked {
                        entry.counters.approved();
                    }
                    if let Some(changed) = changed {
                        edited = Box::new(changed);
                        arguments = ArgumentsRef::Json(&edited);
                        was_edited = true;
                        if let Err(error) = self.within_limits(entry, arguments) {
                            return Outcome::stopped(entry, as_edit(error));
                        }
                    }
                }
            }
        }
        let slots = async {
            let batch = match &inner.concurrency {
                Some(limit) if call.in_batch => Some(limit.acquire().await),
                _ => None,
            };
            let tool = match &entry.limit {
                Some(limit) => Some(limit.acquire().await),
                None => None,
            };
            (batch, tool)
        };
        // A call that has not started by the batch's deadline or its caller's cancellation
        // never starts: it is answered as not run, not started late.
        let (_batch_slot, _slot) = match (call.deadline, call.cancel) {
            (None, None) => slots.await,
            _ => tokio::select! {
                biased;
                error = not_started(call, &entry.spec.name) => {
                    return Outcome::stopped(entry, error);
                }
                slots = slots => slots,
            },
        };
        let span = tracing::info_span!(
            "tool_call",
            tool = call.name,
            call_id = call.id.unwrap_or(""),
            outcome = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let mut outcome = self
            .guarded(index, call, arguments)
            .instrument(span.clone())
            .await;
        if was_edited {
            outcome.result = outcome.result.map_err(as_edit);
        }
        let error = outcome.result.as_ref().err();
        entry.counters.record(error, outcome.elapsed);
        span.record("outcome", error.map_or("ok", ToolError::kind));
        span.record("elapsed_ms", outcome.elapsed.as_millis() as u64);
        span.record("attempts", outcome.attempts);
        outcome
    }

    /// Refuses arguments over the toolbox's size or nesting limits.
    fn within_limits(&self, entry: &Entry, arguments: ArgumentsRef<'_>) -> Result<(), ToolError> {
        let limits = self.inner.policy.limits;
        arguments
            .check_limits(limits.argument_bytes, limits.nesting_depth)
            .map_err(|failure| attach(&entry.spec.name, failure))
    }

    /// Runs the tool at `index` with its context, its panics contained, under its deadline
    /// and its caller's cancellation. A transient failure ([`Failure::Transient`]) is tried
    /// again, after a pause, as often as the tool allows ([`retry`]), every attempt under the
    /// call's one deadline and cancellation; an attempt that times out has used up the
    /// deadline, so it is the last.
    async fn guarded(&self, index: usize, call: &Call<'_>, arguments: ArgumentsRef<'_>) -> Outcome {
        let inner = &*self.inner;
        let entry: &Entry = &inner.entries[index];
        let tool = entry.spec.name.as_ref();
        let started = Instant::now();
        let mut dropped = CountIfDropped {
            entry,
            started: Some(started),
            attempts: 0,
        };
        let (deadline, given) = inner
            .policy
            .deadline(entry.spec.timeout, started, call.deadline);
        let token = call
            .cancel
            .map_or_else(CancellationToken::new, CancellationToken::child_token);
        // One context for every attempt: its progress reports grow across them.
        let mut context = CallContext::new()
            .with_deadline(deadline)
            .with_cancellation(token.clone())
            .with_toolbox(self.clone(), index);
        if let Some(id) = call.id {
            context = context.with_call_id(id);
        }
        if let Some(listener) = call.progress {
            context = context.with_progress(listener.clone());
        }
        let retries = retry::retries(&entry.spec);
        let mut polls = Polls::default();
        let timed = async {
            let mut attempt_started = started;
            loop {
                dropped.attempts += 1;
                let attempts = dropped.attempts;
                let attempt = self.attempt(entry, arguments, context.clone(), deadline, &mut polls);
                let Some(result) = attempt.await else {
                    token.cancel();
                    return Err(ToolError::TimedOut {
                        tool: tool.to_owned(),
                        after: given,
                    });
                };
                let pause = match &result {
                    Err(Failure::Transient(_)) if attempts <= retries => {
                        let ended = polls.ended.unwrap_or_else(Instant::now);
                        let took = ended.saturating_duration_since(attempt_started);
                        retry::pause(attempts, took, deadline)
                    }
                    _ => None,
                };
                let Some(pause) = pause else {
                    return result.map_err(|failure| after(attempts, attach(tool, failure)));
                };
                // The call goes on: it ends with a later attempt, not with this one.
                polls.ended = None;
                tokio::time::sleep(pause).await;
                attempt_started = Instant::now();
            }
        };
        let result = match call.cancel {
            Some(cancel) => tokio::select! {
                biased;
                () = cancel.cancelled() => Err(ToolError::Cancelled { tool: tool.to_owned() }),
                result = timed => result,
            },
            None => timed.await,
        };
        dropped.started = None;
        let attempts = dropped.attempts;
        entry.counters.attempted(attempts);
        let elapsed = polls
            .ended
            .unwrap_or_else(Instant::now)
            .saturating_duration_since(started);
        Outcome {
            result,
            slow_poll: polls.slow,
            elapsed,
            attempts,
        }
    }

    /// One attempt: the tool's future, made (now) and polled (in the future returned) with its
    /// panics contained, until it answers or `deadline` passes (`None`). Not an `async fn`, so
    /// that its future holds the tool's, not also the context it was made with.
    fn attempt<'a>(
        &'a self,
        entry: &'a Entry,
        arguments: ArgumentsRef<'a>,
        context: CallContext,
        deadline: Instant,
        polls: &'a mut Polls,
    ) -> impl Future<Output = Option<Result<ToolValue, Failure>>> + 'a {
        let inner = &*self.inner;
        let tool = entry.spec.name.as_ref();
        let started_tool = catch_unwind(AssertUnwindSafe(|| {
            entry.tool.call(arguments, context, &inner.state)
        }));
        async move {
            let future = match started_tool {
                Ok(future) => future,
                Err(payload) => return Some(Err(Failure::Panicked(contain(payload)))),
            };
            let guarded = Guarded::new(future, tool, inner.policy.slow_poll, polls);
            let output = Deadline::new(guarded, deadline).await;
            // A tool that held its thread past its deadline: its value is not delivered, as it
            // would not have been had the tool yielded in time.
            let late = polls.ended.is_some_and(|ended| ended > deadline);
            match output {
                Some(Ok(Ok(value))) if late => {
                    tracing::warn!(
                        tool,
                        "a tool answered after its deadline; its result was dropped"
                    );
                    contained_drop(Some(value));
                    None
                }
                Some(Ok(result)) => Some(result),
                Some(Err(message)) => Some(Err(Failure::Panicked(message))),
                None => None,
            }
        }
    }

    /// The error for a name no tool has: the name cut and escaped, and the close names when
    /// it is not too long to compare.
    fn unknown_tool(&self, name: &str) -> ToolError {
        let available: Vec<String> = self.specs().map(|s| s.name.to_string()).collect();
        let suggestions = if name.len() <= MAX_NAME_BYTES {
            close_names(name, available.iter().map(String::as_str))
        } else {
            Vec::new()
        };
        ToolError::UnknownTool {
            name: shortened(name).into_owned(),
            suggestions,
            available,
        }
    }

    /// The output the model reads for a call, cut to the toolbox's output cap.
    pub(crate) fn render(&self, outcome: Outcome) -> ToolOutput {
        let policy = &self.inner.policy;
        let mut output = match outcome.result {
            Ok(value) => ToolOutput::success(value),
            Err(error) if policy.hide_error_details && error.carries_tool_text() => {
                let id = error_id();
                tracing::error!(error_id = %id, tool = error.tool(), kind = error.kind(), error = %escaped(&error.to_string()), "tool call failed");
                let text = error.redacted(&id);
                ToolOutput::failure(error, text)
            }
            Err(error) => {
                let text = error.to_string();
                tracing::warn!(tool = error.tool(), kind = error.kind(), error = %escaped(&text), "tool call failed");
                ToolOutput::failure(error, text)
            }
        };
        output.set_slow_poll(outcome.slow_poll);
        if let Some(limit) = policy.max_output_chars {
            output.cut_to(limit);
        }
        output
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
            approver: None,
            in_batch: false,
        }
    }
}

impl Outcome {
    /// A call that ended before its tool ran.
    pub(crate) fn at_once(result: Result<ToolValue, ToolError>) -> Self {
        Outcome {
            result,
            slow_poll: None,
            elapsed: Duration::ZERO,
            attempts: 0,
        }
    }

    /// A call stopped before its tool ran (arguments over the limits, not approved), counted
    /// in the tool's stats.
    fn stopped(entry: &Entry, error: ToolError) -> Self {
        entry.counters.record(Some(&error), Duration::ZERO);
        Outcome::at_once(Err(error))
    }

    /// A call the provider reader refused (see [`ToolCall::refused`]); the name the model gave
    /// is echoed shortened and escaped.
    pub(crate) fn refused(tool: String, reason: String) -> Self {
        let tool = escaped(&shortened(&tool)).into_owned();
        Outcome::at_once(Err(ToolError::Refused { tool, reason }))
    }
}

/// Counts, when dropped while `started` is still set, a call that reached its tool and whose
/// future its caller dropped before it answered: as cancelled. [`Toolbox::run`] counts the
/// others.
struct CountIfDropped<'a> {
    entry: &'a Entry,
    started: Option<Instant>,
    /// How many times the tool was started: every attempt of a retried call counts.
    attempts: u32,
}

impl Drop for CountIfDropped<'_> {
    fn drop(&mut self) {
        if let Some(started) = self.started {
            let tool = self.entry.spec.name.to_string();
            let error = ToolError::Cancelled { tool };
            self.entry.counters.record(Some(&error), started.elapsed());
            self.entry.counters.attempted(self.attempts);
        }
    }
}

/// The error of a call that could not start: its batch's deadline passed, or its caller
/// cancelled it. Pending while neither has happened.
async fn not_started(call: &Call<'_>, tool: &str) -> ToolError {
    let tool = tool.to_owned();
    tokio::select! {
        biased;
        () = cancelled(call.cancel) => ToolError::Cancelled { tool },
        deadline = passed(call.deadline) => ToolError::NotStarted { tool, deadline },
    }
}

/// Completes when `token` is cancelled; never without a token.
pub(crate) async fn cancelled(token: Option<&CancellationToken>) {
    match token {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

/// Completes when a batch's `deadline` passes, with the time the batch was given; never
/// without a deadline.
pub(crate) async fn passed(deadline: Option<(Instant, Duration)>) -> Duration {
    match deadline {
        Some((at, given)) => {
            tokio::time::sleep_until(at).await;
            given
        }
        None => std::future::pending().await,
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
        Failure::Tool(message) | Failure::Transient(message) => ToolError::Failed { tool, message },
        Failure::Panicked(message) => ToolError::Panicked { tool, message },
    }
}

/// An error of arguments that the approval policy or a person edited: theirs to fix, not the
/// model's.
fn as_edit(error: ToolError) -> ToolError {
    match error {
        ToolError::InvalidArguments {
            tool,
            path,
            message,
        } => ToolError::InvalidEdit {
            tool,
            path,
            message,
        },
        other => other,
    }
}

/// `error`, saying after how many attempts it came when there were several.
fn after(attempts: u32, mut error: ToolError) -> ToolError {
    if let ToolError::Failed { message, .. } = &mut error
        && attempts > 1
    {
        message.push_str(&format!(" (after {attempts} attempts)"));
    }
    error
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
