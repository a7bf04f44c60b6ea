//! The providers' official Python SDKs, at their newest versions, against our declarations
//! and readers: `google-genai`, `ollama`, `openai` (with `openai-agents`) and `anthropic`.
//!
//! Each SDK's client is driven with its HTTP transport replaced (no network, no key): a request
//! carrying our declarations (of tools with tricky signatures, one each) goes through the SDK's
//! own types and converters, and the tests check that it reaches the wire unchanged (except
//! what the ollama SDK's models lack: see `ollama_sdk_drops_only_what_its_tool_model_lacks`);
//! the SDK parses the model turns our readers accept into its own response types and finds the
//! calls we read; the model turns the SDK itself builds (sent back to its API, and written by
//! its serializers) are read by our readers; and what our writers write goes out unchanged.
//! OpenAI's strict declarations are also left as they are by the SDKs' strict converters
//! (openai's `_ensure_strict_json_schema`, openai-agents' `ensure_strict_json_schema`), and
//! Gemini's `parameters` by google-genai's `process_schema`.
//!
//! The SDKs are installed from PyPI into `tests/clients/.venv-providers` by `.ci/run` (or by
//! hand: `python3 -m venv tests/clients/.venv-providers && tests/clients/.venv-providers/bin/pip
//! install google-genai ollama openai openai-agents anthropic`). The driver,
//! `tests/clients/python/provider_sdks.py`, prints what each SDK did as JSON; these tests check
//! it. Without the SDKs, the tests say so and pass, except in CI (`CI=true`), where they fail.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tests::types::{Filter, Page, Shape, Tree, Unit};
use tool_runtime::providers::{
    GeminiDialect, Provider, Strict, anthropic, gemini, ollama, openai, openai_responses,
};
use tool_runtime::{Arguments, ToolCall, ToolRef, Toolbox, tool};

// ---------------------------------------------------------------------------------------------
// The tools: one tricky signature each.

/// A value that is a number or a text.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    /// A number.
    Number(f64),
    /// A text.
    Text(String),
}

/// A message, adjacently tagged.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "t", content = "c", rename_all = "snake_case")]
pub enum Message {
    /// Some text.
    Text(String),
    /// A count.
    Count(u32),
}

/// An edit, externally tagged: a unit variant, a newtype one and a struct one.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Edit {
    /// Clear everything.
    Clear,
    /// Insert a text.
    Insert(String),
    /// Move the cursor.
    MoveTo {
        /// Column.
        x: i32,
        /// Row.
        y: i32,
    },
}

/// A length in metres.
#[derive(Deserialize, JsonSchema)]
pub struct Metres(pub f64);

/// A user's id.
#[derive(Deserialize, JsonSchema)]
#[schemars(transparent)]
pub struct UserId(pub u64);

/// Settings with defaults.
#[derive(Deserialize, JsonSchema)]
pub struct Settings {
    /// How loud, from 0 to 11.
    #[serde(default)]
    #[schemars(range(max = 11))]
    pub volume: u8,
    /// The name shown.
    #[serde(default = "anonymous")]
    pub display_name: String,
}

fn anonymous() -> String {
    "anonymous".to_owned()
}

/// A query with its page flattened in.
#[derive(Deserialize, JsonSchema)]
pub struct Query {
    /// Text to find.
    pub text: String,
    /// The page.
    #[serde(flatten)]
    pub page: Page,
}

/// An expression: recursive, through a documented field.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Expr {
    /// A number.
    Num {
        /// Its value.
        value: f64,
    },
    /// The negation of an expression.
    Neg {
        /// The expression negated.
        inner: Box<Expr>,
    },
}

/// A linked list of names.
#[derive(Deserialize, JsonSchema)]
pub struct Node {
    /// This node's name.
    pub name: String,
    /// The next node, if any.
    pub next: Option<Box<Node>>,
}

/// Reads rows with a nested filter.
#[tool]
async fn nested(filter: Filter, page: Option<Page>) -> String {
    format!("{} {}", filter.column, page.map_or(0, |page| page.offset))
}

/// Converts units.
#[tool]
async fn units(units: Vec<Unit>, preferred: Option<Unit>) -> usize {
    units.len() + usize::from(preferred.is_some())
}

/// Draws shapes.
#[tool]
async fn shapes(shape: Shape, more: Vec<Shape>) -> usize {
    let _ = shape;
    more.len()
}

/// Takes enums of every tagging.
#[tool]
async fn enums(scalar: Scalar, message: Message, edits: Vec<Edit>) -> usize {
    let _ = (scalar, message);
    edits.len()
}

/// Tags items with labels.
#[tool]
async fn labels(labels: HashMap<String, u8>) -> usize {
    labels.len()
}

/// Draws a tree.
#[tool]
async fn tree(tree: Tree) -> usize {
    tree.children.len()
}

/// Measures.
#[tool]
async fn measure(
    length: Metres,
    user: UserId,
    point: (i32, i32),
    pair: Option<(String, u8)>,
) -> f64 {
    length.0 + user.0 as f64 + f64::from(point.0) + pair.map_or(0.0, |pair| f64::from(pair.1))
}

/// Counts with integers of every width.
#[tool]
#[allow(clippy::too_many_arguments)]
async fn integers(
    small: u8,
    signed: i8,
    big: u64,
    huge: i128,
    #[schemars(range(min = 1, max = 10))] bounded: u16,
    letter: char,
    ratio: f32,
    flag: bool,
) -> String {
    format!("{small} {signed} {big} {huge} {bounded} {letter} {ratio} {flag}")
}

/// Applies settings.
///
/// # Arguments
/// * `settings` - the settings to apply
/// * `query` - what to look for
#[tool]
async fn defaults(
    settings: Settings,
    query: Query,
    #[arg(default = 20, description = "Rows per page")] limit: u32,
    #[arg(rename = "sort_by")] order: Option<String>,
    #[arg(default)] tags: Vec<String>,
) -> String {
    format!(
        "{} {} {limit} {order:?} {tags:?}",
        settings.volume, query.text
    )
}

/// Answers anything.
#[tool]
async fn anything(value: Value, maybe: Option<Vec<Option<String>>>) -> String {
    format!("{value} {maybe:?}")
}

/// Evaluates an expression over a list.
#[tool]
async fn recursive(expr: Expr, list: Option<Node>) -> usize {
    let _ = expr;
    usize::from(list.is_some())
}

/// Takes optional unions, sets and bounded numbers.
#[tool]
async fn optional(
    shape: Option<Shape>,
    units: Vec<Option<Unit>>,
    ids: std::collections::BTreeSet<u8>,
    count: std::num::NonZeroU8,
    #[schemars(range(min = 0.0, max = 1.0))] share: f64,
    #[schemars(email)] email: Option<String>,
) -> usize {
    let _ = (shape, share, email);
    units.len() + ids.len() + usize::from(count.get())
}

/// Checks the server is up.
#[tool]
async fn ping() -> String {
    "pong".to_owned()
}

/// Get weather
#[tool]
async fn get_weather(
    #[schemars(length(min = 1, max = 100), regex(pattern = r"^[A-Za-z ]+$"))] location: String,
    unit: Option<Unit>,
) -> String {
    format!("Sunny in {location} ({})", unit.map_or("c", |_| "u"))
}

fn all_tools() -> Vec<ToolRef> {
    vec![
        nested::tool(),
        units::tool(),
        shapes::tool(),
        enums::tool(),
        labels::tool(),
        tree::tool(),
        measure::tool(),
        integers::tool(),
        defaults::tool(),
        anything::tool(),
        recursive::tool(),
        optional::tool(),
        ping::tool(),
        get_weather::tool(),
    ]
}

// ---------------------------------------------------------------------------------------------
// The declarations, each tool on its own, in every form.

/// One export, or why we refused it.
fn export<E: std::fmt::Display>(exported: Result<impl serde::Serialize, E>) -> Value {
    match exported {
        Ok(declarations) => serde_json::to_value(declarations).unwrap(),
        Err(error) => json!({"refused": error.to_string()}),
    }
}

fn declarations(tool: ToolRef) -> Value {
    let toolbox = Toolbox::builder().tool(tool).build().unwrap();
    json!({
        "openai": export(openai::tools(&toolbox, Strict::Off)),
        "openai_strict": export(openai::tools(&toolbox, Strict::On)),
        "responses": export(openai_responses::tools(&toolbox, Strict::Off)),
        "responses_strict": export(openai_responses::tools(&toolbox, Strict::On)),
        "anthropic": anthropic::tools(&toolbox),
        "gemini": export(gemini::tools(&toolbox, GeminiDialect::Parameters)),
        "gemini_json_schema": export(gemini::tools(&toolbox, GeminiDialect::ParametersJsonSchema)),
        "ollama": export(ollama::tools(&toolbox)),
    })
}

fn all_declarations() -> Map<String, Value> {
    all_tools()
        .into_iter()
        .map(|tool| (tool.spec().name.to_string(), declarations(tool)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Model turns our readers accept, one list per provider: the providers reference's golden
// examples, parallel calls, calls without ids or arguments, whole responses.

fn messages() -> Value {
    let gemini_turn = json!({"role": "model", "parts": [
        {"text": "Checking."},
        {"functionCall": {"id": "fc1", "name": "get_weather", "args": {"location": "Paris"}},
         "thoughtSignature": "c2ln"},
        {"functionCall": {"name": "ping"}}
    ]});
    let chat_turn = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\",\"unit\":null}"}},
        {"id": "call_2", "type": "function", "function": {"name": "ping", "arguments": "{}"}}
    ]});
    let responses_output = json!([
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
         "arguments": "{\"location\":\"Paris\"}", "status": "completed"},
        {"type": "function_call", "id": "fc_2", "call_id": "call_2", "name": "ping",
         "arguments": "{}", "status": "completed"}
    ]);
    let anthropic_turn = json!({"role": "assistant", "content": [
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Paris"}},
        {"type": "tool_use", "id": "toolu_2", "name": "ping", "input": {}}
    ]});
    let ollama_turn = json!({"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_1", "function": {"index": 0, "name": "get_weather",
                                      "arguments": {"location": "Paris"}}},
        {"function": {"index": 1, "name": "ping", "arguments": {}}}
    ]});
    json!({
        "gemini": [
            {"role": "model", "parts": [{"functionCall": {"id": "fc1", "name": "get_weather",
                "args": {"location": "Paris"}}, "thoughtSignature": "c2ln"}]},
            gemini_turn,
            {"candidates": [{"content": gemini_turn, "finishReason": "STOP", "index": 0}],
             "modelVersion": "gemini-3-pro", "responseId": "r1",
             "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7}},
            {"candidates": [{"finishReason": "SAFETY", "index": 0}]},
            {"candidates": [], "promptFeedback": {"blockReason": "SAFETY"}}
        ],
        "openai": [
            chat_turn,
            {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
             "choices": [{"index": 0, "finish_reason": "tool_calls", "logprobs": null,
                          "message": chat_turn}],
             "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}},
            {"role": "assistant", "content": "Sunny.", "refusal": null}
        ],
        "responses": [
            {"id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-4o",
             "status": "completed", "output": responses_output, "parallel_tool_calls": true,
             "tool_choice": "auto", "tools": []},
            responses_output,
            responses_output[1]
        ],
        "anthropic": [
            anthropic_turn,
            {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
             "content": anthropic_turn["content"], "stop_reason": "tool_use",
             "stop_sequence": null, "usage": {"input_tokens": 1, "output_tokens": 1}}
        ],
        "ollama": [
            ollama_turn,
            {"model": "llama3.2", "created_at": "2026-01-01T00:00:00Z", "message": ollama_turn,
             "done": true, "done_reason": "stop"}
        ]
    })
}

/// Our reader of each provider's model turns.
fn read(provider: &str, message: &Value) -> Vec<ToolCall> {
    let read = match provider {
        "gemini" => gemini::read_calls(message),
        "openai" => openai::read_calls(message),
        "responses" => openai_responses::read_calls(message),
        "anthropic" => anthropic::read_calls(message),
        "ollama" => ollama::read_calls(message),
        other => panic!("no reader for {other}"),
    };
    read.unwrap_or_else(|error| panic!("{provider} cannot read {message}: {error}"))
}

/// A call as the SDKs show it: the provider's id (none for one we made up), the name, and the
/// arguments as they came (JSON text, or a JSON object).
fn as_sdk_shows(provider: &str, call: &ToolCall) -> Value {
    assert_eq!(call.refusal, None, "{call:?}");
    let id = (!call.id.starts_with("synthesized-call-")).then_some(call.id.as_str());
    let arguments = match &call.arguments {
        Arguments::Text(text) => json!(text),
        Arguments::Json(value) => value.clone(),
    };
    if provider == "ollama" {
        // The ollama SDK's `Message.ToolCall` has no `id` (Ollama's server's `api.ToolCall` has
        // `ID`), so the SDK shows none.
        return json!({"name": call.name, "arguments": arguments});
    }
    json!({"id": id, "name": call.name, "arguments": arguments})
}

/// The tools the messages call.
fn weather_box() -> Toolbox {
    Toolbox::builder()
        .tools([get_weather::tool(), ping::tool()])
        .build()
        .unwrap()
}

/// What our writers write for the calls of the first message of each provider: results, and
/// for Gemini the model turn too, each list as one conversation.
async fn written() -> Value {
    let toolbox = weather_box();
    let all = messages();
    let mut written = Map::new();
    for (provider, listed) in all.as_object().unwrap() {
        let calls = read(provider, &listed[0]);
        let results = toolbox.call_all(calls.clone()).await;
        for result in &results {
            assert!(!result.output.is_error(), "{provider}: {result:?}");
        }
        let messages = match provider.as_str() {
            "gemini" => json!([gemini::write_calls(&calls), gemini::write_results(&results)]),
            "openai" => json!(openai::write_results(&results)),
            "responses" => json!(openai_responses::write_results(&results)),
            "anthropic" => json!([anthropic::write_results(&results)]),
            "ollama" => json!(ollama::write_results(&results)),
            other => panic!("no writer for {other}"),
        };
        written.insert(provider.clone(), messages);
    }
    Value::Object(written)
}

// ---------------------------------------------------------------------------------------------
// The driver.

fn venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/.venv-providers")
}

/// The packages the driver imports, as their folders in site-packages.
const PACKAGES: [&str; 5] = ["google/genai", "ollama", "openai", "agents", "anthropic"];

/// Whether every package the driver imports is installed in the venv.
fn installed() -> bool {
    PACKAGES
        .iter()
        .all(|package| tests::has_package(&venv(), package))
}

/// What the driver printed for `input`, or `None` (having said why) without the SDKs.
fn drive(input: &Value) -> Option<Value> {
    let python = venv().join("bin/python");
    if !python.exists() || !installed() {
        tests::skip_outside_ci(&format!(
            "the providers' SDKs are not installed in {}; .ci/run installs them from PyPI",
            venv().display()
        ));
        return None;
    }
    let input_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("provider_sdks_input.json");
    std::fs::write(&input_path, serde_json::to_vec_pretty(input).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/python/provider_sdks.py");
    let output = Command::new(python)
        .arg(script)
        .arg(&input_path)
        .stdin(Stdio::null())
        .output()
        .expect("the driver runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the driver failed:\n{stderr}");
    Some(
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "the driver printed no JSON ({error}):\n{}\n{stderr}",
                String::from_utf8_lossy(&output.stdout)
            )
        }),
    )
}

/// Runs `future` to its end on a runtime of its own (the tests here are plain tests, since the
/// findings are made once, by whichever test comes first).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The driver's findings on every tool's declarations and on the messages, run once.
fn seen() -> Option<&'static Value> {
    static SEEN: OnceLock<Option<Value>> = OnceLock::new();
    SEEN.get_or_init(|| {
        let written = block_on(written());
        let input = json!({
            "declarations": all_declarations(),
            "messages": messages(),
            "written": written,
        });
        drive(&input)
    })
    .as_ref()
}

/// The findings of the driver on `tool`'s declarations in `form`, which must have been taken.
fn taken<'a>(seen: &'a Value, part: &str, tool: &str, form: &str) -> &'a Value {
    let found = &seen[part][tool][form];
    assert_eq!(
        found["error"],
        Value::Null,
        "{part} {tool} {form}: {found:#}"
    );
    assert_eq!(
        found["warnings"],
        json!([]),
        "{part} {tool} {form}: {found:#}"
    );
    found
}

/// The forms of `tool` that we export (not refused).
fn exported<'a>(tool: &'a str, forms: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    let declarations = all_declarations();
    let refused: Vec<String> = forms
        .iter()
        .filter(|form| declarations[tool][**form].get("refused").is_some())
        .map(|form| (*form).to_owned())
        .collect();
    forms
        .iter()
        .copied()
        .filter(move |form| !refused.iter().any(|refused| refused == form))
}

fn tool_names() -> Vec<String> {
    all_tools()
        .iter()
        .map(|tool| tool.spec().name.to_string())
        .collect()
}

/// google-genai's `Tool` model, which forbids unknown fields, takes every declaration we export
/// for Gemini, in both dialects, and gives it back unchanged (types in upper case aside); a
/// `generate_content` request carrying it goes out. The SDK's own rewrite of a schema for the
/// Developer API (`process_schema`) takes our `parameters` and changes nothing in them but
/// the `propertyOrdering` it adds to objects of several properties (the order of their keys).
#[test]
fn gemini_takes_our_declarations_unchanged() {
    let Some(seen) = seen() else { return };
    for tool in tool_names() {
        for form in exported(&tool, &["gemini", "gemini_json_schema"]) {
            let found = taken(seen, "declarations", &tool, form);
            assert_eq!(found["changed"], json!([]), "{tool} {form}");
            for change in found["processed"].as_array().into_iter().flatten() {
                let change = change.as_str().unwrap();
                assert!(
                    change.ends_with("property_ordering (added)"),
                    "{tool}: {change}"
                );
            }
        }
    }
}

/// Where an export refuses a tool, `ToolboxBuilder::targets` refuses it too, when the toolbox
/// is built, for the same reasons; where an export takes it, the target takes it.
#[test]
fn targets_refuse_what_the_exports_refuse() {
    let declarations = all_declarations();
    let targets = [
        (Provider::OpenAiStrict, "openai_strict"),
        (Provider::Gemini, "gemini"),
        (Provider::Ollama, "ollama"),
    ];
    for tool in all_tools() {
        let name = tool.spec().name.to_string();
        for (target, form) in targets {
            let built = Toolbox::builder()
                .tool(tool.clone())
                .targets([target])
                .build();
            match declarations[&name][form].get("refused") {
                None => assert!(built.is_ok(), "{name} {target}: {:?}", built.err()),
                Some(refused) => {
                    let error = built.err().unwrap().to_string();
                    let reasons = refused.as_str().unwrap();
                    let reasons = reasons
                        .strip_prefix("the tools cannot be exported: ")
                        .unwrap();
                    assert_eq!(
                        error.strip_prefix("the toolbox could not be built: "),
                        Some(reasons),
                        "{name} {target}"
                    );
                }
            }
        }
    }
}

/// openai's param types declare every field of our Chat Completions and Responses declarations,
/// strict or not; the SDK sends them unchanged, and `.parse()`, which takes strict tools only,
/// takes the strict ones.
#[test]
fn openai_takes_our_declarations_unchanged() {
    let Some(seen) = seen() else { return };
    let forms = ["openai", "openai_strict", "responses", "responses_strict"];
    for tool in tool_names() {
        for form in exported(&tool, &forms) {
            let found = taken(seen, "declarations", &tool, form);
            assert_eq!(found["unknown"], json!([]), "{tool} {form}");
            assert_eq!(found["changed"], json!([]), "{tool} {form}");
        }
    }
}

/// Our strict declarations are already what the SDKs' strict converters make: openai's
/// `_ensure_strict_json_schema` (behind `to_strict_json_schema` and `pydantic_function_tool`)
/// and openai-agents' `ensure_strict_json_schema` leave their parameters as they are, and
/// openai-agents' strict `FunctionTool` with them converts to the same declaration.
#[test]
fn strict_declarations_are_left_as_they_are_by_the_sdks_strict_converters() {
    let Some(seen) = seen() else { return };
    for tool in tool_names() {
        for form in exported(&tool, &["openai_strict", "responses_strict"]) {
            let found = taken(seen, "strict", &tool, form);
            for converter in ["openai", "agents", "agents_tool"] {
                assert_eq!(found[converter], json!([]), "{tool} {form} {converter}");
            }
        }
    }
}

/// anthropic's `ToolParam` declares every field of our declarations, and the SDK sends them
/// unchanged.
#[test]
fn anthropic_takes_our_declarations_unchanged() {
    let Some(seen) = seen() else { return };
    for tool in tool_names() {
        let found = taken(seen, "declarations", &tool, "anthropic");
        assert_eq!(found["unknown"], json!([]), "{tool}");
        assert_eq!(found["changed"], json!([]), "{tool}");
    }
}

/// The ollama SDK's `Tool` model takes our declarations, but its `Property` knows only `type`,
/// `items`, `description` and `enum`, so it drops the `anyOf`, `properties` and `required` of
/// each parameter before sending: the SDK is behind Ollama's server, whose `api.ToolProperty`
/// has `AnyOf`, `Properties` and `Required` (ollama/ollama `api/types.go`; ollama-python issue
/// #724). Our declarations are sent to the server as they are; this checks that nothing else
/// is lost on the SDK's way.
#[test]
fn ollama_sdk_drops_only_what_its_tool_model_lacks() {
    let Some(seen) = seen() else { return };
    for tool in tool_names() {
        for form in exported(&tool, &["ollama"]) {
            let found = taken(seen, "declarations", &tool, form);
            for change in found["changed"].as_array().unwrap() {
                let change = change.as_str().unwrap();
                let lacking = change
                    .strip_prefix("/0/function/parameters/properties/")
                    .and_then(|rest| rest.split_once('/'))
                    .is_some_and(|(_, keyword)| {
                        [
                            "anyOf (dropped)",
                            "properties (dropped)",
                            "required (dropped)",
                        ]
                        .contains(&keyword)
                    });
                assert!(lacking, "{tool}: {change}");
            }
        }
    }
}

/// Each SDK's response types parse every model turn our readers accept, and find the calls we
/// read: the same ids (none where we made one up), names and arguments.
#[test]
fn the_sdks_read_the_turns_our_readers_accept_as_we_do() {
    let Some(seen) = seen() else { return };
    for (provider, listed) in messages().as_object().unwrap() {
        for (i, message) in listed.as_array().unwrap().iter().enumerate() {
            let found = &seen["parsed"][provider][i];
            assert_eq!(
                found["error"],
                Value::Null,
                "{provider} {message}: {found:#}"
            );
            let ours: Vec<Value> = read(provider, message)
                .iter()
                .map(|call| as_sdk_shows(provider, call))
                .collect();
            assert_eq!(found["calls"], json!(ours), "{provider} {message}");
        }
    }
}

/// Our readers read the model turns each SDK builds (sent back to its API, and written by its
/// own serializers) as the calls they are, and the calls run.
#[test]
fn our_readers_read_the_turns_the_sdks_build() {
    let Some(seen) = seen() else { return };
    let toolbox = weather_box();
    for (provider, built) in seen["built"].as_object().unwrap() {
        let ids: [Option<&str>; 2] = match provider.as_str() {
            "gemini" => [Some("fc1"), None],
            "openai" | "responses" => [Some("call_1"), Some("call_2")],
            "anthropic" => [Some("toolu_1"), Some("toolu_2")],
            // The ollama SDK's `Message.ToolCall` has no `id` (Ollama's server's `api.ToolCall`
            // has `ID`): it drops the ids of the response.
            _ => [None, None],
        };
        let expected: Vec<Value> = ids
            .iter()
            .zip([
                ("get_weather", json!({"location": "Paris"})),
                ("ping", json!({})),
            ])
            .map(|(id, (name, arguments))| json!({"id": id, "name": name, "arguments": arguments}))
            .collect();
        for (serialization, message) in built.as_object().unwrap() {
            let calls = read(provider, message);
            if serialization.starts_with("stopped") {
                assert_eq!(calls, [], "{provider} {serialization}");
                continue;
            }
            let shown: Vec<Value> = calls
                .iter()
                .map(|call| {
                    assert_eq!(call.refusal, None, "{provider} {serialization}: {call:?}");
                    let id = (!call.id.starts_with("synthesized-call-")).then_some(&call.id);
                    let arguments = match &call.arguments {
                        Arguments::Text(text) => serde_json::from_str(text).unwrap(),
                        Arguments::Json(Value::Null) => json!({}),
                        Arguments::Json(value) => value.clone(),
                    };
                    json!({"id": id, "name": call.name, "arguments": arguments})
                })
                .collect();
            assert_eq!(shown, expected, "{provider} {serialization}: {message}");
            for result in block_on(toolbox.call_all(calls)) {
                assert!(
                    !result.output.is_error(),
                    "{provider} {serialization}: {result:?}"
                );
            }
        }
    }
}

/// The SDKs take what our writers write: results (and Gemini's model turn) declare only the
/// fields of the SDKs' param types, and go out unchanged; except that the ollama SDK's
/// `Message` has no `tool_call_id` (Ollama's server's `api.Message` has `ToolCallID`), so it
/// drops it.
#[test]
fn the_sdks_take_what_our_writers_write() {
    let Some(seen) = seen() else { return };
    for (provider, found) in seen["written"].as_object().unwrap() {
        assert_eq!(found["error"], Value::Null, "{provider}: {found:#}");
        assert_eq!(found["warnings"], json!([]), "{provider}: {found:#}");
        assert_eq!(
            found.get("unknown").cloned().unwrap_or(json!([])),
            json!([]),
            "{provider}"
        );
        let changed = &found["changed"];
        if provider == "ollama" {
            assert_eq!(*changed, json!(["/0/tool_call_id (dropped)"]), "{provider}");
        } else {
            assert_eq!(*changed, json!([]), "{provider}");
        }
    }
}
