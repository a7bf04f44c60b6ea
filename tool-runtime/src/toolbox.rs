//! The toolbox: tools, their specs (built once), their state, and the call settings.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

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

pub(crate) struct Inner {
    /// The tools, sorted by name.
    pub(crate) entries: Vec<Entry>,
    /// Where each name's entry is.
    pub(crate) index: HashMap<Box<str>, usize, foldhash::fast::RandomState>,
    pub(crate) state: State,
    pub(crate) policy: CallPolicy,
    /// The slots of [`ToolboxBuilder::concurrency_limit`], for batches.
    pub(crate) concurrency: Option<Semaphore>,
    /// The slots of [`ToolboxBuilder::max_blocking_calls`].
    pub(crate) blocking: Arc<Semaphore>,
    /// The declarations for each provider, built when first exported.
    pub(crate) declarations: crate::providers::DeclarationCache,
    /// The policy of [`ToolboxBuilder::approval`], when one is set.
    pub(crate) approval: Option<crate::Approval>,
}

/// The settings every call reads, as the builder set them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallPolicy {
    pub(crate) default_timeout: Duration,
    pub(crate) hide_error_details: bool,
    pub(crate) slow_poll: Option<Duration>,
    pub(crate) max_output_chars: Option<usize>,
    pub(crate) limits: Limits,
}

impl CallPolicy {
    /// When a call of a tool with `timeout` that started at `started` must be over, and the
    /// time it was given: its timeout (or the default), or its batch's if that ends first.
    pub(crate) fn deadline(
        &self,
        timeout: Option<Duration>,
        started: Instant,
        batch: Option<(Instant, Duration)>,
    ) -> (Instant, Duration) {
        let given = timeout.unwrap_or(self.default_timeout);
        let own = (after(started, given), given);
        match batch {
            Some(batch) if batch.0 < own.0 => batch,
            _ => own,
        }
    }
}

/// The instant `time` after `from`; for a time too long to add (`Duration::MAX`), one so far
/// off that it never comes.
pub(crate) fn after(from: Instant, time: Duration) -> Instant {
    const NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 3600);
    from.checked_add(time).unwrap_or(from + NEVER)
}

pub(crate) struct Entry {
    pub(crate) tool: ToolRef,
    pub(crate) spec: ToolSpec,
    /// The tool's own `max_concurrency`.
    pub(crate) limit: Option<Semaphore>,
    pub(crate) counters: Counters,
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
    /// The index of the entry of `name`.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Entry> {
        self.position(name).map(|i| &self.entries[i])
    }
}

impl fmt::Debug for Toolbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Toolbox")
            .field("tools", &self.specs().map(|s| &s.name).collect::<Vec<_>>())
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}
