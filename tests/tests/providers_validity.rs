//! Every exported schema is a valid JSON Schema (draft 2020-12), checked with the `jsonschema`
//! crate against the meta-schema and compiled (every `$ref` resolved); and the dialects accept
//! and refuse the arguments and results they should.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tests::types::{Page, Shape, Tree, Unit};
use tool_runtime::providers::{
    GeminiDialect, NullStyle, Strict, anthropic, gemini, mcp, ollama, openai, openai_responses,
};
use tool_runtime::{ToolCall, Toolbox, tool};

/// Fetch a web page.
#[tool]
async fn fetch(url: String, max_chars: Option<usize>) -> Result<String, std::io::Error> {
    Ok(format!("{url} {max_chars:?}"))
}

/// Lists rows.
#[tool]
async fn list_rows(
    table: String,
    #[arg(default = 20, description = "Rows per page")] limit: u32,
    #[arg(rename = "sort_by")] order: Option<String>,
) -> String {
    format!("{table} {limit} {order:?}")
}

/// Which rows to read.
#[derive(Deserialize, JsonSchema)]
pub struct Filter {
    /// Column to match.
    #[schemars(length(min = 1, max = 64))]
    pub column: String,
    /// Nested page settings.
    pub page: Option<Page>,
}

/// Queries the database.
#[tool]
async fn query(filter: Filter, limit: Option<u32>) -> String {
    format!("{} {} {limit:?}", filter.column, filter.page.is_some())
}

/// Describes a shape in a unit.
#[tool]
async fn describe(shape: Shape, unit: Option<Unit>) -> String {
    let size = match shape {
        Shape::Circle { radius } => radius,
        Shape::Square { side } => side,
    };
    format!("{size} {}", unit.is_some())
}

/// Tags items.
#[tool]
async fn tag(items: Vec<String>, labels: HashMap<String, u8>) -> usize {
    items.len() + labels.len()
}

/// A weather report.
#[derive(Serialize, JsonSchema)]
pub struct Report {
    /// Degrees Celsius.
    pub temp: i32,
}

/// Gets the weather.
#[tool]
async fn weather(city: String) -> Report {
    Report {
        temp: city.len() as i32,
    }
}

/// Lists reports.
#[tool]
async fn reports(count: usize) -> Vec<Report> {
    (0..count).map(|i| Report { temp: i as i32 }).collect()
}

/// Finds a report.
#[tool]
async fn find(temp: i32) -> Option<Report> {
    (temp > 0).then_some(Report { temp })
}

/// Draws a tree.
#[tool]
async fn draw(tree: Tree) -> usize {
    tree.children.len()
}

/// Says what time it is.
#[tool]
async fn now() -> &'static str {
    "noon"
}

/// Every kind of signature.
fn every_tool() -> Toolbox {
    Toolbox::builder()
        .tools([
            fetch::tool(),
            list_rows::tool(),
            query::tool(),
            describe::tool(),
            tag::tool(),
            weather::tool(),
            reports::tool(),
            find::tool(),
            draw::tool(),
            now::tool(),
        ])
        .build()
        .unwrap()
}

/// The tools whose references can be inlined and whose objects have properties.
fn inlinable_tools() -> Toolbox {
    Toolbox::builder()
        .tools([
            fetch::tool(),
            list_rows::tool(),
            query::tool(),
            describe::tool(),
            weather::tool(),
            reports::tool(),
            find::tool(),
            now::tool(),
        ])
        .build()
        .unwrap()
}

/// Checks `schema` against the draft 2020-12 meta-schema, and compiles it (which resolves
/// every `$ref`).
fn assert_valid_2020_12(what: &str, schema: &Value) {
    if let Err(error) = jsonschema::draft202012::meta::validate(schema) {
        panic!("{what} is not valid against the draft 2020-12 meta-schema: {error}\n{schema:#}");
    }
    if let Err(error) = jsonschema::draft202012::new(schema) {
        panic!("{what} does not compile as draft 2020-12: {error}\n{schema:#}");
    }
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::new(schema).unwrap()
}

#[test]
fn the_validator_refuses_what_is_not_a_schema() {
    let misspelt = json!({"type": "objet"});
    assert!(jsonschema::draft202012::meta::validate(&misspelt).is_err());
    let dangling = json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}});
    assert!(jsonschema::draft202012::new(&dangling).is_err());
}

#[test]
fn anthropic_input_schemas_are_valid_draft_2020_12() {
    let tools = anthropic::tools(&every_tool());
    assert_eq!(tools.len(), 10);
    for tool in &tools {
        assert_valid_2020_12(&format!("{}", tool["name"]), &tool["input_schema"]);
    }
}

#[test]
fn mcp_input_and_output_schemas_are_valid_draft_2020_12_in_both_null_styles() {
    for nulls in [NullStyle::TypeArray, NullStyle::AnyOf] {
        let tools = mcp::tools_list(&every_tool(), nulls);
        assert_eq!(tools.len(), 10);
        for tool in &tools {
            let name = &tool["name"];
            assert_valid_2020_12(&format!("{name} input"), &tool["inputSchema"]);
            assert_eq!(tool["inputSchema"]["type"], "object");
            if let Some(output) = tool.get("outputSchema") {
                assert_valid_2020_12(&format!("{name} output"), output);
                assert_eq!(output["type"], "object");
            }
        }
    }
}

#[test]
fn openai_gemini_and_ollama_parameters_are_valid_schemas() {
    let every = every_tool();
    let inlinable = inlinable_tools();
    let mut parameters: Vec<(String, Value)> = Vec::new();
    for strict in [Strict::Off, Strict::OnOrFallback] {
        for tool in &openai::tools(&every, strict).unwrap() {
            let function = &tool["function"];
            parameters.push((
                format!("chat {}", function["name"]),
                function["parameters"].clone(),
            ));
        }
        for tool in &openai_responses::tools(&every, strict).unwrap() {
            parameters.push((
                format!("responses {}", tool["name"]),
                tool["parameters"].clone(),
            ));
        }
    }
    let json_schema = gemini::tools(&every, GeminiDialect::ParametersJsonSchema).unwrap();
    let subset = gemini::tools(&inlinable, GeminiDialect::Parameters).unwrap();
    for (dialect, key) in [
        (&json_schema, "parametersJsonSchema"),
        (&subset, "parameters"),
    ] {
        for declaration in dialect[0]["functionDeclarations"].as_array().unwrap() {
            if let Some(schema) = declaration.get(key) {
                parameters.push((format!("gemini {}", declaration["name"]), schema.clone()));
            }
        }
    }
    for tool in &ollama::tools(&inlinable).unwrap() {
        let function = &tool["function"];
        parameters.push((
            format!("ollama {}", function["name"]),
            function["parameters"].clone(),
        ));
    }
    assert_eq!(parameters.len(), 4 * 10 + 10 + 7 + 8);
    for (what, schema) in &parameters {
        assert_valid_2020_12(what, schema);
    }
}

#[test]
fn strict_schemas_take_nulls_for_optional_parameters_and_refuse_the_rest() {
    let toolbox = every_tool();
    let tools = openai::tools(&toolbox, Strict::OnOrFallback).unwrap();
    let strict = |name: &str| {
        let tool = tools
            .iter()
            .find(|tool| tool["function"]["name"] == name)
            .unwrap();
        assert_eq!(tool["function"]["strict"], json!(true));
        validator(&tool["function"]["parameters"])
    };
    let query = strict("query");
    assert!(query.is_valid(&json!({"filter": {"column": "a", "page": null}, "limit": null})));
    assert!(query.is_valid(&json!({"filter": {"column": "a", "page": {"offset": 3}}, "limit": 5})));
    assert!(!query.is_valid(&json!({"filter": {"column": "a", "page": null}})));
    assert!(!query.is_valid(&json!({"filter": {"column": "a"}, "limit": null})));
    assert!(!query.is_valid(&json!({"filter": {"column": "a", "page": null, "x": 1}, "limit": 1})));
    let describe = strict("describe");
    assert!(describe.is_valid(&json!({"shape": {"kind": "circle", "radius": 1.0}, "unit": null})));
    assert!(!describe.is_valid(&json!({"shape": {"kind": "oval", "radius": 1.0}, "unit": null})));
    assert!(
        !describe.is_valid(&json!({"shape": {"kind": "circle", "radius": 1.0}, "unit": "kelvin"}))
    );
}

#[test]
fn the_any_of_null_style_accepts_exactly_what_the_type_list_accepts() {
    let toolbox = every_tool();
    let schemas = |nulls| {
        let list = mcp::tools_list(&toolbox, nulls);
        let query = list
            .iter()
            .find(|tool| tool["name"] == "query")
            .unwrap()
            .clone();
        validator(&query["inputSchema"])
    };
    let (type_array, any_of) = (schemas(NullStyle::TypeArray), schemas(NullStyle::AnyOf));
    let instances = [
        json!({"filter": {"column": "a"}}),
        json!({"filter": {"column": "a", "page": null}, "limit": null}),
        json!({"filter": {"column": "a", "page": {"offset": 1}}, "limit": 3}),
        json!({"filter": {"column": ""}}),
        json!({"filter": {"column": "a"}, "limit": -1}),
        json!({"filter": {"column": "a"}, "limit": "3"}),
        json!({"filter": {"column": "a", "page": {"offset": null}}}),
    ];
    let verdicts: Vec<(bool, bool)> = instances
        .iter()
        .map(|instance| (type_array.is_valid(instance), any_of.is_valid(instance)))
        .collect();
    assert_eq!(
        verdicts,
        [
            (true, true),
            (true, true),
            (true, true),
            (false, false),
            (false, false),
            (false, false),
            (false, false),
        ]
    );
}

#[tokio::test]
async fn mcp_structured_content_conforms_to_the_output_schema() {
    let toolbox = every_tool();
    let list = mcp::tools_list(&toolbox, NullStyle::TypeArray);
    let results = toolbox
        .call_all([
            ToolCall::new("1", "weather", json!({"city": "Paris"})),
            ToolCall::new("2", "reports", json!({"count": 2})),
            ToolCall::new("3", "find", json!({"temp": 3})),
            ToolCall::new("4", "find", json!({"temp": -3})),
            ToolCall::new("5", "tag", json!({"items": ["a"], "labels": {"x": 1}})),
        ])
        .await;
    for result in &results {
        let tool = list
            .iter()
            .find(|tool| tool["name"] == result.name.as_str())
            .unwrap();
        let answer = mcp::write_result(&toolbox, result);
        let content = &answer["structuredContent"];
        assert!(content.is_object(), "{}: {answer}", result.name);
        assert!(
            validator(&tool["outputSchema"]).is_valid(content),
            "{}: {content} does not match {}",
            result.name,
            tool["outputSchema"]
        );
    }
}
