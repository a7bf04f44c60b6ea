//! Walking a JSON Schema: its subschemas, each with its JSON Pointer.

use serde_json::{Map, Value};

/// Keywords whose value is one subschema.
const SINGLE: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// Keywords of [`SINGLE`] whose boolean value is a flag rather than a subschema.
const FLAGS: &[&str] = &[
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// Keywords whose value is a list of subschemas.
const LISTS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];

/// Keywords whose value maps names to subschemas.
const NAMED: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// The subschemas directly inside `schema`, each with its pointer relative to `schema`.
/// Boolean `additionalProperties` and `unevaluated*` are flags here, not subschemas.
pub(crate) fn children_mut(schema: &mut Map<String, Value>) -> Vec<(String, &mut Value)> {
    let mut children = Vec::new();
    for (key, value) in schema.iter_mut() {
        let keyword = key.as_str();
        match value {
            Value::Object(_) if SINGLE.contains(&keyword) => {
                children.push((format!("/{key}"), value));
            }
            Value::Bool(_) if SINGLE.contains(&keyword) && !FLAGS.contains(&keyword) => {
                children.push((format!("/{key}"), value));
            }
            Value::Array(items) if LISTS.contains(&keyword) => {
                for (i, item) in items.iter_mut().enumerate() {
                    children.push((format!("/{key}/{i}"), item));
                }
            }
            Value::Object(named) if NAMED.contains(&keyword) => {
                for (name, item) in named.iter_mut() {
                    children.push((format!("/{key}/{}", escape(name)), item));
                }
            }
            _ => {}
        }
    }
    children
}

/// Calls `visit` on `schema`, then on every subschema inside it as `visit` left it, depth
/// first, with each one's JSON Pointer from the root.
pub(crate) fn walk_mut(schema: &mut Value, path: &str, visit: &mut impl FnMut(&mut Value, &str)) {
    visit(schema, path);
    if let Value::Object(map) = schema {
        for (suffix, child) in children_mut(map) {
            walk_mut(child, &format!("{path}{suffix}"), visit);
        }
    }
}

/// A name as one token of a JSON Pointer.
pub(crate) fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_subschema_is_visited_once_with_its_pointer() {
        let mut schema = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"a/b": {"type": "array", "items": {"type": "string"}}},
            "anyOf": [{"type": "null"}],
            "$defs": {"T": true}
        });
        let mut seen = Vec::new();
        walk_mut(&mut schema, "", &mut |_, path| seen.push(path.to_owned()));
        assert_eq!(
            seen,
            [
                "",
                "/properties/a~1b",
                "/properties/a~1b/items",
                "/anyOf/0",
                "/$defs/T"
            ]
        );
    }
}
