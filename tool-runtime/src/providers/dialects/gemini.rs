//! Gemini's `parameters`: the OpenAPI 3.0 subset its function declarations take.

use serde_json::{Map, Value};

use crate::providers::schema::inline::inline_refs;
use crate::providers::schema::nullable::take_null;
use crate::providers::schema::walk::{self, escape};
use crate::providers::schema::{Issue, Rule, node};

use super::provider::root_issue;

/// The keywords Gemini's `parameters` take; every other one is dropped.
const KEYWORDS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "propertyOrdering",
    "anyOf",
    "default",
    "example",
];

/// The formats the Gemini Developer API accepts.
const FORMATS: &[&str] = &["enum", "date-time"];

/// Gemini's `parameters` dialect of a tool's input schema: every `$ref` inlined and `$defs`
/// removed; null written `nullable: true` (from `"type": [T, "null"]`, an `enum` holding null,
/// or `anyOf` with `{"type": "null"}`); `oneOf` as `anyOf`, `const` as a one-value `enum`, and
/// branches that are each one value as one `enum`; only the keywords and formats Gemini takes
/// (no `$schema`, `additionalProperties`, `uniqueItems`, `exclusiveMinimum`, `propertyNames`;
/// `format` only `enum` or `date-time`). What Gemini refuses is reported: a recursive type, an
/// object without properties inside the parameters (a map), an `enum` of non-strings, a
/// parameter name outside `[A-Za-z_][A-Za-z0-9_]*`.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::gemini_schema;
///
/// let schema = json!({
///     "type": "object",
///     "additionalProperties": false,
///     "properties": {
///         "page": {"anyOf": [{"$ref": "#/$defs/Page"}, {"type": "null"}]},
///         "limit": {"type": ["integer", "null"], "format": "uint32", "exclusiveMinimum": 0}
///     },
///     "$defs": {"Page": {"type": "object", "properties": {"n": {"type": "integer"}}}}
/// });
/// assert_eq!(
///     gemini_schema(&schema).unwrap(),
///     json!({
///         "type": "object",
///         "properties": {
///             "page": {
///                 "type": "object",
///                 "properties": {"n": {"type": "integer"}},
///                 "nullable": true
///             },
///             "limit": {"type": "integer", "nullable": true}
///         }
///     })
/// );
/// ```
pub fn gemini_schema(schema: &Value) -> Result<Value, Vec<Issue>> {
    if let Some(issue) = root_issue(schema) {
        return Err(vec![issue]);
    }
    let mut inlined = inline_refs(schema).map_err(|issue| vec![issue])?;
    let mut issues = Vec::new();
    walk::walk_mut(&mut inlined, "", &mut |schema, path| {
        gemini_node(schema, path, &mut issues);
    });
    if issues.is_empty() {
        Ok(inlined)
    } else {
        Err(issues)
    }
}

/// Rewrites one node for Gemini, noting what cannot be.
fn gemini_node(schema: &mut Value, path: &str, issues: &mut Vec<Issue>) {
    let Some(map) = node::rewritable(schema, path, issues) else {
        return;
    };
    node::rename(map, "oneOf", "anyOf");
    let mut nullable = take_null(map);
    // A branch merged in by `take_null` may bring its own `oneOf`, `const` or null.
    node::rename(map, "oneOf", "anyOf");
    node::merge_value_branches(map);
    node::const_to_enum(map);
    nullable |= take_null(map);
    if nullable {
        map.insert("nullable".to_owned(), Value::Bool(true));
    }
    check_values(map, path, issues);
    if node::is_object(map) {
        check_object(map, path, issues);
    }
    node::keep_keywords(map, KEYWORDS, FORMATS);
}

/// Gemini's enums hold strings only.
fn check_values(map: &Map<String, Value>, path: &str, issues: &mut Vec<Issue>) {
    let values = map.get("enum").and_then(Value::as_array);
    if values.is_some_and(|values| !values.iter().all(Value::is_string)) {
        issues.push(Issue::new(format!("{path}/enum"), Rule::NonStringEnum));
    }
}

/// Property names Gemini takes, and no object without properties inside the parameters.
fn check_object(map: &Map<String, Value>, path: &str, issues: &mut Vec<Issue>) {
    let properties = map.get("properties").and_then(Value::as_object);
    if !path.is_empty() && properties.is_none_or(Map::is_empty) {
        issues.push(Issue::new(path, Rule::EmptyObject));
    }
    for name in properties.into_iter().flat_map(Map::keys) {
        if !is_parameter_name(name) {
            let rule = Rule::InvalidPropertyName {
                name: name.clone(),
                pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
            };
            issues.push(Issue::new(
                format!("{path}/properties/{}", escape(name)),
                rule,
            ));
        }
    }
}

fn is_parameter_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
