//! Running one call: lookup, concurrency slot, deadline, panic catching, cancellation,
//! counters, tracing, and the text of the outcome.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::error::close_names;
use crate::guard::{Deadline, Guarded, Polls, panic_message};
use crate::toolbox::Entry;
use crate::{
    Arguments, CallContext, CallResult, Failure, ToolCall, ToolError, ToolOutput, ToolValue,
    Toolbox,
};

/// One call to run.
pub(crate) struct Call<'a> {
    pub(crate) id: Option<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) arguments: Arguments,
    /// The batch's cancellation, when the call is part of one.
    pub(crate) cancel: Option<&'a CancellationToken>,
    /// The batch's deadline, when it has one.
    pub(crate) deadline: Option<Instant>,
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
    pub async fn call(&self, name: &str, arguments: impl Into<Arguments>) -> ToolOutput {
        let executed = self.execute(Call::single(name, arguments.into())).await;
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
        arguments: impl Into<Arguments>,
    ) -> Result<ToolValue, ToolError> {
        self.execute(Call::single(name, arguments.into()))
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
            ..
        } = call;
        let executed = self
            .execute(Call {
                id: Some(&id),
                name: &name,
                arguments,
                cancel: Some(cancel),
                deadline: None,
            })
            .await;
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
        let inner = &*self.inner;
        let Some(entry) = inner.lookup(call.name) else {
            let available: Vec<String> = self.specs().map(|s| s.name.to_string()).collect();
            return Executed {
                result: Err(ToolError::UnknownTool {
                    name: call.name.to_owned(),
                    suggestions: close_names(call.name, available.iter().map(String::as_str)),
                    available,
                }),
                slow_poll: None,
                elapsed: Duration::ZERO,
            };
        };
        let limits = inner.limits;
        if let Err(failure) = call
            .arguments
            .check_limits(limits.argument_bytes, limits.nesting_depth)
        {
            let error = attach(&entry.spec.name, failure);
            entry.counters.record(Some(&error), Duration::ZERO);
            return Executed {
                result: Err(error),
                slow_poll: None,
                elapsed: Duration::ZERO,
            };
        }
        let span = tracing::info_span!(
            "tool_call",
            tool = call.name,
            call_id = call.id.unwrap_or(""),
            outcome = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        if span.is_disabled() {
            self.run(entry, call, &span).await
        } else {
            self.run(entry, call, &span).instrument(span.clone()).await
        }
    }

    /// Runs a call of the tool `entry`: its concurrency slot, its deadline, its cancellation,
    /// its panics, its counters.
    async fn run(&self, entry: &Entry, call: Call<'_>, span: &tracing::Span) -> Executed {
        let inner = &*self.inner;
        let _slot = match &entry.limit {
            Some(limit) => Some(limit.acquire().await),
            None => None,
        };
        let started = Instant::now();
        let timeout = entry.spec.timeout.unwrap_or(inner.default_timeout);
        let mut deadline = started + timeout;
        if let Some(batch) = call.deadline {
            deadline = deadline.min(batch);
        }
        // A context costs allocations (its token, its call id): make one only for a tool that
        // reads it. Its token also tells a blocking tool that its time is up.
        let token = entry.reads_context.then(|| {
            call.cancel
                .map(CancellationToken::child_token)
                .unwrap_or_default()
        });
        let mut context = CallContext::new();
        if let Some(token) = &token {
            context = context
                .with_deadline(deadline)
                .with_cancellation(token.clone());
            if let Some(id) = call.id {
                context = context.with_call_id(id);
            }
        }
        let tool_name = entry.spec.name.as_ref();
        let mut finished = None;
        let timed = async {
            let future = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                entry.tool.call(call.arguments, context, &inner.state)
            }));
            let future = match future {
                Ok(future) => future,
                Err(payload) => {
                    return Err(attach(
                        tool_name,
                        Failure::Panicked(panic_message(&*payload)),
                    ));
                }
            };
            let guarded = Guarded::new(future, tool_name, inner.slow_poll, started, &mut finished);
            match Deadline::new(guarded, deadline).await {
                Some(Ok(result)) => result.map_err(|failure| attach(tool_name, failure)),
                Some(Err(payload)) => Err(attach(
                    tool_name,
                    Failure::Panicked(panic_message(&*payload)),
                )),
                None => {
                    if let Some(token) = &token {
                        token.cancel();
                    }
                    Err(ToolError::TimedOut {
                        tool: tool_name.to_owned(),
                        after: deadline.saturating_duration_since(started),
                    })
                }
            }
        };
        let result = match call.cancel {
            Some(cancel) => tokio::select! {
                biased;
                () = cancel.cancelled() => Err(ToolError::Cancelled { tool: tool_name.to_owned() }),
                result = timed => result,
            },
            None => timed.await,
        };
        let Polls { ended, slow } = finished.unwrap_or_default();
        let elapsed = ended
            .unwrap_or_else(Instant::now)
            .saturating_duration_since(started);
        entry.counters.record(result.as_ref().err(), elapsed);
        span.record(
            "outcome",
            result.as_ref().map_or_else(ToolError::kind, |_| "ok"),
        );
        span.record("elapsed_ms", elapsed.as_millis() as u64);
        Executed {
            result,
            slow_poll: slow,
            elapsed,
        }
    }

    /// The output the model reads for a call.
    pub(crate) fn render(&self, executed: Executed) -> ToolOutput {
        let inner = &*self.inner;
        let output = match executed.result {
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
        let output = output.with_slow_poll(executed.slow_poll);
        match inner.max_output_chars {
            Some(limit) => output.cut_to(limit),
            None => output,
        }
    }
}

impl<'a> Call<'a> {
    fn single(name: &'a str, arguments: Arguments) -> Self {
        Call {
            id: None,
            name,
            arguments,
            cancel: None,
            deadline: None,
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
