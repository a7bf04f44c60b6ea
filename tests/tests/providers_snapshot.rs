//! Snapshots of a toolbox's declarations, and the comparison that classifies every change
//! since a snapshot as breaking or compatible.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tests::types::Tree;
use tool_runtime::Toolbox;
use tool_runtime::providers::{ChangeKind, Part, compare, snapshot};

mod v1 {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Unit {
        C,
        F,
        K,
    }

    #[derive(Serialize, JsonSchema)]
    pub struct Hit {
        pub title: String,
        pub score: f32,
    }

    /// Get weather
    #[tool_runtime::tool(read_only)]
    pub async fn get_weather(location: String, unit: Option<Unit>) -> String {
        format!("{location} {}", unit.is_some())
    }

    /// Deletes a file.
    #[tool_runtime::tool(destructive)]
    pub async fn delete_file(path: String) -> String {
        path
    }

    /// Searches.
    #[tool_runtime::tool]
    pub async fn search(query: String, limit: Option<u32>) -> Vec<Hit> {
        let _ = (query, limit);
        Vec::new()
    }

    /// Forecasts.
    #[tool_runtime::tool]
    pub async fn forecast(days: u8, ratio: f64) -> String {
        format!("{days} {ratio}")
    }
}

mod v2 {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Unit {
        C,
        F,
        R,
    }

    #[derive(Serialize, JsonSchema)]
    pub struct Hit {
        pub title: String,
        pub url: String,
    }

    /// Get the weather
    #[tool_runtime::tool(read_only, open_world)]
    pub async fn get_weather(location: String, unit: Option<Unit>, days: Option<u8>) -> String {
        format!("{location} {} {days:?}", unit.is_some())
    }

    /// Searches.
    #[tool_runtime::tool]
    pub async fn search(query: String, limit: u32) -> Vec<Hit> {
        let _ = (query, limit);
        Vec::new()
    }

    /// Forecasts.
    #[tool_runtime::tool]
    pub async fn forecast(days: u8, ratio: i64, city: String) -> String {
        format!("{days} {ratio} {city}")
    }

    /// Translates.
    #[tool_runtime::tool]
    pub async fn translate(text: String) -> String {
        text
    }
}

fn before() -> Toolbox {
    Toolbox::builder()
        .tools([
            v1::get_weather::tool(),
            v1::delete_file::tool(),
            v1::search::tool(),
            v1::forecast::tool(),
        ])
        .build()
        .unwrap()
}

fn after() -> Toolbox {
    Toolbox::builder()
        .tools([
            v2::get_weather::tool(),
            v2::search::tool(),
            v2::forecast::tool(),
            v2::translate::tool(),
        ])
        .build()
        .unwrap()
}

#[test]
fn a_snapshot_holds_each_tool_by_name() {
    let toolbox = Toolbox::builder()
        .tools([v1::delete_file::tool(), v1::search::tool()])
        .build()
        .unwrap();
    assert_eq!(
        snapshot(&toolbox),
        json!({"tools": {
            "delete_file": {
                "description": "Deletes a file.",
                "annotations": {"destructiveHint": true},
                "input_schema": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {"path": {"type": "string"}},
                    "required": ["path"]
                }
            },
            "search": {
                "description": "Searches.",
                "input_schema": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "query": {"type": "string"},
                        "limit": {"type": ["integer", "null"], "format": "uint32", "minimum": 0}
                    },
                    "required": ["query"]
                },
                "output_schema": {
                    "type": "array",
                    "items": {"$ref": "#/$defs/Hit"},
                    "$defs": {"Hit": {
                        "type": "object",
                        "properties": {
                            "title": {"type": "string"},
                            "score": {"type": "number", "format": "float"}
                        },
                        "required": ["title", "score"]
                    }}
                }
            }
        }})
    );
}

#[test]
fn the_same_tools_have_no_changes() {
    let toolbox = before();
    assert_eq!(compare(&snapshot(&toolbox), &toolbox).unwrap(), []);
}

#[test]
fn every_change_is_classified_as_breaking_or_compatible() {
    let changes = compare(&snapshot(&before()), &after()).unwrap();
    let described: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        described,
        [
            "tool delete_file: removed (breaking)",
            "tool forecast, input at `/properties/ratio`: type narrowed from number to integer \
             (breaking)",
            "tool forecast, input at `/properties/ratio`: `format` changed (breaking)",
            "tool forecast, input at `/properties/city`: property added, required (breaking)",
            "tool get_weather: description changed (compatible)",
            "tool get_weather: hint `openWorldHint` changed (compatible)",
            "tool get_weather, input at `/properties/unit`: enum value \"k\" removed (breaking)",
            "tool get_weather, input at `/properties/unit`: enum value \"r\" added (compatible)",
            "tool get_weather, input at `/properties/days`: property added, optional (compatible)",
            "tool search, input at `/properties/limit`: now required (breaking)",
            "tool search, input at `/properties/limit`: type narrowed from integer | null to \
             integer (breaking)",
            "tool search, output at `/items/properties/score`: property removed (breaking)",
            "tool search, output at `/items/properties/url`: property added, required \
             (compatible)",
            "tool translate: added (compatible)",
        ]
    );
}

#[test]
fn output_changes_break_in_the_other_direction() {
    let changes = compare(&snapshot(&after()), &before()).unwrap();
    let search: Vec<(Part, &str, &ChangeKind, bool)> = changes
        .iter()
        .filter(|change| change.tool == "search")
        .map(|c| (c.part, c.path.as_str(), &c.kind, c.is_breaking()))
        .collect();
    assert_eq!(
        search,
        [
            (
                Part::Input,
                "/properties/limit",
                &ChangeKind::NoLongerRequired,
                false
            ),
            (
                Part::Input,
                "/properties/limit",
                &ChangeKind::TypeWidened {
                    from: vec!["integer".into()],
                    to: vec!["integer".into(), "null".into()]
                },
                false
            ),
            (
                Part::Output,
                "/items/properties/url",
                &ChangeKind::PropertyRemoved,
                true
            ),
            (
                Part::Output,
                "/items/properties/score",
                &ChangeKind::PropertyAdded { required: true },
                false
            ),
        ]
    );
}

/// A tree of names, with a size.
#[derive(Deserialize, JsonSchema)]
pub struct SizedTree {
    /// The node's name.
    pub name: String,
    /// Its size, at least one.
    #[schemars(range(min = 1))]
    pub size: u32,
    /// Its children.
    pub children: Vec<SizedTree>,
}

/// A report.
#[derive(Serialize, JsonSchema)]
pub struct Report {
    /// Its text.
    pub text: String,
}

mod recursive_v1 {
    use super::Tree;

    /// Draws a tree.
    #[tool_runtime::tool]
    pub async fn draw(tree: Tree) -> usize {
        tree.children.len()
    }

    /// Labels a tree.
    #[tool_runtime::tool]
    pub async fn label(tree: Tree) -> String {
        tree.name
    }
}

mod recursive_v2 {
    use super::{Report, SizedTree};

    /// Draws a tree.
    #[tool_runtime::tool]
    pub async fn draw(tree: SizedTree) -> Option<Report> {
        (tree.size > 1).then_some(Report { text: tree.name })
    }

    /// Labels a tree.
    #[tool_runtime::tool]
    pub async fn label(tree: SizedTree) -> usize {
        tree.name.len()
    }
}

#[test]
fn recursive_types_end_and_an_unrelated_type_is_one_change() {
    let old = Toolbox::builder()
        .tools([recursive_v1::draw::tool(), recursive_v1::label::tool()])
        .build()
        .unwrap();
    let new = Toolbox::builder()
        .tools([recursive_v2::draw::tool(), recursive_v2::label::tool()])
        .build()
        .unwrap();
    let described: Vec<String> = compare(&snapshot(&old), &new)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        described,
        [
            "tool draw, input at `/properties/tree`: description changed (compatible)",
            "tool draw, input at `/properties/tree/properties/size`: property added, required \
             (breaking)",
            "tool draw, output: type changed from integer to null | object (breaking)",
            "tool label, input at `/properties/tree`: description changed (compatible)",
            "tool label, input at `/properties/tree/properties/size`: property added, required \
             (breaking)",
            "tool label, output: schema added (compatible)",
        ]
    );
}

#[test]
fn a_snapshot_that_is_not_one_is_reported() {
    let toolbox = before();
    assert_eq!(
        compare(&json!({"get_weather": {}}), &toolbox)
            .unwrap_err()
            .to_string(),
        "cannot read the tool snapshot: at `/tools`, an object of tools is expected; make \
         snapshots with providers::snapshot and store them as they came."
    );
    assert_eq!(
        compare(
            &json!({"tools": {"get_weather": {"description": "x"}}}),
            &toolbox
        )
        .unwrap_err()
        .path(),
        "/tools/get_weather/input_schema"
    );
}
