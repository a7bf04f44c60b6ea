//! Building a toolbox: the builder, its limits and defaults, and why a build fails.

use std::any::Any;
use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::stats::Counters;
use crate::toolbox::{CallPolicy, Entry, Inner};
use crate::{Approval, State, Tool, ToolRef, Toolbox};

/// The default time a call may take when neither the tool nor the toolbox sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The default slow-poll threshold: a poll longer than this blocks the executor.
pub const DEFAULT_SLOW_POLL: Duration = Duration::from_millis(100);

/// The default cap on a result's length, in characters; see
/// [`ToolboxBuilder::max_output_chars`].
pub const DEFAULT_MAX_OUTPUT_CHARS: usize = 100_000;

/// The default cap on blocking (`fn`) calls running at once; see
/// [`ToolboxBuilder::max_blocking_calls`]. Well under the 512 threads of tokio's blocking pool.
pub const DEFAULT_MAX_BLOCKING_CALLS: usize = 64;

/// The default limits on what a model may send; see [`ToolboxBuilder::limits`].
pub const DEFAULT_LIMITS: Limits = Limits {
    argument_bytes: 1024 * 1024,
    nesting_depth: 64,
    batch_size: 128,
};

/// Limits on what a model may send, each refused with a message that says so.
///
/// ```
/// use tool_runtime::{Limits, Toolbox, DEFAULT_LIMITS};
///
/// let toolbox = Toolbox::builder()
///     .limits(Limits { argument_bytes: 64 * 1024, ..DEFAULT_LIMITS })
///     .build()
///     .unwrap();
/// # let _ = toolbox;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes of JSON in one call's arguments (default 1 MiB).
    pub argument_bytes: usize,
    /// The deepest nesting of objects and arrays in one call's arguments (default 64).
    pub nesting_depth: usize,
    /// The most calls one batch runs; calls past it are answered without running (default 128).
    pub batch_size: usize,
}

/// Builds a [`Toolbox`]; [`ToolboxBuilder::build`] checks it.
///
/// ```
/// use std::time::Duration;
/// use tool_runtime::{tool, Toolbox};
///
/// struct Greeting(String);
///
/// /// Greets someone with the configured greeting.
/// #[tool]
/// async fn greet(name: String, #[state] greeting: &Greeting) -> String {
///     format!("{}, {name}!", greeting.0)
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder()
///         .tool(greet::tool())
///         .state(Greeting("Bonjour".into()))
///         .default_timeout(Duration::from_secs(5))
///         .build()
///         .unwrap();
///     assert_eq!(toolbox.call("greet", r#"{"name":"Ada"}"#).await.text(), "Bonjour, Ada!");
///
///     // Without the state it needs, the tool is refused when the toolbox is built.
///     let error = Toolbox::builder().tool(greet::tool()).build().unwrap_err();
///     assert!(error.to_string().contains("greet needs state of type"));
/// }
/// ```
#[derive(Default)]
pub struct ToolboxBuilder {
    tools: Vec<ToolRef>,
    registered: bool,
    targets: Vec<crate::providers::Provider>,
    state: State,
    default_timeout: Option<Duration>,
    hide_error_details: bool,
    concurrency_limit: Option<usize>,
    slow_poll: Option<Option<Duration>>,
    max_output_chars: Option<Option<usize>>,
    max_blocking_calls: Option<usize>,
    limits: Option<Limits>,
    approval: Option<Approval>,
    budgets: Vec<crate::providers::budget::Budget>,
}

impl ToolboxBuilder {
    /// Adds one tool; `#[tool] fn name` makes `name::tool()`.
    pub fn tool(mut self, tool: ToolRef) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds several tools.
    pub fn tools(mut self, tools: impl IntoIterator<Item = ToolRef>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// Adds every `#[tool]` linked into the binary, from every crate. A tool also added by
    /// name is not counted twice.
    pub fn registered(mut self) -> Self {
        self.registered = true;
        self
    }

    /// Gives `#[state]` parameters of type `&T` or `Arc<T>` this value.
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// Gives `#[state]` parameters this shared value.
    pub fn state_arc<T: Send + Sync + 'static>(mut self, value: Arc<T>) -> Self {
        self.state.insert_arc(value);
        self
    }

    /// How long a call may take when its tool sets no timeout (default: 60 s).
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = Some(timeout);
        self
    }

    /// Hides the text of tools' errors and panics from the model, which reads the tool's name,
    /// the kind of failure and an error id instead; the full error is logged with `tracing`
    /// under that id. Error text can carry secrets (paths, hosts, tokens).
    pub fn hide_error_details(mut self, hide: bool) -> Self {
        self.hide_error_details = hide;
        self
    }

    /// At most this many calls of [`Toolbox::call_all`](crate::Toolbox::call_all) run at once.
    pub fn concurrency_limit(mut self, limit: usize) -> Self {
        self.concurrency_limit = Some(limit.max(1));
        self
    }

    /// A poll of a tool's future that holds the thread longer than this is logged as a
    /// warning naming the tool, and noted in the output ([`ToolOutput::slow_poll`]); `None`
    /// turns the watchdog off. Default: 100 ms.
    ///
    /// [`ToolOutput::slow_poll`]: crate::ToolOutput::slow_poll
    pub fn slow_poll_threshold(mut self, threshold: Option<Duration>) -> Self {
        self.slow_poll = Some(threshold);
        self
    }

    /// Results longer than this many characters are cut, at a char boundary, with a line
    /// saying how many characters were left out; a structured result (MCP
    /// `structuredContent`, Gemini's `response`) whose JSON is longer is left out, so that
    /// every provider's writer carries the cut form. `None` turns the cap off. Default:
    /// [`DEFAULT_MAX_OUTPUT_CHARS`].
    ///
    /// ```
    /// use tool_runtime::{tool, Toolbox};
    ///
    /// /// Repeats a letter.
    /// #[tool]
    /// async fn repeat(n: usize) -> String {
    ///     "a".repeat(n)
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let toolbox = Toolbox::builder().tool(repeat::tool()).max_output_chars(5).build().unwrap();
    ///     let output = toolbox.call("repeat", r#"{"n": 8}"#).await;
    ///     assert_eq!(output.text(), "aaaaa\n[output cut: 3 more characters not shown]");
    ///     let uncapped = Toolbox::builder().tool(repeat::tool()).max_output_chars(None).build();
    ///     assert_eq!(uncapped.unwrap().call("repeat", r#"{"n": 8}"#).await.text(), "aaaaaaaa");
    /// }
    /// ```
    pub fn max_output_chars(mut self, limit: impl Into<Option<usize>>) -> Self {
        self.max_output_chars = Some(limit.into());
        self
    }

    /// At most this many blocking (`fn`) calls run at once on tokio's blocking pool; the
    /// others wait for a slot under their own timeout. A call whose time is up while its
    /// function still runs keeps its slot until the function returns (Rust cannot stop a
    /// thread), is counted in [`ToolStats::running_late`](crate::ToolStats::running_late),
    /// and its result is dropped and logged. Default: [`DEFAULT_MAX_BLOCKING_CALLS`].
    pub fn max_blocking_calls(mut self, limit: usize) -> Self {
        self.max_blocking_calls = Some(limit.max(1));
        self
    }

    /// Sets the limits on arguments and batches (default: [`DEFAULT_LIMITS`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Checks every call with `policy` before it runs: it may allow it, deny it, edit its
    /// arguments, or ask a person ([`Approval`]). `Approval::ask_destructive()` asks before
    /// each call of a `destructive` tool.
    ///
    /// ```
    /// use tool_runtime::{tool, Approval, Approver, Decision, ToolCall, Toolbox};
    ///
    /// /// Sends money.
    /// #[tool(destructive)]
    /// async fn pay(cents: u64) -> String {
    ///     format!("paid {cents} cents")
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let toolbox = Toolbox::builder()
    ///         .tool(pay::tool())
    ///         .approval(Approval::ask_destructive())
    ///         .build()
    ///         .unwrap();
    ///     // The person lowers the amount; the edit is checked as the model's arguments are.
    ///     let lower = Approver::new(|_| async { Decision::Edit(serde_json::json!({"cents": 100})) });
    ///     let call = ToolCall::new("1", "pay", r#"{"cents": 5000}"#).with_approver(lower);
    ///     assert_eq!(toolbox.call_all([call]).await[0].output.text(), "paid 100 cents");
    ///     assert_eq!(toolbox.stats("pay").unwrap().approvals, 1);
    /// }
    /// ```
    pub fn approval(mut self, policy: Approval) -> Self {
        self.approval = Some(policy);
        self
    }

    /// Checks, when the toolbox is built, that every tool can be declared to each of these
    /// providers: its name, its parameters' root, and what the provider's schema dialect
    /// cannot express. A tool that cannot is a [`BuildProblem::ProviderRule`] naming the
    /// tool, the place in its schema and the rule.
    ///
    /// ```
    /// use tool_runtime::providers::{Provider, Rule};
    /// use tool_runtime::{tool, BuildProblem, Toolbox};
    ///
    /// /// Counts labels.
    /// #[tool]
    /// async fn count(labels: std::collections::HashMap<String, u32>) -> usize {
    ///     labels.len()
    /// }
    ///
    /// # fn main() {
    /// let built = Toolbox::builder().tool(count::tool()).targets([Provider::Anthropic]).build();
    /// assert!(built.is_ok());
    /// let error = Toolbox::builder()
    ///     .tool(count::tool())
    ///     .targets([Provider::OpenAiStrict])
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(
    ///     &error.problems()[0],
    ///     BuildProblem::ProviderRule(violation) if violation.rule == Rule::FreeFormMap
    /// ));
    /// # }
    /// ```
    pub fn targets(
        mut self,
        targets: impl IntoIterator<Item = crate::providers::Provider>,
    ) -> Self {
        self.targets.extend(targets);
        self
    }

    /// Checks, when the toolbox is built, that the tools' declarations to `provider` take at
    /// most `max_tokens` (as [`providers::budget::costs`] counts them, summed): every request
    /// carries them. Over it, [`OverBudget::Fail`] fails the build with a
    /// [`BuildProblem::OverBudget`] naming the total, the budget and the most expensive tools;
    /// [`OverBudget::Warn`] logs the same sentence as one `tracing` warning. A provider the
    /// tools cannot be declared to is reported as its rules are by [`ToolboxBuilder::targets`].
    ///
    /// ```
    /// use tool_runtime::providers::budget::OverBudget;
    /// use tool_runtime::providers::Provider;
    /// use tool_runtime::{tool, BuildProblem, Toolbox};
    ///
    /// /// Get the weather for a city.
    /// #[tool]
    /// async fn get_weather(city: String) -> String {
    ///     format!("Sunny in {city}")
    /// }
    ///
    /// # fn main() {
    /// let fits = Toolbox::builder()
    ///     .tool(get_weather::tool())
    ///     .token_budget(Provider::OpenAiStrict, 2_000, OverBudget::Fail)
    ///     .build();
    /// assert!(fits.is_ok());
    /// let error = Toolbox::builder()
    ///     .tool(get_weather::tool())
    ///     .token_budget(Provider::OpenAiStrict, 10, OverBudget::Fail)
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(&error.problems()[0], BuildProblem::OverBudget { budget: 10, .. }));
    /// # }
    /// ```
    ///
    /// [`providers::budget::costs`]: crate::providers::budget::costs
    /// [`OverBudget::Fail`]: crate::providers::budget::OverBudget::Fail
    /// [`OverBudget::Warn`]: crate::providers::budget::OverBudget::Warn
    pub fn token_budget(
        mut self,
        provider: crate::providers::Provider,
        max_tokens: usize,
        over: crate::providers::budget::OverBudget,
    ) -> Self {
        self.budgets.push(crate::providers::budget::Budget {
            provider,
            max_tokens,
            over,
        });
        self
    }

    /// Checks the tools (unique names, state present) and computes their specs once.
    pub fn build(self) -> Result<Toolbox, BuildError> {
        let mut tools = self.tools;
        if self.registered {
            tools.extend(crate::registry::registered());
        }
        let mut problems = Vec::new();
        // Each state type missing, with every tool that needs it: one problem per type.
        let mut missing: Vec<(crate::StateRequirement, Vec<String>)> = Vec::new();
        let mut entries: Vec<Entry> = Vec::with_capacity(tools.len());
        let mut index =
            HashMap::with_capacity_and_hasher(tools.len(), foldhash::fast::RandomState::default());
        let mut registered_types = None;
        for tool in tools {
            let spec = tool.spec();
            if let Some(&i) = index.get(spec.name.as_ref()) {
                let existing: &Entry = &entries[i];
                let registered = registered_types.get_or_insert_with(registered_tool_types);
                if !same_registered_tool(&*existing.tool, &*tool, registered) {
                    let functions = [&existing.spec.function, &spec.function];
                    problems.push(BuildProblem::DuplicateName {
                        name: spec.name.to_string(),
                        functions: functions
                            .into_iter()
                            .flatten()
                            .map(|f| f.to_string())
                            .collect(),
                    });
                }
                continue;
            }
            for need in tool.state_requirements() {
                if self.state.contains(need.type_id()) {
                    continue;
                }
                let name = spec.name.to_string();
                match missing
                    .iter_mut()
                    .find(|(m, _)| m.type_id() == need.type_id())
                {
                    Some((_, tools)) => tools.push(name),
                    None => missing.push((need, vec![name])),
                }
            }
            for target in &self.targets {
                let violations = target.check(&spec).into_iter();
                problems.extend(violations.map(BuildProblem::ProviderRule));
            }
            index.insert(Box::from(spec.name.as_ref()), entries.len());
            entries.push(Entry {
                limit: spec.max_concurrency.map(slots),
                counters: Counters::new(&spec.name),
                tool,
                spec,
            });
        }
        problems.extend(
            missing
                .into_iter()
                .map(|(need, tools)| BuildProblem::MissingState {
                    tools,
                    type_name: need.type_name(),
                }),
        );
        if !problems.is_empty() {
            problems.dedup();
            return Err(BuildError { problems });
        }
        entries.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (Box::from(e.spec.name.as_ref()), i))
            .collect();
        let toolbox = Toolbox {
            inner: Arc::new(Inner {
                entries,
                index,
                state: self.state,
                policy: CallPolicy {
                    default_timeout: self.default_timeout.unwrap_or(DEFAULT_TIMEOUT),
                    hide_error_details: self.hide_error_details,
                    slow_poll: self.slow_poll.unwrap_or(Some(DEFAULT_SLOW_POLL)),
                    max_output_chars: self
                        .max_output_chars
                        .unwrap_or(Some(DEFAULT_MAX_OUTPUT_CHARS)),
                    limits: self.limits.unwrap_or(DEFAULT_LIMITS),
                },
                concurrency: self.concurrency_limit.map(slots),
                blocking: Arc::new(slots(
                    self.max_blocking_calls
                        .unwrap_or(DEFAULT_MAX_BLOCKING_CALLS),
                )),
                declarations: Default::default(),
                approval: self.approval,
            }),
        };
        // Counted on the built toolbox, whose declarations are then cached for the requests.
        let problems = crate::providers::budget::check(&toolbox, &self.budgets);
        if problems.is_empty() {
            Ok(toolbox)
        } else {
            Err(BuildError { problems })
        }
    }
}

/// The types of the tools `#[tool]` registered: one of them added twice (by name, and through
/// [`ToolboxBuilder::registered`]) is one tool.
fn registered_tool_types() -> HashSet<TypeId> {
    crate::registry::registered()
        .map(|tool| Any::type_id(&*tool))
        .collect()
}

/// Whether two tools of the same name are one `#[tool]` added twice. Any other pair, a
/// hand-written tool in it, is two tools.
fn same_registered_tool(a: &dyn Tool, b: &dyn Tool, registered: &HashSet<TypeId>) -> bool {
    let (a, b) = (Any::type_id(a), Any::type_id(b));
    a == b && registered.contains(&a)
}

/// Why a toolbox could not be built: every problem found, each naming its tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    problems: Vec<BuildProblem>,
}

impl BuildError {
    /// The problems, in the order found.
    pub fn problems(&self) -> &[BuildProblem] {
        &self.problems
    }
}

/// One reason a toolbox could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildProblem {
    /// Two different tools have this name.
    DuplicateName {
        /// The name.
        name: String,
        /// The Rust paths of the two functions ([`ToolSpec::function`](crate::ToolSpec::function)),
        /// where the tools say.
        functions: Vec<String>,
    },
    /// Tools have a `#[state]` parameter whose type the toolbox was not given.
    MissingState {
        /// Every tool that needs it, in the order they were added.
        tools: Vec<String>,
        /// The type they need.
        type_name: &'static str,
    },
    /// A tool breaks a rule of a provider given to [`ToolboxBuilder::targets`].
    ProviderRule(crate::providers::Violation),
    /// The tools' declarations to a provider take more tokens than the budget given to
    /// [`ToolboxBuilder::token_budget`].
    OverBudget {
        /// The provider.
        provider: crate::providers::Provider,
        /// The tokens all the declarations take.
        tokens: usize,
        /// The budget.
        budget: usize,
        /// The most expensive tools, at most three, most expensive first.
        largest: Vec<crate::providers::budget::ToolCost>,
    },
}

impl fmt::Display for BuildProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildProblem::DuplicateName { name, functions } => {
                write!(f, "two different tools are named {name:?}")?;
                if let [first, second] = functions.as_slice() {
                    write!(f, ", declared by `{first}` and `{second}`")?;
                }
                write!(f, "; rename one with #[tool(name = \"...\")]")
            }
            BuildProblem::MissingState { tools, type_name } => {
                match tools.as_slice() {
                    [tool] => write!(f, "tool {tool} needs")?,
                    _ => write!(f, "tools {} need", tools.join(", "))?,
                }
                write!(
                    f,
                    " state of type `{type_name}`; give it with ToolboxBuilder::state or \
                     state_arc (Toolbox::registered() gives no state: write \
                     `Toolbox::builder().registered().state(value).build()`)"
                )
            }
            BuildProblem::ProviderRule(violation) => write!(f, "{violation}"),
            BuildProblem::OverBudget {
                provider,
                tokens,
                budget,
                largest,
            } => crate::providers::budget::over_budget(f, *provider, *tokens, *budget, largest),
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the toolbox could not be built: ")?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

/// A semaphore of `limit` slots; a limit beyond what tokio can count is as good as none.
fn slots(limit: usize) -> Semaphore {
    Semaphore::new(limit.min(Semaphore::MAX_PERMITS))
}
