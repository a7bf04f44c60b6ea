//! Running calls: lookup, timeout, panic catching, cancellation, and the text of the outcome.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::error::close_names;
use crate::{Arguments, CallContext, Failure, ToolError, ToolOutput, ToolValue, Toolbox};

/// One tool call a model asked for.
///
/// ```
/// use tool_runtime::ToolCall;
///
/// let call = ToolCall::new("call_1", "get_weather", r#"{"city":"Paris"}"#);
/// assert_eq!(call.name, "get_weather");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    /// The id the model gave the call, echoed in the result.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments.
    pub arguments: Arguments,
}

impl ToolCall {
    /// A call of `name` with `arguments` (JSON text or a JSON value).
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<Arguments>,
    ) -> Self {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
        }
    }
}

/// The result of one call of a batch, with the call's id and tool name.
#[derive(Clone, Debug, PartialEq)]
pub struct CallResult {
    /// The call's id.
    pub id: String,
    /// The tool's name, as the model wrote it.
    pub name: String,
    /// What the model reads.
    pub output: ToolOutput,
    /// How long the call ran, from its start (after any wait for a concurrency slot) to its
    /// result.
    pub elapsed: Duration,
}

impl Toolbox {
    /// Calls the tool `name` with `arguments` (JSON text or a JSON value). Never fails: every
    /// failure comes back as an output whose text tells the model what went wrong.
    pub async fn call(&self, name: &str, arguments: impl Into<Arguments>) -> ToolOutput {
        let result = self.execute(None, name, arguments.into(), None).await;
        self.render(result)
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
        self.execute(None, name, arguments.into(), None).await
    }

    /// Runs a batch of calls concurrently, each on its own task and under its own timeout, at
    /// most [`concurrency_limit`](crate::ToolboxBuilder::concurrency_limit) at once. Results
    /// come back in the calls' order. Dropping the returned future cancels every call.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tool_runtime::{tool, ToolCall, Toolbox};
    ///
    /// /// Waits, then answers.
    /// #[tool]
    /// async fn wait(ms: u64) -> String {
    ///     tokio::time::sleep(Duration::from_millis(ms)).await;
    ///     format!("waited {ms} ms")
    /// }
    ///
    /// #[tokio::main]
    /// async fn main() {
    ///     let toolbox = Toolbox::builder().tool(wait::tool()).build().unwrap();
    ///     let started = std::time::Instant::now();
    ///     let results = toolbox
    ///         .call_all([
    ///             ToolCall::new("a", "wait", r#"{"ms": 200}"#),
    ///             ToolCall::new("b", "wait", r#"{"ms": 100}"#),
    ///         ])
    ///         .await;
    ///     assert_eq!(results[0].id, "a");
    ///     assert_eq!(results[1].output.text(), "waited 100 ms");
    ///     assert!(started.elapsed() < Duration::from_millis(300));
    /// }
    /// ```
    pub async fn call_all(&self, calls: impl IntoIterator<Item = ToolCall>) -> Vec<CallResult> {
        let mut tasks = AbortOnDrop(Vec::new());
        for call in calls {
            let toolbox = self.clone();
            let id = call.id.clone();
            let name = call.name.clone();
            let task = tokio::spawn(async move {
                let _permit = match &toolbox.inner.concurrency {
                    Some(limit) => Some(limit.clone().acquire_owned().await),
                    None => None,
                };
                let started = Instant::now();
                let result = toolbox
                    .execute(Some(&call.id), &call.name, call.arguments, None)
                    .await;
                (toolbox.render(result), started.elapsed())
            });
            tasks.0.push(Pending { id, name, task });
        }
        let mut results = Vec::with_capacity(tasks.0.len());
        for Pending { id, name, task } in &mut tasks.0 {
            let (output, elapsed) = match task.await {
                Ok(finished) => finished,
                Err(err) => {
                    let error = if err.is_panic() {
                        ToolError::Panicked {
                            tool: name.clone(),
                            message: panic_message(&*err.into_panic()),
                        }
                    } else {
                        ToolError::Cancelled { tool: name.clone() }
                    };
                    (self.render(Err(error)), Duration::ZERO)
                }
            };
            results.push(CallResult {
                id: std::mem::take(id),
                name: std::mem::take(name),
                output,
                elapsed,
            });
        }
        results
    }

    /// Runs one call: lookup, decoding, timeout, panics, cancellation.
    pub(crate) async fn execute(
        &self,
        call_id: Option<&str>,
        name: &str,
        arguments: Arguments,
        cancel: Option<&CancellationToken>,
    ) -> Result<ToolValue, ToolError> {
        let inner = &*self.inner;
        let Some(entry) = inner.lookup(name) else {
            let available: Vec<String> = self.specs().map(|s| s.name.to_string()).collect();
            return Err(ToolError::UnknownTool {
                name: name.to_owned(),
                suggestions: close_names(name, available.iter().map(String::as_str)),
                available,
            });
        };
        let span = tracing::info_span!("tool_call", tool = name, call_id = call_id.unwrap_or(""));
        async move {
            let started = Instant::now();
            let timeout = entry.spec.timeout.unwrap_or(inner.default_timeout);
            let deadline = started + timeout;
            let token = cancel
                .map(CancellationToken::child_token)
                .unwrap_or_default();
            let mut context = CallContext::new()
                .with_deadline(deadline)
                .with_cancellation(token.clone());
            if let Some(id) = call_id {
                context = context.with_call_id(id);
            }
            let tool = name.to_owned();
            let run = async {
                let future = catch_unwind(AssertUnwindSafe(|| {
                    entry.tool.call(arguments, context, &inner.state)
                }))
                .map_err(|payload| Failure::Panicked(panic_message(&*payload)))?;
                CatchUnwind(future)
                    .await
                    .unwrap_or_else(|payload| Err(Failure::Panicked(panic_message(&*payload))))
            };
            let result = tokio::select! {
                biased;
                () = token.cancelled() => Err(ToolError::Cancelled { tool }),
                outcome = tokio::time::timeout_at(deadline, run) => match outcome {
                    Ok(result) => result.map_err(|failure| attach(tool, failure)),
                    Err(_) => {
                        token.cancel();
                        Err(ToolError::TimedOut { tool, after: timeout })
                    }
                },
            };
            let outcome = result.as_ref().map_or_else(ToolError::kind, |_| "ok");
            tracing::debug!(
                outcome,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "tool call finished"
            );
            result
        }
        .instrument(span)
        .await
    }

    /// The output the model reads for `result`.
    pub(crate) fn render(&self, result: Result<ToolValue, ToolError>) -> ToolOutput {
        match result {
            Ok(value) => ToolOutput::success(value),
            Err(error) if self.inner.hide_error_details && error.carries_tool_text() => {
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
        }
    }
}

fn attach(tool: String, failure: Failure) -> ToolError {
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

/// Polls a future, turning a panic into an error value.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// A call of a batch, running on its own task.
struct Pending {
    id: String,
    name: String,
    task: JoinHandle<(ToolOutput, Duration)>,
}

/// Aborts the batch's tasks when the batch is dropped before it finishes.
struct AbortOnDrop(Vec<Pending>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for pending in &self.0 {
            pending.task.abort();
        }
    }
}
