//! The declarations of a toolbox in each provider's format, as the `export` example prints
//! them: what goes into a request's `tools` (or, for MCP, the `tools/list` result); and what
//! each tool's declaration costs in tokens, per provider.

use serde_json::{Value, json};
use tool_runtime::Toolbox;
use tool_runtime::providers::{
    GeminiDialect, NullStyle, Provider, Strict, anthropic, budget, gemini, mcp, ollama, openai,
    openai_responses,
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

/// The providers of the cost table, in the order of its columns, with their headers.
pub const COST_COLUMNS: [(Provider, &str); 7] = [
    (Provider::OpenAiChat, "OpenAI"),
    (Provider::OpenAiStrict, "OpenAI strict"),
    (Provider::OpenAiResponses, "Responses"),
    (Provider::Anthropic, "Anthropic"),
    (Provider::Gemini, "Gemini"),
    (Provider::Ollama, "Ollama"),
    (Provider::Mcp, "MCP"),
];

/// One tool's line of the cost table.
#[derive(Debug, PartialEq, Eq)]
pub struct CostRow {
    /// The tool's name.
    pub tool: String,
    /// What its declaration costs to each provider, in [`COST_COLUMNS`]' order.
    pub tokens: Vec<usize>,
    /// Their sum.
    pub total: usize,
}

/// What each tool's declaration costs to each provider ([`budget::costs`]), most expensive
/// first (by the sum over the providers; ties by name).
pub fn cost_rows(toolbox: &Toolbox) -> Result<Vec<CostRow>, BoxError> {
    let mut rows: Vec<CostRow> = toolbox
        .specs()
        .map(|spec| CostRow {
            tool: spec.name.to_string(),
            tokens: Vec::new(),
            total: 0,
        })
        .collect();
    for (provider, _) in COST_COLUMNS {
        for (row, cost) in rows.iter_mut().zip(budget::costs(toolbox, provider)?) {
            row.tokens.push(cost.tokens);
            row.total += cost.tokens;
        }
    }
    rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.tool.cmp(&b.tool)));
    Ok(rows)
}

/// The cost table as Markdown: a line per tool, most expensive first, then the whole tool
/// list's line (what every request carries), and how the tokens were counted.
pub fn cost_table(toolbox: &Toolbox) -> Result<String, BoxError> {
    let rows = cost_rows(toolbox)?;
    let headers: Vec<&str> = COST_COLUMNS.iter().map(|(_, header)| *header).collect();
    let mut table = format!("| tool | {} | total |\n", headers.join(" | "));
    table.push_str(&format!("|---|{}---:|\n", "---:|".repeat(headers.len())));
    let line = |name: &str, tokens: &[usize], total: usize| {
        let cells: Vec<String> = tokens.iter().map(ToString::to_string).collect();
        format!("| {name} | {} | {total} |\n", cells.join(" | "))
    };
    for row in &rows {
        table.push_str(&line(&row.tool, &row.tokens, row.total));
    }
    let sums: Vec<usize> = (0..headers.len())
        .map(|column| rows.iter().map(|row| row.tokens[column]).sum())
        .collect();
    let total = sums.iter().sum();
    table.push_str(&line("all tools", &sums, total));
    table.push_str(&format!(
        "\nIn {}: each declaration's JSON, as `tool_runtime::providers::budget` counts it.\n",
        budget::COUNTING
    ));
    Ok(table)
}
