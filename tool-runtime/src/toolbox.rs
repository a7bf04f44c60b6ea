//! The toolbox: tools, their specs (built once), their state, and the call settings.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::builder::{BuildError, Limits, ToolboxBuilder};
use crate::stats::{Counters, ToolStats};
use crate::{State, ToolRef, ToolSpec};

/// A set of tools ready to be called. Cheap to clone: clones share everything.
///
/// ```
/// use tool_runtime::{tool, Toolbox};
///
/// /// Says hello.
/// #[tool]
/// async fn greet(name: String) -> String {
///     format!("Hello, {name}!")
/// }
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let toolbox = Toolbox::builder().tool(greet::tool()).build().unwrap();
///     assert_eq!(toolbox.call("greet", r#"{"name":"Ada"}"#).await.text(), "Hello, Ada!");
///     assert_eq!(toolbox.specs().next().unwrap().name, "greet");
/// }
/// ```
#[derive(Clone)]
pub struct Toolbox {
    pub(crate) inner: Arc<Inner>,
}

/// Up to this many tools, a name is looked up by comparing it with each tool's.
const SCAN_UP_TO: usize = 8;

pub(crate) struct Inner {
    pub(crate) entries: Vec<Entry>,
    /// Where each name's entry is; foldhash, since every call looks a name up.
    pub(crate) index: HashMap<Box<str>, usize, foldhash::fast::RandomState>,
    pub(crate) state: State,
    pub(crate) default_timeout: Duration,
    pub(crate) hide_error_details: bool,
    pub(crate) concurrency: Option<Semaphore>,
    pub(crate) slow_poll: Option<Duration>,
    pub(crate) max_output_chars: Option<usize>,
    pub(crate) limits: Limits,
    /// The declarations for each provider, built when first exported.
    pub(crate) declarations: crate::providers::Declarations,
}

pub(crate) struct Entry {
    pub(crate) tool: ToolRef,
    pub(crate) spec: ToolSpec,
    /// The tool's own `max_concurrency`.
    pub(crate) limit: Option<Semaphore>,
    pub(crate) counters: Counters,
    /// [`Tool::reads_context`](crate::Tool::reads_context), asked once.
    pub(crate) reads_context: bool,
    /// [`Tool::catches_panics`](crate::Tool::catches_panics), asked once.
    pub(crate) catches_panics: bool,
}

impl Toolbox {
    /// Starts a toolbox.
    pub fn builder() -> ToolboxBuilder {
        ToolboxBuilder::default()
    }

    /// Every `#[tool]` linked into the binary, with default settings and no state. The same as
    /// `Toolbox::builder().registered().build()`: when a tool has `#[state]` parameters, it
    /// fails, saying which; give the state with the builder,
    /// `Toolbox::builder().registered().state(value).build()`.
    pub fn registered() -> Result<Toolbox, BuildError> {
        Toolbox::builder().registered().build()
    }

    /// The tools' declarations, sorted by name.
    pub fn specs(&self) -> impl ExactSizeIterator<Item = &ToolSpec> {
        self.inner.entries.iter().map(|e| &e.spec)
    }

    /// The declaration of the tool `name`.
    pub fn spec(&self, name: &str) -> Option<&ToolSpec> {
        self.inner.lookup(name).map(|e| &e.spec)
    }

    /// What the calls of the tool `name` came to so far.
    pub fn stats(&self, name: &str) -> Option<ToolStats> {
        self.inner.lookup(name).map(|e| e.counters.snapshot())
    }

    /// Every tool's counters, by name.
    pub fn all_stats(&self) -> impl Iterator<Item = (&str, ToolStats)> {
        self.inner
            .entries
            .iter()
            .map(|e| (e.spec.name.as_ref(), e.counters.snapshot()))
    }

    /// How many tools there are.
    pub fn len(&self) -> usize {
        self.inner.entries.len()
    }

    /// Whether there are no tools.
    pub fn is_empty(&self) -> bool {
        self.inner.entries.is_empty()
    }
}

impl Inner {
    /// The entry of `name` when a call of it needs nothing of the general path: no
    /// concurrency slot, no context, no panic catching of ours, and arguments within limits.
    /// A call that fails any of these takes the general path, which says why.
    #[inline]
    pub(crate) fn plain_entry(
        &self,
        name: &str,
        arguments: crate::ArgumentsRef<'_>,
    ) -> Option<&Entry> {
        let entry = self.lookup(name)?;
        let plain = entry.limit.is_none() && !entry.reads_context && entry.catches_panics;
        let within = arguments.check_limits(self.limits.argument_bytes, self.limits.nesting_depth);
        (plain && within.is_ok()).then_some(entry)
    }

    #[inline]
    pub(crate) fn lookup(&self, name: &str) -> Option<&Entry> {
        // A short list is faster to scan than a name is to hash.
        if self.entries.len() <= SCAN_UP_TO {
            return self.entries.iter().find(|e| e.spec.name == name);
        }
        self.index.get(name).map(|&i| &self.entries[i])
    }
}

impl fmt::Debug for Toolbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Toolbox")
            .field("tools", &self.specs().map(|s| &s.name).collect::<Vec<_>>())
            .field("default_timeout", &self.inner.default_timeout)
            .finish_non_exhaustive()
    }
}
