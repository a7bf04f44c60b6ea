//! OpenAI strict mode: every object closed, every property required (optional ones nullable),
//! only the keywords Structured Outputs supports.

use serde_json::{Map, Value, json};

use crate::{ToolSpec, Toolbox};

use super::inline::inline_ref_siblings;
use super::node;
use super::provider::root_issue;
use super::violation::{declare_all, violations};
use super::walk;
use super::{ExportError, Issue, Provider, Rule};

/// The keywords strict mode keeps; every other one is dropped.
const SUPPORTED: &[&str] = &[
    "type",
    "description",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "anyOf",
    "$ref",
    "$defs",
    "definitions",
    "pattern",
    "format",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "minItems",
    "maxItems",
];

/// The string formats strict mode supports; schemars' own (`uint32`, `double`, ...) are dropped.
const FORMATS: &[&str] = &[
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// How OpenAI declarations use strict mode (Structured Outputs). The default is strict where
/// the tool's schema allows it ([`Strict::OnOrFallback`]), so that one map or
/// `serde_json::Value` parameter does not fail the whole export; [`Strict::On`] fails loudly
/// instead.
///
/// ```
/// use tool_runtime::providers::Strict;
///
/// assert_eq!(Strict::default(), Strict::OnOrFallback);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strict {
    /// `"strict": false`, with the schema as schemars wrote it.
    Off,
    /// `"strict": true` for every tool; a tool that cannot be strict fails the export.
    On,
    /// `"strict": true` where the tool can be strict, `"strict": false` for the tools that
    /// cannot; those are listed, with the reasons, in one `tracing` warning when the
    /// declarations are first built.
    #[default]
    OnOrFallback,
}

/// The OpenAI strict-mode dialect of a tool's input schema: every object gets
/// `additionalProperties: false` and lists every property in `required`; an optional property
/// stays as it is: nullable if it was (an `Option`), else non-nullable with its `default`
/// moved to its description (a defaulted parameter, whose type may refuse null); a `$ref` with
/// keywords beside it (a documented struct parameter) is inlined, since strict mode refuses
/// them; `oneOf` becomes `anyOf`, `const` a one-value `enum`; unsupported keywords (`title`, `default`, `minLength`, `maxLength`, formats outside
/// OpenAI's list, ...) are dropped. What strict mode cannot express (a map, a value of any
/// type, `allOf`, ...) is reported, every place at once.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::openai_strict_schema;
///
/// let schema = json!({
///     "type": "object",
///     "properties": {
///         "city": {"type": "string", "minLength": 1},
///         "days": {"type": ["integer", "null"], "format": "uint8", "minimum": 0},
///         "unit": {"type": "string", "enum": ["c", "f"], "default": "c"}
///     },
///     "required": ["city"]
/// });
/// assert_eq!(
///     openai_strict_schema(&schema).unwrap(),
///     json!({
///         "type": "object",
///         "properties": {
///             "city": {"type": "string"},
///             "days": {"type": ["integer", "null"], "minimum": 0},
///             "unit": {"type": "string", "enum": ["c", "f"], "description": "Default: \"c\"."}
///         },
///         "required": ["city", "days", "unit"],
///         "additionalProperties": false
///     })
/// );
/// ```
pub fn openai_strict_schema(schema: &Value) -> Result<Value, Vec<Issue>> {
    let mut issues: Vec<Issue> = root_issue(schema).into_iter().collect();
    let mut strict = inline_ref_siblings(schema);
    walk::walk_mut(&mut strict, "", &mut |schema, path| {
        strict_node(schema, path, &mut issues);
    });
    if issues.is_empty() {
        Ok(strict)
    } else {
        Err(issues)
    }
}

/// The OpenAI declarations of every tool of `toolbox`, each written by `declare` from its spec,
/// its parameters and whether they are strict. Under [`Strict::OnOrFallback`], the tools that
/// cannot be strict are declared non-strict and listed in one warning.
pub(crate) fn openai_declarations(
    toolbox: &Toolbox,
    strict: Strict,
    declare: impl Fn(&ToolSpec, Value, bool) -> Value,
) -> Result<Vec<Value>, ExportError> {
    let mut fallbacks = Vec::new();
    let declarations = declare_all(toolbox, |spec| {
        if strict == Strict::Off {
            return Ok(declare(spec, spec.input_schema.clone(), false));
        }
        match openai_strict_schema(&spec.input_schema) {
            Ok(schema) => Ok(declare(spec, schema, true)),
            Err(issues) => {
                let found = violations(spec, Provider::OpenAiStrict, issues);
                if strict == Strict::On {
                    return Err(found);
                }
                fallbacks.extend(found);
                Ok(declare(spec, spec.input_schema.clone(), false))
            }
        }
    })?;
    if !fallbacks.is_empty() {
        let reasons: Vec<String> = fallbacks.iter().map(ToString::to_string).collect();
        tracing::warn!(
            "some tools are declared to OpenAI non-strict, since strict mode cannot express \
             their parameters (Strict::On would refuse them): {}",
            reasons.join("; ")
        );
    }
    Ok(declarations)
}

/// Rewrites one node for strict mode, noting what cannot be.
fn strict_node(schema: &mut Value, path: &str, issues: &mut Vec<Issue>) {
    let Some(map) = node::rewritable(schema, path, issues) else {
        return;
    };
    if map.contains_key("oneOf") && map.contains_key("anyOf") {
        issues.push(node::inexpressible(path, "oneOf"));
    }
    node::rename(map, "oneOf", "anyOf");
    node::const_to_enum(map);
    node::describe_default(map);
    if node::is_object(map) {
        close_object(map, path, issues);
    }
    node::keep_keywords(map, SUPPORTED, FORMATS);
}

/// `additionalProperties: false`, and every property required. An optional property that
/// accepts null (an `Option`) stays nullable; one that does not has a default, and stays as it
/// is, its default (when the schema states it) moved to its description: a model that must
/// send every key then sends a value the decoder takes, never a `null` it would refuse.
fn close_object(map: &mut Map<String, Value>, path: &str, issues: &mut Vec<Issue>) {
    if !matches!(
        map.get("additionalProperties"),
        None | Some(Value::Bool(false))
    ) {
        issues.push(Issue::new(
            format!("{path}/additionalProperties"),
            Rule::FreeFormMap,
        ));
    }
    map.insert("additionalProperties".to_owned(), Value::Bool(false));
    let names: Vec<Value> = map
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object()
        .into_iter()
        .flat_map(|properties| properties.keys().cloned().map(Value::String))
        .collect();
    map.insert("required".to_owned(), Value::Array(names));
}
