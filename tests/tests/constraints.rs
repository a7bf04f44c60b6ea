//! What a tool's schema states, the tool gets: arguments that decode but break a constraint of
//! the schema (a bound, a length, a pattern, unique items, a fixed value, an unknown field of a
//! nested object) are refused with the path and the rule, and tools whose schema states
//! nothing serde does not check are not checked again.

// A tool takes as many arguments as the model fills in.
#![allow(clippy::too_many_arguments)]

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tool_runtime::__private::Constraints;
use tool_runtime::{ToolError, Toolbox, tool};

/// Which rows to read.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Filter {
    /// Column to match.
    #[schemars(length(min = 1, max = 8))]
    pub column: String,
    /// At most this many rows.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: u32,
}

/// How to match, flattened into its parent.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// Exactly.
    Exact {
        /// The value.
        value: String,
    },
    /// Within bounds.
    Range {
        /// Low bound.
        low: i64,
    },
}

/// A search with a flattened mode.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Search {
    /// The text.
    pub text: String,
    /// How to match.
    #[serde(flatten)]
    pub mode: Mode,
}

/// Moves by a bounded amount.
#[tool]
async fn shift(#[schemars(range(max = 1000))] delta: i64) -> i64 {
    delta
}

/// Reads rows.
#[tool]
async fn read_rows(filter: Filter, ids: Vec<Filter>) -> usize {
    filter.limit as usize + ids.len()
}

/// Every kind of constraint.
#[tool]
async fn constrained(
    #[schemars(range(min = -5))] low: Option<i32>,
    #[schemars(extend("exclusiveMinimum" = 0))] positive: Option<f64>,
    #[schemars(extend("multipleOf" = 5))] step: Option<u32>,
    #[schemars(length(max = 3))] short: Option<String>,
    #[schemars(regex(pattern = r"^[a-z]+$"))] word: Option<String>,
    #[schemars(length(min = 1, max = 2))] few: Option<Vec<u8>>,
    unique: Option<BTreeSet<u8>>,
    #[schemars(extend("enum" = ["red", "green"]))] colour: Option<String>,
    #[schemars(extend("const" = "v1"))] version: Option<String>,
) -> String {
    format!("{low:?}{positive:?}{step:?}{short:?}{word:?}{few:?}{unique:?}{colour:?}{version:?}")
}

/// Searches.
#[tool]
async fn search(search: Search) -> String {
    format!("{search:?}")
}

/// A rule whose pattern could take a model's text unbounded time.
#[tool]
async fn look_around(#[schemars(regex(pattern = r"^(?!admin)"))] user: String) -> String {
    user
}

/// Nothing but types: serde checks all of it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// X.
    pub x: u8,
    /// Y.
    pub y: i64,
}

/// Takes what serde checks alone.
#[tool]
async fn plain(
    name: String,
    count: u32,
    small: Option<u8>,
    tiny: i8,
    tags: Vec<String>,
    pair: (u16, String),
    weights: HashMap<String, f64>,
    point: Point,
    #[arg(default)] page: usize,
) -> String {
    format!("{name}{count}{small:?}{tiny}{tags:?}{pair:?}{weights:?}{point:?}{page}")
}

/// Rows to read, maybe.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Window {
    /// Column to match.
    pub column: String,
    /// At most this many rows.
    #[schemars(range(min = 1, max = 100))]
    pub limit: u32,
    /// Tags, a few.
    #[schemars(length(max = 3))]
    pub tags: Vec<String>,
}

/// A place.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Coords {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// A shape, tagged by its kind.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// A circle.
    Circle {
        /// Radius.
        #[schemars(range(max = 10))]
        radius: u32,
    },
    /// A square.
    Square {
        /// Side.
        side: u32,
    },
}

/// Queries rows.
#[tool]
async fn query(window: Option<Window>, place: Option<Coords>, shape: Option<Shape>) -> String {
    format!("{window:?}{place:?}{shape:?}")
}

/// What to aim at, in either of two forms.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Target {
    /// By number.
    Id {
        /// The number.
        #[schemars(range(max = 9))]
        id: u32,
    },
    /// By name.
    Name {
        /// The name.
        #[schemars(length(max = 3))]
        name: String,
    },
}

/// Aims.
#[tool]
async fn aim(target: Target) -> String {
    format!("{target:?}")
}

fn toolbox() -> Toolbox {
    Toolbox::builder()
        .tools([
            shift::tool(),
            read_rows::tool(),
            constrained::tool(),
            search::tool(),
            plain::tool(),
            query::tool(),
            aim::tool(),
        ])
        .build()
        .unwrap()
}

/// The model-facing text of a refused call, the same whether the arguments came as text or
/// as a value.
async fn refusal(name: &str, arguments: Value) -> String {
    let toolbox = toolbox();
    let as_value = toolbox.try_call(name, arguments.clone()).await;
    let as_text = toolbox.try_call(name, arguments.to_string()).await;
    assert_eq!(as_value, as_text, "{arguments}");
    match as_value {
        Err(error @ ToolError::InvalidArguments { .. }) => error.to_string(),
        other => panic!("{name} accepted {arguments}: {other:?}"),
    }
}

async fn accepted(name: &str, arguments: Value) -> String {
    let toolbox = toolbox();
    let as_text = toolbox.try_call(name, arguments.to_string()).await;
    match toolbox.try_call(name, arguments.clone()).await {
        Ok(value) => {
            assert_eq!(Ok(&value), as_text.as_ref(), "{arguments}");
            value.text
        }
        Err(error) => panic!("{name} refused {arguments}: {error}"),
    }
}

#[tokio::test]
async fn a_bound_the_schema_states_is_kept() {
    assert_eq!(
        refusal("shift", json!({"delta": 5000})).await,
        "invalid arguments for shift: at `delta`: 5000 is more than the maximum 1000. \
         Fix the arguments and call shift again."
    );
    assert_eq!(accepted("shift", json!({"delta": 1000})).await, "1000");
    assert_eq!(accepted("shift", json!({"delta": -5000})).await, "-5000");
}

#[tokio::test]
async fn nested_constraints_are_kept_with_their_path() {
    let filter = json!({"column": "a", "limit": 10});
    assert_eq!(
        refusal(
            "read_rows",
            json!({"filter": {"column": "a", "limit": 5000}, "ids": []})
        )
        .await,
        "invalid arguments for read_rows: at `filter.limit`: 5000 is more than the maximum \
         1000. Fix the arguments and call read_rows again."
    );
    let error = refusal(
        "read_rows",
        json!({"filter": filter, "ids": [filter, filter, {"column": "", "limit": 1}]}),
    )
    .await;
    assert!(
        error.contains("at `ids[2].column`: the text is shorter than the minimum of 1 characters"),
        "{error}"
    );
    let error = refusal(
        "read_rows",
        json!({"filter": {"column": "a", "limit": 0}, "ids": []}),
    );
    assert!(
        error
            .await
            .contains("at `filter.limit`: 0 is less than the minimum 1")
    );
    assert_eq!(
        accepted("read_rows", json!({"filter": filter, "ids": [filter]})).await,
        "11"
    );
}

#[tokio::test]
async fn unknown_fields_of_nested_objects_are_refused() {
    let error = refusal(
        "read_rows",
        json!({"filter": {"column": "a", "limit": 1, "sort": "asc"}, "ids": []}),
    )
    .await;
    assert_eq!(
        error,
        "invalid arguments for read_rows: at `filter`: unknown field `sort`, expected one of \
         `column`, `limit`. Fix the arguments and call read_rows again."
    );
    let error = refusal(
        "read_rows",
        json!({"filter": {"column": "a", "limit": 1}, "ids": [{"column": "a", "limit": 1, "x": 0}]}),
    )
    .await;
    assert!(error.contains("at `ids[0]`: unknown field `x`"), "{error}");
}

#[tokio::test]
async fn a_flattened_enum_keeps_its_fields_and_refuses_others() {
    let text = accepted(
        "search",
        json!({"search": {"text": "t", "mode": "range", "low": 3}}),
    )
    .await;
    assert!(text.contains("Range { low: 3 }"), "{text}");
    let error = refusal(
        "search",
        json!({"search": {"text": "t", "mode": "exact", "value": "v", "low": 3}}),
    )
    .await;
    assert!(
        error.contains("at `search`: unknown field `low`"),
        "{error}"
    );
}

#[tokio::test]
async fn every_kind_of_constraint_is_kept() {
    let cases = [
        (
            json!({"low": -6}),
            "at `low`: -6 is less than the minimum -5",
        ),
        (
            json!({"positive": 0.0}),
            "at `positive`: 0.0 is not more than 0",
        ),
        (json!({"step": 7}), "at `step`: 7 is not a multiple of 5"),
        (
            json!({"short": "ééééé"}),
            "at `short`: the text is longer than the maximum of 3 characters",
        ),
        (
            json!({"word": "Hello"}),
            r#"at `word`: "Hello" does not match the pattern "^[a-z]+$""#,
        ),
        (
            json!({"few": []}),
            "at `few`: the list has fewer than the minimum of 1 items",
        ),
        (
            json!({"few": [1, 2, 3]}),
            "at `few`: the list has more than the maximum of 2 items",
        ),
        (
            json!({"unique": [1, 1]}),
            "at `unique`: the list repeats an item; every item must be different",
        ),
        (
            json!({"colour": "blue"}),
            r#"at `colour`: "blue" is not one of the allowed values ["red","green"]"#,
        ),
        (
            json!({"version": "v2"}),
            r#"at `version`: "v2" is not the only allowed value, "v1""#,
        ),
    ];
    for (arguments, rule) in cases {
        let error = refusal("constrained", arguments.clone()).await;
        assert!(error.contains(rule), "{arguments}: {error}");
    }
    let all_kept = json!({
        "low": -5, "positive": 0.5, "step": 10, "short": "ééé", "word": "hello",
        "few": [1, 2], "unique": [1, 2], "colour": "red", "version": "v1"
    });
    accepted("constrained", all_kept).await;
    accepted("constrained", json!({})).await;
}

#[tokio::test]
async fn a_type_error_is_still_serdes() {
    // Decoding comes first: its message stands where it refuses.
    let error = refusal("shift", json!({"delta": "5000"})).await;
    assert!(error.contains("invalid type: string"), "{error}");
}

#[test]
fn tools_whose_schema_states_nothing_more_are_not_checked_again() {
    let toolbox = toolbox();
    let schema = |name: &str| toolbox.spec(name).unwrap().input_schema.clone();
    assert!(Constraints::compile(&schema("plain")).unwrap().is_none());
    for constrained in ["shift", "read_rows", "constrained", "search"] {
        assert!(
            Constraints::compile(&schema(constrained))
                .unwrap()
                .is_some(),
            "{constrained}"
        );
    }
}

#[tokio::test]
async fn a_long_hostile_text_is_checked_in_linear_time() {
    // The `regex` engine has no backtracking: a text built to make a backtracking engine
    // try every split of it is refused like any other.
    let toolbox = Toolbox::builder()
        .tool(constrained::tool())
        .build()
        .unwrap();
    let word = format!("{}!", "a".repeat(100_000));
    let error = toolbox
        .try_call("constrained", json!({ "word": word }))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("does not match the pattern"));
}

#[test]
#[should_panic(expected = "the input schema of the tool `look_around` cannot be checked")]
fn a_pattern_that_could_take_unbounded_time_is_refused_when_the_toolbox_is_built() {
    let _ = Toolbox::builder().tool(look_around::tool()).build();
}

#[tokio::test]
async fn constraints_inside_an_option_or_an_enum_variant_keep_their_path_and_rule() {
    let cases = [
        (
            json!({"window": {"column": "a", "limit": 5000, "tags": []}}),
            "at `window.limit`: 5000 is more than the maximum 100",
        ),
        (
            json!({"window": {"column": "a", "limit": 5, "tags": ["a", "b", "c", "d"]}}),
            "at `window.tags`: the list has more than the maximum of 3 items",
        ),
        (
            json!({"place": {"lat": 1, "lon": 2, "alt": 3}}),
            "at `place`: unknown field `alt`, expected one of `lat`, `lon`",
        ),
        (
            json!({"shape": {"kind": "circle", "radius": 1, "side": 3}}),
            "at `shape`: unknown field `side`, expected one of `kind`, `radius`",
        ),
        (
            json!({"shape": {"kind": "square", "side": 3, "radius": 1}}),
            "at `shape`: unknown field `radius`, expected one of `kind`, `side`",
        ),
        (
            json!({"shape": {"kind": "circle", "radius": 11}}),
            "at `shape.radius`: 11 is more than the maximum 10",
        ),
    ];
    for (arguments, rule) in cases {
        assert_eq!(
            refusal("query", arguments).await,
            format!("invalid arguments for query: {rule}. Fix the arguments and call query again.")
        );
    }
    let text = accepted(
        "query",
        json!({"window": null, "shape": {"kind": "square", "side": 30}}),
    )
    .await;
    assert_eq!(text, "NoneNoneSome(Square { side: 30 })");
}

#[tokio::test]
async fn an_untagged_enum_reports_the_form_the_value_got_furthest_into() {
    // `id` is right but too big; the other form also misses `name`.
    assert_eq!(
        refusal("aim", json!({"target": {"id": 10}})).await,
        "invalid arguments for aim: at `target.id`: 10 is more than the maximum 9. \
         Fix the arguments and call aim again."
    );
    // Both forms got as far: the answer says which forms there are.
    assert_eq!(
        refusal("aim", json!({"target": {"id": 10, "name": "abcd"}})).await,
        "invalid arguments for aim: at `target`: {\"id\":10,\"name\":\"abcd\"} matches none of \
         the forms allowed here: an object with `id` or an object with `name`. Fix the \
         arguments and call aim again."
    );
    assert_eq!(
        accepted("aim", json!({"target": {"name": "abc"}})).await,
        r#"Name { name: "abc" }"#
    );
}
