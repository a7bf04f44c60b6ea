//! OpenAI strict mode: what the dialect makes of each kind of signature, and the tools it
//! cannot take, reported by name: declared non-strict by default, refused under `Strict::On`.
//! Every strict schema exported here goes through a checker of OpenAI's published rules.

mod openai_strict_rules;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use openai_strict_rules::problems;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tests::types::{Filter, Shape, Tree, Unit};
use tool_runtime::providers::{Issue, Provider, Rule, Strict, openai, openai_strict_schema};
use tool_runtime::{ToolRef, Toolbox, tool};

/// Queries the database.
#[tool]
async fn query(filter: Filter) -> String {
    format!(
        "{} {} {}",
        filter.column,
        filter.limit,
        filter.page.is_some()
    )
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

/// Tags items.
#[tool]
async fn tag(items: Vec<String>, labels: HashMap<String, u8>) -> usize {
    items.len() + labels.len()
}

/// Stores any value.
#[tool]
async fn store(key: String, value: Value) -> String {
    format!("{key}={value}")
}

/// Says what time it is.
#[tool]
async fn now() -> &'static str {
    "noon"
}

/// How rows are sorted. It has a default, but no `Serialize`: the schema cannot state it.
#[derive(Default, Deserialize, JsonSchema, Debug)]
#[serde(rename_all = "lowercase")]
enum Sort {
    #[default]
    Asc,
    Desc,
}

fn twenty() -> u32 {
    20
}

/// What a report reads.
#[derive(Deserialize, JsonSchema)]
struct Report {
    /// The rows to read.
    filter: Filter,
    /// How the report's rows are sorted.
    #[serde(default)]
    sort: Sort,
    /// Rows per page.
    #[serde(default = "twenty")]
    per_page: u32,
}

/// Reads a report.
///
/// # Arguments
/// * `report` - what to read
/// * `sort` - how the pages are sorted
/// * `tree` - the sections to include
#[tool]
async fn read_report(report: Report, #[arg(default)] sort: Sort, tree: Option<Tree>) -> String {
    format!(
        "{} {:?} {} {:?} {}",
        report.filter.column,
        report.sort,
        report.per_page,
        sort,
        tree.is_some()
    )
}

/// Checks the strict `parameters` of every OpenAI declaration marked `strict: true`, and
/// returns the names of the tools declared non-strict.
fn assert_strict_declarations(declarations: &[Value]) -> Vec<String> {
    let mut non_strict = Vec::new();
    for declaration in declarations {
        let function = &declaration["function"];
        let name = function["name"].as_str().unwrap().to_owned();
        if function["strict"] != Value::Bool(true) {
            non_strict.push(name);
            continue;
        }
        let found = problems(&function["parameters"]);
        assert!(
            found.is_empty(),
            "{name}'s strict schema breaks OpenAI's rules:\n{}\n{:#}",
            found.join("\n"),
            function["parameters"]
        );
    }
    non_strict
}

fn strict_parameters(tool: ToolRef) -> Value {
    let toolbox = Toolbox::builder().tool(tool).build().unwrap();
    let tools = openai::tools(&toolbox, Strict::On).unwrap();
    assert_eq!(tools[0]["function"]["strict"], json!(true));
    assert_strict_declarations(&tools);
    tools[0]["function"]["parameters"].clone()
}

#[test]
fn documented_struct_parameters_are_inlined_at_every_level_never_ref_with_siblings() {
    let parameters = strict_parameters(read_report::tool());
    let report = &parameters["properties"]["report"];
    assert_eq!(report["description"], json!("what to read"));
    assert_eq!(report["type"], json!("object"));
    assert_eq!(report["additionalProperties"], json!(false));
    let filter = &report["properties"]["filter"];
    assert_eq!(filter.get("$ref"), None, "{filter}");
    assert_eq!(filter["description"], json!("The rows to read."));
    assert_eq!(filter["required"], json!(["column", "limit", "page"]));
    // A `$ref` with nothing beside it stays a reference, as OpenAI allows.
    assert_eq!(
        filter["properties"]["page"]["anyOf"][0],
        json!({"$ref": "#/$defs/Page"})
    );
    assert_eq!(problems(&parameters), Vec::<String>::new());
}

#[test]
fn defaulted_parameters_are_required_and_never_nullable_at_every_level() {
    let parameters = strict_parameters(read_report::tool());
    let sort = json!({"type": "string", "enum": ["asc", "desc"]});
    let top = &parameters["properties"]["sort"];
    assert_eq!(top["description"], json!("how the pages are sorted"));
    assert_eq!((&top["type"], &top["enum"]), (&sort["type"], &sort["enum"]));
    assert_eq!(
        parameters["required"],
        json!(["report", "sort", "tree"]),
        "every property is required"
    );
    let report = &parameters["properties"]["report"];
    let nested = &report["properties"]["sort"];
    assert_eq!(
        nested["description"],
        json!("How the report's rows are sorted.")
    );
    assert_eq!(
        (&nested["type"], &nested["enum"]),
        (&sort["type"], &sort["enum"])
    );
    assert_eq!(
        report["properties"]["per_page"],
        json!({"description": "Rows per page. Default: 20.", "type": "integer", "minimum": 0})
    );
    assert_eq!(report["required"], json!(["filter", "sort", "per_page"]));
    // An `Option` stays nullable.
    assert_eq!(
        parameters["properties"]["tree"]["anyOf"][1],
        json!({"type": "null"})
    );
}

#[tokio::test]
async fn arguments_that_follow_the_strict_schema_are_accepted() {
    let toolbox = Toolbox::builder()
        .tool(read_report::tool())
        .build()
        .unwrap();
    let arguments = json!({
        "report": {
            "filter": {"column": "id", "limit": 5, "page": null},
            "sort": "desc",
            "per_page": 20
        },
        "sort": "asc",
        "tree": null
    });
    let output = toolbox.call("read_report", arguments).await;
    assert!(!output.is_error(), "{}", output.text());
    assert_eq!(output.text(), "id Desc 20 Asc false");
}

#[test]
fn every_strict_schema_exported_here_keeps_openai_rules() {
    let toolbox = Toolbox::builder()
        .tools([
            query::tool(),
            list_rows::tool(),
            describe::tool(),
            tag::tool(),
            store::tool(),
            now::tool(),
            read_report::tool(),
        ])
        .build()
        .unwrap();
    let tools = openai::tools(&toolbox, Strict::default()).unwrap();
    assert_eq!(assert_strict_declarations(&tools), ["store", "tag"]);
}

/// Warnings logged while it runs, as their fields.
fn warnings(run: impl FnOnce()) -> Vec<String> {
    use tracing_subscriber::layer::SubscriberExt;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Captured {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            struct Fields(String);
            impl tracing::field::Visit for Fields {
                fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                    self.0.push_str(&format!("{value:?}"));
                }
            }
            if *event.metadata().level() == tracing::Level::WARN {
                let mut fields = Fields(String::new());
                event.record(&mut fields);
                self.0.lock().unwrap().push(fields.0);
            }
        }
    }

    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(captured.clone());
    tracing::subscriber::with_default(subscriber, run);
    captured.0.lock().unwrap().clone()
}

#[test]
fn by_default_each_tool_is_strict_where_it_can_and_the_others_are_listed_in_one_warning() {
    assert_eq!(Strict::default(), Strict::OnOrFallback);
    let toolbox = Toolbox::builder()
        .tools([tag::tool(), store::tool(), now::tool()])
        .build()
        .unwrap();
    let logged = warnings(|| {
        let tools = openai::tools(&toolbox, Strict::default()).unwrap();
        let strict: Vec<&Value> = tools.iter().map(|t| &t["function"]["strict"]).collect();
        assert_eq!(strict, [&json!(true), &json!(false), &json!(false)]);
        openai::tools(&toolbox, Strict::default()).unwrap();
    });
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(
        logged[0].starts_with("some tools are declared to OpenAI non-strict"),
        "{}",
        logged[0]
    );
    assert!(
        logged[0].contains("tool store cannot be declared"),
        "{}",
        logged[0]
    );
    assert!(
        logged[0].contains("tool tag cannot be declared"),
        "{}",
        logged[0]
    );
}

#[test]
fn nested_structs_are_closed_and_every_property_required() {
    assert_eq!(
        strict_parameters(query::tool()),
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"filter": {"$ref": "#/$defs/Filter"}},
            "required": ["filter"],
            "$defs": {
                "Filter": {
                    "description": "Which rows to read.",
                    "type": "object",
                    "properties": {
                        "column": {"description": "Column to match.", "type": "string"},
                        "limit": {
                            "description": "At most this many rows.",
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 100
                        },
                        "page": {
                            "description": "Nested page settings.",
                            "anyOf": [{"$ref": "#/$defs/Page"}, {"type": "null"}]
                        }
                    },
                    "required": ["column", "limit", "page"],
                    "additionalProperties": false
                },
                "Page": {
                    "description": "A page of results.",
                    "type": "object",
                    "properties": {
                        "offset": {
                            "description": "First row, from zero.",
                            "type": "integer",
                            "minimum": 0
                        }
                    },
                    "required": ["offset"],
                    "additionalProperties": false
                }
            }
        })
    );
}

#[test]
fn optional_parameters_are_nullable_and_defaults_move_to_the_description() {
    assert_eq!(
        strict_parameters(list_rows::tool()),
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "table": {"type": "string", "description": "Table to read"},
                "offset": {"type": "integer", "minimum": 0, "description": "Default: 0."},
                "limit": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Rows per page. Default: 20."
                },
                "sort_by": {"type": ["string", "null"]},
                "columns": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Default: [\"id\"]."
                }
            },
            "required": ["table", "offset", "limit", "sort_by", "columns"]
        })
    );
}

#[tokio::test]
async fn a_defaulted_parameter_stays_usable_in_strict_mode() {
    let toolbox = Toolbox::builder().tool(list_rows::tool()).build().unwrap();
    let arguments =
        json!({"table": "t", "offset": 0, "limit": 20, "sort_by": null, "columns": ["id"]});
    assert_eq!(
        toolbox.call("list_rows", arguments).await.text(),
        "t 0 20 None [\"id\"]"
    );
}

#[tokio::test]
async fn absent_arguments_take_their_defaults_and_renamed_ones_their_new_name() {
    let toolbox = Toolbox::builder().tool(list_rows::tool()).build().unwrap();
    let text = |arguments| async { toolbox.call("list_rows", arguments).await.into_text() };
    assert_eq!(
        text(json!({"table": "t", "sort_by": "name"})).await,
        "t 0 20 Some(\"name\") [\"id\"]"
    );
    let by_rust_name = text(json!({"table": "t", "order": "name"})).await;
    assert!(
        by_rust_name.starts_with(
            "invalid arguments for list_rows: at `order`: unknown field `order`, expected one of"
        ),
        "{by_rust_name}"
    );
}

#[test]
fn one_of_becomes_any_of_and_const_a_one_value_enum() {
    let parameters = strict_parameters(describe::tool());
    assert_eq!(
        parameters["$defs"]["Unit"],
        json!({
            "description": "Temperature unit.",
            "anyOf": [
                {"description": "Degrees Celsius.", "type": "string", "enum": ["celsius"]},
                {"description": "Degrees Fahrenheit.", "type": "string", "enum": ["fahrenheit"]}
            ]
        })
    );
    assert_eq!(
        parameters["$defs"]["Shape"]["anyOf"][0],
        json!({
            "description": "A circle.",
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["circle"]},
                "radius": {"description": "Its radius.", "type": "number"}
            },
            "required": ["kind", "radius"],
            "additionalProperties": false
        })
    );
}

#[test]
fn a_tool_without_parameters_declares_an_empty_closed_object() {
    assert_eq!(
        strict_parameters(now::tool()),
        json!({"type": "object", "additionalProperties": false, "properties": {}, "required": []})
    );
}

#[test]
fn tools_that_cannot_be_strict_are_reported_by_name_with_the_reason() {
    let toolbox = Toolbox::builder()
        .tools([tag::tool(), store::tool(), now::tool()])
        .build()
        .unwrap();
    let error = openai::tools(&toolbox, Strict::On).unwrap_err();
    let found: Vec<(&str, &str, &Rule)> = error
        .violations()
        .iter()
        .map(|v| (v.tool.as_str(), v.path.as_str(), &v.rule))
        .collect();
    assert_eq!(
        found,
        [
            ("store", "/properties/value", &Rule::AnyValue),
            (
                "tag",
                "/properties/labels/additionalProperties",
                &Rule::FreeFormMap
            ),
        ]
    );
    assert!(
        error
            .violations()
            .iter()
            .all(|v| v.target == Provider::OpenAiStrict)
    );
    assert_eq!(
        error.violations()[1].to_string(),
        "tool tag cannot be declared for OpenAI strict mode: at \
         `/properties/labels/additionalProperties`, a map with free keys (`additionalProperties` \
         with a schema) cannot be declared; take a list of key/value pairs instead (or let it be \
         exported non-strict with Strict::OnOrFallback)"
    );
}

#[test]
fn on_request_the_tools_that_cannot_be_strict_are_exported_non_strict() {
    let toolbox = Toolbox::builder()
        .tools([tag::tool(), now::tool()])
        .build()
        .unwrap();
    let tools = openai::tools(&toolbox, Strict::OnOrFallback).unwrap();
    let strictness: Vec<(&Value, &Value)> = tools
        .iter()
        .map(|t| (&t["function"]["name"], &t["function"]["strict"]))
        .collect();
    assert_eq!(
        strictness,
        [
            (&json!("now"), &json!(true)),
            (&json!("tag"), &json!(false))
        ]
    );
    assert_eq!(
        tools[1]["function"]["parameters"],
        toolbox.spec("tag").unwrap().input_schema
    );
}

#[test]
fn every_place_strict_mode_cannot_express_is_reported_at_once() {
    let schema = json!({
        "type": "object",
        "properties": {
            "both": {"allOf": [{"type": "string"}, {"minLength": 2}]},
            "not_a": {"type": "string", "not": {"const": "a"}},
            "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
        }
    });
    let issue = |path: &str, keyword: &str| Issue {
        path: path.into(),
        rule: Rule::Inexpressible {
            keyword: keyword.into(),
        },
    };
    assert_eq!(
        openai_strict_schema(&schema).unwrap_err(),
        [
            issue("/properties/both/allOf", "allOf"),
            issue("/properties/not_a/not", "not"),
            issue("/properties/pair/prefixItems", "prefixItems"),
        ]
    );
    assert_eq!(
        openai_strict_schema(&json!({"anyOf": [{"type": "object"}]})).unwrap_err()[0],
        Issue {
            path: String::new(),
            rule: Rule::RootNotObject
        }
    );
}

#[test]
fn formats_outside_openai_list_are_dropped_and_the_others_kept() {
    let schema = json!({
        "type": "object",
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "id": {"type": "string", "format": "uuid"},
            "site": {"type": "string", "format": "uri"},
            "n": {"type": "integer", "format": "int64", "title": "N", "examples": [1]}
        },
        "required": ["at", "id", "site", "n"],
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Args"
    });
    assert_eq!(
        openai_strict_schema(&schema).unwrap(),
        json!({
            "type": "object",
            "properties": {
                "at": {"type": "string", "format": "date-time"},
                "id": {"type": "string", "format": "uuid"},
                "site": {"type": "string"},
                "n": {"type": "integer"}
            },
            "required": ["at", "id", "site", "n"],
            "additionalProperties": false
        })
    );
}
