//! What stops a tool from being declared to a provider: the rule broken, where, and by which tool.

use std::fmt;

use crate::{ToolSpec, Toolbox};

use super::Provider;

/// A rule of a provider's schema dialect that a schema breaks. Its `Display` says what is wrong
/// and what to do.
///
/// ```
/// use tool_runtime::providers::Rule;
///
/// let rule = Rule::Recursive { type_name: "Tree".into() };
/// assert!(rule.to_string().starts_with("the type `Tree` contains itself"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The parameters are not one object (`"type": "object"`).
    RootNotObject,
    /// The tool's name does not match the provider's pattern.
    InvalidName {
        /// The pattern names must match.
        pattern: &'static str,
    },
    /// A parameter's name does not match the provider's pattern.
    InvalidPropertyName {
        /// The name.
        name: String,
        /// The pattern names must match.
        pattern: &'static str,
    },
    /// A map with free keys (`additionalProperties` with a schema).
    FreeFormMap,
    /// A value of any type (a `true` or empty schema, such as `serde_json::Value` gives).
    AnyValue,
    /// A keyword whose constraint the dialect cannot express.
    Inexpressible {
        /// The keyword.
        keyword: String,
    },
    /// A type that contains itself, where every `$ref` must be inlined.
    Recursive {
        /// The type's name in `$defs`.
        type_name: String,
    },
    /// A `$ref` that does not point into the schema's `$defs`.
    UnresolvedRef {
        /// The reference.
        reference: String,
    },
    /// An object with no named properties (a map, or an empty struct) inside the parameters.
    EmptyObject,
    /// An `enum` whose values are not all strings.
    NonStringEnum,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::RootNotObject => f.write_str(
                "the parameters must be one object (`\"type\": \"object\"`); declare them as the \
                 fields of a struct",
            ),
            Rule::InvalidName { pattern } => write!(
                f,
                "its name must match `{pattern}`; rename it with #[tool(name = \"...\")]"
            ),
            Rule::InvalidPropertyName { name, pattern } => write!(
                f,
                "the parameter name {name:?} must match `{pattern}`; rename it with \
                 #[arg(rename = \"...\")] or #[serde(rename = \"...\")]"
            ),
            Rule::FreeFormMap => f.write_str(
                "a map with free keys (`additionalProperties` with a schema) cannot be declared; \
                 take a list of key/value pairs instead",
            ),
            Rule::AnyValue => f.write_str(
                "a value of any type (such as `serde_json::Value`) cannot be declared; give it a \
                 type",
            ),
            Rule::Inexpressible { keyword } => write!(
                f,
                "`{keyword}` cannot be expressed; declare the type without it"
            ),
            Rule::Recursive { type_name } => write!(
                f,
                "the type `{type_name}` contains itself, so its references cannot be inlined; \
                 bound the nesting with a separate, non-recursive type"
            ),
            Rule::UnresolvedRef { reference } => write!(
                f,
                "the reference {reference:?} does not point into the schema's `$defs`; put the \
                 type there"
            ),
            Rule::EmptyObject => f.write_str(
                "an object without named properties (such as a map) is refused; give it named \
                 fields, or take a list of key/value pairs",
            ),
            Rule::NonStringEnum => f.write_str(
                "enum values must be strings; give the values string names with \
                 #[serde(rename = \"...\")]",
            ),
        }
    }
}

/// Where in a schema a rule is broken.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::{openai_strict_schema, Rule};
///
/// let map = json!({
///     "type": "object",
///     "properties": {"labels": {"type": "object", "additionalProperties": {"type": "integer"}}},
///     "required": ["labels"]
/// });
/// let issues = openai_strict_schema(&map).unwrap_err();
/// assert_eq!(issues[0].path, "/properties/labels/additionalProperties");
/// assert_eq!(issues[0].rule, Rule::FreeFormMap);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// The JSON Pointer of the place in the schema; empty for the root or the tool's name. For
    /// dialects that inline `$ref`s, it follows the parameters' nesting.
    pub path: String,
    /// The rule broken there.
    pub rule: Rule,
}

impl Issue {
    pub(crate) fn new(path: impl Into<String>, rule: Rule) -> Self {
        Issue {
            path: path.into(),
            rule,
        }
    }
}

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
