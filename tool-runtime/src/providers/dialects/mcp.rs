//! MCP's dialect: JSON Schema 2020-12 as schemars writes it, with null written in the style
//! clients take and only JSON Schema's own formats.

use serde_json::{Map, Value};

use crate::providers::schema::nullable::split_types;
use crate::providers::schema::walk::walk_mut;

/// How MCP schemas write a value that may be null. The default is what strict MCP clients
/// (the Inspector's `--strict`) accept without a warning: `anyOf`.
///
/// ```
/// use tool_runtime::providers::NullStyle;
///
/// assert_eq!(NullStyle::default(), NullStyle::AnyOf);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NullStyle {
    /// `"type": ["string", "null"]`, as schemars writes it.
    TypeArray,
    /// `"anyOf": [{"type": "string"}, {"type": "null"}]`: every list of types becomes one
    /// branch per type, which every client takes.
    #[default]
    AnyOf,
}

/// The formats JSON Schema 2020-12 defines; schemars' own (`uint32`, `double`, ...) are not.
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// MCP's dialect of a schema: the schema as schemars wrote it (draft 2020-12), with null
/// written in `nulls`' style, and only JSON Schema's own formats: schemars' integer formats
/// (`uint8`, `int32`, `uint`, ...) become the `minimum` and `maximum` they mean (a bound the
/// schema already states is kept), its float formats (`float`, `double`) are dropped.
/// [`NullStyle::AnyOf`] turns every list of types into an `anyOf` with one branch per type,
/// the description staying outside, for clients that refuse lists.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::{mcp_schema, NullStyle};
///
/// let schema = json!({
///     "type": "object",
///     "properties": {
///         "unit": {"description": "Unit", "type": ["string", "null"], "enum": ["c", "f", null]},
///         "days": {"type": "integer", "format": "uint8", "minimum": 1}
///     }
/// });
/// assert_eq!(
///     mcp_schema(&schema, NullStyle::TypeArray)["properties"]["unit"],
///     schema["properties"]["unit"]
/// );
/// assert_eq!(
///     mcp_schema(&schema, NullStyle::TypeArray)["properties"]["days"],
///     json!({"type": "integer", "minimum": 1, "maximum": 255})
/// );
/// assert_eq!(
///     mcp_schema(&schema, NullStyle::AnyOf)["properties"]["unit"],
///     json!({
///         "description": "Unit",
///         "anyOf": [{"type": "string", "enum": ["c", "f"]}, {"type": "null"}]
///     })
/// );
/// ```
pub fn mcp_schema(schema: &Value, nulls: NullStyle) -> Value {
    let mut schema = schema.clone();
    walk_mut(&mut schema, "", &mut |node, _| {
        let Value::Object(map) = node else {
            return;
        };
        standard_format(map);
        if nulls == NullStyle::AnyOf && map.get("type").is_some_and(Value::is_array) {
            split_types(map);
        }
    });
    schema
}

/// Replaces a `format` outside JSON Schema's own by the bounds it means, if any.
fn standard_format(node: &mut Map<String, Value>) {
    let Some(format) = node.get("format").and_then(Value::as_str) else {
        return;
    };
    if FORMATS.contains(&format) {
        return;
    }
    let bounds: Option<(i128, i128)> = match format {
        "int8" => Some((i8::MIN.into(), i8::MAX.into())),
        "int16" => Some((i16::MIN.into(), i16::MAX.into())),
        "int32" => Some((i32::MIN.into(), i32::MAX.into())),
        "int64" | "int" => Some((i64::MIN.into(), i64::MAX.into())),
        "uint8" => Some((0, u8::MAX.into())),
        "uint16" => Some((0, u16::MAX.into())),
        "uint32" => Some((0, u32::MAX.into())),
        "uint64" | "uint" => Some((0, u64::MAX.into())),
        _ => None,
    };
    node.shift_remove("format");
    if let Some((minimum, maximum)) = bounds {
        for (keyword, bound) in [("minimum", minimum), ("maximum", maximum)] {
            let bound = serde_json::Number::from_i128(bound).map(Value::Number);
            if let Some(bound) = bound
                && !node.contains_key(keyword)
            {
                node.insert(keyword.to_owned(), bound);
            }
        }
    }
}
