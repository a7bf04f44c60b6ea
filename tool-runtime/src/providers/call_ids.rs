//! Call ids: made up for calls whose provider gave none (Gemini, older Ollama), kept apart from
//! the ids providers give, and checked for duplicates.

use std::collections::HashSet;

use serde_json::Value;

use crate::ToolCall;

use super::ReadError;
use super::read::Reader;

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
                call.id
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
