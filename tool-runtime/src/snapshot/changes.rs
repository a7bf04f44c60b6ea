//! A change between a snapshot of a toolbox's declarations and the tools as they are now, and
//! whether it breaks the models, prompts and clients written against the snapshot.

use std::fmt;

use serde_json::Value;

/// One difference between a snapshot (see [`snapshot`](super::snapshot)) and the current
/// tools, found by [`compare`](super::compare).
///
/// ```
/// use tool_runtime::providers::{Change, ChangeKind, Part};
///
/// let change = Change {
///     tool: "get_weather".into(),
///     part: Part::Input,
///     path: "/properties/unit".into(),
///     kind: ChangeKind::EnumValueRemoved(serde_json::json!("k")),
/// };
/// assert!(change.is_breaking());
/// assert_eq!(
///     change.to_string(),
///     "tool get_weather, input at `/properties/unit`: enum value \"k\" removed (breaking)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The tool.
    pub tool: String,
    /// Which part of the declaration changed.
    pub part: Part,
    /// The JSON Pointer of the place in the (current) schema, along the parameters' nesting;
    /// empty for the tool itself or a schema's root.
    pub path: String,
    /// What changed.
    pub kind: ChangeKind,
}

/// The part of a declaration a [`Change`] is in.
///
/// ```
/// use tool_runtime::providers::Part;
///
/// assert_ne!(Part::Input, Part::Output);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The tool itself: its presence, description and hints.
    Tool,
    /// The input schema: what the model sends. Accepting less breaks.
    Input,
    /// The output schema: what clients read. Giving more (or other) breaks.
    Output,
}

/// What changed. Whether it breaks depends on the [`Part`]: see [`Change::is_breaking`].
///
/// ```
/// use tool_runtime::providers::ChangeKind;
///
/// let kind = ChangeKind::PropertyAdded { required: true };
/// assert_eq!(kind.to_string(), "property added, required");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangeKind {
    /// A tool that the snapshot lacks.
    ToolAdded,
    /// A tool of the snapshot that is gone.
    ToolRemoved,
    /// A description changed (the tool's, or a property's).
    DescriptionChanged,
    /// A hint (`readOnlyHint`, ..., or the `title`) changed.
    HintChanged {
        /// The hint's MCP name.
        hint: String,
    },
    /// The tool now has an output schema.
    SchemaAdded,
    /// The tool no longer has an output schema.
    SchemaRemoved,
    /// A property that the snapshot lacks.
    PropertyAdded {
        /// Whether it is required.
        required: bool,
    },
    /// A property of the snapshot that is gone.
    PropertyRemoved,
    /// A property that was optional is required.
    NowRequired,
    /// A property that was required is optional.
    NoLongerRequired,
    /// The types allowed are fewer (`null` no longer allowed, `number` now `integer`, ...).
    TypeNarrowed {
        /// The types before; empty for any type.
        from: Vec<String>,
        /// The types now.
        to: Vec<String>,
    },
    /// The types allowed are more.
    TypeWidened {
        /// The types before.
        from: Vec<String>,
        /// The types now; empty for any type.
        to: Vec<String>,
    },
    /// The types changed, neither fewer nor more.
    TypeChanged {
        /// The types before.
        from: Vec<String>,
        /// The types now.
        to: Vec<String>,
    },
    /// A value was added to an enum.
    EnumValueAdded(Value),
    /// A value was removed from an enum.
    EnumValueRemoved(Value),
    /// A constraint allows fewer values (a higher `minimum`, a new `enum` or `pattern`, fewer
    /// alternatives in `anyOf`, a closed object, ...).
    ConstraintTightened {
        /// The keyword.
        keyword: String,
    },
    /// A constraint allows more values.
    ConstraintLoosened {
        /// The keyword.
        keyword: String,
    },
    /// A constraint changed, neither tighter nor looser (another `pattern` or `format`).
    ConstraintChanged {
        /// The keyword.
        keyword: String,
    },
}

impl Change {
    /// Whether the change breaks what was written against the snapshot. For the input (what
    /// the model sends): a tool or property removed, a property newly required, a type
    /// narrowed, an enum value removed, a constraint tightened. For the output (what clients
    /// read), the reverse: a property removed or no longer required, a type widened, an enum
    /// value added, a constraint loosened, the schema removed. A changed type or constraint
    /// breaks both. Added tools, added optional parameters, descriptions and hints do not.
    ///
    /// ```
    /// use tool_runtime::providers::{Change, ChangeKind, Part};
    ///
    /// let added = |part| Change {
    ///     tool: "t".into(),
    ///     part,
    ///     path: "/properties/p".into(),
    ///     kind: ChangeKind::EnumValueAdded(serde_json::json!("x")),
    /// };
    /// assert!(!added(Part::Input).is_breaking());
    /// assert!(added(Part::Output).is_breaking());
    /// ```
    pub fn is_breaking(&self) -> bool {
        use ChangeKind::*;
        match (&self.kind, self.part) {
            (ToolRemoved | TypeChanged { .. } | ConstraintChanged { .. }, _) => true,
            (PropertyAdded { required }, Part::Input) => *required,
            (
                PropertyRemoved
                | NowRequired
                | TypeNarrowed { .. }
                | EnumValueRemoved(_)
                | ConstraintTightened { .. },
                Part::Input,
            ) => true,
            (
                SchemaRemoved
                | PropertyRemoved
                | NoLongerRequired
                | TypeWidened { .. }
                | EnumValueAdded(_)
                | ConstraintLoosened { .. },
                Part::Output,
            ) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tool {}", self.tool)?;
        let part = match self.part {
            Part::Tool => None,
            Part::Input => Some("input"),
            Part::Output => Some("output"),
        };
        match (part, self.path.as_str()) {
            (None, _) => f.write_str(": ")?,
            (Some(part), "") => write!(f, ", {part}: ")?,
            (Some(part), path) => write!(f, ", {part} at `{path}`: ")?,
        }
        let verdict = if self.is_breaking() {
            "breaking"
        } else {
            "compatible"
        };
        write!(f, "{} ({verdict})", self.kind)
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChangeKind::ToolAdded => f.write_str("added"),
            ChangeKind::ToolRemoved => f.write_str("removed"),
            ChangeKind::DescriptionChanged => f.write_str("description changed"),
            ChangeKind::HintChanged { hint } => write!(f, "hint `{hint}` changed"),
            ChangeKind::SchemaAdded => f.write_str("schema added"),
            ChangeKind::SchemaRemoved => f.write_str("schema removed"),
            ChangeKind::PropertyAdded { required: true } => f.write_str("property added, required"),
            ChangeKind::PropertyAdded { required: false } => {
                f.write_str("property added, optional")
            }
            ChangeKind::PropertyRemoved => f.write_str("property removed"),
            ChangeKind::NowRequired => f.write_str("now required"),
            ChangeKind::NoLongerRequired => f.write_str("no longer required"),
            ChangeKind::TypeNarrowed { from, to } => {
                write!(f, "type narrowed from {} to {}", types(from), types(to))
            }
            ChangeKind::TypeWidened { from, to } => {
                write!(f, "type widened from {} to {}", types(from), types(to))
            }
            ChangeKind::TypeChanged { from, to } => {
                write!(f, "type changed from {} to {}", types(from), types(to))
            }
            ChangeKind::EnumValueAdded(value) => write!(f, "enum value {value} added"),
            ChangeKind::EnumValueRemoved(value) => write!(f, "enum value {value} removed"),
            ChangeKind::ConstraintTightened { keyword } => write!(f, "`{keyword}` tightened"),
            ChangeKind::ConstraintLoosened { keyword } => write!(f, "`{keyword}` loosened"),
            ChangeKind::ConstraintChanged { keyword } => write!(f, "`{keyword}` changed"),
        }
    }
}

/// Types as read: `any`, `string`, or `integer | null`.
fn types(names: &[String]) -> String {
    if names.is_empty() {
        "any".to_owned()
    } else {
        names.join(" | ")
    }
}
