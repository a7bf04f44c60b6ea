//! A checker of OpenAI's published strict-mode rules (Structured Outputs, "Supported schemas"),
//! written from the rules and from openai-python's `to_strict_json_schema`, not from our
//! dialect: the root is one object; no `$ref` has keywords beside it and every `$ref` resolves;
//! every object has `additionalProperties: false` and lists every property in `required`;
//! only the supported keywords, types and string formats appear.

use serde_json::{Map, Value};

const KEYWORDS: &[&str] = &[
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

const TYPES: &[&str] = &[
    "string", "number", "boolean", "integer", "object", "array", "null",
];

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

/// Every place where `schema` breaks a strict-mode rule, as `pointer: rule`; empty when
/// OpenAI would accept it.
pub fn problems(schema: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if schema.get("type") != Some(&Value::String("object".into())) || schema.get("anyOf").is_some()
    {
        found.push(": the root must be one object, not anyOf".to_owned());
    }
    check(schema, schema, "", &mut found);
    found
}

fn check(root: &Value, schema: &Value, path: &str, found: &mut Vec<String>) {
    let Some(node) = schema.as_object() else {
        found.push(format!("{path}: a schema must be an object, not {schema}"));
        return;
    };
    let mut problem = |rule: String| found.push(format!("{path}: {rule}"));
    for key in node.keys() {
        if !KEYWORDS.contains(&key.as_str()) {
            problem(format!("keyword `{key}` is not supported"));
        }
    }
    if let Some(reference) = node.get("$ref") {
        if node.len() > 1 {
            let others: Vec<&String> = node.keys().filter(|key| *key != "$ref").collect();
            problem(format!("`$ref` cannot have keywords {others:?} beside it"));
        }
        let resolves = reference
            .as_str()
            .and_then(|reference| reference.strip_prefix('#'))
            .and_then(|pointer| root.pointer(pointer))
            .is_some();
        if !resolves {
            problem(format!("`$ref` {reference} does not resolve"));
        }
    }
    let types: Vec<&str> = match node.get("type") {
        Some(Value::String(one)) => vec![one],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for name in &types {
        if !TYPES.contains(name) {
            problem(format!("type `{name}` is not supported"));
        }
    }
    if let Some(format) = node.get("format")
        && !format
            .as_str()
            .is_some_and(|format| FORMATS.contains(&format))
    {
        problem(format!("format {format} is not supported"));
    }
    if types.contains(&"object") || node.contains_key("properties") {
        check_object(node, &mut problem);
    }
    for (child_path, child) in children(node, path) {
        check(root, child, &child_path, found);
    }
}

fn check_object(node: &Map<String, Value>, problem: &mut impl FnMut(String)) {
    if node.get("additionalProperties") != Some(&Value::Bool(false)) {
        problem("an object must have `additionalProperties: false`".to_owned());
    }
    let names: Vec<&String> = node
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().collect())
        .unwrap_or_default();
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|required| required.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for name in names {
        if !required.contains(&name.as_str()) {
            problem(format!("property `{name}` must be in `required`"));
        }
    }
}

fn children<'a>(node: &'a Map<String, Value>, path: &str) -> Vec<(String, &'a Value)> {
    let mut children = Vec::new();
    for (key, value) in node {
        match (key.as_str(), value) {
            ("items", _) => children.push((format!("{path}/items"), value)),
            ("additionalProperties", Value::Object(_)) => {
                children.push((format!("{path}/additionalProperties"), value));
            }
            ("anyOf", Value::Array(branches)) => {
                for (i, branch) in branches.iter().enumerate() {
                    children.push((format!("{path}/anyOf/{i}"), branch));
                }
            }
            ("properties" | "$defs" | "definitions", Value::Object(named)) => {
                for (name, child) in named {
                    children.push((format!("{path}/{key}/{name}"), child));
                }
            }
            _ => {}
        }
    }
    children
}

#[test]
fn the_checker_finds_what_openai_refuses() {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "filter": {"$ref": "#/$defs/Filter", "description": "which rows"},
            "name": {"type": "string", "minLength": 1},
            "n": {"type": "integer", "format": "uint32"}
        },
        "required": ["filter", "name"],
        "$defs": {"Filter": {"type": "object", "properties": {}}}
    });
    assert_eq!(
        problems(&schema),
        [
            ": an object must have `additionalProperties: false`",
            ": property `n` must be in `required`",
            "/properties/filter: `$ref` cannot have keywords [\"description\"] beside it",
            "/properties/name: keyword `minLength` is not supported",
            "/properties/n: format \"uint32\" is not supported",
            "/$defs/Filter: an object must have `additionalProperties: false`",
        ]
    );
}
