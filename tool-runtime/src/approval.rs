//! Who must agree before a call runs: the toolbox's approval policy ([`Approval`]), the person
//! it asks ([`Approver`]), and what either answers ([`Decision`]).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::call::{cancelled, passed};
use crate::guard::{Guarded, Polls, escaped};
use crate::{Annotations, ArgumentsRef, BoxFuture, ToolError};

/// A call waiting for approval: what a policy and a person decide on.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApprovalRequest {
    /// The tool's name.
    pub tool: String,
    /// The id the model gave the call, when it gave one.
    pub call_id: Option<String>,
    /// The arguments as the model sent them; text that is not a JSON object is given as a
    /// JSON string of that text (the tool refuses it, but a person sees what was sent).
    pub arguments: Value,
    /// The tool's hints: `destructive`, `read_only`, `idempotent`, `open_world`.
    pub annotations: Annotations,
}

impl ApprovalRequest {
    /// A request to run `tool` with `arguments`, with no call id and no hints: for testing a
    /// policy or an approver.
    ///
    /// ```
    /// use tool_runtime::ApprovalRequest;
    ///
    /// let request = ApprovalRequest::new("delete_file", serde_json::json!({"path": "a.txt"}));
    /// assert_eq!(request.arguments["path"], "a.txt");
    /// ```
    pub fn new(tool: impl Into<String>, arguments: Value) -> Self {
        ApprovalRequest {
            tool: tool.into(),
            call_id: None,
            arguments,
            annotations: Annotations::default(),
        }
    }

    /// The arguments as pretty JSON, for showing to a person.
    pub fn arguments_text(&self) -> String {
        serde_json::to_string_pretty(&self.arguments).unwrap_or_default()
    }

    pub(crate) fn of(
        tool: &str,
        call_id: Option<&str>,
        arguments: ArgumentsRef<'_>,
        annotations: &Annotations,
    ) -> Self {
        let arguments = arguments
            .decode::<serde_json::Map<String, Value>>()
            .map_or_else(|_| Value::String(arguments.to_json_string()), Value::Object);
        ApprovalRequest {
            tool: tool.to_owned(),
            call_id: call_id.map(str::to_owned),
            arguments,
            annotations: annotations.clone(),
        }
    }
}

/// What a policy or a person answers about a call.
///
/// ```
/// use tool_runtime::Decision;
///
/// let no = Decision::deny("not on Fridays");
/// assert_eq!(no, Decision::Deny { reason: "not on Fridays".into() });
/// let smaller = Decision::Edit(serde_json::json!({"limit": 10}));
/// # let _ = smaller;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Run the call.
    Allow,
    /// Do not run it; the model reads that the user declined it, and why.
    Deny {
        /// Why, as the model should read it (may be empty).
        reason: String,
    },
    /// Run it with these arguments instead of the model's. They are checked against the
    /// tool's schema and limits exactly as the model's are; arguments that do not fit are
    /// refused with the path of the field at fault ([`ToolError::InvalidEdit`]), and the tool
    /// is not run. The model, whose arguments were not at fault, reads that it should not
    /// repeat the call but ask the user.
    ///
    /// [`ToolError::InvalidEdit`]: crate::ToolError::InvalidEdit
    Edit(Value),
    /// A person must answer: the call's [`Approver`], or the policy's. From an approver,
    /// `Ask` means that no one could answer, and the policy's fallback applies.
    Ask,
}

impl Decision {
    /// [`Decision::Deny`] with this reason.
    pub fn deny(reason: impl Into<String>) -> Self {
        Decision::Deny {
            reason: reason.into(),
        }
    }
}

type Decide = dyn Fn(ApprovalRequest) -> BoxFuture<'static, Decision> + Send + Sync;

/// The person asked when a policy answers [`Decision::Ask`]: an async function given the call
/// and answering for the person (a terminal prompt, a button in a UI, an MCP client's form).
///
/// ```
/// use tool_runtime::{Approver, Decision};
///
/// // A person who says yes to everything but deleting the root.
/// let approver = Approver::new(|request| async move {
///     if request.arguments["path"] == "/" {
///         Decision::deny("not the root")
///     } else {
///         Decision::Allow
///     }
/// });
/// # let _ = approver;
/// ```
#[derive(Clone)]
pub struct Approver(Arc<Decide>);

impl Approver {
    /// Asks `ask` for each call a policy sends to a person.
    pub fn new<F, Fut>(ask: F) -> Self
    where
        F: Fn(ApprovalRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Decision> + Send + 'static,
    {
        Approver(Arc::new(move |request| Box::pin(ask(request))))
    }
}

impl fmt::Debug for Approver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Approver(..)")
    }
}

/// Two approvers are equal when they are the same function (clones of one `Approver`).
impl PartialEq for Approver {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A toolbox's approval policy ([`ToolboxBuilder::approval`](crate::ToolboxBuilder::approval)):
/// an async check of every call before it runs, which allows it, denies it, edits its
/// arguments, or asks a person.
///
/// Who answers [`Decision::Ask`] is the call's own [`Approver`]
/// ([`ToolCall::with_approver`](crate::ToolCall::with_approver); an MCP server asks its
/// client's user through elicitation), else the policy's ([`Approval::approver`]). With no one
/// to ask, the [fallback](Approval::fallback) applies: by default the call is not run, and the
/// model reads that it needs a person's approval. The wait for an answer does not count
/// against the tool's timeout, but the batch's deadline and cancellation cut it.
///
/// A call that is not run never reaches its tool, is counted in
/// [`ToolStats::denials`](crate::ToolStats::denials), and comes back as an ordinary failed
/// result the model reads ([`ToolError::Declined`], [`ToolError::Unapproved`]).
///
/// ```
/// use tool_runtime::{tool, Approval, Approver, Decision, ToolCall, Toolbox};
///
/// /// Deletes a file.
/// #[tool(destructive)]
/// async fn delete_file(path: String) -> String {
///     format!("deleted {path}")
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder()
///         .tool(delete_file::tool())
///         .approval(Approval::ask_destructive())
///         .build()
///         .unwrap();
///
///     // No one to ask: not run.
///     let output = toolbox.call("delete_file", r#"{"path": "a.txt"}"#).await;
///     assert!(output.text().starts_with("delete_file was not run: it needs a person's approval"));
///
///     // A person who says no.
///     let no = Approver::new(|_| async { Decision::deny("keep my files") });
///     let call = ToolCall::new("1", "delete_file", r#"{"path": "a.txt"}"#).with_approver(no);
///     let results = toolbox.call_all([call]).await;
///     assert_eq!(
///         results[0].output.text(),
///         "delete_file was not run: the user declined it (keep my files). \
///          Do not repeat the call; go on without it, or ask the user what to do."
///     );
///     assert_eq!(toolbox.stats("delete_file").unwrap().denials, 2);
/// }
/// ```
#[derive(Clone)]
pub struct Approval {
    decide: Arc<Decide>,
    approver: Option<Approver>,
    fallback: Option<Decision>,
}

impl Approval {
    /// A policy that decides with `decide`, an async function of the call.
    ///
    /// ```
    /// use tool_runtime::{Approval, Decision};
    ///
    /// // Queries run; anything else that writes asks a person; nothing may touch `prod`.
    /// let policy = Approval::new(|request| async move {
    ///     if request.arguments.to_string().contains("prod") {
    ///         Decision::deny("production is off limits")
    ///     } else if request.annotations.read_only == Some(true) {
    ///         Decision::Allow
    ///     } else {
    ///         Decision::Ask
    ///     }
    /// });
    /// # let _ = policy;
    /// ```
    pub fn new<F, Fut>(decide: F) -> Self
    where
        F: Fn(ApprovalRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Decision> + Send + 'static,
    {
        Approval {
            decide: Arc::new(move |request| Box::pin(decide(request))),
            approver: None,
            fallback: None,
        }
    }

    /// Asks a person before each call of a tool annotated `destructive`
    /// (`#[tool(destructive)]`), and allows the others.
    pub fn ask_destructive() -> Self {
        Approval::new(|request| {
            let destructive = request.annotations.destructive == Some(true);
            std::future::ready(if destructive {
                Decision::Ask
            } else {
                Decision::Allow
            })
        })
    }

    /// Who answers [`Decision::Ask`] for calls that bring no approver of their own.
    pub fn approver(mut self, approver: Approver) -> Self {
        self.approver = Some(approver);
        self
    }

    /// What applies when a call must be asked about and no one can answer: `Allow` runs it,
    /// `Deny` or `Edit` as they say. Default: the call is not run, and the model reads that it
    /// needs a person's approval and none was available ([`ToolError::Unapproved`]).
    ///
    /// ```
    /// use tool_runtime::{tool, Approval, Decision, Toolbox};
    ///
    /// /// Restarts the service.
    /// #[tool(destructive)]
    /// async fn restart() -> String {
    ///     "restarted".to_owned()
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     // Unattended at night: what would be asked is run.
    ///     let policy = Approval::ask_destructive().fallback(Decision::Allow);
    ///     let toolbox = Toolbox::builder().tool(restart::tool()).approval(policy).build().unwrap();
    ///     assert_eq!(toolbox.call("restart", "{}").await.text(), "restarted");
    /// }
    /// ```
    pub fn fallback(mut self, decision: Decision) -> Self {
        self.fallback = Some(decision).filter(|d| *d != Decision::Ask);
        self
    }

    /// Decides on a call of `tool`: the policy, then the person when it asks, all cut by
    /// `cancel` and the batch's `deadline`.
    pub(crate) async fn check(
        &self,
        request: ApprovalRequest,
        approver: Option<&Approver>,
        cancel: Option<&CancellationToken>,
        deadline: Option<(Instant, Duration)>,
    ) -> Verdict {
        let tool = request.tool.clone();
        let decide = async {
            let decision = (self.decide)(request.clone()).await;
            if decision != Decision::Ask {
                return (decision, false);
            }
            let answer = match approver.or(self.approver.as_ref()) {
                Some(approver) => (approver.0)(request).await,
                None => Decision::Ask,
            };
            match (answer, &self.fallback) {
                (Decision::Ask, Some(fallback)) => (fallback.clone(), false),
                (answer, _) => (answer, true),
            }
        };
        // A policy or an approver that panics is contained: the call is not run.
        let name = tool.clone();
        let mut polls = Polls::default();
        let decide = Guarded::new(Box::pin(decide), &name, None, &mut polls);
        let (decision, asked) = tokio::select! {
            biased;
            () = cancelled(cancel) => return Verdict::Stop(ToolError::Cancelled { tool }),
            // Before the deadline: a decision at hand is taken even when the time is up (the
            // tool's own deadline then says so).
            decided = decide => match decided {
                Ok(decided) => decided,
                Err(panic) => {
                    tracing::error!(tool = %name, panic = %escaped(&panic), "the approval policy or its approver panicked; the call is not run");
                    return Verdict::Stop(ToolError::Unapproved { tool, waited: None });
                }
            },
            waited = passed(deadline) => {
                return Verdict::Stop(ToolError::Unapproved { tool, waited: Some(waited) });
            }
        };
        match decision {
            Decision::Allow => Verdict::Run {
                arguments: None,
                asked,
            },
            Decision::Edit(arguments) => Verdict::Run {
                arguments: Some(arguments),
                asked,
            },
            Decision::Deny { reason } => Verdict::Stop(ToolError::Declined { tool, reason }),
            Decision::Ask => Verdict::Stop(ToolError::Unapproved { tool, waited: None }),
        }
    }
}

impl fmt::Debug for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Approval")
            .field("approver", &self.approver)
            .field("fallback", &self.fallback)
            .finish_non_exhaustive()
    }
}

/// What the approval step concluded about a call.
pub(crate) enum Verdict {
    /// Run it, with these arguments instead of the model's when edited; `asked`: a person
    /// answered.
    Run {
        arguments: Option<Value>,
        asked: bool,
    },
    /// Do not run it: this is the call's result.
    Stop(ToolError),
}
