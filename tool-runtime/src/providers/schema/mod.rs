//! The toolkit the dialects share: walking a schema's subschemas (`walk`), reading and
//! rewriting one node (`node`), inlining `$ref`s (`inline`), the ways of writing null
//! (`nullable`), and what a dialect cannot express (`issue`).

pub(crate) mod inline;
pub(crate) mod node;
pub(crate) mod nullable;
pub(crate) mod walk;

mod issue;

pub use issue::{Issue, Rule};
