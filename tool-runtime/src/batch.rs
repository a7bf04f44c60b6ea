//! Running one model turn's calls: concurrently on tokio tasks, bounded, in order, under an
//! optional deadline and cancellation, with `sequential` tools run alone.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::call::{Call, Outcome};
use crate::guard::{contain, escaped, shortened};
use crate::{Approver, Arguments, OnProgress, ToolError, ToolOutput, Toolbox};

/// One tool call a model asked for.
///
/// ```
/// use tool_runtime::ToolCall;
///
/// let call = ToolCall::new("call_1", "get_weather", r#"{"city":"Paris"}"#);
/// assert_eq!(call.name, "get_weather");
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ToolCall {
    /// The id the model gave the call, echoed in the result.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments.
    pub arguments: Arguments,
    /// Fields of the provider's call, beside its id, name and arguments, that must be sent
    /// back with it unchanged, such as Gemini's `thoughtSignature`. Usually empty.
    pub extras: serde_json::Map<String, serde_json::Value>,
    /// Where the tool's progress reports go ([`CallContext::progress`](crate::CallContext::progress)),
    /// when someone listens. A listener is not data: serde leaves it out.
    #[serde(skip)]
    pub progress: Option<OnProgress>,
    /// Who answers when the toolbox's [`Approval`](crate::Approval) policy asks a person about
    /// this call; `None` leaves it to the policy's own approver, or its fallback. An approver
    /// is not data: serde leaves it out.
    #[serde(skip)]
    pub approver: Option<Approver>,
    /// Why the call is not to be run, for a provider's call that was malformed: it is answered
    /// with this reason as a [`ToolError::Refused`], and the tool is not run. Usually `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
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
            extras: serde_json::Map::new(),
            progress: None,
            approver: None,
            refusal: None,
        }
    }

    /// A call that is answered with `reason` (a sentence: what was wrong, what to do) and not
    /// run: the provider readers make one of each malformed call, so that the others run.
    ///
    /// ```
    /// use tool_runtime::{ToolCall, Toolbox};
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let toolbox = Toolbox::builder().build().unwrap();
    ///     let call = ToolCall::refused("c1", "add", "its id is used by an earlier call.");
    ///     let results = toolbox.call_all([call]).await;
    ///     assert_eq!(results[0].output.text(), "add was not run: its id is used by an earlier call.");
    /// }
    /// ```
    pub fn refused(
        id: impl Into<String>,
        name: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ToolCall {
            refusal: Some(reason.into()),
            ..ToolCall::new(id, name, serde_json::Value::Null)
        }
    }

    /// The same call, with its progress reports sent to `listener`.
    pub fn with_progress(mut self, listener: OnProgress) -> Self {
        self.progress = Some(listener);
        self
    }

    /// The same call, with `approver` answering when the toolbox's approval policy asks a
    /// person about it (see [`Approval`](crate::Approval)).
    ///
    /// ```
    /// use tool_runtime::{Approver, Decision, ToolCall};
    ///
    /// let user = Approver::new(|request| async move {
    ///     eprintln!("allowing {} {}", request.tool, request.arguments);
    ///     Decision::Allow
    /// });
    /// let call = ToolCall::new("1", "delete_file", r#"{"path": "a.txt"}"#).with_approver(user);
    /// assert!(call.approver.is_some());
    /// ```
    pub fn with_approver(mut self, approver: Approver) -> Self {
        self.approver = Some(approver);
        self
    }
}

/// The result of one call of a batch, with the call's id and tool name.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallResult {
    /// The call's id.
    pub id: String,
    /// The tool's name, as the model wrote it.
    pub name: String,
    /// What the model reads.
    pub output: ToolOutput,
    /// How long the call ran, from its start (after any wait for approval or for a
    /// concurrency slot) to its result.
    pub elapsed: Duration,
}

/// Settings of one batch: a deadline for the whole batch, and a token that cancels it.
///
/// ```
/// use std::time::Duration;
/// use tool_runtime::{BatchOptions, CancellationToken};
///
/// let stop = CancellationToken::new();
/// let options = BatchOptions::new()
///     .deadline(Duration::from_secs(30))
///     .cancellation(stop.clone());
/// // Elsewhere, when the user presses Escape: stop.cancel();
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default)]
pub struct BatchOptions {
    deadline: Option<Duration>,
    cancellation: Option<CancellationToken>,
}

impl BatchOptions {
    /// No deadline, no cancellation.
    pub fn new() -> Self {
        BatchOptions::default()
    }

    /// Every call of the batch stops at this time after the batch starts, whatever its own
    /// timeout.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Cancelling `token` stops every call of the batch that has not finished.
    pub fn cancellation(mut self, token: CancellationToken) -> Self {
        self.cancellation = Some(token);
        self
    }
}

impl Toolbox {
    /// Runs a batch of calls concurrently, each on its own task and under its own timeout, at
    /// most [`concurrency_limit`](crate::ToolboxBuilder::concurrency_limit) at once. Results
    /// come back in the calls' order, each with its call id. Dropping the returned future
    /// cancels every call.
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
        self.call_all_with(calls, BatchOptions::new()).await
    }

    /// [`call_all`](Toolbox::call_all) with a deadline for the whole batch and a cancellation
    /// token. A tool marked `#[tool(sequential)]` runs alone: after the calls before it have
    /// finished, and before the calls after it start.
    pub async fn call_all_with(
        &self,
        calls: impl IntoIterator<Item = ToolCall>,
        options: BatchOptions,
    ) -> Vec<CallResult> {
        let mut calls: Vec<ToolCall> = calls.into_iter().collect();
        let size = calls.len();
        let limit = self.inner.policy.limits.batch_size;
        let refused = calls.split_off(size.min(limit));
        let deadline = options
            .deadline
            .map(|d| (crate::toolbox::after(Instant::now(), d), d));
        let mut batch = AbortOnDrop {
            cancel: options
                .cancellation
                .as_ref()
                .map(CancellationToken::child_token)
                .unwrap_or_default(),
            running: Vec::new(),
        };
        let mut results = Vec::with_capacity(size);
        let mut calls = calls.into_iter().peekable();
        while calls.peek().is_some() {
            // A phase: one sequential call, or the run of calls up to the next sequential one.
            let first = calls.next().expect("peeked");
            let alone = self.is_sequential(&first.name);
            batch.spawn(self, first, deadline);
            if !alone {
                while let Some(call) = calls.next_if(|c| !self.is_sequential(&c.name)) {
                    batch.spawn(self, call, deadline);
                }
            }
            batch.collect(self, deadline, &mut results).await;
        }
        for call in refused {
            let error = ToolError::BatchTooLarge {
                tool: escaped(&shortened(&call.name)).into_owned(),
                size,
                limit,
            };
            // Counted as a call of its tool, if there is one: it was refused before it ran.
            if let Some(entry) = self.inner.lookup(&call.name) {
                entry.counters.record(Some(&error), Duration::ZERO);
            }
            results.push(CallResult {
                id: call.id,
                name: call.name,
                output: self.render(Outcome::at_once(Err(error))),
                elapsed: Duration::ZERO,
            });
        }
        results
    }

    fn is_sequential(&self, name: &str) -> bool {
        self.inner.lookup(name).is_some_and(|e| e.spec.sequential)
    }
}

/// How long after a batch's deadline a call that has not answered (its own deadline stops it
/// unless its tool holds its thread) is abandoned.
const STALL_GRACE: Duration = Duration::from_millis(100);

/// A call of the batch, running on its own task.
struct Running {
    id: String,
    name: String,
    task: JoinHandle<(ToolOutput, Duration)>,
}

/// The batch's running calls; dropping it (the batch's future was dropped) cancels them all.
struct AbortOnDrop {
    cancel: CancellationToken,
    running: Vec<Running>,
}

impl AbortOnDrop {
    fn spawn(&mut self, toolbox: &Toolbox, call: ToolCall, deadline: Option<(Instant, Duration)>) {
        let toolbox = toolbox.clone();
        let cancel = self.cancel.clone();
        let id = call.id.clone();
        let name = call.name.clone();
        let task = tokio::spawn(async move {
            let outcome = match call.refusal {
                Some(reason) => Outcome::refused(call.name, reason),
                None => {
                    toolbox
                        .run(&Call {
                            id: Some(&call.id),
                            name: &call.name,
                            arguments: call.arguments.as_ref(),
                            cancel: Some(&cancel),
                            deadline,
                            progress: call.progress.as_ref(),
                            approver: call.approver.as_ref(),
                            in_batch: true,
                        })
                        .await
                }
            };
            let elapsed = outcome.elapsed;
            (toolbox.render(outcome), elapsed)
        });
        self.running.push(Running { id, name, task });
    }

    /// Waits for the running calls, in order, and appends their results. With a batch
    /// deadline, a call still running [`STALL_GRACE`] after it is answered as timed out and
    /// aborted,
    /// even one whose tool never yields: the wait is here, on the batch's own timer, not in
    /// the call's task.
    async fn collect(
        &mut self,
        toolbox: &Toolbox,
        deadline: Option<(Instant, Duration)>,
        results: &mut Vec<CallResult>,
    ) {
        for Running { id, name, task } in &mut self.running {
            let joined = match deadline {
                Some((at, _)) => tokio::time::timeout_at(at + STALL_GRACE, &mut *task)
                    .await
                    .ok(),
                None => Some((&mut *task).await),
            };
            let (output, elapsed) = match joined {
                Some(Ok(finished)) => finished,
                Some(Err(err)) => {
                    let error = if err.is_panic() {
                        ToolError::Panicked {
                            tool: name.clone(),
                            message: contain(err.into_panic()),
                        }
                    } else {
                        ToolError::Cancelled { tool: name.clone() }
                    };
                    (toolbox.render(Outcome::at_once(Err(error))), Duration::ZERO)
                }
                None => {
                    task.abort();
                    tracing::warn!(
                        tool = name.as_str(),
                        "a call was still running at its batch's deadline: its tool does not \
                         yield (a loop or a blocking call in an async fn); it was abandoned"
                    );
                    let after = deadline.map_or(Duration::ZERO, |(_, given)| given);
                    let error = ToolError::TimedOut {
                        tool: name.clone(),
                        after,
                    };
                    (toolbox.render(Outcome::at_once(Err(error))), after)
                }
            };
            results.push(CallResult {
                id: std::mem::take(id),
                name: std::mem::take(name),
                output,
                elapsed,
            });
        }
        self.running.clear();
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.cancel.cancel();
        for running in &self.running {
            running.task.abort();
        }
    }
}
