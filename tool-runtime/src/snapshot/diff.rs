//! Comparing two versions of a JSON Schema, node by node along the parameters' nesting
//! (following `$ref`s on each side), into [`Change`]s.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use crate::providers::schema::node::{self, is_null_schema, single_value};
use crate::providers::schema::walk::escape;

use super::{Change, ChangeKind, Part};

/// Keywords whose higher value allows fewer values.
const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
];

/// Keywords whose lower value allows fewer values.
const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];

/// Keywords that constrain without an order.
const OTHER_CONSTRAINTS: &[&str] = &["pattern", "format", "multipleOf", "uniqueItems"];

/// The changes from `old` to `new`, two versions of one of `tool`'s schemas.
pub(crate) fn diff_schemas(tool: &str, part: Part, old: &Value, new: &Value) -> Vec<Change> {
    let mut differ = Differ {
        tool,
        part,
        old_root: old,
        new_root: new,
        followed: HashSet::new(),
        changes: Vec::new(),
    };
    differ.diff(old, new, "");
    differ.changes
}

struct Differ<'a> {
    tool: &'a str,
    part: Part,
    old_root: &'a Value,
    new_root: &'a Value,
    /// The pairs of references already compared, so that recursive types end.
    followed: HashSet<(String, String)>,
    changes: Vec<Change>,
}

impl Differ<'_> {
    fn diff(&mut self, old: &Value, new: &Value, path: &str) {
        let old = View::of(self.old_root, old);
        let new = View::of(self.new_root, new);
        if let (Some(old_ref), Some(new_ref)) = (&old.reference, &new.reference)
            && !self.followed.insert((old_ref.clone(), new_ref.clone()))
        {
            return;
        }
        if !self.diff_types(&old, &new, path) {
            return;
        }
        if old.description != new.description {
            self.push(path, ChangeKind::DescriptionChanged);
        }
        self.diff_values(&old, &new, path);
        self.diff_constraints(&old.core, &new.core, path);
        self.diff_properties(&old.core, &new.core, path);
        if let (Some(old_items), Some(new_items)) = (old.core.get("items"), new.core.get("items")) {
            self.diff(old_items, new_items, &format!("{path}/items"));
        }
        self.diff_alternatives(&old, &new, path);
    }

    fn push(&mut self, path: &str, kind: ChangeKind) {
        self.changes.push(Change {
            tool: self.tool.to_owned(),
            part: self.part,
            path: path.to_owned(),
            kind,
        });
    }

    /// Compares the types the nodes allow; `false` when they are unrelated, and the rest of
    /// the nodes not worth comparing.
    fn diff_types(&mut self, old: &View, new: &View, path: &str) -> bool {
        let old_types = old.types(self.old_root);
        let new_types = new.types(self.new_root);
        if old_types == new_types {
            return true;
        }
        let list = |types: &Option<BTreeSet<String>>| -> Vec<String> {
            types.iter().flatten().cloned().collect()
        };
        let (from, to) = (list(&old_types), list(&new_types));
        let kind = match (&old_types, &new_types) {
            (Some(old), Some(new)) if covers(old, new) => ChangeKind::TypeNarrowed { from, to },
            (Some(old), Some(new)) if covers(new, old) => ChangeKind::TypeWidened { from, to },
            (Some(_), Some(_)) => ChangeKind::TypeChanged { from, to },
            (None, _) => ChangeKind::TypeNarrowed { from, to },
            (_, None) => ChangeKind::TypeWidened { from, to },
        };
        let related = !matches!(kind, ChangeKind::TypeChanged { .. });
        self.push(path, kind);
        related
    }

    fn diff_values(&mut self, old: &View, new: &View, path: &str) {
        match (old.values(), new.values()) {
            (Some(old_values), Some(new_values)) => {
                for value in old_values.iter().filter(|v| !new_values.contains(v)) {
                    self.push(path, ChangeKind::EnumValueRemoved(value.clone()));
                }
                for value in new_values.iter().filter(|v| !old_values.contains(v)) {
                    self.push(path, ChangeKind::EnumValueAdded(value.clone()));
                }
            }
            (None, Some(_)) => self.push(path, constraint("enum", Some(true))),
            (Some(_), None) => self.push(path, constraint("enum", Some(false))),
            (None, None) => {}
        }
    }

    fn diff_constraints(&mut self, old: &Map<String, Value>, new: &Map<String, Value>, path: &str) {
        for (keywords, higher_is_tighter) in [(LOWER_BOUNDS, true), (UPPER_BOUNDS, false)] {
            for keyword in keywords {
                let bound = |node: &Map<String, Value>| node.get(*keyword).and_then(Value::as_f64);
                let tighter = match (bound(old), bound(new)) {
                    (None, Some(_)) => true,
                    (Some(_), None) => false,
                    (Some(a), Some(b)) if a != b => (b > a) == higher_is_tighter,
                    _ => continue,
                };
                self.push(path, constraint(keyword, Some(tighter)));
            }
        }
        for keyword in OTHER_CONSTRAINTS {
            let tighter = match (old.get(*keyword), new.get(*keyword)) {
                (None, Some(_)) => Some(true),
                (Some(_), None) => Some(false),
                (Some(a), Some(b)) if a != b => None,
                _ => continue,
            };
            self.push(path, constraint(keyword, tighter));
        }
        let closed = |node: &Map<String, Value>| {
            node.get("additionalProperties") == Some(&Value::Bool(false))
        };
        if closed(old) != closed(new) {
            self.push(path, constraint("additionalProperties", Some(closed(new))));
        }
    }

    fn diff_properties(&mut self, old: &Map<String, Value>, new: &Map<String, Value>, path: &str) {
        let empty = Map::new();
        let old_properties = properties(old).unwrap_or(&empty);
        let new_properties = properties(new).unwrap_or(&empty);
        let (old_required, new_required) = (required(old), required(new));
        for (name, old_property) in old_properties {
            let at = format!("{path}/properties/{}", escape(name));
            let Some(new_property) = new_properties.get(name) else {
                self.push(&at, ChangeKind::PropertyRemoved);
                continue;
            };
            match (old_required.contains(name), new_required.contains(name)) {
                (false, true) => self.push(&at, ChangeKind::NowRequired),
                (true, false) => self.push(&at, ChangeKind::NoLongerRequired),
                _ => {}
            }
            self.diff(old_property, new_property, &at);
        }
        for name in new_properties
            .keys()
            .filter(|name| !old_properties.contains_key(*name))
        {
            let at = format!("{path}/properties/{}", escape(name));
            let required = new_required.contains(name);
            self.push(&at, ChangeKind::PropertyAdded { required });
        }
    }

    /// Alternatives (`anyOf`, `oneOf`) other than null and single values: compared in order
    /// when there are as many; otherwise fewer is tighter, more is looser.
    fn diff_alternatives(&mut self, old: &View, new: &View, path: &str) {
        let (old_branches, new_branches) = (old.alternatives(), new.alternatives());
        if old_branches.len() == new_branches.len() {
            for (i, (old_branch, new_branch)) in old_branches.iter().zip(&new_branches).enumerate()
            {
                self.diff(old_branch, new_branch, &format!("{path}/anyOf/{i}"));
            }
        } else {
            let tighter = new_branches.len() < old_branches.len();
            self.push(path, constraint("anyOf", Some(tighter)));
        }
    }
}

/// A node seen through its `$ref`s, with `anyOf: [T, null]` read as a nullable `T`.
struct View {
    description: Option<Value>,
    nullable: bool,
    /// The node, `$ref` followed (and for a nullable wrapper, its non-null branch).
    core: Map<String, Value>,
    /// The reference followed to reach `core`, if any.
    reference: Option<String>,
}

impl View {
    fn of(root: &Value, schema: &Value) -> View {
        let (node, reference) = resolve(root, schema);
        if let Some(inner) = nullable_branch(&node) {
            let (core, inner_reference) = resolve(root, inner);
            return View {
                description: node.get("description").or(core.get("description")).cloned(),
                nullable: true,
                reference: inner_reference.or(reference),
                core,
            };
        }
        let enum_null = node
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|values| values.contains(&Value::Null));
        View {
            description: node.get("description").cloned(),
            nullable: node::types(&node).contains(&"null") || enum_null,
            core: node,
            reference,
        }
    }

    /// The types the node allows; `None` for any type.
    fn types(&self, root: &Value) -> Option<BTreeSet<String>> {
        let mut types: BTreeSet<String> = node::types(&self.core)
            .into_iter()
            .filter(|name| *name != "null")
            .map(str::to_owned)
            .collect();
        if types.is_empty() {
            if let Some(values) = self.values() {
                types.extend(values.iter().map(|value| json_type(value).to_owned()));
            } else {
                for branch in self.alternatives() {
                    let (branch, _) = resolve(root, &branch);
                    let branch_types = node::types(&branch);
                    if branch_types.is_empty() {
                        return None;
                    }
                    types.extend(branch_types.into_iter().map(str::to_owned));
                }
            }
        }
        if types.is_empty() {
            return None;
        }
        if self.nullable {
            types.insert("null".to_owned());
        }
        Some(types)
    }

    /// The values the node allows, when it lists them (`enum`, `const`, or alternatives that
    /// are each one value), null aside.
    fn values(&self) -> Option<Vec<Value>> {
        let values = if let Some(Value::Array(values)) = self.core.get("enum") {
            values.clone()
        } else if let Some(value) = self.core.get("const") {
            vec![value.clone()]
        } else {
            let branches = self.branches();
            if branches.is_empty() {
                return None;
            }
            let single: Option<Vec<Value>> = branches
                .iter()
                .map(|branch| single_value(branch).map(|(value, _)| value))
                .collect();
            single?
        };
        Some(
            values
                .into_iter()
                .filter(|value| !value.is_null())
                .collect(),
        )
    }

    /// The alternatives that are neither null nor single values.
    fn alternatives(&self) -> Vec<Value> {
        let branches = self.branches();
        if branches.iter().all(|branch| single_value(branch).is_some()) {
            return Vec::new();
        }
        branches
    }

    /// The non-null branches of `anyOf` or `oneOf`.
    fn branches(&self) -> Vec<Value> {
        ["anyOf", "oneOf"]
            .iter()
            .filter_map(|keyword| self.core.get(*keyword).and_then(Value::as_array))
            .flatten()
            .filter(|branch| !is_null_schema(branch))
            .cloned()
            .collect()
    }
}

/// `schema` with its `$ref`s followed (keywords beside a `$ref` win), and the first reference.
fn resolve(root: &Value, schema: &Value) -> (Map<String, Value>, Option<String>) {
    let mut node = schema.as_object().cloned().unwrap_or_default();
    let mut followed: Vec<String> = Vec::new();
    while let Some(Value::String(reference)) = node.get("$ref").cloned() {
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer))
            .and_then(Value::as_object);
        let Some(target) = target.filter(|_| !followed.contains(&reference)) else {
            break;
        };
        node.shift_remove("$ref");
        let mut merged = target.clone();
        merged.extend(node);
        node = merged;
        followed.push(reference);
    }
    (node, followed.into_iter().next())
}

/// The one non-null branch of `anyOf: [T, {"type": "null"}]`.
fn nullable_branch(node: &Map<String, Value>) -> Option<&Value> {
    let branches = node
        .get("anyOf")
        .or_else(|| node.get("oneOf"))?
        .as_array()?;
    let mut others = branches.iter().filter(|branch| !is_null_schema(branch));
    let other = others.next()?;
    (branches.len() == 2 && others.next().is_none()).then_some(other)
}

fn properties(node: &Map<String, Value>) -> Option<&Map<String, Value>> {
    node.get("properties").and_then(Value::as_object)
}

fn required(node: &Map<String, Value>) -> BTreeSet<String> {
    node.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Whether every type of `narrow` is allowed by `wide` (an integer is a number).
fn covers(wide: &BTreeSet<String>, narrow: &BTreeSet<String>) -> bool {
    narrow
        .iter()
        .all(|name| wide.contains(name) || (name == "integer" && wide.contains("number")))
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A change of `keyword`: tighter, looser, or neither (`None`).
fn constraint(keyword: &str, tighter: Option<bool>) -> ChangeKind {
    let keyword = keyword.to_owned();
    match tighter {
        Some(true) => ChangeKind::ConstraintTightened { keyword },
        Some(false) => ChangeKind::ConstraintLoosened { keyword },
        None => ChangeKind::ConstraintChanged { keyword },
    }
}
