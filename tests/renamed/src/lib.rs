//! A crate that depends on tool-runtime under the name `agent_tools`, as a crate re-exporting it
//! would: `::tool_runtime` does not resolve here, so the tools compile only if the generated
//! code follows `#[tool(crate = ...)]`, serde and schemars paths included.

use agent_tools::tool;

/// A facade that re-exports the runtime, as a framework built on it would.
pub mod facade {
    pub use agent_tools as runtime;
}

/// Shouts a word.
#[tool(crate = agent_tools)]
pub async fn shout(word: String, times: Option<usize>) -> String {
    word.to_uppercase().repeat(times.unwrap_or(1))
}

/// Whispers a word.
#[tool(crate = crate::facade::runtime)]
pub fn whisper(word: String) -> String {
    word.to_lowercase()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn tools_compile_and_run_through_the_given_path() {
        let toolbox = agent_tools::Toolbox::registered().unwrap();
        assert_eq!(
            toolbox
                .call("shout", r#"{"word":"hi","times":2}"#)
                .await
                .text(),
            "HIHI"
        );
        assert_eq!(
            toolbox.call("whisper", r#"{"word":"HEY"}"#).await.text(),
            "hey"
        );
    }
}
