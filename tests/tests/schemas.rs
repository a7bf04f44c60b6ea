//! Golden tests: the exact JSON Schema and spec each kind of signature gives.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use tests::types::{Filter, Shape, Unit};
use tool_runtime::{Annotations, CallContext, ToolRef, ToolSpec, tool};

mod openai_strict_rules;

fn spec(tool: ToolRef) -> ToolSpec {
    tool.spec()
}

/// Fetch a web page and return the start of its body.
///
/// Only http and https are fetched.
///
/// # Arguments
/// * `url` - absolute http or https URL
/// * `max_chars` - how many characters to keep,
///   counted in Unicode scalar values
#[tool(timeout = "10s")]
async fn fetch_url(url: String, max_chars: Option<usize>) -> Result<String, std::io::Error> {
    Ok(format!("{url} {max_chars:?}"))
}

#[test]
fn primitives_options_and_documented_arguments() {
    let spec = spec(fetch_url::tool());
    assert_eq!(spec.name, "fetch_url");
    assert_eq!(
        spec.description,
        "Fetch a web page and return the start of its body.\n\nOnly http and https are fetched."
    );
    assert_eq!(spec.timeout, Some(Duration::from_secs(10)));
    assert_eq!(spec.output_schema, None);
    assert_eq!(
        spec.input_schema,
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "url": {"type": "string", "description": "absolute http or https URL"},
                "max_chars": {
                    "type": ["integer", "null"],
                    "format": "uint",
                    "minimum": 0,
                    "description": "how many characters to keep, counted in Unicode scalar values"
                }
            },
            "required": ["url"]
        })
    );
}

/// Lists rows.
#[tool]
async fn list_rows(
    #[arg(description = "Table to read")] table: String,
    #[arg(default)] offset: u32,
    #[arg(default = 20, description = "Rows per page")] limit: u32,
    #[arg(rename = "sort_by")] order: Option<String>,
    #[arg(default = vec!["id".to_owned()])] columns: Vec<String>,
) -> String {
    format!("{table} {offset} {limit} {order:?} {columns:?}")
}

#[test]
fn defaults_renames_and_argument_descriptions() {
    assert_eq!(
        spec(list_rows::tool()).input_schema,
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "table": {"type": "string", "description": "Table to read"},
                "offset": {"type": "integer", "format": "uint32", "minimum": 0, "default": 0},
                "limit": {
                    "type": "integer",
                    "format": "uint32",
                    "minimum": 0,
                    "default": 20,
                    "description": "Rows per page"
                },
                "sort_by": {"type": ["string", "null"]},
                "columns": {"type": "array", "items": {"type": "string"}, "default": ["id"]}
            },
            "required": ["table"]
        })
    );
}

/// Queries the database.
#[tool(name = "query_db", read_only)]
async fn query(filter: Filter) -> String {
    let page = filter.page.map_or(0, |p| p.offset);
    format!("{} {} {page}", filter.column, filter.limit)
}

#[test]
fn nested_structs_keep_their_constraints_and_docs() {
    let spec = spec(query::tool());
    assert_eq!(spec.name, "query_db");
    assert_eq!(
        spec.annotations,
        Annotations {
            read_only: Some(true),
            ..Annotations::default()
        }
    );
    assert_eq!(
        spec.input_schema,
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "filter": {"$ref": "#/$defs/Filter"}
            },
            "required": ["filter"],
            "$defs": {
                "Filter": {
                    "description": "Which rows to read.",
                    "type": "object",
                    "properties": {
                        "column": {
                            "description": "Column to match.",
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 64
                        },
                        "limit": {
                            "description": "At most this many rows.",
                            "type": "integer",
                            "format": "uint32",
                            "minimum": 1,
                            "maximum": 100
                        },
                        "page": {
                            "description": "Nested page settings.",
                            "anyOf": [{"$ref": "#/$defs/Page"}, {"type": "null"}]
                        }
                    },
                    "required": ["column", "limit"]
                },
                "Page": {
                    "description": "A page of results.",
                    "type": "object",
                    "properties": {
                        "offset": {
                            "description": "First row, from zero.",
                            "type": "integer",
                            "format": "uint64",
                            "minimum": 0
                        }
                    },
                    "required": ["offset"]
                }
            }
        })
    );
}

/// Describes a shape in a unit.
#[tool]
async fn describe(shape: Shape, unit: Unit) -> String {
    let size = match shape {
        Shape::Circle { radius } => radius,
        Shape::Square { side } => side,
    };
    let unit = match unit {
        Unit::Celsius => "C",
        Unit::Fahrenheit => "F",
    };
    format!("{size}{unit}")
}

#[test]
fn enums_with_doc_comments() {
    let schema = spec(describe::tool()).input_schema;
    assert_eq!(
        schema["$defs"]["Unit"],
        json!({
            "description": "Temperature unit.",
            "oneOf": [
                {"description": "Degrees Celsius.", "type": "string", "const": "celsius"},
                {"description": "Degrees Fahrenheit.", "type": "string", "const": "fahrenheit"}
            ]
        })
    );
    assert_eq!(
        schema["$defs"]["Shape"],
        json!({
            "description": "A shape to draw.",
            "oneOf": [
                {
                    "description": "A circle.",
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "const": "circle"},
                        "radius": {"description": "Its radius.", "type": "number", "format": "double"}
                    },
                    "required": ["kind", "radius"]
                },
                {
                    "description": "A square.",
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "const": "square"},
                        "side": {"description": "Its side.", "type": "number", "format": "double"}
                    },
                    "required": ["kind", "side"]
                }
            ]
        })
    );
    assert_eq!(schema["required"], json!(["shape", "unit"]));
}

/// Tags items.
#[tool]
async fn tag(items: Vec<String>, labels: HashMap<String, u8>, weights: Option<Vec<f32>>) -> usize {
    items.len() + labels.len() + weights.map_or(0, |w| w.len())
}

#[test]
fn collections() {
    assert_eq!(
        spec(tag::tool()).input_schema,
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "items": {"type": "array", "items": {"type": "string"}},
                "labels": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255}
                },
                "weights": {"type": ["array", "null"], "items": {"type": "number", "format": "float"}}
            },
            "required": ["items", "labels"]
        })
    );
}

/// A connection pool.
pub struct Pool;

/// Counts the rows of a table.
#[tool]
async fn count_rows(
    table: String,
    #[state] pool: &Pool,
    #[state] names: Arc<Vec<String>>,
    cx: &CallContext,
) -> u64 {
    let _ = (pool, names, cx);
    table.len() as u64
}

#[test]
fn state_and_context_are_not_arguments() {
    let tool = count_rows::tool();
    assert_eq!(
        tool.spec().input_schema,
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"table": {"type": "string"}},
            "required": ["table"]
        })
    );
    let needs: Vec<&str> = tool
        .state_requirements()
        .iter()
        .map(|r| r.type_name())
        .collect();
    assert_eq!(
        needs,
        ["schemas::Pool", "alloc::vec::Vec<alloc::string::String>"]
    );
}

/// Reports the time.
#[tool(
    description = "Says what time it is.",
    idempotent,
    destructive = false,
    open_world = false
)]
async fn now(cx: CallContext) -> &'static str {
    let _ = cx;
    "noon"
}

#[test]
fn no_arguments_and_every_hint() {
    let spec = spec(now::tool());
    assert_eq!(spec.description, "Says what time it is.");
    assert_eq!(
        spec.input_schema,
        json!({"type": "object", "additionalProperties": false})
    );
    assert_eq!(
        spec.annotations,
        Annotations {
            title: None,
            read_only: None,
            destructive: Some(false),
            idempotent: Some(true),
            open_world: Some(false),
        }
    );
}

/// A weather report.
#[derive(Serialize, JsonSchema)]
pub struct Report {
    /// Degrees Celsius.
    pub temperature: f32,
    /// Sky conditions.
    pub sky: String,
}

/// Gets the weather.
#[tool]
async fn weather(city: String) -> anyhow::Result<Report> {
    Ok(Report {
        temperature: 15.0,
        sky: city,
    })
}

/// A value that has no schema.
#[derive(Serialize)]
pub struct Untyped {
    pub value: u8,
}

/// Returns an untyped value.
#[tool]
fn untyped() -> Untyped {
    Untyped { value: 1 }
}

#[test]
fn output_schemas_follow_the_return_type() {
    assert_eq!(
        spec(weather::tool()).output_schema,
        Some(json!({
            "description": "A weather report.",
            "type": "object",
            "properties": {
                "temperature": {"description": "Degrees Celsius.", "type": "number", "format": "float"},
                "sky": {"description": "Sky conditions.", "type": "string"}
            },
            "required": ["temperature", "sky"]
        }))
    );
    assert_eq!(spec(untyped::tool()).output_schema, None);
    assert_eq!(spec(fetch_url::tool()).output_schema, None);
    assert_eq!(
        spec(tag::tool()).output_schema,
        Some(json!({"type": "integer", "format": "uint", "minimum": 0}))
    );
}

#[test]
fn properties_keep_declaration_order() {
    let schema = spec(list_rows::tool()).input_schema;
    let order: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(order, ["table", "offset", "limit", "sort_by", "columns"]);
}

/// Rolls dice.
#[tool]
async fn roll(
    #[schemars(range(min = 1, max = 20))] count: u8,
    #[serde(alias = "faces")]
    #[schemars(range(min = 2))]
    sides: u16,
) -> u32 {
    u32::from(count) * u32::from(sides)
}

#[tokio::test]
async fn serde_and_schemars_attributes_on_parameters_reach_the_schema_and_the_decoder() {
    assert_eq!(
        spec(roll::tool()).input_schema,
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "count": {"type": "integer", "format": "uint8", "minimum": 1, "maximum": 20},
                "sides": {"type": "integer", "format": "uint16", "minimum": 2, "maximum": 65535}
            },
            "required": ["count", "sides"]
        })
    );
    let toolbox = tool_runtime::Toolbox::builder()
        .tool(roll::tool())
        .build()
        .unwrap();
    assert_eq!(
        toolbox
            .call("roll", json!({"count": 2, "sides": 6}))
            .await
            .text(),
        "12"
    );
    // The model is told `sides`: a serde alias the schema does not state is refused, as the
    // schema says, so that what the decoder accepts is what the model was told.
    let aliased = toolbox.call("roll", json!({"count": 2, "faces": 6})).await;
    assert!(aliased.is_error());
    assert!(aliased.text().contains("\"sides\""), "{}", aliased.text());
}

/// One tool of each signature shape above.
fn signature_shapes() -> [ToolRef; 10] {
    [
        fetch_url::tool(),
        list_rows::tool(),
        query::tool(),
        describe::tool(),
        tag::tool(),
        count_rows::tool(),
        now::tool(),
        weather::tool(),
        untyped::tool(),
        roll::tool(),
    ]
}

#[test]
fn every_signature_shape_exports_a_strict_schema_that_keeps_openai_rules() {
    use tool_runtime::providers::openai_strict_schema;

    let mut non_strict = Vec::new();
    for tool in signature_shapes() {
        let spec = spec(tool);
        match openai_strict_schema(&spec.input_schema) {
            Ok(strict) => assert_eq!(
                openai_strict_rules::problems(&strict),
                Vec::<String>::new(),
                "{}: {strict:#}",
                spec.name
            ),
            Err(_) => non_strict.push(spec.name),
        }
    }
    assert_eq!(non_strict, ["tag"], "only the map cannot be strict");
}

#[test]
fn every_signature_shape_s_declarations_are_estimated_within_the_stated_bound() {
    use tool_runtime::providers::Provider;
    use tool_runtime::providers::budget::{self, ESTIMATE_ERROR_PERCENT};

    let toolbox = tool_runtime::Toolbox::builder()
        .tools(signature_shapes())
        .state(Pool)
        .state(Vec::<String>::new())
        .build()
        .unwrap();
    let mut measured = 0;
    for provider in Provider::ALL {
        // Gemini and Ollama cannot declare `tag`'s map: the other tools alone.
        let declarations = match budget::declarations(&toolbox, provider) {
            Ok(declarations) => declarations,
            Err(_) => {
                let others = tool_runtime::Toolbox::builder()
                    .tools(
                        signature_shapes()
                            .into_iter()
                            .filter(|t| t.spec().name != "tag"),
                    )
                    .state(Pool)
                    .state(Vec::<String>::new())
                    .build()
                    .unwrap();
                budget::declarations(&others, provider).unwrap()
            }
        };
        for declaration in declarations {
            let text = declaration.to_string();
            let (exact, estimate) = (budget::tokens(&text), budget::estimate(&text));
            assert!(
                exact.abs_diff(estimate) * 100 <= exact * ESTIMATE_ERROR_PERCENT,
                "{provider}: {exact} tokens, estimated {estimate}: {text}"
            );
            measured += 1;
        }
    }
    assert!(measured >= 65, "{measured}");
}
