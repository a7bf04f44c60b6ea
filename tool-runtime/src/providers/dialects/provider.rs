//! The providers a toolbox can be declared to, and the rules each one sets.

use std::fmt;

use serde_json::Value;

use crate::ToolSpec;

use crate::providers::schema::{Issue, Rule, node};

use super::violation::{Violation, violations};
use super::{gemini_schema, ollama_schema, openai_strict_schema};

/// A provider (and dialect) that tools are declared to. Give them to
/// [`ToolboxBuilder::targets`](crate::ToolboxBuilder::targets) to have every tool checked
/// when the toolbox is built.
///
/// ```
/// use tool_runtime::providers::Provider;
///
/// assert_eq!(Provider::OpenAiStrict.to_string(), "OpenAI strict mode");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// OpenAI Chat Completions, non-strict.
    OpenAiChat,
    /// OpenAI Responses, non-strict.
    OpenAiResponses,
    /// OpenAI strict mode (Structured Outputs), for Chat Completions and Responses alike.
    OpenAiStrict,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini with `parameters`, its OpenAPI subset (the default dialect).
    Gemini,
    /// The Model Context Protocol.
    Mcp,
    /// Ollama's `/api/chat`.
    Ollama,
}

impl Provider {
    /// Every provider, in the order they are documented above.
    ///
    /// ```
    /// use tool_runtime::providers::Provider;
    ///
    /// assert!(Provider::ALL.contains(&Provider::Mcp));
    /// ```
    pub const ALL: [Provider; 7] = [
        Provider::OpenAiChat,
        Provider::OpenAiResponses,
        Provider::OpenAiStrict,
        Provider::Anthropic,
        Provider::Gemini,
        Provider::Mcp,
        Provider::Ollama,
    ];

    /// Every rule of this provider that `spec` breaks: its name, its parameters' root, and
    /// what the provider's dialect cannot express.
    ///
    /// ```
    /// use serde_json::json;
    /// use tool_runtime::providers::{Provider, Rule};
    /// use tool_runtime::ToolSpec;
    ///
    /// let spec = ToolSpec::new("tag", "Tags.", json!({
    ///     "type": "object",
    ///     "properties": {
    ///         "labels": {"type": "object", "additionalProperties": {"type": "string"}}
    ///     },
    ///     "required": ["labels"]
    /// }));
    /// assert!(Provider::Anthropic.check(&spec).is_empty());
    /// let violations = Provider::OpenAiStrict.check(&spec);
    /// assert_eq!(violations[0].path, "/properties/labels/additionalProperties");
    /// assert_eq!(violations[0].rule, Rule::FreeFormMap);
    /// ```
    pub fn check(self, spec: &ToolSpec) -> Vec<Violation> {
        let names = self.names();
        let mut issues = Vec::new();
        if !names.accepts(&spec.name) {
            issues.push(Issue::new(
                "",
                Rule::InvalidName {
                    pattern: names.pattern,
                },
            ));
        }
        issues.extend(self.schema_issues(&spec.input_schema));
        violations(spec, self, issues)
    }

    /// What the provider's dialect cannot express in `schema`.
    fn schema_issues(self, schema: &Value) -> Vec<Issue> {
        let dialect = match self {
            Provider::OpenAiStrict => openai_strict_schema(schema),
            Provider::Gemini => gemini_schema(schema),
            Provider::Ollama => ollama_schema(schema),
            Provider::OpenAiChat
            | Provider::OpenAiResponses
            | Provider::Anthropic
            | Provider::Mcp => {
                return root_issue(schema).into_iter().collect();
            }
        };
        dialect.err().unwrap_or_default()
    }

    /// The rule for tool names.
    fn names(self) -> NameRule {
        match self {
            Provider::Gemini => NameRule {
                pattern: "^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$",
                max: 64,
                first: |c| c.is_ascii_alphabetic() || c == '_',
                rest: |c| c.is_ascii_alphanumeric() || "_.:-".contains(c),
            },
            Provider::Mcp => NameRule {
                pattern: "^[a-zA-Z0-9_.-]{1,128}$",
                max: 128,
                first: |c| c.is_ascii_alphanumeric() || "_.-".contains(c),
                rest: |c| c.is_ascii_alphanumeric() || "_.-".contains(c),
            },
            _ => NameRule {
                pattern: "^[a-zA-Z0-9_-]{1,64}$",
                max: 64,
                first: |c| c.is_ascii_alphanumeric() || "_-".contains(c),
                rest: |c| c.is_ascii_alphanumeric() || "_-".contains(c),
            },
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::OpenAiChat => "OpenAI Chat Completions",
            Provider::OpenAiResponses => "OpenAI Responses",
            Provider::OpenAiStrict => "OpenAI strict mode",
            Provider::Anthropic => "Anthropic Messages",
            Provider::Gemini => "Gemini",
            Provider::Mcp => "MCP",
            Provider::Ollama => "Ollama",
        })
    }
}

/// The issue of a schema whose root is not one object, if it is not.
pub(crate) fn root_issue(schema: &Value) -> Option<Issue> {
    (!node::is_object_root(schema)).then(|| Issue::new("", Rule::RootNotObject))
}

/// A rule for names: a first character, the others, a length, and the pattern they make.
struct NameRule {
    pattern: &'static str,
    max: usize,
    first: fn(char) -> bool,
    rest: fn(char) -> bool,
}

impl NameRule {
    fn accepts(&self, name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(self.first)
            && chars.all(self.rest)
            && name.chars().count() <= self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_each_provider() {
        assert!(Provider::OpenAiChat.names().accepts("get-weather_2"));
        assert!(!Provider::OpenAiChat.names().accepts("get.weather"));
        assert!(!Provider::OpenAiChat.names().accepts(""));
        assert!(!Provider::OpenAiChat.names().accepts(&"a".repeat(65)));
        assert!(Provider::Gemini.names().accepts("ns:get.weather"));
        assert!(!Provider::Gemini.names().accepts("2fast"));
        assert!(Provider::Mcp.names().accepts("files.read"));
        assert!(Provider::Mcp.names().accepts(&"a".repeat(128)));
        assert!(!Provider::Mcp.names().accepts("a:b"));
    }
}
