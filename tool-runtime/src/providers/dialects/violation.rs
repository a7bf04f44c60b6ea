//! What stops a tool from being declared to a provider: the rule broken, where, and by which tool.

use std::fmt;

use crate::providers::schema::{Issue, Rule};
use crate::{ToolSpec, Toolbox};

use super::Provider;

/// A tool that breaks a rule of a provider: the tool, the provider, the place and the rule.
///
/// ```
/// use tool_runtime::providers::{Provider, Rule};
/// use tool_runtime::ToolSpec;
///
/// let spec = ToolSpec::new("list", "Lists.", serde_json::json!({"type": "array"}));
/// let violations = Provider::Anthropic.check(&spec);
/// assert_eq!(violations[0].rule, Rule::RootNotObject);
/// assert_eq!(
///     violations[0].to_string(),
///     "tool list cannot be declared for Anthropic Messages: the parameters must be one object \
///      (`\"type\": \"object\"`); declare them as the fields of a struct"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The tool's name.
    pub tool: String,
    /// The provider whose rule is broken.
    pub target: Provider,
    /// The JSON Pointer of the place in the tool's input schema (see [`Issue::path`]).
    pub path: String,
    /// The rule broken there.
    pub rule: Rule,
}

impl Violation {
    pub(crate) fn new(tool: &str, target: Provider, issue: Issue) -> Self {
        Violation {
            tool: tool.to_owned(),
            target,
            path: issue.path,
            rule: issue.rule,
        }
    }

    /// Whether another dialect of the same provider would take the tool.
    fn has_fallback(&self) -> bool {
        !matches!(self.rule, Rule::InvalidName { .. } | Rule::RootNotObject)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tool {} cannot be declared for {}: ",
            self.tool, self.target
        )?;
        if !self.path.is_empty() {
            write!(f, "at `{}`, ", self.path)?;
        }
        write!(f, "{}", self.rule)?;
        match self.target {
            Provider::OpenAiStrict if self.has_fallback() => {
                f.write_str(" (or let it be exported non-strict with Strict::OnOrFallback)")
            }
            Provider::Gemini if self.has_fallback() => {
                f.write_str(" (or declare it with GeminiDialect::ParametersJsonSchema)")
            }
            _ => Ok(()),
        }
    }
}

impl std::error::Error for Violation {}

/// Why a toolbox's declarations could not be exported: every violation of every tool.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::{openai, Strict};
/// use tool_runtime::{tool, Toolbox};
///
/// /// Counts labels.
/// #[tool]
/// async fn count(labels: std::collections::HashMap<String, u32>) -> usize {
///     labels.len()
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(count::tool()).build().unwrap();
/// let error = openai::tools(&toolbox, Strict::On).unwrap_err();
/// assert_eq!(error.violations()[0].tool, "count");
/// assert!(error.to_string().starts_with("the tools cannot be exported: tool count cannot"));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError {
    violations: Vec<Violation>,
}

impl ExportError {
    /// The violations, tool by tool.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the tools cannot be exported: ")?;
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExportError {}

/// The violations of `issues`, found in `spec`'s schema for `target`.
pub(crate) fn violations(spec: &ToolSpec, target: Provider, issues: Vec<Issue>) -> Vec<Violation> {
    issues
        .into_iter()
        .map(|issue| Violation::new(&spec.name, target, issue))
        .collect()
}

/// Declares every tool of `toolbox` with `declare`, or reports every tool that could not be.
pub(crate) fn declare_all(
    toolbox: &Toolbox,
    mut declare: impl FnMut(&ToolSpec) -> Result<serde_json::Value, Vec<Violation>>,
) -> Result<Vec<serde_json::Value>, ExportError> {
    let mut declarations = Vec::with_capacity(toolbox.len());
    let mut violations = Vec::new();
    for spec in toolbox.specs() {
        match declare(spec) {
            Ok(declaration) => declarations.push(declaration),
            Err(found) => violations.extend(found),
        }
    }
    if violations.is_empty() {
        Ok(declarations)
    } else {
        Err(ExportError { violations })
    }
}
