//! What a dialect cannot express in a schema: the rule broken, and where.

use std::fmt;

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
            // A Rust tuple is where schemars writes `prefixItems`: name it so.
            Rule::Inexpressible { keyword } if keyword == "prefixItems" => f.write_str(
                "a tuple (`prefixItems`) cannot be expressed; take a struct with named fields \
                 instead",
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
