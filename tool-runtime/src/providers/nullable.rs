//! Nullable schemas: the ways of writing a value that may be null (`"type": [T, "null"]`,
//! `anyOf` with null, `nullable: true`), from one to another.

use serde_json::{Map, Value, json};

use super::node::{ANNOTATIONS, is_null_schema};

/// Writes a node with several types as an `anyOf` with one branch per type (`{"type": "null"}`
/// for null), the description and other annotations staying outside.
pub(crate) fn split_types(node: &mut Map<String, Value>) {
    let Some(Value::Array(names)) = node.shift_remove("type") else {
        return;
    };
    let (mut outer, inner) = split_annotations(std::mem::take(node));
    let branches = names
        .into_iter()
        .map(|name| {
            if name == "null" {
                return json!({"type": "null"});
            }
            let mut branch = Map::from_iter([("type".to_owned(), name)]);
            branch.extend(inner.clone());
            if let Some(Value::Array(values)) = branch.get_mut("enum") {
                values.retain(|value| !value.is_null());
            }
            Value::Object(branch)
        })
        .collect();
    outer.insert("anyOf".to_owned(), Value::Array(branches));
    *node = outer;
}

/// Takes `null` out of the node's `type`, `enum` and `anyOf`, telling whether it was there:
/// for dialects that say `nullable: true` instead. A single remaining `anyOf` branch is merged
/// into the node; several remaining types become branches.
pub(crate) fn take_null(node: &mut Map<String, Value>) -> bool {
    let mut found = false;
    if let Some(Value::Array(branches)) = node.get_mut("anyOf") {
        let before = branches.len();
        branches.retain(|branch| !is_null_schema(branch));
        found = branches.len() < before;
        if branches.len() == 1 {
            let Some(Value::Object(branch)) = branches.pop() else {
                return found;
            };
            node.shift_remove("anyOf");
            for (key, value) in branch {
                node.entry(key).or_insert(value);
            }
        }
    }
    if let Some(Value::Array(names)) = node.get("type") {
        let kept: Vec<Value> = names
            .iter()
            .filter(|name| *name != "null")
            .cloned()
            .collect();
        found |= kept.len() < names.len();
        let several = kept.len() > 1;
        let kept = match kept.len() {
            0 => json!("null"),
            1 => kept[0].clone(),
            _ => Value::Array(kept),
        };
        node.insert("type".to_owned(), kept);
        if several {
            split_types(node);
        }
    }
    if let Some(Value::Array(values)) = node.get_mut("enum") {
        let before = values.len();
        values.retain(|value| !value.is_null());
        found |= values.len() < before;
    }
    found
}

/// The node's annotations (description, title, default, ...) and the rest.
fn split_annotations(node: Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    node.into_iter()
        .partition(|(key, _)| ANNOTATIONS.contains(&key.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_split_into_branches() {
        let mut node = json!({"type": ["string", "null"], "enum": ["c", null], "description": "d"});
        split_types(node.as_object_mut().unwrap());
        assert_eq!(
            node,
            json!({
                "description": "d",
                "anyOf": [{"type": "string", "enum": ["c"]}, {"type": "null"}]
            })
        );
    }

    #[test]
    fn null_is_taken_out() {
        let mut node = json!({
            "description": "d",
            "anyOf": [{"type": "object", "description": "inner"}, {"type": "null"}]
        });
        assert!(take_null(node.as_object_mut().unwrap()));
        assert_eq!(node, json!({"description": "d", "type": "object"}));
        let mut node = json!({"type": ["integer", "null"], "minimum": 0});
        assert!(take_null(node.as_object_mut().unwrap()));
        assert_eq!(node, json!({"type": "integer", "minimum": 0}));
        let mut node = json!({"type": "string"});
        assert!(!take_null(node.as_object_mut().unwrap()));
    }
}
