//! Reading and editing one node of a JSON Schema: its types, its keywords, the rewrites that
//! several dialects share.

use serde_json::{Map, Value};

use super::issue::{Issue, Rule};

/// Keywords that only describe a value, and stay outside when a schema is split into branches.
pub(crate) const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// Keywords whose constraints no provider dialect can express.
const INEXPRESSIBLE: &[&str] = &[
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "prefixItems",
    "contains",
    "patternProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// The issue of `keyword`, at `path` in the node found at `node_path`, which the dialect
/// cannot express.
pub(crate) fn inexpressible(node_path: &str, keyword: &str) -> Issue {
    let rule = Rule::Inexpressible {
        keyword: keyword.to_owned(),
    };
    Issue::new(format!("{node_path}/{keyword}"), rule)
}

/// The issues of the node's keywords that no dialect can express.
fn inexpressible_keywords<'a>(
    node: &'a Map<String, Value>,
    path: &'a str,
) -> impl Iterator<Item = Issue> + 'a {
    INEXPRESSIBLE
        .iter()
        .filter(|keyword| node.contains_key(**keyword))
        .map(|keyword| inexpressible(path, keyword))
}

/// Keeps only the keywords of `keywords`, and a `format` only if it is one of `formats`.
pub(crate) fn keep_keywords(node: &mut Map<String, Value>, keywords: &[&str], formats: &[&str]) {
    node.retain(|keyword, value| {
        keywords.contains(&keyword.as_str())
            && (keyword != "format" || value.as_str().is_some_and(|f| formats.contains(&f)))
    });
}

/// Renames the keyword `from` to `to`, in place, unless `to` is already there.
pub(crate) fn rename(node: &mut Map<String, Value>, from: &str, to: &str) {
    if !node.contains_key(from) || node.contains_key(to) {
        return;
    }
    *node = std::mem::take(node)
        .into_iter()
        .map(|(key, value)| {
            let key = if key == from { to.to_owned() } else { key };
            (key, value)
        })
        .collect();
}

/// The types `type` names, as a list (empty when there is no `type`).
pub(crate) fn types(node: &Map<String, Value>) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether the schema's root is one object (`"type": "object"`).
pub(crate) fn is_object_root(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
}

/// Whether the schema is `{"type": "null"}`, the null branch of an `anyOf`.
pub(crate) fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// Whether the node declares an object.
pub(crate) fn is_object(node: &Map<String, Value>) -> bool {
    types(node).contains(&"object") || node.contains_key("properties")
}

/// The node as an object a dialect can rewrite, having noted in `issues` what no dialect with
/// a closed set of keywords can express there: a value of any type (`true`, or a node with no
/// type, values, alternatives or reference), and keywords beyond the subset. `None` when the
/// node is not an object to rewrite.
pub(crate) fn rewritable<'a>(
    schema: &'a mut Value,
    path: &str,
    issues: &mut Vec<Issue>,
) -> Option<&'a mut Map<String, Value>> {
    let Value::Object(map) = schema else {
        if schema == &Value::Bool(true) {
            issues.push(Issue::new(path, Rule::AnyValue));
        }
        return None;
    };
    if accepts_anything(map) {
        issues.push(Issue::new(path, Rule::AnyValue));
        return None;
    }
    issues.extend(inexpressible_keywords(map, path));
    Some(map)
}

/// Whether the node accepts any value: no type, no values, no alternatives, no reference.
fn accepts_anything(node: &Map<String, Value>) -> bool {
    const SHAPING: &[&str] = &[
        "type",
        "enum",
        "const",
        "anyOf",
        "oneOf",
        "allOf",
        "$ref",
        "properties",
        "items",
        "not",
    ];
    !SHAPING.iter().any(|keyword| node.contains_key(*keyword))
}

/// Replaces `const` by the one-value `enum` every dialect understands.
pub(crate) fn const_to_enum(node: &mut Map<String, Value>) {
    if let Some(value) = node.shift_remove("const") {
        node.entry("enum").or_insert(Value::Array(vec![value]));
    }
}

/// Moves `default` into the description, for dialects that refuse the keyword.
pub(crate) fn describe_default(node: &mut Map<String, Value>) {
    let Some(default) = node.shift_remove("default") else {
        return;
    };
    let description = node
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let text = match description.trim_end() {
        "" => format!("Default: {default}."),
        text if text.ends_with(['.', '!', '?']) => format!("{text} Default: {default}."),
        text => format!("{text}. Default: {default}."),
    };
    node.insert("description".to_owned(), Value::String(text));
}

/// Writes an `anyOf` whose branches are each one value (as schemars writes an enum whose
/// variants have doc comments) as one `enum`, the variants' descriptions joining the node's.
pub(crate) fn merge_value_branches(node: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = node.get("anyOf") else {
        return;
    };
    if branches.is_empty() {
        return;
    }
    let Some(values) = branches
        .iter()
        .map(single_value)
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let mut description = node
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    for (value, doc) in &values {
        if let Some(doc) = doc {
            if !description.is_empty() {
                description.push('\n');
            }
            description.push_str(&format!("- {}: {doc}", plain(value)));
        }
    }
    let values: Vec<Value> = values.into_iter().map(|(value, _)| value).collect();
    let kind = if values.iter().all(Value::is_string) {
        Some("string")
    } else if values.iter().all(Value::is_i64) {
        Some("integer")
    } else {
        None
    };
    node.shift_remove("anyOf");
    if !description.is_empty() {
        node.insert("description".to_owned(), Value::String(description));
    }
    if let Some(kind) = kind {
        node.insert("type".to_owned(), Value::String(kind.to_owned()));
    }
    node.insert("enum".to_owned(), Value::Array(values));
}

/// The one value a branch allows (`const`, or a one-value `enum`) and its description, when
/// the branch says nothing else.
pub(crate) fn single_value(branch: &Value) -> Option<(Value, Option<String>)> {
    let branch = branch.as_object()?;
    let value = match (branch.get("const"), branch.get("enum")) {
        (Some(value), None) => value.clone(),
        (None, Some(Value::Array(values))) if values.len() == 1 => values[0].clone(),
        _ => return None,
    };
    let plain_keys = branch
        .keys()
        .all(|key| ["const", "enum", "type", "description", "title"].contains(&key.as_str()));
    let doc = branch
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    plain_keys.then_some((value, doc))
}

/// A value as the model reads it in a description: strings without quotes.
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rename_keeps_the_keyword_in_place() {
        let mut node = json!({"description": "d", "oneOf": [], "type": "x"});
        rename(node.as_object_mut().unwrap(), "oneOf", "anyOf");
        let keys: Vec<&String> = node.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["description", "anyOf", "type"]);
    }

    #[test]
    fn one_value_branches_become_an_enum() {
        let mut node = json!({
            "description": "Temperature unit.",
            "anyOf": [
                {"description": "Degrees Celsius.", "type": "string", "const": "celsius"},
                {"type": "string", "enum": ["fahrenheit"]}
            ]
        });
        merge_value_branches(node.as_object_mut().unwrap());
        assert_eq!(
            node,
            json!({
                "description": "Temperature unit.\n- celsius: Degrees Celsius.",
                "type": "string",
                "enum": ["celsius", "fahrenheit"]
            })
        );
        let mut objects = json!({"anyOf": [{"type": "object", "properties": {}}]});
        merge_value_branches(objects.as_object_mut().unwrap());
        assert_eq!(
            objects,
            json!({"anyOf": [{"type": "object", "properties": {}}]})
        );
    }
}
