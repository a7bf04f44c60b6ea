//! A call's arguments, as JSON text or as a parsed value, and their decoding.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Failure;

mod constraints;
mod whole_numbers;

pub use constraints::Constraints;

/// The arguments of one call: JSON text as OpenAI sends it, or a JSON value as Anthropic,
/// Gemini and MCP send it. Either is decoded straight into the tool's argument types.
///
/// ```
/// use tool_runtime::Arguments;
///
/// let text: Arguments = r#"{"city":"Paris"}"#.into();
/// let value: Arguments = serde_json::json!({"city": "Paris"}).into();
/// assert_eq!(text.to_json_string(), value.to_json_string());
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arguments {
    /// JSON text; empty text and `null` count as `{}`.
    Text(String),
    /// A JSON value; `null` counts as `{}`.
    Json(Value),
}

impl Arguments {
    /// The arguments, borrowed.
    pub fn as_ref(&self) -> ArgumentsRef<'_> {
        match self {
            Arguments::Text(text) => ArgumentsRef::Text(text),
            Arguments::Json(value) => ArgumentsRef::Json(value),
        }
    }

    /// The arguments as compact JSON text.
    pub fn to_json_string(&self) -> String {
        self.as_ref().to_json_string()
    }

    /// Decodes the arguments into `T`, with the path of the field at fault on failure.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        self.as_ref().decode()
    }
}

/// The arguments of one call, borrowed: what a tool decodes from. [`Arguments::as_ref`] lends
/// them, and [`AsArguments`] takes them from whatever a caller holds.
///
/// ```
/// use tool_runtime::{Arguments, ArgumentsRef};
///
/// let owned = Arguments::from(r#"{"n": 3}"#);
/// let borrowed: ArgumentsRef<'_> = owned.as_ref();
/// assert_eq!(borrowed.decode::<serde_json::Value>().unwrap()["n"], 3);
/// assert_eq!(borrowed.to_owned(), owned);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ArgumentsRef<'a> {
    /// JSON text; empty text and `null` count as `{}`.
    Text(&'a str),
    /// A JSON value; `null` counts as `{}`.
    Json(&'a Value),
}

impl ArgumentsRef<'_> {
    /// The arguments, owned.
    pub fn to_owned(self) -> Arguments {
        match self {
            ArgumentsRef::Text(text) => Arguments::Text(text.to_owned()),
            ArgumentsRef::Json(value) => Arguments::Json(value.clone()),
        }
    }

    /// The arguments as compact JSON text.
    pub fn to_json_string(self) -> String {
        match self {
            ArgumentsRef::Text(text) if is_empty_text(text) => "{}".to_owned(),
            ArgumentsRef::Text(text) => text.to_owned(),
            ArgumentsRef::Json(Value::Null) => "{}".to_owned(),
            ArgumentsRef::Json(value) => value.to_string(),
        }
    }

    /// Decodes the arguments into `T`, with the path of the field at fault on failure. A whole
    /// number written as a float (`5.0`, `1e3`), which JSON Schema counts as an integer and
    /// serde does not, is read as that integer.
    pub fn decode<T: DeserializeOwned>(self) -> Result<T, Failure> {
        // serde_json straight into `T`; only on failure is the call read again: with its whole
        // numbers made integers, and then, if it still fails, through serde_path_to_error,
        // which names the field at fault. What does not depend on `T` is in functions of its
        // own, compiled once rather than once a tool.
        let object = object(self)?;
        let first = match read::<T>(object) {
            Ok(decoded) => return Ok(decoded),
            Err(first) => first,
        };
        let whole = with_whole_numbers(object)?;
        let object = match &whole {
            Some(whole) => match read::<T>(whole.as_object()) {
                Ok(decoded) => return Ok(decoded),
                Err(_) => whole.as_object(),
            },
            None => object,
        };
        Err(path_failure::<T>(object).unwrap_or_else(|| invalid(plain(&first))))
    }

    /// Checks the size (in bytes of JSON text) and the nesting depth of the arguments.
    pub(crate) fn check_limits(self, max_bytes: usize, max_depth: usize) -> Result<(), Failure> {
        match self {
            // Text with no more brackets than the depth limit (no longer than it, say) cannot
            // nest deeper than it.
            ArgumentsRef::Text(text)
                if text.len() <= max_bytes
                    && (text.len() <= max_depth || brackets(text) <= max_depth) =>
            {
                Ok(())
            }
            _ => self.measure_limits(max_bytes, max_depth),
        }
    }

    /// [`check_limits`](ArgumentsRef::check_limits) the long way: measuring.
    fn measure_limits(self, max_bytes: usize, max_depth: usize) -> Result<(), Failure> {
        let (bytes, depth) = match self {
            ArgumentsRef::Text(text) => (text.len(), text_depth(text.as_bytes(), max_depth)),
            ArgumentsRef::Json(value) => (json_len(value), value_depth(value, 0, max_depth)),
        };
        let refuse = |message: String| {
            Err(Failure::InvalidArguments {
                path: None,
                message,
            })
        };
        if bytes > max_bytes {
            return refuse(format!(
                "the arguments are {bytes} bytes, over the limit of {max_bytes}; send less data"
            ));
        }
        if depth > max_depth {
            return refuse(format!(
                "the arguments nest deeper than {max_depth} levels; send a flatter object"
            ));
        }
        Ok(())
    }
}

/// What [`Toolbox::call`](crate::Toolbox::call) takes as arguments: JSON text (`&str`,
/// `String`), a JSON value (`serde_json::Value`, `&Value`) or [`Arguments`]. They are lent
/// to the tool, never copied.
///
/// ```
/// use tool_runtime::{AsArguments, ArgumentsRef};
///
/// let text = String::from(r#"{"n": 3}"#);
/// assert_eq!(text.as_arguments(), ArgumentsRef::Text(r#"{"n": 3}"#));
/// let value = serde_json::json!({"n": 3});
/// assert_eq!((&value).as_arguments(), ArgumentsRef::Json(&value));
/// ```
pub trait AsArguments {
    /// The arguments, borrowed.
    fn as_arguments(&self) -> ArgumentsRef<'_>;
}

impl AsArguments for str {
    fn as_arguments(&self) -> ArgumentsRef<'_> {
        ArgumentsRef::Text(self)
    }
}

impl AsArguments for String {
    fn as_arguments(&self) -> ArgumentsRef<'_> {
        ArgumentsRef::Text(self)
    }
}

impl AsArguments for Value {
    fn as_arguments(&self) -> ArgumentsRef<'_> {
        ArgumentsRef::Json(self)
    }
}

impl AsArguments for Arguments {
    fn as_arguments(&self) -> ArgumentsRef<'_> {
        self.as_ref()
    }
}

impl AsArguments for ArgumentsRef<'_> {
    fn as_arguments(&self) -> ArgumentsRef<'_> {
        *self
    }
}

impl<T: AsArguments + ?Sized> AsArguments for &T {
    fn as_arguments(&self) -> ArgumentsRef<'_> {
        (**self).as_arguments()
    }
}

/// The arguments object to decode, as text or as a value.
#[derive(Clone, Copy)]
pub(crate) enum Object<'a> {
    Text(&'a str),
    Value(&'a Value),
}

impl<'a> Object<'a> {
    /// The object as a JSON value: the value itself, or the text parsed.
    pub(crate) fn value(self) -> Result<Cow<'a, Value>, Failure> {
        match self {
            Object::Value(value) => Ok(Cow::Borrowed(value)),
            Object::Text(text) => serde_json::from_str(text)
                .map(Cow::Owned)
                .map_err(|err| not_json(&err)),
        }
    }
}

/// The arguments object: empty text and `null` are `{}`; anything but an object is refused.
pub(crate) fn object(arguments: ArgumentsRef<'_>) -> Result<Object<'_>, Failure> {
    match arguments {
        ArgumentsRef::Text(text) if text.trim_start().starts_with('{') => Ok(Object::Text(text)),
        ArgumentsRef::Text(text) if is_empty_text(text) => Ok(Object::Text("{}")),
        ArgumentsRef::Json(Value::Null) => Ok(Object::Text("{}")),
        ArgumentsRef::Json(value @ Value::Object(_)) => Ok(Object::Value(value)),
        _ => Err(invalid(
            "the arguments must be a JSON object of named arguments".to_owned(),
        )),
    }
}

/// Arguments rewritten to be read again, as text or as a value as they came.
enum Rewritten {
    Text(String),
    Value(Value),
}

impl Rewritten {
    fn as_object(&self) -> Object<'_> {
        match self {
            Rewritten::Text(text) => Object::Text(text),
            Rewritten::Value(value) => Object::Value(value),
        }
    }
}

/// The arguments with each whole number written as a float made an integer; `None` when there
/// is none. Text that is not JSON is refused here, whatever serde met first.
fn with_whole_numbers(object: Object<'_>) -> Result<Option<Rewritten>, Failure> {
    let value = object.value()?;
    let Some(whole) = whole_numbers::made_integers(&value) else {
        return Ok(None);
    };
    Ok(Some(match object {
        Object::Text(_) => Rewritten::Text(whole.to_string()),
        Object::Value(_) => Rewritten::Value(whole),
    }))
}

/// The arguments decoded into `T` by serde_json, from text or from a value.
fn read<T: DeserializeOwned>(object: Object<'_>) -> Result<T, serde_json::Error> {
    match object {
        Object::Text(text) => serde_json::from_str(text),
        Object::Value(value) => T::deserialize(value),
    }
}

/// The failure of decoding `object` into `T`, naming the field at fault; `None` if it
/// decodes. The object is read as [`read`] reads it, text as text: serde_json refuses some
/// text its values accept (`1e39` for an `f32`).
fn path_failure<T: DeserializeOwned>(object: Object<'_>) -> Option<Failure> {
    let failure = match object {
        Object::Text(text) => {
            let mut text = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize::<_, T>(&mut text).err()
        }
        Object::Value(value) => serde_path_to_error::deserialize::<_, T>(value).err(),
    };
    failure.map(|err| at_path(&err))
}

/// The failure serde_path_to_error reports.
fn at_path(err: &serde_path_to_error::Error<serde_json::Error>) -> Failure {
    let path = err.path().to_string();
    Failure::InvalidArguments {
        path: (path != ".").then_some(path),
        message: plain(err.inner()),
    }
}

/// The failure for arguments that are wrong as a whole.
fn invalid(message: String) -> Failure {
    Failure::InvalidArguments {
        path: None,
        message,
    }
}

/// The failure for text that is not JSON.
fn not_json(err: &serde_json::Error) -> Failure {
    Failure::InvalidArguments {
        path: None,
        message: format!("the arguments are not valid JSON ({})", plain(err)),
    }
}

/// Text that stands for no arguments: nothing, or `null`.
fn is_empty_text(text: &str) -> bool {
    matches!(text.trim(), "" | "null")
}

/// How many `[` and `{` the text holds, strings included: a bound on how deep it nests.
fn brackets(text: &str) -> usize {
    memchr::memchr2_iter(b'{', b'[', text.as_bytes()).count()
}

/// The deepest nesting of `[` and `{` in JSON text, counting no further than just past `max`.
fn text_depth(text: &[u8], max: usize) -> usize {
    let (mut at, mut depth, mut deepest) = (0, 0usize, 0);
    while let Some(&byte) = text.get(at) {
        at += 1;
        match byte {
            b'"' => at = string_end(text, at),
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > max {
                    return deepest;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Where the string whose first byte is at `at` ends: just past its closing quote. Its text is
/// skipped with `memchr`, from escape to escape.
fn string_end(text: &[u8], mut at: usize) -> usize {
    while let Some(found) = text
        .get(at..)
        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
    {
        at += found + 1;
        if text[at - 1] == b'"' {
            return at;
        }
        at += 1; // the escaped byte
    }
    text.len()
}

/// The nesting depth of a JSON value (an object or array of scalars is 1).
fn value_depth(value: &Value, depth: usize, max: usize) -> usize {
    if depth > max {
        return depth;
    }
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| value_depth(v, depth + 1, max))
            .max()
            .unwrap_or(depth + 1),
        Value::Object(fields) => fields
            .values()
            .map(|v| value_depth(v, depth + 1, max))
            .max()
            .unwrap_or(depth + 1),
        _ => depth,
    }
}

/// The length of a value's compact JSON text, without building the text.
pub(crate) fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_or(usize::MAX, |()| count.0)
}

/// serde_json's message without its position, which means nothing to a model.
fn plain(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

impl From<String> for Arguments {
    fn from(text: String) -> Self {
        Arguments::Text(text)
    }
}

impl From<&str> for Arguments {
    fn from(text: &str) -> Self {
        Arguments::Text(text.to_owned())
    }
}

impl From<Value> for Arguments {
    fn from(value: Value) -> Self {
        Arguments::Json(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_of_text_and_values_agree() {
        for text in [
            r#"{}"#,
            r#"{"a":1}"#,
            r#"{"a":[1,{"b":"[{not nesting}]"}]}"#,
            r#"{"a":"\"{","b":[[[]]]}"#,
            r#"{"a":"\\","b":[[{}]]}"#,
            r#"{"a":"ends in \\\"[[[\\","b":[{"c":"]]]"}]}"#,
            r#"[["\u005b"],{"":[]}]"#,
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                text_depth(text.as_bytes(), 100),
                value_depth(&value, 0, 100),
                "{text}"
            );
        }
    }

    #[test]
    fn text_cut_inside_a_string_or_an_escape_ends_the_scan() {
        assert_eq!(text_depth(br#"{"a":[["#, 100), 3);
        assert_eq!(text_depth(br#"{"a":"[[[["#, 100), 1);
        assert_eq!(text_depth(br#"{"a":"\"#, 100), 1);
        assert_eq!(text_depth(br#"[[[[[[[[[[["#, 4), 5);
    }

    #[test]
    fn size_is_the_compact_text() {
        let value = serde_json::json!({"a": [1, 2], "b": "é"});
        assert_eq!(json_len(&value), value.to_string().len());
    }
}
