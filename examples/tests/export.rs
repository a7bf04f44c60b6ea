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
