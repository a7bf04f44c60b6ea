//! Whole numbers written as floats (`5.0`, `1e3`): JSON Schema counts them as integers, so a
//! schema that says `integer` accepts them, and models send them; serde refuses them for an
//! integer type.

use serde_json::{Number, Value};

/// `value` with every whole number written as a float (in the range of `i64` or `u64`) made
/// an integer; `None` when it has none. A float field reads the integer as the same number.
pub(super) fn made_integers(value: &Value) -> Option<Value> {
    let mut value = value.clone();
    make_integers(&mut value).then_some(value)
}

/// Makes integers of the whole floats in `value`; whether there was one.
fn make_integers(value: &mut Value) -> bool {
    match value {
        Value::Number(number) => whole(number).map(|integer| *number = integer).is_some(),
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, item| make_integers(item) | any),
        Value::Object(fields) => fields
            .values_mut()
            .fold(false, |any, field| make_integers(field) | any),
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

    #[test]
    fn whole_floats_become_integers_at_every_level() {
        let value = json!({
            "n": 5.0, "x": 2.5, "inner": {"m": 1e3}, "list": [1.0, null, 2.5, -3.0], "s": "5.0"
        });
        assert_eq!(
            made_integers(&value),
            Some(json!({
                "n": 5, "x": 2.5, "inner": {"m": 1000}, "list": [1, null, 2.5, -3], "s": "5.0"
            }))
        );
    }

    #[test]
    fn without_a_whole_float_in_range_there_is_nothing_to_change() {
        assert_eq!(made_integers(&json!({"n": 5, "s": "5.0", "x": 5.5})), None);
        assert_eq!(made_integers(&json!({"n": 1e30})), None);
        assert_eq!(made_integers(&json!({"n": -1e19})), None);
    }
}
