//! OpenAI strict mode: every object closed, every property required (optional ones nullable),
//! only the keywords Structured Outputs supports.

use serde_json::{Map, Value, json};

use crate::ToolSpec;

use super::node;
use super::nullable::{accepts_null, allow_null};
use super::provider::root_issue;
use super::violation::violations;
use super::walk;
use super::{Issue, Provider, Rule, Violation};

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

/// How OpenAI declarations use strict mode (Structured Outputs).
///
/// ```
/// use tool_runtime::providers::Strict;
///
/// assert_eq!(Strict::default(), Strict::On);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strict {
    /// `"strict": false`, with the schema as schemars wrote it.
    Off,
    /// `"strict": true` for every tool; a tool that cannot be strict fails the export.
    #[default]
    On,
    /// `"strict": true` where the tool can be strict, `"strict": false` (with a warning in the
    /// log) for the tools that cannot.
    OnOrFallback,
}

/// The OpenAI strict-mode dialect of a tool's input schema: every object gets
/// `additionalProperties: false` and lists every property in `required`; an optional property
/// becomes nullable (one with a `default` stays as it is, the default moving to its
/// description, since its type may refuse null); `oneOf` becomes `anyOf`, `const` a one-value
/// `enum`; unsupported keywords (`title`, `default`, `minLength`, `maxLength`, formats outside
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
///         "days": {"type": ["integer", "null"], "format": "uint8", "minimum": 0}
///     },
///     "required": ["city"]
/// });
/// assert_eq!(
///     openai_strict_schema(&schema).unwrap(),
///     json!({
///         "type": "object",
///         "properties": {
///             "city": {"type": "string"},
///             "days": {"type": ["integer", "null"], "minimum": 0}
///         },
///         "required": ["city", "days"],
///         "additionalProperties": false
///     })
/// );
/// ```
pub fn openai_strict_schema(schema: &Value) -> Result<Value, Vec<Issue>> {
    let mut found = Found {
        issues: root_issue(schema).into_iter().collect(),
        nullable: Vec::new(),
    };
    let mut strict = schema.clone();
    walk::walk_mut(&mut strict, "", &mut |schema, path| {
        strict_node(schema, path, &mut found);
    });
    // Deepest first, so that wrapping a property does not move the ones inside it.
    for path in found.nullable.iter().rev() {
        if let Some(property) = strict.pointer_mut(path) {
            allow_null(property);
        }
    }
    let Found { issues, .. } = found;
    if issues.is_empty() {
        Ok(strict)
    } else {
        Err(issues)
    }
}

/// The `parameters` of an OpenAI declaration of `spec`, and whether they are strict.
pub(crate) fn openai_parameters(
    spec: &ToolSpec,
    strict: Strict,
) -> Result<(Value, bool), Vec<Violation>> {
    if strict == Strict::Off {
        return Ok((spec.input_schema.clone(), false));
    }
    match openai_strict_schema(&spec.input_schema) {
        Ok(schema) => Ok((schema, true)),
        Err(issues) => {
            let found = violations(spec, Provider::OpenAiStrict, issues);
            if strict == Strict::On {
                return Err(found);
            }
            for violation in &found {
                tracing::warn!(tool = %spec.name, "exported non-strict: {violation}");
            }
            Ok((spec.input_schema.clone(), false))
        }
    }
}

/// What the walk finds: the places strict mode cannot express, and the optional properties to
/// make nullable once the walk is over (so that issues keep the schema's own paths).
struct Found {
    issues: Vec<Issue>,
    nullable: Vec<String>,
}

/// Rewrites one node for strict mode, noting what cannot be.
fn strict_node(schema: &mut Value, path: &str, found: &mut Found) {
    let issues = &mut found.issues;
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
        close_object(map, path, found);
    }
    node::keep_keywords(map, SUPPORTED, FORMATS);
}

/// `additionalProperties: false`, and every property required; optional ones to be nullable.
fn close_object(map: &mut Map<String, Value>, path: &str, found: &mut Found) {
    if !matches!(
        map.get("additionalProperties"),
        None | Some(Value::Bool(false))
    ) {
        found.issues.push(Issue::new(
            format!("{path}/additionalProperties"),
            Rule::FreeFormMap,
        ));
    }
    map.insert("additionalProperties".to_owned(), Value::Bool(false));
    let required: Vec<Value> = map
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let properties = map
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object();
    let mut names = Vec::new();
    for (name, property) in properties.into_iter().flatten() {
        let optional = !required.contains(&Value::String(name.clone()));
        if optional && !accepts_null(property) && property.get("default").is_none() {
            let property_path = format!("{path}/properties/{}", walk::escape(name));
            found.nullable.push(property_path);
        }
        names.push(Value::String(name.clone()));
    }
    map.insert("required".to_owned(), Value::Array(names));
}
