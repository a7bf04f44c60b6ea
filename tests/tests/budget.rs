//! The context budget: what each tool's declaration costs per provider, counted exactly (the
//! tests build `token-count`), and the build-time budget that warns or fails.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tool_runtime::providers::budget::{self, Counting, OverBudget, ToolCost};
use tool_runtime::providers::{
    GeminiDialect, NullStyle, Provider, Strict, anthropic, gemini, mcp, ollama, openai,
    openai_responses,
};
use tool_runtime::{BuildProblem, Toolbox, ToolboxBuilder, tool};

/// Adds two integers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Echoes a word.
#[tool]
async fn echo(word: String) -> String {
    word
}

/// Searches the shop's order history for the orders that match every filter given, newest
/// first, and lists each with its number, date, status and total.
///
/// # Arguments
/// * `customer` - the customer's id, as printed on their invoices
/// * `status` - only orders in this status: open, shipped, delivered or cancelled
/// * `since` - only orders placed on or after this date, as YYYY-MM-DD
/// * `limit` - at most this many orders
#[tool]
async fn search_orders(
    customer: String,
    status: Option<String>,
    since: Option<String>,
    limit: Option<u32>,
) -> String {
    format!("{customer} {status:?} {since:?} {limit:?}")
}

/// Counts labels.
#[tool]
async fn count_labels(labels: HashMap<String, u32>) -> usize {
    labels.len()
}

fn builder() -> ToolboxBuilder {
    Toolbox::builder()
        .tool(add::tool())
        .tool(echo::tool())
        .tool(search_orders::tool())
}

/// Each tool's entry in what the provider's module exports, written out per provider.
fn exported(toolbox: &Toolbox, provider: Provider) -> Vec<Value> {
    match provider {
        Provider::OpenAiChat => openai::tools(toolbox, Strict::Off).unwrap().to_vec(),
        Provider::OpenAiStrict => openai::tools(toolbox, Strict::OnOrFallback)
            .unwrap()
            .to_vec(),
        Provider::OpenAiResponses => openai_responses::tools(toolbox, Strict::Off)
            .unwrap()
            .to_vec(),
        Provider::Anthropic => anthropic::tools(toolbox).to_vec(),
        Provider::Gemini => {
            gemini::tools(toolbox, GeminiDialect::Parameters).unwrap()[0]["functionDeclarations"]
                .as_array()
                .unwrap()
                .clone()
        }
        Provider::Ollama => ollama::tools(toolbox).unwrap().to_vec(),
        Provider::Mcp => mcp::tools_list(toolbox, NullStyle::AnyOf).to_vec(),
        other => panic!("no export for {other}"),
    }
}

#[test]
fn the_tests_count_o200k_base_tokens() {
    assert_eq!(budget::COUNTING, Counting::Exact);
    assert_eq!(budget::tokens("hello world"), 2);
    assert_eq!(budget::tokens(""), 0);
}

#[test]
fn each_tools_cost_is_the_tokens_of_its_declaration_as_exported() {
    let toolbox = builder().build().unwrap();
    for provider in Provider::ALL {
        let declarations = budget::declarations(&toolbox, provider).unwrap();
        assert_eq!(declarations, exported(&toolbox, provider), "{provider}");
        let costs = budget::costs(&toolbox, provider).unwrap();
        let expected: Vec<ToolCost> = declarations
            .iter()
            .zip(["add", "echo", "search_orders"])
            .map(|(declaration, tool)| ToolCost {
                tool: tool.to_owned(),
                tokens: budget::tokens(&serde_json::to_string(declaration).unwrap()),
            })
            .collect();
        assert_eq!(costs, expected, "{provider}");
        // The documented tool costs the most everywhere.
        assert!(
            costs[2].tokens > 3 * costs[1].tokens,
            "{provider}: {costs:?}"
        );
    }
}

#[test]
fn a_failing_budget_names_the_total_the_budget_and_the_largest_tools() {
    let toolbox = builder().build().unwrap();
    let costs = budget::costs(&toolbox, Provider::OpenAiStrict).unwrap();
    let total: usize = costs.iter().map(|c| c.tokens).sum();

    let at_budget = builder()
        .token_budget(Provider::OpenAiStrict, total, OverBudget::Fail)
        .build();
    assert!(at_budget.is_ok());

    let error = builder()
        .tool(count_labels::tool())
        .token_budget(Provider::OpenAiStrict, total, OverBudget::Fail)
        .build()
        .unwrap_err();
    let [
        BuildProblem::OverBudget {
            provider,
            tokens,
            budget,
            largest,
        },
    ] = error.problems()
    else {
        panic!("{error}");
    };
    let with_labels = Toolbox::builder()
        .tool(count_labels::tool())
        .build()
        .unwrap();
    let labels = budget::costs(&with_labels, Provider::OpenAiStrict).unwrap()[0].tokens;
    assert_eq!(*provider, Provider::OpenAiStrict);
    assert_eq!(*tokens, total + labels);
    assert_eq!(*budget, total);
    // The three most expensive of the four, most expensive first.
    let mut expected = costs.clone();
    expected.push(ToolCost {
        tool: "count_labels".into(),
        tokens: labels,
    });
    expected.sort_by_key(|c| (std::cmp::Reverse(c.tokens), c.tool.clone()));
    expected.truncate(3);
    assert_eq!(largest, &expected);
    assert_eq!(
        error.problems()[0].to_string(),
        format!(
            "the tools' declarations to OpenAI strict mode take {} o200k_base tokens, over the \
             budget of {total}; the largest are {}; shorten their descriptions, or declare \
             fewer tools",
            total + labels,
            expected
                .iter()
                .map(|c| format!("{} ({})", c.tool, c.tokens))
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
}

/// Events logged at warn level, by message.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        if *event.metadata().level() == tracing::Level::WARN {
            let mut message = Message(String::new());
            event.record(&mut message);
            self.0.lock().unwrap().push(message.0);
        }
    }
}

/// What building with `builder` logs at warn level, and whether it built.
fn warnings_of(builder: ToolboxBuilder) -> (Vec<String>, bool) {
    use tracing_subscriber::layer::SubscriberExt;
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::registry().with(warnings.clone());
    let built = tracing::subscriber::with_default(subscriber, || builder.build().is_ok());
    let logged = warnings.0.lock().unwrap().clone();
    (logged, built)
}

#[test]
fn a_warning_budget_logs_one_warning_and_builds() {
    let (logged, built) =
        warnings_of(builder().token_budget(Provider::Anthropic, 10, OverBudget::Warn));
    assert!(built);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(
        logged[0].starts_with("the tools' declarations to Anthropic Messages take ")
            && logged[0].contains("over the budget of 10; the largest are search_orders ("),
        "{}",
        logged[0]
    );

    let (logged, built) =
        warnings_of(builder().token_budget(Provider::Anthropic, 100_000, OverBudget::Warn));
    assert!(built);
    assert_eq!(logged, Vec::<String>::new());
}

#[test]
fn a_budget_for_a_provider_the_tools_cannot_be_declared_to_reports_why() {
    let refused = Toolbox::builder()
        .tool(count_labels::tool())
        .token_budget(Provider::Gemini, 100_000, OverBudget::Fail)
        .build()
        .unwrap_err();
    assert!(
        matches!(&refused.problems()[0], BuildProblem::ProviderRule(v) if v.tool == "count_labels"),
        "{refused}"
    );

    let (logged, built) = warnings_of(Toolbox::builder().tool(count_labels::tool()).token_budget(
        Provider::Gemini,
        100_000,
        OverBudget::Warn,
    ));
    assert!(built);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].contains("count_labels"), "{}", logged[0]);
}
