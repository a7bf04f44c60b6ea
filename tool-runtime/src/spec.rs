//! What a tool declares about itself: name, description, schemas, hints and timeout.

use std::borrow::Cow;
use std::time::Duration;

use serde_json::Value;

/// Everything a model or a client is told about a tool, built once when the toolbox is built.
///
/// `#[tool]` fills it in from the function; a hand-written [`Tool`](crate::Tool) builds one with
/// [`ToolSpec::new`].
///
/// ```
/// use std::time::Duration;
/// use tool_runtime::ToolSpec;
///
/// let spec = ToolSpec::new(
///     "ping",
///     "Answers pong.",
///     serde_json::json!({"type": "object", "properties": {}}),
/// )
/// .with_timeout(Duration::from_secs(1));
/// assert_eq!(spec.name, "ping");
/// assert_eq!(spec.timeout, Some(Duration::from_secs(1)));
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ToolSpec {
    /// The name the model calls the tool by (`^[a-zA-Z0-9_-]{1,64}$`).
    pub name: Cow<'static, str>,
    /// What the tool does, for the model.
    pub description: Cow<'static, str>,
    /// The JSON Schema (draft 2020-12) of the arguments object.
    pub input_schema: Value,
    /// The JSON Schema of structured results, when the tool returns a typed value.
    pub output_schema: Option<Value>,
    /// Hints for clients (MCP tool annotations).
    pub annotations: Annotations,
    /// How long one call may run; `None` uses the toolbox's default.
    pub timeout: Option<Duration>,
    /// In a batch, the call runs alone: after the calls before it, before the calls after it.
    pub sequential: bool,
    /// At most this many calls of the tool run at once, across the toolbox.
    pub max_concurrency: Option<usize>,
    /// How many times a call that failed transiently ([`Transient`](crate::Transient)) is
    /// tried again, within its deadline (at most 10); `None`: twice for a tool whose hints say
    /// it is idempotent or, failing that, read-only, never for another.
    #[serde(default)]
    pub retries: Option<u32>,
    /// The Rust path of the function that declares the tool (`my_crate::tools::search`), which
    /// build errors name; `#[tool]` sets it, a tool written by hand may leave it `None`.
    pub function: Option<Cow<'static, str>>,
}

impl ToolSpec {
    /// A spec with no output schema, no hints and the toolbox's default timeout.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        input_schema: Value,
    ) -> Self {
        ToolSpec {
            name: name.into(),
            description: description.into(),
            input_schema,
            output_schema: None,
            annotations: Annotations::default(),
            timeout: None,
            sequential: false,
            max_concurrency: None,
            retries: None,
            function: None,
        }
    }

    /// Sets the schema of structured results.
    pub fn with_output_schema(mut self, schema: Option<Value>) -> Self {
        self.output_schema = schema;
        self
    }

    /// Sets the hints.
    pub fn with_annotations(mut self, annotations: Annotations) -> Self {
        self.annotations = annotations;
        self
    }

    /// Sets the tool's own timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Makes the tool run alone within a batch.
    pub fn with_sequential(mut self, sequential: bool) -> Self {
        self.sequential = sequential;
        self
    }

    /// Caps how many calls of the tool run at once (at least one).
    pub fn with_max_concurrency(mut self, limit: usize) -> Self {
        self.max_concurrency = Some(limit.max(1));
        self
    }

    /// Sets how many times a call that failed transiently is tried again (`#[tool(retries =
    /// N)]`); `0` never retries, even an idempotent tool.
    ///
    /// ```
    /// use tool_runtime::ToolSpec;
    ///
    /// let spec = ToolSpec::new("send", "Sends a message.", serde_json::json!({"type": "object"}))
    ///     .with_retries(2);
    /// assert_eq!(spec.retries, Some(2));
    /// ```
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// Sets the Rust path of the function that declares the tool.
    pub fn with_function(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.function = Some(path.into());
        self
    }
}

/// Hints about a tool's behaviour, as MCP defines them. `None` leaves the client's default
/// (MCP: not read-only, destructive, not idempotent, open world).
///
/// ```
/// use tool_runtime::Annotations;
///
/// let hints = Annotations { read_only: Some(true), ..Annotations::default() };
/// assert_eq!(hints.destructive, None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Annotations {
    /// A human-readable title.
    pub title: Option<String>,
    /// The tool does not change its environment (`#[tool(read_only)]`).
    pub read_only: Option<bool>,
    /// The tool may destroy or overwrite data (`#[tool(destructive)]`).
    pub destructive: Option<bool>,
    /// Calling it twice with the same arguments has no further effect (`#[tool(idempotent)]`).
    pub idempotent: Option<bool>,
    /// The tool reaches an open world such as the web (`#[tool(open_world)]`).
    pub open_world: Option<bool>,
}
