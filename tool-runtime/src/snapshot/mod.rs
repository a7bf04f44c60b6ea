//! Snapshots of a toolbox's declarations, for tests that catch a change that would break the
//! models, prompts and clients written against them: [`snapshot`], and [`compare`] with the
//! [`Change`]s it finds (`changes`), schema by schema (`diff`). About a toolbox, not a
//! provider; its public paths are under [`providers`](crate::providers).

use serde_json::{Map, Value, json};

use crate::{ToolSpec, Toolbox};

use crate::providers::ReadError;
use crate::providers::mcp::hints;
use crate::providers::read::Reader;

use diff::diff_schemas;

mod changes;
mod diff;

pub use changes::{Change, ChangeKind, Part};

const READER: Reader = Reader {
    what: "tool snapshot",
    advice: "make snapshots with providers::snapshot and store them as they came",
};

/// What the toolbox declares, as one JSON value to store next to a crate's tests: under
/// `tools`, by name, each tool's `description`, `annotations` (its MCP hints and title, when
/// set), `input_schema` and `output_schema` (when it has one), as schemars wrote them.
/// [`compare`] tells what changed since.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::snapshot;
/// use tool_runtime::{tool, Toolbox};
///
/// /// Get weather
/// #[tool(read_only)]
/// async fn get_weather(location: String) -> String {
///     format!("Sunny in {location}")
/// }
///
/// # fn main() {
/// let toolbox = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
/// assert_eq!(
///     snapshot(&toolbox),
///     json!({"tools": {"get_weather": {
///         "description": "Get weather",
///         "annotations": {"readOnlyHint": true},
///         "input_schema": {
///             "type": "object",
///             "additionalProperties": false,
///             "properties": {"location": {"type": "string"}},
///             "required": ["location"]
///         }
///     }}})
/// );
/// # }
/// ```
pub fn snapshot(toolbox: &Toolbox) -> Value {
    let tools: Map<String, Value> = toolbox
        .specs()
        .map(|spec| (spec.name.to_string(), tool_snapshot(spec)))
        .collect();
    json!({"tools": tools})
}

fn tool_snapshot(spec: &ToolSpec) -> Value {
    let mut tool = Map::new();
    tool.insert("description".to_owned(), json!(spec.description));
    let mut annotations = hints(&spec.annotations);
    if let Some(title) = &spec.annotations.title {
        annotations.insert("title".to_owned(), json!(title));
    }
    if !annotations.is_empty() {
        tool.insert("annotations".to_owned(), Value::Object(annotations));
    }
    tool.insert("input_schema".to_owned(), spec.input_schema.clone());
    if let Some(output) = &spec.output_schema {
        tool.insert("output_schema".to_owned(), output.clone());
    }
    Value::Object(tool)
}

/// Every change from a `snapshot` (made by [`snapshot`], perhaps long ago) to the tools of
/// `toolbox`, tool by tool, each telling with [`Change::is_breaking`] whether it breaks what
/// was written against the snapshot.
///
/// ```
/// use serde_json::json;
/// use tool_runtime::providers::{compare, snapshot, ChangeKind};
/// use tool_runtime::{tool, Toolbox};
///
/// mod before {
///     /// Get weather
///     #[tool_runtime::tool]
///     pub async fn get_weather(location: String) -> String {
///         location
///     }
/// }
///
/// /// Get weather
/// #[tool]
/// async fn get_weather(location: String, days: u8) -> String {
///     format!("{location} {days}")
/// }
///
/// # fn main() {
/// let old = Toolbox::builder().tool(before::get_weather::tool()).build().unwrap();
/// let new = Toolbox::builder().tool(get_weather::tool()).build().unwrap();
/// let changes = compare(&snapshot(&old), &new).unwrap();
/// assert_eq!(changes.len(), 1);
/// assert_eq!(changes[0].kind, ChangeKind::PropertyAdded { required: true });
/// assert!(changes[0].is_breaking());
/// # }
/// ```
pub fn compare(snapshot: &Value, toolbox: &Toolbox) -> Result<Vec<Change>, ReadError> {
    let old_tools = match snapshot.get("tools") {
        Some(tools) => READER.object(tools, "/tools")?,
        None => return Err(READER.error("/tools", "an object of tools is expected")),
    };
    let mut changes = Vec::new();
    for (name, old) in old_tools {
        let path = format!("/tools/{name}");
        let input = READER.object(old, &path)?.get("input_schema");
        READER.object(
            input.unwrap_or(&Value::Null),
            &format!("{path}/input_schema"),
        )?;
        match toolbox.spec(name) {
            Some(spec) => changes.extend(diff_tool(name, old, &tool_snapshot(spec))),
            None => changes.push(tool_change(name, ChangeKind::ToolRemoved)),
        }
    }
    for spec in toolbox.specs() {
        if !old_tools.contains_key(spec.name.as_ref()) {
            changes.push(tool_change(&spec.name, ChangeKind::ToolAdded));
        }
    }
    Ok(changes)
}

/// The changes between two snapshots of one tool.
fn diff_tool(name: &str, old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    if old.get("description") != new.get("description") {
        changes.push(tool_change(name, ChangeKind::DescriptionChanged));
    }
    let annotations = |tool: &Value| {
        tool.get("annotations")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (old_hints, new_hints) = (annotations(old), annotations(new));
    let added = new_hints
        .keys()
        .filter(|hint| !old_hints.contains_key(*hint));
    for hint in old_hints.keys().chain(added) {
        if old_hints.get(hint) != new_hints.get(hint) {
            let hint = hint.clone();
            changes.push(tool_change(name, ChangeKind::HintChanged { hint }));
        }
    }
    changes.extend(diff_schemas(
        name,
        Part::Input,
        &old["input_schema"],
        &new["input_schema"],
    ));
    match (old.get("output_schema"), new.get("output_schema")) {
        (Some(old), Some(new)) => changes.extend(diff_schemas(name, Part::Output, old, new)),
        (None, Some(_)) => changes.push(output_change(name, ChangeKind::SchemaAdded)),
        (Some(_), None) => changes.push(output_change(name, ChangeKind::SchemaRemoved)),
        (None, None) => {}
    }
    changes
}

fn tool_change(name: &str, kind: ChangeKind) -> Change {
    Change {
        tool: name.to_owned(),
        part: Part::Tool,
        path: String::new(),
        kind,
    }
}

fn output_change(name: &str, kind: ChangeKind) -> Change {
    Change {
        part: Part::Output,
        ..tool_change(name, kind)
    }
}
