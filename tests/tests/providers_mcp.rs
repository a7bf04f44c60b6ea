//! MCP: the golden examples of the providers reference (tool, call, result), JSON-RPC ids and
//! errors, the nullable style, and output schemas (and results) wrapped under `result`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tool_runtime::providers::{NullStyle, mcp};
use tool_runtime::{
    Annotations, ArgumentsRef, BoxFuture, CallContext, Failure, State, Tool, ToolCall, ToolRef,
    ToolSpec, ToolValue, Toolbox, tool,
};

const TOOL: &str = r#"{"name":"get_weather","title":"Weather","description":"Get weather","inputSchema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]},"annotations":{"readOnlyHint":true,"openWorldHint":true}}"#;
const CALL: &str = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_weather","arguments":{"location":"Paris"}}}"#;
const RESULT: &str = r#"{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"{\"temp\":15}"}],"structuredContent":{"temp":15},"isError":false}}"#;

fn golden(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A result without a schema: structured content, no output schema.
#[derive(Serialize)]
pub struct Weather {
    pub temp: i32,
}

/// Get weather
#[tool(read_only, open_world)]
async fn get_weather(location: String) -> Weather {
    let _ = location;
    Weather { temp: 15 }
}

/// A tool with a human-readable title, which `#[tool]` does not set.
struct Titled(ToolRef, &'static str);

impl Tool for Titled {
    fn spec(&self) -> ToolSpec {
        let spec = self.0.spec();
        let annotations = Annotations {
            title: Some(self.1.to_owned()),
            ..spec.annotations.clone()
        };
        spec.with_annotations(annotations)
    }

    fn call<'a>(
        &'a self,
        arguments: ArgumentsRef<'a>,
        context: CallContext,
        state: &'a State,
    ) -> BoxFuture<'a, Result<ToolValue, Failure>> {
        self.0.call(arguments, context, state)
    }
}

fn toolbox() -> Toolbox {
    let weather = Titled(get_weather::tool(), "Weather");
    Toolbox::builder()
        .tool(std::sync::Arc::new(weather))
        .build()
        .unwrap()
}

#[test]
fn tool_is_the_golden_example_closed_to_unknown_arguments() {
    // `#[tool]` refuses arguments the function does not take, and says so in the schema.
    let mut expected = golden(TOOL);
    expected["inputSchema"]["additionalProperties"] = json!(false);
    assert_eq!(
        mcp::tools_list(&toolbox(), NullStyle::TypeArray),
        [expected]
    );
}

#[test]
fn calls_are_read_from_the_golden_request_or_its_params() {
    let expected = ToolCall::new("2", "get_weather", json!({"location": "Paris"}));
    assert_eq!(mcp::read_call(&golden(CALL)).unwrap(), expected);
    let params = json!({"name": "get_weather", "arguments": {"location": "Paris"}});
    assert_eq!(
        mcp::read_call(&params).unwrap(),
        ToolCall::new("", "get_weather", json!({"location": "Paris"}))
    );
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    assert_eq!(
        mcp::read_call(&list).unwrap_err().to_string(),
        "cannot read the MCP tools/call request: at `/method`, \"tools/list\" is not \
         \"tools/call\"; pass the JSON-RPC request or its params, as they came."
    );
}

#[tokio::test]
async fn round_trip_gives_the_golden_result() {
    let toolbox = toolbox();
    let call = mcp::read_call(&golden(CALL)).unwrap();
    let results = toolbox.call_all([call]).await;
    assert_eq!(mcp::write_response(&toolbox, &results[0]), golden(RESULT));
}

#[tokio::test]
async fn string_ids_come_back_as_strings_and_tool_errors_are_results() {
    let toolbox = toolbox();
    let request = json!({"jsonrpc": "2.0", "id": "req-7", "method": "tools/call",
                         "params": {"name": "get_weather", "arguments": {"city": "Paris"}}});
    let results = toolbox.call_all([mcp::read_call(&request).unwrap()]).await;
    assert_eq!(
        mcp::write_response(&toolbox, &results[0]),
        json!({"jsonrpc": "2.0", "id": "req-7", "result": {
            "content": [{"type": "text", "text":
                "invalid arguments for get_weather: at `city`: unknown field `city`, expected \
                 `location`. Fix the arguments and call get_weather again."}],
            "isError": true
        }})
    );
}

#[tokio::test]
async fn an_unknown_tool_is_a_json_rpc_error() {
    let toolbox = toolbox();
    let request = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                         "params": {"name": "get_wether", "arguments": {}}});
    let results = toolbox.call_all([mcp::read_call(&request).unwrap()]).await;
    assert_eq!(
        mcp::write_response(&toolbox, &results[0]),
        json!({"jsonrpc": "2.0", "id": 9, "error": {
            "code": -32602,
            "message": "unknown tool \"get_wether\". Did you mean \"get_weather\"? Available tools: get_weather."
        }})
    );
}

/// Which rows to read.
#[derive(Deserialize, JsonSchema)]
pub struct Filter {
    /// Column to match.
    pub column: String,
    /// Nested page settings.
    pub page: Option<Page>,
}

/// A page of results.
#[derive(Deserialize, JsonSchema)]
pub struct Page {
    /// First row, from zero.
    pub offset: Option<u64>,
}

/// Queries the database.
#[tool]
async fn query(filter: Filter, limit: Option<u32>) -> String {
    format!("{} {} {limit:?}", filter.column, filter.page.is_some())
}

#[test]
fn by_default_no_list_of_types_and_no_format_outside_json_schema() {
    assert_eq!(NullStyle::default(), NullStyle::AnyOf);
    let toolbox = Toolbox::builder().tool(query::tool()).build().unwrap();
    let list = mcp::tools_list(&toolbox, NullStyle::default());
    let schema = &list[0]["inputSchema"];
    assert_eq!(
        schema["properties"]["limit"],
        json!({"anyOf": [
            {"type": "integer", "minimum": 0, "maximum": u32::MAX},
            {"type": "null"}
        ]})
    );
    assert_eq!(
        schema["$defs"]["Page"]["properties"]["offset"],
        json!({
            "description": "First row, from zero.",
            "anyOf": [{"type": "integer", "minimum": 0, "maximum": u64::MAX}, {"type": "null"}]
        })
    );
    assert_eq!(
        schema["$defs"]["Filter"]["properties"]["page"],
        json!({
            "description": "Nested page settings.",
            "anyOf": [{"$ref": "#/$defs/Page"}, {"type": "null"}]
        })
    );
    let type_array = mcp::tools_list(&toolbox, NullStyle::TypeArray);
    assert_eq!(
        type_array[0]["inputSchema"]["properties"]["limit"],
        json!({"type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX})
    );
}

/// A weather report.
#[derive(Serialize, JsonSchema)]
pub struct Report {
    /// Degrees Celsius.
    pub temp: i32,
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

/// Gives a report.
#[tool]
async fn report(temp: i32) -> Report {
    Report { temp }
}

fn outputs() -> Toolbox {
    Toolbox::builder()
        .tools([reports::tool(), find::tool(), report::tool()])
        .build()
        .unwrap()
}

#[test]
fn output_schemas_that_are_not_objects_are_wrapped_under_result() {
    let list = mcp::tools_list(&outputs(), NullStyle::TypeArray);
    let report = json!({
        "description": "A weather report.",
        "type": "object",
        "properties": {"temp": {
            "description": "Degrees Celsius.",
            "type": "integer",
            "minimum": i32::MIN,
            "maximum": i32::MAX
        }},
        "required": ["temp"]
    });
    assert_eq!(
        list[2]["outputSchema"],
        json!({
            "type": "object",
            "properties": {"result": {"type": "array", "items": {"$ref": "#/$defs/Report"}}},
            "required": ["result"],
            "$defs": {"Report": report}
        })
    );
    assert_eq!(
        list[0]["outputSchema"],
        json!({
            "type": "object",
            "properties": {"result": {"anyOf": [{"$ref": "#/$defs/Report"}, {"type": "null"}]}},
            "required": ["result"],
            "$defs": {"Report": report}
        })
    );
    assert_eq!(list[1]["outputSchema"], report);
}

#[tokio::test]
async fn structured_content_is_wrapped_like_its_schema() {
    let toolbox = outputs();
    let results = toolbox
        .call_all([
            ToolCall::new("1", "reports", json!({"count": 2})),
            ToolCall::new("2", "find", json!({"temp": 15})),
            ToolCall::new("3", "report", json!({"temp": 15})),
        ])
        .await;
    let structured: Vec<Value> = results
        .iter()
        .map(|result| mcp::write_result(&toolbox, result)["structuredContent"].take())
        .collect();
    assert_eq!(
        structured,
        [
            json!({"result": [{"temp": 0}, {"temp": 1}]}),
            json!({"result": {"temp": 15}}),
            json!({"temp": 15}),
        ]
    );
}

/// A word, or a list of such values: a type that contains itself and is not an object.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Nested {
    /// A word.
    Word(String),
    /// A list.
    List(Vec<Nested>),
}

/// Puts a word inside lists.
#[tool]
async fn nest(word: String, depth: u32) -> Nested {
    (0..depth).fold(Nested::Word(word), |inner, _| Nested::List(vec![inner]))
}

/// The `$ref: "#"` by which such a type contains itself points to the root of its schema;
/// wrapped under `result`, it must point to `result`, or clients (which check structured
/// content against the output schema) refuse every result with a list in it.
#[tokio::test]
async fn a_wrapped_output_schema_keeps_its_references_to_itself() {
    let toolbox = Toolbox::builder().tool(nest::tool()).build().unwrap();
    let schema = &mcp::tools_list(&toolbox, NullStyle::AnyOf)[0]["outputSchema"];
    let list = &schema["properties"]["result"]["anyOf"][1];
    assert_eq!(
        list["items"],
        json!({"$ref": "#/properties/result"}),
        "{schema:#}"
    );
    let results = toolbox
        .call_all([ToolCall::new("1", "nest", json!({"word": "w", "depth": 2}))])
        .await;
    let structured = mcp::write_result(&toolbox, &results[0])["structuredContent"].take();
    assert_eq!(structured, json!({"result": [["w"]]}));
    let validator = jsonschema::draft202012::new(schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&structured)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{schema:#}");
}

/// MCP clients refuse a success without the structured content a tool's output schema
/// declares: a value cut to the toolbox's output limit makes the result an error, whose text
/// the model reads.
#[tokio::test]
async fn a_typed_result_cut_to_the_output_limit_is_an_error() {
    let toolbox = Toolbox::builder()
        .tool(reports::tool())
        .max_output_chars(100)
        .build()
        .unwrap();
    let results = toolbox
        .call_all([
            ToolCall::new("1", "reports", json!({"count": 2})),
            ToolCall::new("2", "reports", json!({"count": 50})),
        ])
        .await;
    let short = mcp::write_result(&toolbox, &results[0]);
    assert_eq!(short["isError"], false);
    assert_eq!(
        short["structuredContent"],
        json!({"result": [{"temp": 0}, {"temp": 1}]})
    );
    let cut = mcp::write_result(&toolbox, &results[1]);
    assert_eq!(cut["isError"], true);
    assert_eq!(cut.get("structuredContent"), None);
    let text = cut["content"][0]["text"].as_str().unwrap();
    assert!(text.ends_with("more characters not shown]"), "{text}");
}
