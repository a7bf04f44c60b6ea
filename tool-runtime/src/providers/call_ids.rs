//! Ids for calls whose provider gave none (Gemini, older Ollama): made from the call's
//! position, so that reading the same response twice gives the same ids, and never sent back.

/// What every made-up id starts with.
const PREFIX: &str = "synthesized-call-";

/// The id of the call at `index` among the response's calls.
pub(crate) fn synthesized(index: usize) -> String {
    format!("{PREFIX}{index}")
}

/// The id to send back: `None` for a made-up one.
pub(crate) fn given(id: &str) -> Option<&str> {
    (!id.starts_with(PREFIX)).then_some(id)
}
