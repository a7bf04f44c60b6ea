//! The `export` example's output for every format: the example tools in each provider's shape.

#[path = "../../tests/tests/openai_strict_rules/mod.rs"]
mod openai_strict_rules;

use examples::Demo;
use examples::export::{FORMATS, declarations};
use serde_json::Value;

fn names(tools: &[Value], pointer: &str) -> Vec<String> {
    tools
        .iter()
        .map(|t| {
            t.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_format_declares_the_five_tools_in_its_shape() {
    let demo = Demo::start().await.unwrap();
    let toolbox = &demo.toolbox;
    let expected = [
        "fetch_url",
        "greet_after_delay",
        "parse_csv_summary",
        "query_db",
        "read_file",
    ];

    let openai = declarations(toolbox, "openai", true).unwrap();
    let openai = openai.as_array().unwrap();
    assert_eq!(names(openai, "/function/name"), expected);
    assert!(
        openai
            .iter()
            .all(|t| t["type"] == "function" && t["function"]["strict"] == true)
    );
    assert_eq!(
        openai[0]["function"]["parameters"]["required"],
        serde_json::json!(["url", "max_chars"])
    );
    for tool in openai {
        let problems = openai_strict_rules::problems(&tool["function"]["parameters"]);
        assert!(
            problems.is_empty(),
            "{}: {problems:?}",
            tool["function"]["name"]
        );
    }

    let loose = declarations(toolbox, "openai", false).unwrap();
    assert!(
        loose
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["function"]["strict"] == false)
    );

    let responses = declarations(toolbox, "openai-responses", true).unwrap();
    assert_eq!(names(responses.as_array().unwrap(), "/name"), expected);

    let anthropic = declarations(toolbox, "anthropic", false).unwrap();
    let anthropic = anthropic.as_array().unwrap();
    assert_eq!(names(anthropic, "/name"), expected);
    assert!(
        anthropic
            .iter()
            .all(|t| t["input_schema"]["type"] == "object")
    );

    let gemini = declarations(toolbox, "gemini", false).unwrap();
    let functions = gemini
        .pointer("/tools/0/functionDeclarations")
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(names(functions, "/name"), expected);
    let text = gemini.to_string();
    assert!(
        !text.contains("$ref") && !text.contains("additionalProperties"),
        "{text}"
    );

    let mcp = declarations(toolbox, "mcp", false).unwrap();
    let tools = mcp["tools"].as_array().unwrap();
    assert_eq!(names(tools, "/name"), expected);
    let query = &tools[3];
    assert_eq!(query["annotations"]["readOnlyHint"], true);
    assert_eq!(query["outputSchema"]["type"], "object");
    for tool in tools {
        assert_portable(&tool["inputSchema"], &tool["name"].to_string());
        assert_portable(&tool["outputSchema"], &tool["name"].to_string());
    }

    let ollama = declarations(toolbox, "ollama", false).unwrap();
    assert_eq!(
        names(ollama.as_array().unwrap(), "/function/name"),
        expected
    );
    assert_eq!(FORMATS.len(), 6);
}

#[tokio::test]
async fn wrong_formats_and_flags_are_refused_with_the_choices() {
    let demo = Demo::start().await.unwrap();
    assert_eq!(
        declarations(&demo.toolbox, "claude", false)
            .unwrap_err()
            .to_string(),
        "unknown format \"claude\"; choose one of: openai, openai-responses, anthropic, gemini, mcp, ollama"
    );
    assert_eq!(
        declarations(&demo.toolbox, "gemini", true)
            .unwrap_err()
            .to_string(),
        "--strict applies to the OpenAI formats only, not to gemini"
    );
}

/// What strict MCP clients take without a warning (the Inspector's `--strict`, the TypeScript
/// SDK's validator): no list of types, no format outside JSON Schema's own.
fn assert_portable(schema: &Value, at: &str) {
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
    match schema {
        Value::Object(node) => {
            assert!(
                !node.get("type").is_some_and(Value::is_array),
                "{at}: a list of types"
            );
            if let Some(format) = node.get("format").and_then(Value::as_str) {
                assert!(FORMATS.contains(&format), "{at}: format {format}");
            }
            for (key, child) in node {
                assert_portable(child, &format!("{at}/{key}"));
            }
        }
        Value::Array(items) => items.iter().for_each(|item| assert_portable(item, at)),
        _ => {}
    }
}

#[tokio::test]
async fn the_cost_table_lists_every_tool_most_expensive_first_with_the_librarys_counts() {
    use examples::export::{COST_COLUMNS, cost_rows, cost_table};
    use tool_runtime::providers::budget;

    let demo = Demo::start().await.unwrap();
    let toolbox = &demo.toolbox;
    let rows = cost_rows(toolbox).unwrap();
    assert_eq!(rows.len(), 5);
    for pair in rows.windows(2) {
        assert!(pair[0].total >= pair[1].total, "{rows:?}");
    }
    for (column, (provider, _)) in COST_COLUMNS.into_iter().enumerate() {
        for cost in budget::costs(toolbox, provider).unwrap() {
            let row = rows.iter().find(|r| r.tool == cost.tool).unwrap();
            assert_eq!(row.tokens[column], cost.tokens, "{} {provider}", cost.tool);
        }
    }
    for row in &rows {
        assert_eq!(row.total, row.tokens.iter().sum::<usize>());
    }

    // The printed table: the header, one line per tool in that order, then the sums.
    let table = cost_table(toolbox).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "| tool | OpenAI | OpenAI strict | Responses | Anthropic | Gemini | Ollama | MCP | total |"
    );
    for (line, row) in lines[2..].iter().zip(&rows) {
        let cells: Vec<String> = row.tokens.iter().map(ToString::to_string).collect();
        assert_eq!(
            *line,
            format!("| {} | {} | {} |", row.tool, cells.join(" | "), row.total)
        );
    }
    let sum: usize = rows.iter().map(|r| r.total).sum();
    assert!(lines[7].starts_with("| all tools | ") && lines[7].ends_with(&format!(" | {sum} |")));
}

#[tokio::test]
async fn the_example_tools_declarations_are_estimated_within_the_stated_bound() {
    use examples::export::COST_COLUMNS;
    use tool_runtime::providers::budget::{self, COUNTING, Counting, ESTIMATE_ERROR_PERCENT};

    assert_eq!(
        COUNTING,
        Counting::Exact,
        "the examples build `token-count`"
    );
    let demo = Demo::start().await.unwrap();
    for (provider, _) in COST_COLUMNS {
        for declaration in budget::declarations(&demo.toolbox, provider).unwrap() {
            let text = declaration.to_string();
            let (exact, estimate) = (budget::tokens(&text), budget::estimate(&text));
            assert!(
                exact.abs_diff(estimate) * 100 <= exact * ESTIMATE_ERROR_PERCENT,
                "{provider}: {exact} tokens, estimated {estimate}: {text}"
            );
        }
    }
}
