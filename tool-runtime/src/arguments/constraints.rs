//! The constraints a tool's input schema states that decoding does not check (bounds, lengths,
//! patterns, unique items, fixed values, unknown fields of nested objects), checked with the
//! `jsonschema` crate against the very schema the model reads.
//!
//! Serde already refuses wrong types, missing fields and the unknown fields of the arguments
//! object itself; a schema that says nothing more compiles to no [`Constraints`], and its tool
//! pays nothing. Every object of the schema that does not say otherwise is checked as closed,
//! as the strict dialects declare it: an unknown field inside a nested struct is refused, not
//! dropped.

use std::fmt::Write as _;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{PatternOptions, ValidationError, Validator};
use serde_json::Value;

use crate::{ArgumentsRef, Failure};

/// Keywords whose rules serde checks as it decodes, and keywords that only describe.
const CHECKED_BY_SERDE: &[&str] = &[
    "type",
    "format",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "prefixItems",
    "$ref",
    "$defs",
    "definitions",
    "anyOf",
    "oneOf",
    "allOf",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "$schema",
];

/// The constraints of one tool's input schema, compiled once.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::AsArguments;
/// use tool_runtime::__private::Constraints;
///
/// let schema = json!({
///     "type": "object",
///     "properties": {"limit": {"type": "integer", "maximum": 1000}},
///     "additionalProperties": false
/// });
/// let constraints = Constraints::compile(&schema).unwrap().unwrap();
/// let refused = constraints.check(json!({"limit": 5000}).as_arguments()).unwrap_err();
/// assert_eq!(refused.to_string(), "at `limit`: 5000 is more than the maximum 1000");
/// ```
#[derive(Debug)]
pub struct Constraints {
    /// The schema as checked: the tool's, with its open objects closed.
    schema: Value,
    validator: Validator,
}

impl Constraints {
    /// The constraints of `schema` that decoding leaves unchecked; `None` when there are
    /// none. An error when the schema does not compile, such as a `pattern` that is not a
    /// regular expression of the `regex` crate (look-around and back-references are refused:
    /// they would let a model's text cost unbounded time).
    pub fn compile(schema: &Value) -> Result<Option<Constraints>, String> {
        let mut schema = schema.clone();
        let closed = close_objects(&mut schema, false);
        if !closed && !states_more_than_serde_checks(&schema) {
            return Ok(None);
        }
        let validator = jsonschema::draft202012::options()
            .with_pattern_options(PatternOptions::regex())
            .build(&schema)
            .map_err(|error| error.to_string())?;
        Ok(Some(Constraints { schema, validator }))
    }

    /// Checks decoded arguments against the constraints: the first one broken is the failure,
    /// with the path of the value at fault and the rule it breaks.
    pub fn check(&self, arguments: ArgumentsRef<'_>) -> Result<(), Failure> {
        let value = super::object(arguments)?.value()?;
        match self.validator.validate(&value) {
            Ok(()) => Ok(()),
            Err(error) => {
                let error = at_fault(&error);
                Err(Failure::InvalidArguments {
                    path: path_of(error, &value),
                    message: self.rule(error),
                })
            }
        }
    }

    /// The rule `error` reports, in words a model acts on.
    fn rule(&self, error: &ValidationError<'_>) -> String {
        let value = shown(error.instance().as_ref());
        match error.kind() {
            ValidationErrorKind::Maximum { limit } => {
                format!("{value} is more than the maximum {limit}")
            }
            ValidationErrorKind::Minimum { limit } => {
                format!("{value} is less than the minimum {limit}")
            }
            ValidationErrorKind::ExclusiveMaximum { limit } => {
                format!("{value} is not less than {limit}; send a value below {limit}")
            }
            ValidationErrorKind::ExclusiveMinimum { limit } => {
                format!("{value} is not more than {limit}; send a value above {limit}")
            }
            ValidationErrorKind::MultipleOf { multiple_of } => {
                format!("{value} is not a multiple of {multiple_of}")
            }
            ValidationErrorKind::MaxLength { limit } => {
                format!("the text is longer than the maximum of {limit} characters")
            }
            ValidationErrorKind::MinLength { limit } => {
                format!("the text is shorter than the minimum of {limit} characters")
            }
            ValidationErrorKind::Pattern { pattern } => {
                format!("{value} does not match the pattern {pattern:?}")
            }
            ValidationErrorKind::MaxItems { limit } => {
                format!("the list has more than the maximum of {limit} items")
            }
            ValidationErrorKind::MinItems { limit } => {
                format!("the list has fewer than the minimum of {limit} items")
            }
            ValidationErrorKind::UniqueItems => {
                "the list repeats an item; every item must be different".to_owned()
            }
            ValidationErrorKind::MaxProperties { limit } => {
                format!("the object has more than the maximum of {limit} fields")
            }
            ValidationErrorKind::MinProperties { limit } => {
                format!("the object has fewer than the minimum of {limit} fields")
            }
            ValidationErrorKind::Enum { options } => {
                format!("{value} is not one of the allowed values {options}")
            }
            ValidationErrorKind::Constant { expected_value } => {
                format!("{value} is not the only allowed value, {expected_value}")
            }
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                self.unknown_fields(error, unexpected)
            }
            ValidationErrorKind::Required { property } => format!("missing field {property}"),
            ValidationErrorKind::Type { kind } => {
                format!("{value} is not {}", type_names(kind))
            }
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
                format!(
                    "{value} matches none of the forms allowed here: {}",
                    self.forms(error)
                )
            }
            ValidationErrorKind::OneOfMultipleValid { .. } => {
                format!("{value} matches more than one of the forms the schema allows here")
            }
            ValidationErrorKind::Not { .. } | ValidationErrorKind::FalseSchema => {
                format!("{value} is not allowed here")
            }
            other => format!("{value} breaks the schema's rule `{}`", other.keyword()),
        }
    }

    /// "unknown field `x`, expected one of `a`, `b`", as serde writes it for the top level.
    fn unknown_fields(&self, error: &ValidationError<'_>, unexpected: &[String]) -> String {
        let mut text = String::new();
        let names = unexpected.iter().map(|name| format!("`{name}`"));
        let names = names.collect::<Vec<_>>().join(", ");
        match unexpected.len() {
            1 => write!(text, "unknown field {names}"),
            _ => write!(text, "unknown fields {names}"),
        }
        .expect("writing to a String");
        // The keyword's node lists the fields it knows.
        let node = error.schema_path().as_str();
        let node = node.rsplit_once('/').map_or("", |(node, _)| node);
        let known = self.schema.pointer(node).and_then(|n| n.get("properties"));
        match known.and_then(Value::as_object) {
            Some(known) if !known.is_empty() => {
                let known = known.keys().map(|name| format!("`{name}`"));
                let known = known.collect::<Vec<_>>().join(", ");
                write!(text, ", expected one of {known}").expect("writing to a String");
            }
            _ => text.push_str(", expected no fields"),
        }
        text
    }

    /// "an object with `kind`: \"circle\" or an object with `kind`: \"square\" or null": the
    /// branches of the `anyOf` or `oneOf` that reports `error`, each in a few words.
    fn forms(&self, error: &ValidationError<'_>) -> String {
        let branches = self.schema.pointer(error.schema_path().as_str());
        let branches = branches
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let forms: Vec<String> = branches.iter().map(|branch| self.form(branch)).collect();
        forms.join(" or ")
    }

    /// One branch in a few words: its tag, its fixed values, its fields or its type.
    fn form<'s>(&'s self, mut branch: &'s Value) -> String {
        // A `$ref` to a `$ref` is followed a few times, not forever.
        for _ in 0..8 {
            let target = branch.get("$ref").and_then(Value::as_str);
            let target = target.and_then(|target| target.strip_prefix('#'));
            match target.and_then(|pointer| self.schema.pointer(pointer)) {
                Some(target) => branch = target,
                None => break,
            }
        }
        let properties = branch.get("properties").and_then(Value::as_object);
        let tag = properties.and_then(|properties| {
            properties
                .iter()
                .find_map(|(name, property)| Some((name, fixed(property)?)))
        });
        if let Some((name, tag)) = tag {
            return format!("an object with `{name}`: {}", shown(tag));
        }
        if let Some(value) = fixed(branch) {
            return shown(value);
        }
        if let Some(values) = branch.get("enum") {
            return format!("one of {}", shown(values));
        }
        if let Some(properties) = properties.filter(|properties| !properties.is_empty()) {
            let names = properties.keys().map(|name| format!("`{name}`"));
            return format!("an object with {}", names.collect::<Vec<_>>().join(", "));
        }
        match branch.get("type") {
            Some(Value::String(one)) => type_name(one),
            Some(Value::Array(many)) => {
                let names = many.iter().filter_map(Value::as_str).map(type_name);
                names.collect::<Vec<_>>().join(" or ")
            }
            _ => "another form".to_owned(),
        }
    }
}

/// The one value a node allows: its `const`, or an `enum` of one value.
fn fixed(node: &Value) -> Option<&Value> {
    node.get("const")
        .or_else(|| match node.get("enum")?.as_array()?.as_slice() {
            [one] => Some(one),
            _ => None,
        })
}

/// The error to report for `error`. A value that matches none of the branches of an `anyOf` or
/// a `oneOf` (an `Option`, an enum) is reported by the error of the branch closest to it, if
/// one is: not a branch of another type (`null` for an object) or with another tag (the
/// `kind` of an internally tagged enum), and of those the one the value got furthest into,
/// its errors deepest, then fewest.
fn at_fault<'e>(mut error: &'e ValidationError<'e>) -> &'e ValidationError<'e> {
    while let ValidationErrorKind::AnyOf { context }
    | ValidationErrorKind::OneOfNotValid { context } = error.kind()
    {
        match closest(error, context) {
            Some(closer) => error = closer,
            None => break,
        }
    }
    error
}

/// The first error of the branch closest to the value `error` reports, if one is.
fn closest<'e>(
    error: &ValidationError<'_>,
    branches: &'e [Vec<ValidationError<'static>>],
) -> Option<&'e ValidationError<'static>> {
    let depth = |error: &ValidationError<'_>| error.instance_path().segments().count();
    let here = depth(error);
    let another_form = |error: &ValidationError<'_>| match error.kind() {
        ValidationErrorKind::Type { .. } => depth(error) == here,
        ValidationErrorKind::Constant { .. } => depth(error) == here + 1,
        ValidationErrorKind::Enum { options } => {
            depth(error) == here + 1 && options.as_array().is_some_and(|o| o.len() == 1)
        }
        _ => false,
    };
    let progress = |errors: &Vec<ValidationError<'_>>| {
        let deepest = errors.iter().map(depth).max();
        (deepest, std::cmp::Reverse(errors.len()))
    };
    let mut candidates: Vec<_> = branches
        .iter()
        .filter(|errors| !errors.is_empty() && !errors.iter().any(another_form))
        .map(|errors| (progress(errors), errors))
        .collect();
    candidates.sort_by_key(|(progress, _)| std::cmp::Reverse(*progress));
    match candidates.as_slice() {
        [(_, best)] => best.first(),
        [(first, best), (second, _), ..] if first != second => best.first(),
        _ => None,
    }
}

/// Closes every object that does not say what its other fields may be: with
/// `additionalProperties: false`, or, where alternatives (`oneOf`, a flattened enum) add
/// fields of their own, `unevaluatedProperties: false`, which sees theirs. The alternatives
/// themselves stay open then, for the fields beside them. Whether anything was closed.
fn close_objects(schema: &mut Value, beside_fields: bool) -> bool {
    let Value::Object(node) = schema else {
        return false;
    };
    let composed = ["anyOf", "oneOf", "allOf"]
        .iter()
        .any(|keyword| node.contains_key(*keyword));
    let object = node.contains_key("properties")
        || match node.get("type") {
            Some(Value::String(one)) => one == "object",
            Some(Value::Array(many)) => many.iter().any(|t| t == "object"),
            _ => false,
        };
    let open =
        !node.contains_key("additionalProperties") && !node.contains_key("unevaluatedProperties");
    let mut closed = false;
    if object && open && !beside_fields {
        let keyword = if composed {
            "unevaluatedProperties"
        } else {
            "additionalProperties"
        };
        node.insert(keyword.to_owned(), Value::Bool(false));
        closed = true;
    }
    let has_fields = node.contains_key("properties");
    for (keyword, child) in node.iter_mut() {
        closed |= match (keyword.as_str(), child) {
            ("anyOf" | "oneOf" | "allOf", Value::Array(branches)) => branches
                .iter_mut()
                .fold(false, |c, b| close_objects(b, has_fields) | c),
            ("prefixItems", Value::Array(items)) => items
                .iter_mut()
                .fold(false, |c, item| close_objects(item, false) | c),
            ("properties" | "$defs" | "definitions", Value::Object(named)) => named
                .values_mut()
                .fold(false, |c, item| close_objects(item, false) | c),
            ("items" | "additionalProperties" | "not", child) => close_objects(child, false),
            _ => false,
        };
    }
    closed
}

/// Whether some node states a rule serde does not check as it decodes: a keyword beyond
/// [`CHECKED_BY_SERDE`], or a bound other than the range of its integer type (schemars states
/// `u8` as `minimum: 0, maximum: 255`, which serde checks). The schema's `properties`,
/// `$defs` and such are walked as subschemas; a `default` or `examples` is not.
fn states_more_than_serde_checks(schema: &Value) -> bool {
    let Value::Object(node) = schema else {
        return false;
    };
    let format = node.get("format").and_then(Value::as_str);
    node.iter().any(|(keyword, value)| match keyword.as_str() {
        "minimum" | "maximum" => !integer_range(format).contains(keyword, value),
        "minItems" | "maxItems" => {
            // A tuple's length, which serde checks.
            let length = node
                .get("prefixItems")
                .and_then(Value::as_array)
                .map(Vec::len);
            length.is_none_or(|length| value.as_u64() != Some(length as u64))
        }
        "properties" | "$defs" | "definitions" => value
            .as_object()
            .is_some_and(|named| named.values().any(states_more_than_serde_checks)),
        "anyOf" | "oneOf" | "allOf" | "prefixItems" => value
            .as_array()
            .is_some_and(|items| items.iter().any(states_more_than_serde_checks)),
        "items" | "additionalProperties" => states_more_than_serde_checks(value),
        _ => !CHECKED_BY_SERDE.contains(&keyword.as_str()),
    })
}

/// The range of the integer type schemars names with `format`.
struct IntegerRange(Option<i128>, Option<i128>);

fn integer_range(format: Option<&str>) -> IntegerRange {
    let bits = |prefix: &str| {
        let bits = format?.strip_prefix(prefix)?.parse::<u32>().ok();
        bits.filter(|bits| matches!(bits, 8 | 16 | 32 | 64))
    };
    if format == Some("uint") {
        IntegerRange(Some(0), None)
    } else if let Some(bits) = bits("uint") {
        IntegerRange(Some(0), Some((1i128 << bits) - 1))
    } else if let Some(bits) = bits("int") {
        IntegerRange(
            Some(-(1i128 << (bits - 1))),
            Some((1i128 << (bits - 1)) - 1),
        )
    } else {
        IntegerRange(None, None)
    }
}

impl IntegerRange {
    /// Whether the bound `keyword: value` is the type's own.
    fn contains(&self, keyword: &str, value: &Value) -> bool {
        let bound = match keyword {
            "minimum" => self.0,
            _ => self.1,
        };
        let value = value
            .as_i64()
            .map(i128::from)
            .or(value.as_u64().map(i128::from));
        bound.is_some() && bound == value
    }
}

/// `filter.limit`, `items[2]`: the path of the value at fault, as serde_path_to_error writes
/// it; `None` for the arguments object itself.
fn path_of(error: &ValidationError<'_>, arguments: &Value) -> Option<String> {
    let mut path = String::new();
    let mut at = Some(arguments);
    for segment in error.instance_path().as_str().split('/').skip(1) {
        let name = segment.replace("~1", "/").replace("~0", "~");
        match at {
            Some(Value::Array(items)) => {
                let index = name.parse::<usize>().ok();
                at = index.and_then(|i| items.get(i));
                write!(path, "[{name}]").expect("writing to a String");
            }
            other => {
                at = other.and_then(|o| o.get(&name));
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&name);
            }
        }
    }
    (!path.is_empty()).then_some(path)
}

/// A value as the model wrote it, cut short: enough to recognise, not an echo of a whole
/// document.
fn shown(value: &Value) -> String {
    const LONGEST: usize = 60;
    let text = value.to_string();
    match text.char_indices().nth(LONGEST) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text,
    }
}

/// "an integer", "a string or null".
fn type_names(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(one) => type_name(&one.to_string()),
        TypeKind::Multiple(many) => {
            let names: Vec<String> = many.iter().map(|t| type_name(&t.to_string())).collect();
            names.join(" or ")
        }
    }
}

/// "an integer", "a string", "null".
fn type_name(name: &str) -> String {
    match name {
        "integer" | "array" | "object" => format!("an {name}"),
        "null" => name.to_owned(),
        _ => format!("a {name}"),
    }
}
