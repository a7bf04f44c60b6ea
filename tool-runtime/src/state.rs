//! Values the toolbox holds for `#[state]` parameters, one per type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

/// The toolbox's state: at most one value of each type, handed to `#[state]` parameters as
/// `&T` or `Arc<T>`.
///
/// ```
/// use tool_runtime::State;
///
/// let mut state = State::new();
/// state.insert(String::from("postgres://localhost"));
/// assert_eq!(state.get::<String>().map(String::as_str), Some("postgres://localhost"));
/// assert!(state.get::<u32>().is_none());
/// ```
#[derive(Clone, Default)]
pub struct State {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl State {
    /// An empty state.
    pub fn new() -> Self {
        State::default()
    }

    /// Stores `value`, replacing any earlier value of the same type.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.insert_arc(Arc::new(value));
    }

    /// Stores a shared value, replacing any earlier value of the same type.
    pub fn insert_arc<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        self.values.insert(TypeId::of::<T>(), value);
    }

    /// The value of type `T`.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.values.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// The value of type `T`, shared.
    pub fn get_arc<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.values.get(&TypeId::of::<T>())?.clone().downcast().ok()
    }

    /// Whether a value of the type `id` is stored.
    pub fn contains(&self, id: TypeId) -> bool {
        self.values.contains_key(&id)
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("values", &self.values.len())
            .finish()
    }
}
