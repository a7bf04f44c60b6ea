//! Each provider's dialect of a tool's input schema, a transform of the one schemars schema:
//! OpenAI strict mode, Gemini's OpenAPI subset, what Ollama keeps, MCP's portable JSON Schema;
//! and the rules a tool breaks for a provider ([`Provider`], [`Violation`], [`ExportError`]).
//! Built on the schema toolkit (`providers::schema`); the wire formats build on these.

mod gemini;
mod mcp;
mod ollama;
mod openai_strict;
mod provider;
mod violation;

pub use gemini::gemini_schema;
pub use mcp::{NullStyle, mcp_schema};
pub use ollama::ollama_schema;
pub(crate) use openai_strict::openai_declarations;
pub use openai_strict::{Strict, openai_strict_schema};
pub use provider::Provider;
pub use violation::{ExportError, Violation};
pub(crate) use violation::{declare_all, violations};
