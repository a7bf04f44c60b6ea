//! Ollama's view of a schema: what its server keeps of the tools it is given.

use serde_json::{Value, json};

use crate::providers::schema::inline::inline_refs;
use crate::providers::schema::{Issue, node, walk};

use super::provider::root_issue;

/// The keywords Ollama keeps at the root of the parameters.
const ROOT_KEYWORDS: &[&str] = &["type", "items", "required", "properties"];

/// The keywords Ollama keeps inside the parameters.
const KEYWORDS: &[&str] = &[
    "anyOf",
    "type",
    "items",
    "description",
    "enum",
    "properties",
    "required",
];

/// Ollama's dialect of a tool's input schema: Ollama's server keeps a few keywords and drops
/// the rest silently, `$ref` included, so every `$ref` is inlined (a recursive type is
/// reported), `oneOf` becomes `anyOf`, `const` a one-value `enum`, a `default` moves into the
/// description, and only the keywords Ollama keeps remain: what the model will read.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::ollama_schema;
///
/// let schema = json!({
///     "type": "object",
///     "additionalProperties": false,
///     "properties": {"unit": {"$ref": "#/$defs/Unit"}, "days": {"type": "integer", "default": 1}},
///     "required": ["unit"],
///     "$defs": {"Unit": {"type": "string", "enum": ["c", "f"]}}
/// });
/// assert_eq!(
///     ollama_schema(&schema).unwrap(),
///     json!({
///         "type": "object",
///         "properties": {
///             "unit": {"type": "string", "enum": ["c", "f"]},
///             "days": {"type": "integer", "description": "Default: 1."}
///         },
///         "required": ["unit"]
///     })
/// );
/// ```
pub fn ollama_schema(schema: &Value) -> Result<Value, Vec<Issue>> {
    if let Some(issue) = root_issue(schema) {
        return Err(vec![issue]);
    }
    let mut inlined = inline_refs(schema).map_err(|issue| vec![issue])?;
    walk::walk_mut(&mut inlined, "", &mut ollama_node);
    Ok(inlined)
}

/// Rewrites one node for Ollama.
fn ollama_node(schema: &mut Value, path: &str) {
    let Value::Object(map) = schema else {
        *schema = json!({});
        return;
    };
    node::rename(map, "oneOf", "anyOf");
    node::merge_value_branches(map);
    node::const_to_enum(map);
    node::describe_default(map);
    let kept = if path.is_empty() {
        ROOT_KEYWORDS
    } else {
        KEYWORDS
    };
    node::keep_keywords(map, kept, &[]);
}
