//! Why a call failed, and the plain sentences the model reads about it; [`Transient`], the
//! wrapper by which a tool's error says that trying again may help.

use std::error::Error;
use std::fmt;
use std::time::Duration;

/// Why a call produced no value. Its `Display` is the text the model reads: what failed and
/// what to do differently.
///
/// ```
/// use std::time::Duration;
/// use tool_runtime::ToolError;
///
/// let error = ToolError::TimedOut { tool: "fetch_url".into(), after: Duration::from_secs(10) };
/// assert_eq!(
///     error.to_string(),
///     "fetch_url timed out after 10s. Try again with a smaller request, or do without it."
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ToolError {
    /// No tool has this name.
    UnknownTool {
        /// The name the model used.
        name: String,
        /// Names close to it, best first.
        suggestions: Vec<String>,
        /// Every tool's name.
        available: Vec<String>,
    },
    /// The arguments did not match the tool's schema.
    InvalidArguments {
        /// The tool.
        tool: String,
        /// Where in the arguments, as `filter.limit`; `None` for the whole.
        path: Option<String>,
        /// What was wrong there.
        message: String,
    },
    /// The tool returned an error.
    Failed {
        /// The tool.
        tool: String,
        /// The error, with its causes.
        message: String,
    },
    /// The tool panicked; the process goes on.
    Panicked {
        /// The tool.
        tool: String,
        /// The panic's message.
        message: String,
    },
    /// The tool ran out of time and was stopped.
    TimedOut {
        /// The tool.
        tool: String,
        /// The time it had.
        after: Duration,
    },
    /// The call was cancelled before it finished.
    Cancelled {
        /// The tool.
        tool: String,
    },
    /// The call was not run: its batch held more calls than the toolbox takes at once.
    BatchTooLarge {
        /// The tool.
        tool: String,
        /// How many calls the batch held.
        size: usize,
        /// How many the toolbox runs at once.
        limit: usize,
    },
    /// The call was not run: the provider's call was malformed (no id, a duplicate id, a kind
    /// of call that is not a function call), see [`ToolCall::refused`](crate::ToolCall::refused).
    Refused {
        /// The tool, as far as the call names one.
        tool: String,
        /// Why, as a sentence.
        reason: String,
    },
    /// The call was not run: the approval policy, or the person it asked, declined it (see
    /// [`Approval`](crate::Approval)).
    Declined {
        /// The tool.
        tool: String,
        /// Why, as the policy or the person said (may be empty).
        reason: String,
    },
    /// The call was not run: it needed a person's approval and none came, either because no
    /// one could be asked or because the batch's deadline came first.
    Unapproved {
        /// The tool.
        tool: String,
        /// How long the batch waited, when its deadline cut the wait.
        waited: Option<Duration>,
    },
    /// The call was not run: its batch's deadline passed before its turn came (it waited
    /// until then for a concurrency slot, or behind a `#[tool(sequential)]` call).
    NotStarted {
        /// The tool.
        tool: String,
        /// The batch's deadline, from its start.
        deadline: Duration,
    },
    /// The call was not run: the arguments that the approval policy, or the person it asked,
    /// put in place of the model's do not match the tool's schema. The model is told not to
    /// repeat the call, since its own arguments were not at fault.
    InvalidEdit {
        /// The tool.
        tool: String,
        /// Where in the edited arguments, as `filter.limit`; `None` for the whole.
        path: Option<String>,
        /// What was wrong there.
        message: String,
    },
}

impl ToolError {
    /// The tool concerned, or for an unknown tool the name the model used.
    pub fn tool(&self) -> &str {
        match self {
            ToolError::UnknownTool { name, .. } => name,
            ToolError::InvalidArguments { tool, .. }
            | ToolError::Failed { tool, .. }
            | ToolError::Panicked { tool, .. }
            | ToolError::TimedOut { tool, .. }
            | ToolError::Cancelled { tool }
            | ToolError::BatchTooLarge { tool, .. }
            | ToolError::Refused { tool, .. }
            | ToolError::Declined { tool, .. }
            | ToolError::Unapproved { tool, .. }
            | ToolError::NotStarted { tool, .. }
            | ToolError::InvalidEdit { tool, .. } => tool,
        }
    }

    /// A short name for the kind of failure: `unknown_tool`, `invalid_arguments`, `failed`,
    /// `panicked`, `timed_out`, `cancelled`, `batch_too_large`, `refused`, `declined`,
    /// `unapproved`, `not_started` or `invalid_edit`.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolError::UnknownTool { .. } => "unknown_tool",
            ToolError::InvalidArguments { .. } => "invalid_arguments",
            ToolError::Failed { .. } => "failed",
            ToolError::Panicked { .. } => "panicked",
            ToolError::TimedOut { .. } => "timed_out",
            ToolError::Cancelled { .. } => "cancelled",
            ToolError::BatchTooLarge { .. } => "batch_too_large",
            ToolError::Refused { .. } => "refused",
            ToolError::Declined { .. } => "declined",
            ToolError::Unapproved { .. } => "unapproved",
            ToolError::NotStarted { .. } => "not_started",
            ToolError::InvalidEdit { .. } => "invalid_edit",
        }
    }

    /// Whether the message may carry the tool's secrets (its own error or panic text).
    pub(crate) fn carries_tool_text(&self) -> bool {
        matches!(self, ToolError::Failed { .. } | ToolError::Panicked { .. })
    }

    /// The text the model reads when the toolbox hides error details.
    pub(crate) fn redacted(&self, error_id: &str) -> String {
        let what = match self {
            ToolError::Panicked { .. } => "panicked",
            _ => "failed",
        };
        format!(
            "{} {what}; the details were logged with error id {error_id}. Try another approach.",
            self.tool()
        )
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::UnknownTool {
                name,
                suggestions,
                available,
            } => {
                write!(f, "unknown tool {name:?}.")?;
                if !suggestions.is_empty() {
                    write!(f, " Did you mean {}?", quoted(suggestions, " or "))?;
                }
                if available.is_empty() {
                    write!(f, " No tools are available.")
                } else {
                    write!(f, " Available tools: {}.", list(available))
                }
            }
            ToolError::InvalidArguments {
                tool,
                path,
                message,
            } => {
                write!(f, "invalid arguments for {tool}: ")?;
                if let Some(path) = path {
                    write!(f, "at `{path}`: ")?;
                }
                write!(f, "{message}. Fix the arguments and call {tool} again.")
            }
            ToolError::Failed { tool, message } => write!(f, "{tool} failed: {message}"),
            ToolError::Panicked { tool, message } => write!(
                f,
                "{tool} panicked: {message}. This is a bug in the tool; try another approach."
            ),
            ToolError::TimedOut { tool, after } => write!(
                f,
                "{tool} timed out after {}. Try again with a smaller request, or do without it.",
                human(*after)
            ),
            ToolError::Cancelled { tool } => {
                write!(f, "{tool} was cancelled before it finished.")
            }
            ToolError::BatchTooLarge { tool, size, limit } => write!(
                f,
                "{tool} was not run: {size} calls came at once, over the limit of {limit}. \
                 Call at most {limit} tools at a time."
            ),
            ToolError::Refused { tool, reason } if tool.is_empty() => {
                write!(f, "the call was not run: {reason}")
            }
            ToolError::Refused { tool, reason } => write!(f, "{tool} was not run: {reason}"),
            ToolError::Declined { tool, reason } => {
                write!(f, "{tool} was not run: the user declined it")?;
                if !reason.is_empty() {
                    write!(f, " ({reason})")?;
                }
                write!(
                    f,
                    ". Do not repeat the call; go on without it, or ask the user what to do."
                )
            }
            ToolError::Unapproved { tool, waited } => {
                write!(f, "{tool} was not run: it needs a person's approval and ")?;
                match waited {
                    None => write!(f, "none was available")?,
                    Some(waited) => write!(f, "none came within {}", human(*waited))?,
                }
                write!(
                    f,
                    ". Go on without it, or ask the user to run it themselves."
                )
            }
            ToolError::NotStarted { tool, deadline } => write!(
                f,
                "{tool} was not run: the deadline of {} for this turn's calls passed before its \
                 turn came. Call it again if it is still needed.",
                human(*deadline)
            ),
            ToolError::InvalidEdit {
                tool,
                path,
                message,
            } => {
                write!(
                    f,
                    "{tool} was not run: the arguments as edited at approval are not valid ("
                )?;
                if let Some(path) = path {
                    write!(f, "at `{path}`: ")?;
                }
                write!(
                    f,
                    "{message}). Do not repeat the call; ask the user what to do."
                )
            }
        }
    }
}

impl std::error::Error for ToolError {}

/// A tool's error that may not recur: a timeout, a dropped connection, a busy server. For a
/// tool that may be called again (`#[tool(idempotent)]`, `#[tool(read_only)]` or
/// `#[tool(retries = N)]`), the toolbox tries the call again after a pause, within the call's
/// deadline; the model reads only the last result.
///
/// Wrap the error where it is known to be transient: `.map_err(Transient::new)?` in a tool
/// that returns `anyhow::Result` or `Box<dyn Error + Send + Sync>`, or a `#[source]` field of
/// type `Transient` in an error enum (not `#[error(transparent)]`, which hides its source).
/// The toolbox finds it anywhere in the error's chain of causes. It reads exactly as the
/// error it wraps, causes included.
///
/// ```
/// use std::io;
/// use tool_runtime::{tool, Toolbox, Transient};
///
/// /// Reads the price of a stock.
/// #[tool(read_only)]
/// async fn price(symbol: String) -> anyhow::Result<String> {
///     let quote = ask_exchange(&symbol).map_err(Transient::new)?;
///     Ok(quote)
/// }
///
/// fn ask_exchange(_symbol: &str) -> io::Result<String> {
///     Err(io::Error::new(io::ErrorKind::TimedOut, "the exchange did not answer"))
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder().tool(price::tool()).build().unwrap();
///     let output = toolbox.call("price", r#"{"symbol": "ACME"}"#).await;
///     assert_eq!(output.text(), "price failed: the exchange did not answer (after 3 attempts)");
///     assert_eq!(toolbox.stats("price").unwrap().attempts, 3);
/// }
/// ```
#[derive(Debug)]
pub struct Transient(Box<dyn Error + Send + Sync>);

impl Transient {
    /// Marks `error` as transient; a message (`&str`, `String`) works too.
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Transient(error.into())
    }
}

impl fmt::Display for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The wrapped error's causes are its own: the chain reads as if it were not wrapped.
impl Error for Transient {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

/// Whether `error`, or one of its causes, is [`Transient`].
pub(crate) fn is_transient(error: &(dyn Error + 'static)) -> bool {
    std::iter::successors(Some(error), |&e| e.source()).any(|e| e.is::<Transient>())
}

/// An error's message followed by each of its causes (`source()`), separated by `: `; a
/// cause whose text the message already includes is not repeated.
pub(crate) fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn quoted(names: &[String], separator: &str) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(separator)
}

fn list(names: &[String]) -> String {
    const SHOWN: usize = 30;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// `10s`, `500ms`, `2m`, `1m30s`: rounded to the millisecond, as a person says it (a deadline
/// of 200 ms that fired 199.7 ms after the call started reads "200ms").
pub(crate) fn human(d: Duration) -> String {
    let ms = (d.as_secs_f64() * 1000.0).round() as u64;
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    if !ms.is_multiple_of(1_000) {
        return format!("{:.1}s", ms as f64 / 1000.0);
    }
    let s = ms / 1000;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

/// Names within a small edit distance of `name`, or containing it, closest first.
pub(crate) fn close_names<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let wanted = name.to_ascii_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .filter_map(|candidate| {
            let lower = candidate.to_ascii_lowercase();
            let distance = levenshtein(&wanted, &lower);
            let contains =
                wanted.len() >= 3 && (lower.contains(&wanted) || wanted.contains(&lower));
            (distance <= limit || contains).then_some((distance, candidate))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_owned())
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(human(Duration::from_millis(500)), "500ms");
        assert_eq!(human(Duration::from_secs(10)), "10s");
        assert_eq!(human(Duration::from_secs(120)), "2m");
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::from_micros(199_700)), "200ms");
        assert_eq!(human(Duration::from_micros(999_600)), "1s");
    }

    #[test]
    fn close_names_rank_by_distance() {
        let names = ["fetch_url", "query_db", "read_file", "fetch_urls"];
        assert_eq!(
            close_names("fetch_ur", names.into_iter()),
            ["fetch_url", "fetch_urls"]
        );
        assert_eq!(close_names("quer_db", names.into_iter()), ["query_db"]);
        assert!(close_names("zzz", names.into_iter()).is_empty());
    }
}
