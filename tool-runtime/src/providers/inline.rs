//! Inlining `$ref`s, for providers that do not follow them (Gemini's `parameters`, Ollama).

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
