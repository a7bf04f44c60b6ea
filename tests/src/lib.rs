//! Tools declared in a library crate, so that the tests can show a binary finding the tools of
//! the crates it links.

use tool_runtime::tool;

/// Echoes a message back; declared in the library crate.
#[tool]
pub async fn library_echo(message: String) -> String {
    message
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
