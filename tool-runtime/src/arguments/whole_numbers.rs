//! Whole numbers written as floats (`5.0`, `1e3`) where a tool's schema says `integer`: JSON
//! Schema counts them as integers, serde refuses them for an integer type, and models send
//! them. They are made integers, at those places only, before the arguments are read again.

use serde_json::{Number, Value};

/// `value` with every whole number written as a float made an integer where `schema` says
/// `integer`; `None` when there is none. The schema is only asked for when `value` holds a
/// float.
pub(super) fn made_integers(schema: &dyn Fn() -> Value, value: &Value) -> Option<Value> {
    let (nodes, floats) = count(value);
    if floats == 0 {
        return None;
    }
    let schema = schema();
    let mut value = value.clone();
    // A value can be walked more than once, under each branch of an `anyOf`: a bound on the
    // steps keeps a schema of branches within branches linear in the arguments.
    let mut walk = Walk {
        root: &schema,
        steps: nodes.saturating_mul(16),
    };
    walk.node(&schema, &mut value).then_some(value)
}

/// How many values `value` holds, itself included, and how many of them are floats.
fn count(value: &Value) -> (usize, usize) {
    let inner = match value {
        Value::Array(items) => items.iter().map(count).fold((0, 0), add),
        Value::Object(fields) => fields.values().map(count).fold((0, 0), add),
        Value::Number(number) => (0, usize::from(number.is_f64())),
        _ => (0, 0),
    };
    (inner.0 + 1, inner.1)
}

fn add(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    (a.0 + b.0, a.1 + b.1)
}

struct Walk<'s> {
    /// The whole schema, where `$ref`s point.
    root: &'s Value,
    /// The steps left.
    steps: usize,
}

impl<'s> Walk<'s> {
    /// Makes integers of the whole floats in `value` that `node` says are integers; whether
    /// any was.
    fn node(&mut self, node: &'s Value, value: &mut Value) -> bool {
        let Value::Object(node) = node else {
            return false;
        };
        if self.steps == 0 {
            return false;
        }
        self.steps -= 1;
        let mut changed = false;
        if let Some(target) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|target| target.strip_prefix('#'))
            .and_then(|pointer| self.root.pointer(pointer))
        {
            changed |= self.node(target, value);
        }
        for keyword in ["anyOf", "oneOf", "allOf"] {
            for branch in node
                .get(keyword)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                changed |= self.node(branch, value);
            }
        }
        match value {
            Value::Number(number) if says_integer(node.get("type")) => {
                if let Some(integer) = whole(number) {
                    *number = integer;
                    changed = true;
                }
            }
            Value::Object(fields) => {
                let properties = node.get("properties").and_then(Value::as_object);
                for (name, field) in fields.iter_mut() {
                    let declared = properties.and_then(|properties| properties.get(name));
                    if let Some(schema) = declared.or(node.get("additionalProperties")) {
                        changed |= self.node(schema, field);
                    }
                }
            }
            Value::Array(items) => {
                let prefix = node.get("prefixItems").and_then(Value::as_array);
                for (index, item) in items.iter_mut().enumerate() {
                    let declared = prefix.and_then(|prefix| prefix.get(index));
                    if let Some(schema) = declared.or(node.get("items")) {
                        changed |= self.node(schema, item);
                    }
                }
            }
            _ => {}
        }
        changed
    }
}

/// Whether a `type` says `integer`, alone or among others.
fn says_integer(kind: Option<&Value>) -> bool {
    match kind {
        Some(Value::String(kind)) => kind == "integer",
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "integer"),
        _ => false,
    }
}

/// The integer a float is, if it is a whole number in the range of `i64` or `u64`.
fn whole(number: &Number) -> Option<Number> {
    const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;
    let float = number.as_f64().filter(|_| number.is_f64())?;
    if float.fract() != 0.0 {
        None
    } else if (0.0..2.0 * TWO_TO_63).contains(&float) {
        Some(Number::from(float as u64))
    } else if (-TWO_TO_63..0.0).contains(&float) {
        Some(Number::from(float as i64))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn integers(schema: Value, value: Value) -> Option<Value> {
        made_integers(&|| schema.clone(), &value)
    }

    #[test]
    fn whole_floats_become_integers_where_the_schema_says_integer() {
        let schema = json!({
            "type": "object",
            "properties": {
                "n": {"type": "integer"},
                "x": {"type": "number"},
                "maybe": {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}]},
                "list": {"type": "array", "items": {"type": ["integer", "null"]}},
                "pair": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "integer"}]},
                "map": {"type": "object", "additionalProperties": {"type": "integer"}}
            },
            "$defs": {"Inner": {"type": "object", "properties": {"m": {"type": "integer"}}}}
        });
        let value = json!({
            "n": 5.0, "x": 2.0, "maybe": {"m": 1e3}, "list": [1.0, null, 2.5, -3.0],
            "pair": [1.0, 2.0], "map": {"a": 7.0}, "unknown": 1.0
        });
        assert_eq!(
            integers(schema, value),
            Some(json!({
                "n": 5, "x": 2.0, "maybe": {"m": 1000}, "list": [1, null, 2.5, -3],
                "pair": [1.0, 2], "map": {"a": 7}, "unknown": 1.0
            }))
        );
    }

    #[test]
    fn nothing_to_change_is_none_and_needs_no_schema() {
        let no_schema = || -> Value { panic!("the schema was asked for") };
        assert_eq!(
            made_integers(&no_schema, &json!({"n": 5, "s": "5.0"})),
            None
        );
        let schema = json!({"properties": {"n": {"type": "integer"}}});
        assert_eq!(integers(schema.clone(), json!({"n": 5.5})), None);
        assert_eq!(integers(schema.clone(), json!({"n": 1e30})), None);
        assert_eq!(integers(schema, json!({"n": -1e19})), None);
    }
}
