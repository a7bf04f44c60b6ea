//! The declarations of a toolbox in each provider's format, as the `export` example prints
//! them: what goes into a request's `tools` (or, for MCP, the `tools/list` result).

use serde_json::{Value, json};
use tool_runtime::Toolbox;
use tool_runtime::providers::{
    GeminiDialect, NullStyle, Strict, anthropic, gemini, mcp, ollama, openai, openai_responses,
};

use crate::BoxError;

/// The formats, as `--format` names them.
pub const FORMATS: [&str; 6] = [
    "openai",
    "openai-responses",
    "anthropic",
    "gemini",
    "mcp",
    "ollama",
];

/// The declarations of `toolbox` in `format`; `strict` asks OpenAI's strict mode for every tool
/// whose schema allows it (the default, [`Strict::OnOrFallback`]), and is refused for the other
/// formats. MCP's schemas are in its default, portable style.
pub fn declarations(toolbox: &Toolbox, format: &str, strict: bool) -> Result<Value, BoxError> {
    let openai_mode = if strict {
        Strict::default()
    } else {
        Strict::Off
    };
    if strict && !format.starts_with("openai") {
        return Err(format!("--strict applies to the OpenAI formats only, not to {format}").into());
    }
    Ok(match format {
        "openai" => Value::from(openai::tools(toolbox, openai_mode)?),
        "openai-responses" => Value::from(openai_responses::tools(toolbox, openai_mode)?),
        "anthropic" => Value::from(anthropic::tools(toolbox)),
        "gemini" => json!({"tools": gemini::tools(toolbox, GeminiDialect::Parameters)?}),
        "mcp" => json!({"tools": mcp::tools_list(toolbox, NullStyle::default())}),
        "ollama" => Value::from(ollama::tools(toolbox)?),
        other => {
            return Err(format!(
                "unknown format {other:?}; choose one of: {}",
                FORMATS.join(", ")
            )
            .into());
        }
    })
}
