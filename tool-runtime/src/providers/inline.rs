//! Inlining `$ref`s: all of them, for providers that do not follow them (Gemini's
//! `parameters`, Ollama), or those with keywords beside them, for OpenAI strict mode.

use serde_json::{Map, Value};

use super::walk::children_mut;
use super::{Issue, Rule};

/// `schema` with every `$ref` replaced by the schema of `$defs` it points to (keywords beside
/// the `$ref`, such as a description, win) and `$defs` removed. A type that contains itself
/// cannot be inlined: the issue names it, at the place where it comes back.
pub(crate) fn inline_refs(schema: &Value) -> Result<Value, Issue> {
    let definitions = Definitions::of(schema);
    let mut open = Vec::new();
    definitions.expand(schema, "", &mut open)
}

/// `schema` with every `$ref` that has keywords beside it (`{"$ref": ..., "description": ...}`,
/// which OpenAI strict mode refuses) replaced by the schema it points to, the keywords beside
/// it winning, as openai-python's `to_strict_json_schema` does; at every level, `$defs`
/// included. A reference back into a type being inlined around it keeps only the `$ref` (its
/// siblings dropped): a recursive type cannot be inlined into itself.
pub(crate) fn inline_ref_siblings(schema: &Value) -> Value {
    let mut inlined = schema.clone();
    Definitions::of(schema).inline_siblings(&mut inlined, &mut Vec::new());
    inlined
}

/// Whether the node holds a `$ref` and keywords beside it (`$defs` aside).
fn has_ref_siblings(node: &Map<String, Value>) -> bool {
    node.contains_key("$ref")
        && node
            .keys()
            .any(|key| !["$ref", "$defs", "definitions"].contains(&key.as_str()))
}

/// The named schemas of a root schema (`$defs`, or draft 7's `definitions`).
struct Definitions<'a> {
    defs: Option<&'a Map<String, Value>>,
    definitions: Option<&'a Map<String, Value>>,
}

impl<'a> Definitions<'a> {
    fn of(root: &'a Value) -> Self {
        Definitions {
            defs: root.get("$defs").and_then(Value::as_object),
            definitions: root.get("definitions").and_then(Value::as_object),
        }
    }

    /// The schema `reference` points to, and its name.
    fn resolve(&self, reference: &str) -> Option<(String, &'a Value)> {
        let (table, name) = if let Some(name) = reference.strip_prefix("#/$defs/") {
            (self.defs, name)
        } else {
            (self.definitions, reference.strip_prefix("#/definitions/")?)
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        let schema = table?.get(&name)?;
        Some((name, schema))
    }

    /// Inlines, in `schema` and below, the references with keywords beside them; `open` holds
    /// the definitions being inlined around it.
    fn inline_siblings(&self, schema: &mut Value, open: &mut Vec<String>) {
        let Value::Object(node) = schema else {
            return;
        };
        let target = match node.get("$ref") {
            Some(Value::String(reference)) if has_ref_siblings(node) => self.resolve(reference),
            _ => None,
        };
        match target {
            Some((name, _)) if open.contains(&name) => {
                node.retain(|key, _| ["$ref", "$defs", "definitions"].contains(&key.as_str()));
            }
            Some((name, Value::Object(target))) => {
                let mut inlined = target.clone();
                node.shift_remove("$ref");
                inlined.extend(std::mem::take(node));
                *schema = Value::Object(inlined);
                open.push(name);
                self.inline_siblings(schema, open);
                open.pop();
                return;
            }
            _ => {}
        }
        if let Value::Object(node) = schema {
            for (_, child) in children_mut(node) {
                self.inline_siblings(child, open);
            }
        }
    }

    /// `schema`, at `path`, with its references inlined; `open` holds the definitions being
    /// inlined around it.
    fn expand(&self, schema: &Value, path: &str, open: &mut Vec<String>) -> Result<Value, Issue> {
        let Value::Object(node) = schema else {
            return Ok(schema.clone());
        };
        let mut node = node.clone();
        node.shift_remove("$defs");
        node.shift_remove("definitions");
        let reference = match node.shift_remove("$ref") {
            Some(Value::String(reference)) => Some(reference),
            Some(other) => {
                return Err(Issue::new(
                    path,
                    Rule::UnresolvedRef {
                        reference: other.to_string(),
                    },
                ));
            }
            None => None,
        };
        for (suffix, child) in children_mut(&mut node) {
            *child = self.expand(child, &format!("{path}{suffix}"), open)?;
        }
        match reference {
            Some(reference) => self.expand_reference(&reference, node, path, open),
            None => Ok(Value::Object(node)),
        }
    }

    /// The schema `reference` points to, inlined, with the keywords found beside the reference.
    fn expand_reference(
        &self,
        reference: &str,
        beside: Map<String, Value>,
        path: &str,
        open: &mut Vec<String>,
    ) -> Result<Value, Issue> {
        let Some((name, target)) = self.resolve(reference) else {
            let type_name = (reference == "#").then(|| "the parameters".to_owned());
            let rule = match type_name {
                Some(type_name) => Rule::Recursive { type_name },
                None => Rule::UnresolvedRef {
                    reference: reference.to_owned(),
                },
            };
            return Err(Issue::new(path, rule));
        };
        if open.contains(&name) {
            return Err(Issue::new(path, Rule::Recursive { type_name: name }));
        }
        open.push(name);
        let expanded = self.expand(target, path, open);
        open.pop();
        let mut expanded = expanded?;
        if let Value::Object(target) = &mut expanded {
            target.extend(beside);
        }
        Ok(expanded)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn references_are_replaced_and_siblings_win() {
        let schema = json!({
            "type": "object",
            "properties": {
                "page": {"description": "outer", "$ref": "#/$defs/Page"},
                "pages": {"type": "array", "items": {"$ref": "#/$defs/Page"}}
            },
            "$defs": {"Page": {"description": "inner", "type": "integer"}}
        });
        assert_eq!(
            inline_refs(&schema).unwrap(),
            json!({
                "type": "object",
                "properties": {
                    "page": {"description": "outer", "type": "integer"},
                    "pages": {"type": "array", "items": {"description": "inner", "type": "integer"}}
                }
            })
        );
    }

    #[test]
    fn references_with_siblings_are_inlined_at_every_level() {
        let schema = json!({
            "type": "object",
            "properties": {
                "filter": {"description": "which rows", "$ref": "#/$defs/Filter"},
                "plain": {"$ref": "#/$defs/Page"}
            },
            "$defs": {
                "Filter": {
                    "type": "object",
                    "properties": {"page": {"description": "the page", "$ref": "#/$defs/Page"}}
                },
                "Page": {"description": "inner", "type": "integer"}
            }
        });
        let page = json!({"description": "the page", "type": "integer"});
        let inlined = inline_ref_siblings(&schema);
        assert_eq!(
            inlined["properties"]["filter"],
            json!({
                "type": "object",
                "properties": {"page": page},
                "description": "which rows"
            })
        );
        assert_eq!(
            inlined["properties"]["plain"],
            json!({"$ref": "#/$defs/Page"})
        );
        assert_eq!(inlined["$defs"]["Filter"]["properties"]["page"], page);
    }

    #[test]
    fn a_recursive_reference_keeps_only_the_reference() {
        let schema = json!({
            "type": "object",
            "properties": {"tree": {"description": "root", "$ref": "#/$defs/Tree"}},
            "$defs": {"Tree": {
                "type": "object",
                "properties": {"parent": {"description": "up", "$ref": "#/$defs/Tree"}}
            }}
        });
        let inlined = inline_ref_siblings(&schema);
        assert_eq!(
            inlined["properties"]["tree"]["properties"]["parent"],
            json!({"$ref": "#/$defs/Tree"})
        );
        assert_eq!(inlined["properties"]["tree"]["description"], json!("root"));
    }

    #[test]
    fn recursion_is_reported_where_it_comes_back() {
        let schema = json!({
            "type": "object",
            "properties": {"tree": {"$ref": "#/$defs/Tree"}},
            "$defs": {"Tree": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}}
            }}
        });
        assert_eq!(
            inline_refs(&schema).unwrap_err(),
            Issue::new(
                "/properties/tree/properties/children/items",
                Rule::Recursive {
                    type_name: "Tree".into()
                }
            )
        );
    }

    #[test]
    fn unknown_references_are_reported() {
        let schema = json!({"type": "object", "properties": {"a": {"$ref": "other.json"}}});
        assert_eq!(
            inline_refs(&schema).unwrap_err().rule,
            Rule::UnresolvedRef {
                reference: "other.json".into()
            }
        );
    }
}
