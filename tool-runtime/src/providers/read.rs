//! Reading a provider's JSON: the error that says where it did not match, the helpers that
//! find fields and build that error, and call ids (made up for calls that have none, kept apart
//! from the ids providers give, checked for duplicates).

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::guard::shortened;
use crate::{Arguments, ToolCall};

/// Why a provider's JSON (or a tool snapshot) could not be read: what was being read, where in
/// it, and what was wrong there.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::anthropic;
///
/// let message = json!({"role": "assistant", "content": {"type": "tool_use", "id": "toolu_1"}});
/// let error = anthropic::read_calls(&message).unwrap_err();
/// assert_eq!(error.path(), "/content");
/// assert_eq!(
///     error.to_string(),
///     "cannot read the Anthropic message: at `/content`, a list is expected; pass the \
///      assistant message or the whole response, as it came."
/// );
///
/// // One malformed call is refused on its own, not the message.
/// let message = json!({"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1"}]});
/// let calls = anthropic::read_calls(&message).unwrap();
/// assert!(calls[0].refusal.as_deref().unwrap().contains("at `/content/0/name`"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    what: &'static str,
    path: String,
    problem: String,
    advice: &'static str,
}

impl ReadError {
    /// The JSON Pointer of the place that did not match.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read the {}: ", self.what)?;
        if !self.path.is_empty() {
            write!(f, "at `{}`, ", self.path)?;
        }
        write!(f, "{}; {}.", self.problem, self.advice)
    }
}

impl std::error::Error for ReadError {}

/// What is being read, and what to do when it does not match.
pub(crate) struct Reader {
    pub(crate) what: &'static str,
    pub(crate) advice: &'static str,
}

impl Reader {
    /// The error at `path`.
    pub(crate) fn error(&self, path: &str, problem: impl Into<String>) -> ReadError {
        ReadError {
            what: self.what,
            path: path.to_owned(),
            problem: problem.into(),
            advice: self.advice,
        }
    }

    /// `value`, which must be an object.
    pub(crate) fn object<'a>(
        &self,
        value: &'a Value,
        path: &str,
    ) -> Result<&'a Map<String, Value>, ReadError> {
        value
            .as_object()
            .ok_or_else(|| self.error(path, "an object is expected"))
    }

    /// The string field `key` of `value`.
    pub(crate) fn string(&self, value: &Value, key: &str, path: &str) -> Result<String, ReadError> {
        let path = format!("{path}/{key}");
        match value.get(key) {
            Some(Value::String(text)) => Ok(text.clone()),
            _ => Err(self.error(&path, "a string is expected")),
        }
    }

    /// The list field `key` of `value`, which must be an object; a missing or null field is
    /// an empty list.
    pub(crate) fn list<'a>(
        &self,
        value: &'a Value,
        key: &str,
        path: &str,
    ) -> Result<&'a [Value], ReadError> {
        match self.object(value, path)?.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(self.error(&format!("{path}/{key}"), "a list is expected")),
        }
    }
}

/// A provider's call that could not be read, as a call that is refused (answered with what was
/// wrong, and not run) under the id and name it has, if any: one malformed call must not stop
/// the others.
pub(crate) fn refused(id: String, name: Option<&Value>, error: &ReadError) -> ToolCall {
    let name = name.and_then(Value::as_str).unwrap_or_default();
    let reason = format!(
        "the call could not be read: at `{}`, {}. Call the tool again as a function call.",
        error.path, error.problem
    );
    ToolCall::refused(id, name, reason)
}

/// A call's id as it came, whatever it is: a string as it is, other JSON as JSON text, nothing
/// as an empty id.
pub(crate) fn id_text(id: Option<&Value>) -> String {
    match id {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(id)) => id.clone(),
        Some(other) => other.to_string(),
    }
}

/// Arguments as a provider sent them: JSON text (kept as text, so that text that is not JSON
/// becomes an invalid-arguments result when the tool is called), a JSON value, or nothing.
pub(crate) fn arguments(value: Option<&Value>) -> Arguments {
    match value {
        None | Some(Value::Null) => Arguments::Json(Value::Null),
        Some(Value::String(text)) => Arguments::Text(text.clone()),
        Some(other) => Arguments::Json(other.clone()),
    }
}

/// Arguments as a JSON value, for providers that send them as an object.
pub(crate) fn arguments_value(arguments: &Arguments) -> Value {
    match arguments {
        Arguments::Json(Value::Null) => Value::Object(Map::new()),
        Arguments::Json(value) => value.clone(),
        Arguments::Text(text) if text.trim().is_empty() => Value::Object(Map::new()),
        Arguments::Text(text) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
    }
}

/// What every made-up id starts with.
const PREFIX: &str = "synthesized-call-";

/// What a given id is prefixed with when it could be taken for a made-up one (or for one so
/// prefixed), so that the two never collide and every given id goes back as it came.
const ESCAPE: &str = "given:";

/// The id of the call at `index` among the response's calls, made from its position, so that
/// reading the same response twice gives the same ids.
pub(crate) fn synthesized(index: usize) -> String {
    format!("{PREFIX}{index}")
}

/// A provider's id as a call's id: as it came, unless it starts as a made-up id (or an escaped
/// one) does; then escaped.
pub(crate) fn from_provider(id: &str) -> String {
    if id.starts_with(PREFIX) || id.starts_with(ESCAPE) {
        format!("{ESCAPE}{id}")
    } else {
        id.to_owned()
    }
}

/// The id to send back: the provider's own, or `None` for a made-up one.
pub(crate) fn given(id: &str) -> Option<&str> {
    match id.strip_prefix(ESCAPE) {
        Some(escaped) => Some(escaped),
        None => (!id.starts_with(PREFIX)).then_some(id),
    }
}

/// The id of the call at `index`, from its `id` field: the provider's (escaped if it could be
/// taken for a made-up one), or one made up when there is none.
pub(crate) fn call_id(
    reader: &Reader,
    call: &Value,
    path: &str,
    index: usize,
) -> Result<String, ReadError> {
    match call.get("id") {
        None | Some(Value::Null) => Ok(synthesized(index)),
        Some(Value::String(id)) => Ok(from_provider(id)),
        Some(_) => Err(reader.error(&format!("{path}/id"), "a string is expected")),
    }
}

/// Replaces every call whose id an earlier call of the same message has by a refused one, so
/// that no tool runs twice for one id and each duplicate is answered on its own.
pub(crate) fn refuse_duplicates(calls: &mut [ToolCall]) {
    let mut seen = HashSet::new();
    for call in calls {
        if call.refusal.is_none() && !seen.insert(call.id.clone()) {
            let reason = format!(
                "its id {:?} is the id of an earlier call in the same message, and each call \
                 needs an id of its own. Call it again if it is still needed.",
                shortened(&call.id)
            );
            *call = ToolCall::refused(call.id.clone(), call.name.clone(), reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_ids_round_trip_and_never_look_made_up() {
        for id in [
            "call_1",
            "synthesized-call-0",
            "given:x",
            "given:synthesized-call-0",
            "",
        ] {
            let call_id = from_provider(id);
            assert_ne!(call_id, synthesized(0));
            assert_eq!(given(&call_id), Some(id));
        }
        assert_eq!(given(&synthesized(3)), None);
    }
}
