//! The context budget: how many tokens each tool's declaration costs, per provider. Every
//! request to a model carries the whole tool list, so a large toolbox takes context from every
//! turn; [`costs`] tells which tools take the most, and
//! [`ToolboxBuilder::token_budget`](crate::ToolboxBuilder::token_budget) warns or fails when a
//! toolbox is built over a budget.
//!
//! What is counted is the declaration as this crate sends it (the provider's module's `tools`,
//! one tool's entry, as compact JSON), in tokens of OpenAI's `o200k_base` encoding. With the
//! `token-count` feature (off by default; it builds `tiktoken-rs`, which embeds the encodings),
//! the count is exact for that text; without it, [`estimate`] stands in. Providers turn the
//! declarations into their own prompt format and add a fixed preamble when tools are present,
//! and Anthropic and Google use their own tokenizers, so what a provider bills differs from
//! these figures by a per-request overhead and a few percent: they are for comparing tools
//! and keeping a toolbox within a budget, not for billing.
//!
//! ```
//! use tool_runtime::providers::{anthropic, budget, Provider};
//! use tool_runtime::{tool, Toolbox};
//!
//! /// Get the weather for a city.
//! #[tool]
//! async fn get_weather(city: String) -> String {
//!     format!("Sunny in {city}")
//! }
//!
//! # fn main() {
//! let toolbox = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
//! let costs = budget::costs(&toolbox, Provider::Anthropic).unwrap();
//! assert_eq!(costs[0].tool, "get_weather");
//! let declaration = anthropic::tools(&toolbox)[0].to_string();
//! assert_eq!(costs[0].tokens, budget::tokens(&declaration));
//! # }
//! ```

use std::fmt;

use serde_json::Value;

use crate::{BuildProblem, Toolbox};

use super::dialects::{ExportError, NullStyle, Provider, Strict};
use super::{GeminiDialect, anthropic, gemini, mcp, ollama, openai, openai_responses};

/// How [`tokens`] counts in this build.
///
/// ```
/// use tool_runtime::providers::budget::{self, Counting};
///
/// let exact = cfg!(feature = "token-count");
/// assert_eq!(budget::COUNTING == Counting::Exact, exact);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// `o200k_base` tokens, counted by `tiktoken-rs` (the `token-count` feature).
    Exact,
    /// [`estimate`]'s figure.
    Estimate,
}

/// How [`tokens`] counts in this build: [`Counting::Exact`] with the `token-count` feature.
pub const COUNTING: Counting = if cfg!(feature = "token-count") {
    Counting::Exact
} else {
    Counting::Estimate
};

impl fmt::Display for Counting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Counting::Exact => "o200k_base tokens",
            Counting::Estimate => "estimated tokens",
        })
    }
}

/// The tokens of `text`: `o200k_base` tokens with the `token-count` feature, [`estimate`]
/// without it.
///
/// ```
/// use tool_runtime::providers::budget;
///
/// assert_eq!(budget::tokens(""), 0);
/// assert!(budget::tokens(r#"{"type":"object"}"#) > 0);
/// ```
pub fn tokens(text: &str) -> usize {
    #[cfg(feature = "token-count")]
    {
        tiktoken_rs::o200k_base_singleton().count_ordinary(text)
    }
    #[cfg(not(feature = "token-count"))]
    {
        estimate(text)
    }
}

/// An estimate of the `o200k_base` tokens of a tool declaration's JSON, without a tokenizer:
/// its length in bytes divided by [`BYTES_PER_TOKEN`], rounded up. The divisor was measured on
/// 104 declarations: the example tools and the test suite's ten signature shapes, in every
/// provider's form (from 3.5 to 4.8 bytes per token, 4.3 at the median). On those, the
/// estimate of one declaration is at most 13% from the exact count (4% on average); the
/// tests `tests/tests/schemas.rs` and `examples/tests/export.rs` check that it stays within
/// [`ESTIMATE_ERROR_PERCENT`]. Text unlike those declarations (long prose, non-Latin scripts)
/// can be further off.
///
/// ```
/// use tool_runtime::providers::budget::{self, BYTES_PER_TOKEN};
///
/// let declaration = r#"{"name":"get_weather","description":"Get the weather."}"#;
/// let bytes = declaration.len() as f64;
/// assert_eq!(budget::estimate(declaration), (bytes / BYTES_PER_TOKEN).ceil() as usize);
/// ```
pub fn estimate(text: &str) -> usize {
    (text.len() as f64 / BYTES_PER_TOKEN).ceil() as usize
}

/// The bytes of declaration JSON per `o200k_base` token, on average: see [`estimate`].
pub const BYTES_PER_TOKEN: f64 = 4.3;

/// How far, in percent of the exact count, [`estimate`] may be from it on one declaration of
/// the tools it was measured on.
pub const ESTIMATE_ERROR_PERCENT: usize = 15;

/// What one tool's declaration costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCost {
    /// The tool's name.
    pub tool: String,
    /// The [`tokens`] of its declaration.
    pub tokens: usize,
}

/// What each tool's declaration to `provider` costs, in the toolbox's order (by name). Fails
/// as the provider's export does, when some tool cannot be declared to it.
///
/// ```
/// use tool_runtime::providers::{budget, Provider};
/// use tool_runtime::{tool, Toolbox};
///
/// /// Get the weather for a city.
/// #[tool]
/// async fn get_weather(city: String) -> String {
///     format!("Sunny in {city}")
/// }
///
/// /// Counts labels.
/// #[tool]
/// async fn count(labels: std::collections::HashMap<String, u32>) -> usize {
///     labels.len()
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(get_weather::tool()).tool(count::tool()).build().unwrap();
/// let costs = budget::costs(&toolbox, Provider::OpenAiStrict).unwrap();
/// assert_eq!(costs.len(), 2);
/// // Gemini's `parameters` cannot declare a map.
/// assert!(budget::costs(&toolbox, Provider::Gemini).is_err());
/// # }
/// ```
pub fn costs(toolbox: &Toolbox, provider: Provider) -> Result<Vec<ToolCost>, ExportError> {
    let declarations = declarations(toolbox, provider)?;
    Ok(toolbox
        .specs()
        .zip(declarations)
        .map(|(spec, declaration)| ToolCost {
            tool: spec.name.to_string(),
            tokens: tokens(&declaration.to_string()),
        })
        .collect())
}

/// Each tool's declaration to `provider`, in the toolbox's order, as the provider's module
/// writes it in a request's tool list: OpenAI strict mode as [`Strict::OnOrFallback`] sends
/// it, Gemini's entries of `functionDeclarations` in its default dialect, MCP's entries of
/// `tools/list` in its default null style. [`costs`] counts the tokens of each one's JSON.
///
/// ```
/// use tool_runtime::providers::{budget, Provider};
/// use tool_runtime::{tool, Toolbox};
///
/// /// Get the weather for a city.
/// #[tool]
/// async fn get_weather(city: String) -> String {
///     format!("Sunny in {city}")
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
/// let declarations = budget::declarations(&toolbox, Provider::Gemini).unwrap();
/// assert_eq!(declarations[0]["name"], "get_weather");
/// # }
/// ```
pub fn declarations(toolbox: &Toolbox, provider: Provider) -> Result<Vec<Value>, ExportError> {
    Ok(match provider {
        Provider::OpenAiChat => openai::tools(toolbox, Strict::Off)?.to_vec(),
        Provider::OpenAiStrict => openai::tools(toolbox, Strict::OnOrFallback)?.to_vec(),
        Provider::OpenAiResponses => openai_responses::tools(toolbox, Strict::Off)?.to_vec(),
        Provider::Anthropic => anthropic::tools(toolbox).to_vec(),
        Provider::Ollama => ollama::tools(toolbox)?.to_vec(),
        Provider::Gemini => {
            let tools = gemini::tools(toolbox, GeminiDialect::default())?;
            list(tools.first(), "/functionDeclarations")
        }
        Provider::Mcp => mcp::tools_list(toolbox, NullStyle::default()).to_vec(),
    })
}

/// The array at `pointer` in `value`, if there is one.
fn list(value: Option<&Value>, pointer: &str) -> Vec<Value> {
    value
        .and_then(|v| v.pointer(pointer))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// What [`ToolboxBuilder::token_budget`](crate::ToolboxBuilder::token_budget) does with a
/// toolbox over its budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverBudget {
    /// Log one `tracing` warning, and build the toolbox.
    Warn,
    /// Fail the build with [`BuildProblem::OverBudget`].
    Fail,
}

/// A budget given to the builder.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    pub(crate) provider: Provider,
    pub(crate) max_tokens: usize,
    pub(crate) over: OverBudget,
}

/// How many of the most expensive tools a problem over budget names.
const NAMED: usize = 3;

/// The problems of `toolbox` with `budgets`: each budget it is over and that fails, and each
/// provider it cannot be declared to. Those that only warn are logged.
pub(crate) fn check(toolbox: &Toolbox, budgets: &[Budget]) -> Vec<BuildProblem> {
    let mut problems = Vec::new();
    for budget in budgets {
        let problem = match costs(toolbox, budget.provider) {
            Ok(mut costs) => {
                let total: usize = costs.iter().map(|c| c.tokens).sum();
                if total <= budget.max_tokens {
                    continue;
                }
                costs.sort_by(|a, b| b.tokens.cmp(&a.tokens).then_with(|| a.tool.cmp(&b.tool)));
                costs.truncate(NAMED);
                vec![BuildProblem::OverBudget {
                    provider: budget.provider,
                    tokens: total,
                    budget: budget.max_tokens,
                    largest: costs,
                }]
            }
            Err(error) => error
                .violations()
                .iter()
                .cloned()
                .map(BuildProblem::ProviderRule)
                .collect(),
        };
        match budget.over {
            OverBudget::Fail => problems.extend(problem),
            OverBudget::Warn => {
                for problem in problem {
                    tracing::warn!("{problem}");
                }
            }
        }
    }
    problems
}

/// The sentence of [`BuildProblem::OverBudget`].
pub(crate) fn over_budget(
    f: &mut fmt::Formatter<'_>,
    provider: Provider,
    tokens: usize,
    budget: usize,
    largest: &[ToolCost],
) -> fmt::Result {
    write!(
        f,
        "the tools' declarations to {provider} take {tokens} {COUNTING}, over the budget of \
         {budget}"
    )?;
    let largest: Vec<String> = largest
        .iter()
        .map(|c| format!("{} ({})", c.tool, c.tokens))
        .collect();
    if !largest.is_empty() {
        write!(f, "; the largest are {}", largest.join(", "))?;
    }
    f.write_str("; shorten their descriptions, or declare fewer tools")
}
