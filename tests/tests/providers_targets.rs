//! Checked targets: `ToolboxBuilder::targets` refuses, when the toolbox is built, a tool that a
//! target provider cannot take, naming the tool, the place in its schema and the rule.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use tests::types::Tree;
use tool_runtime::providers::{Provider, Rule};
use tool_runtime::{
    ArgumentsRef, BoxFuture, BuildProblem, CallContext, Failure, State, Tool, ToolSpec, ToolValue,
    Toolbox, tool,
};

/// Get weather
#[tool]
async fn get_weather(location: String, days: Option<u8>) -> String {
    format!("{location} {days:?}")
}

/// Tags items.
#[tool]
async fn tag(items: Vec<String>, labels: HashMap<String, u8>) -> usize {
    items.len() + labels.len()
}

/// Draws a tree.
#[tool]
async fn draw(tree: Tree) -> usize {
    tree.children.len()
}

/// Moves to a point.
#[tool]
async fn move_to(point: (i32, i32)) -> i32 {
    point.0 + point.1
}

/// A tuple parameter is named a tuple, not by the keyword schemars writes for it.
#[test]
fn a_tuple_is_refused_as_a_tuple() {
    let error = Toolbox::builder()
        .tool(move_to::tool())
        .targets([Provider::Gemini])
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the toolbox could not be built: tool move_to cannot be declared for Gemini: at \
         `/properties/point/prefixItems`, a tuple (`prefixItems`) cannot be expressed; take a \
         struct with named fields instead (or declare it with \
         GeminiDialect::ParametersJsonSchema)"
    );
}

#[test]
fn tools_every_provider_takes_build() {
    let toolbox = Toolbox::builder()
        .tool(get_weather::tool())
        .targets(Provider::ALL)
        .build()
        .unwrap();
    assert_eq!(toolbox.len(), 1);
}

#[test]
fn each_tool_a_target_cannot_take_fails_the_build_with_the_place_and_the_rule() {
    let error = Toolbox::builder()
        .tools([get_weather::tool(), tag::tool(), draw::tool()])
        .targets([Provider::OpenAiStrict, Provider::Gemini])
        .build()
        .unwrap_err();
    let found: Vec<(&str, Provider, &str, &Rule)> = error
        .problems()
        .iter()
        .map(|problem| match problem {
            BuildProblem::ProviderRule(v) => (v.tool.as_str(), v.target, v.path.as_str(), &v.rule),
            other => panic!("unexpected problem: {other}"),
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "tag",
                Provider::OpenAiStrict,
                "/properties/labels/additionalProperties",
                &Rule::FreeFormMap
            ),
            (
                "tag",
                Provider::Gemini,
                "/properties/labels",
                &Rule::EmptyObject
            ),
            (
                "draw",
                Provider::Gemini,
                "/properties/tree/properties/children/items",
                &Rule::Recursive {
                    type_name: "Tree".into()
                }
            ),
        ]
    );
    assert_eq!(
        error.to_string(),
        "the toolbox could not be built: \
         tool tag cannot be declared for OpenAI strict mode: at \
         `/properties/labels/additionalProperties`, a map with free keys (`additionalProperties` \
         with a schema) cannot be declared; take a list of key/value pairs instead (or let it be \
         exported non-strict with Strict::OnOrFallback); \
         tool tag cannot be declared for Gemini: at `/properties/labels`, an object without named \
         properties (such as a map) is refused; give it named fields, or take a list of key/value \
         pairs (or declare it with GeminiDialect::ParametersJsonSchema); \
         tool draw cannot be declared for Gemini: at `/properties/tree/properties/children/items`, \
         the type `Tree` contains itself, so its references cannot be inlined; bound the nesting \
         with a separate, non-recursive type (or declare it with \
         GeminiDialect::ParametersJsonSchema)"
    );
}

#[test]
fn the_same_tools_build_for_providers_that_take_them() {
    let built = Toolbox::builder()
        .tools([tag::tool(), draw::tool()])
        .targets([Provider::Anthropic, Provider::Mcp, Provider::OpenAiChat])
        .build();
    assert!(built.is_ok());
}

/// A tool written by hand, with whatever name and schema it is given.
struct Raw(&'static str, Value);

impl Tool for Raw {
    fn spec(&self) -> ToolSpec {
        ToolSpec::new(self.0, "A raw tool.", self.1.clone())
    }

    fn call<'a>(
        &'a self,
        _arguments: ArgumentsRef<'a>,
        _context: CallContext,
        _state: &'a State,
    ) -> BoxFuture<'a, Result<ToolValue, Failure>> {
        Box::pin(async { Ok(ToolValue::text("ok")) })
    }
}

#[test]
fn names_and_roots_follow_each_provider() {
    let error = Toolbox::builder()
        .tool(Arc::new(Raw("files.read", json!({"type": "object"}))))
        .tool(Arc::new(Raw("list", json!({"type": "array"}))))
        .targets([Provider::Mcp, Provider::Anthropic])
        .build()
        .unwrap_err();
    let messages: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "tool files.read cannot be declared for Anthropic Messages: its name must match \
             `^[a-zA-Z0-9_-]{1,64}$`; rename it with #[tool(name = \"...\")]",
            "tool list cannot be declared for MCP: the parameters must be one object \
             (`\"type\": \"object\"`); declare them as the fields of a struct",
            "tool list cannot be declared for Anthropic Messages: the parameters must be one \
             object (`\"type\": \"object\"`); declare them as the fields of a struct",
        ]
    );
}
